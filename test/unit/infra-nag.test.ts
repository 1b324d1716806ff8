/**
 * cdk-nag's AWS Solutions checks on the CDK app (infra/). cdk-nag 3 is a CDK policy-validation plugin
 * (`Validations.of(app).addPlugins(...)`), not an Aspect: findings no longer appear as annotations, they
 * fail the synth and land in the assembly's validation report. So this file asserts on the pack's own
 * report (errors and warnings separately), on a synth with the plugin registered, and on the list of
 * acknowledged rules, each of which must carry a reason.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations, type App, type PolicyViolation } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createMemoryApp } from '../../infra/memory-app';

const outdirs: string[] = [];

/** Bundling is skipped: nag inspects resources, and the handler code does not change them. */
function buildApp(context: Record<string, unknown> = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'infra-nag-'));
  outdirs.push(outdir);
  return createMemoryApp({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com', ...context }, outdir }).app;
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** What the pack reports for an app: rule and resource paths, split by severity. */
function findings(app: App): { errors: string[]; warnings: string[] } {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
  const describe = (v: PolicyViolation): string => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`;
  return {
    errors: report.violations.filter((v) => v.severity === 'error').map(describe),
    warnings: report.violations.filter((v) => v.severity !== 'error').map(describe),
  };
}

/** Every acknowledged AwsSolutions rule in the app: rule id → reasons (one per acknowledging construct). */
function acknowledgments(app: App): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        const id = key.replace(/^annotation::/i, '');
        if (!id.startsWith('AwsSolutions-')) continue;
        // The table's logical id is part of the IAM5 finding; the rule is what matters here.
        const rule = id.replace(/<[A-Za-z0-9]+\.Arn>/, '<table>');
        found.set(rule, [...(found.get(rule) ?? []), reason]);
      }
    }
  }
  return found;
}

describe.each([
  ['Anthropic API', {}],
  ['Bedrock inference profile', { modelProvider: 'bedrock', anthropicModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }],
])('AwsSolutions checks, %s variant', (_name, context) => {
  let app: App;
  beforeAll(() => {
    app = buildApp(context);
  });

  it('report no unacknowledged error', () => {
    expect(findings(app).errors).toEqual([]);
  });

  it('report no unacknowledged warning', () => {
    expect(findings(app).warnings).toEqual([]);
  });

  it('let the app synthesize with the plugin registered, writing an empty validation report', () => {
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName?: string; violations?: unknown[] }[];
    };
    const nag = report.pluginReports.filter((r) => JSON.stringify(r).includes('AwsSolutions'));
    expect(nag).toEqual([]);
  });
});

describe('the checks are live', () => {
  it('an unencrypted queue without a DLQ fails the synth with AwsSolutions findings', () => {
    const app = buildApp();
    const stack = app.node.children.find((c) => c.node.id === 'DurableMemory')!;
    new sqs.Queue(stack, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(findings(app).errors.join('\n')).toMatch(/AwsSolutions-SQS[234]/);
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});

describe('acknowledged rules', () => {
  it('are exactly the reviewed list, each with a reason specific to this system', () => {
    const all = new Map([
      ...acknowledgments(buildApp()),
      ...acknowledgments(buildApp({ modelProvider: 'bedrock', anthropicModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' })),
    ]);
    expect([...all.keys()].sort()).toEqual(
      [
        // Node 22 pinned to match the worker image.
        'AwsSolutions-L1',
        // Third-party API keys cannot be rotated by a Lambda.
        'AwsSolutions-SMG4',
        // Non-secret configuration in the container environment.
        'AwsSolutions-ECS2',
        // ecr:GetAuthorizationToken requires Resource "*".
        'AwsSolutions-IAM5[Resource::*]',
        // <table>/index/*: the table's own secondary indexes.
        'AwsSolutions-IAM5[Resource::<table>/index/*]',
        // Cross-region inference profile: the model in any region of its geography, only through the profile.
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0]',
        // Alarm topic: no memory data, and CloudWatch cannot use the AWS-managed SNS key.
        'AwsSolutions-SNS2',
      ].sort(),
    );
    for (const [rule, reasons] of all) {
      for (const reason of reasons) {
        expect({ rule, reasonLength: reason.length >= 80 }).toEqual({ rule, reasonLength: true });
      }
    }
  });
});
