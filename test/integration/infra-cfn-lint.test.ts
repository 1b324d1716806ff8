/**
 * The synthesized CloudFormation template (infra/) passes cfn-lint, AWS's template linter, offline: resource
 * schemas, property values, IAM policy syntax, references. cfn-lint comes from `npm run setup`
 * (scripts/setup-tools.sh installs it into .tools/venv); without it this test fails rather than skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createMemoryApp } from '../../infra/memory-app';

const CFN_LINT = resolve(__dirname, '../../.tools/venv/bin/cfn-lint');

/** Regions the environment-agnostic template is checked against (resource and property availability differs). */
const REGIONS = ['us-east-1', 'eu-west-1'];

interface Finding {
  Level: string;
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] };
}

/**
 * Findings that are CDK's doing and harmless: Lambda's L2 adds an explicit DependsOn on the function's role
 * next to the `Fn::GetAtt` of that role (W3005: redundant dependency). Nothing else is tolerated.
 */
function tolerated(finding: Finding): boolean {
  return finding.Rule.Id === 'W3005' && /dependency already enforced by a 'GetAtt' at 'Resources\/\w+\/Properties\/Role'/.test(finding.Message);
}

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'infra-cfn-lint-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function lint(name: string, context: Record<string, unknown>): Finding[] {
  if (!existsSync(CFN_LINT)) {
    throw new Error(`cfn-lint is missing at ${CFN_LINT}: run \`npm run setup\` (scripts/setup-tools.sh installs cfn-lint into .tools/venv)`);
  }
  // Bundling skipped: the handler code does not change the template, only the asset hashes in it.
  const { stack } = createMemoryApp({ context: { 'aws:cdk:bundling-stacks': [], ...context }, outdir: join(workDir, `${name}.out`) });
  const file = join(workDir, `${name}.template.json`);
  writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), null, 1));
  const run = spawnSync(CFN_LINT, ['--format', 'json', '--non-zero-exit-code', 'informational', '--regions', ...REGIONS, '--', file], { encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.stdout.trim() === '') throw new Error(`cfn-lint printed no report (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Finding[];
}

const summary = (findings: Finding[]): string[] => findings.map((f) => `${f.Level} ${f.Rule.Id} at ${f.Location.Path.join('/')}: ${f.Message}`);

describe('cfn-lint on the synthesized template', () => {
  let anthropic: Finding[];
  let bedrock: Finding[];
  beforeAll(() => {
    anthropic = lint('anthropic', { alarmEmail: 'ops@example.com' });
    bedrock = lint('bedrock', {
      modelProvider: 'bedrock',
      anthropicModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      temporalSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:temporal-AbCdEf',
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alarms',
    });
  });

  it('finds nothing in the default stack (Anthropic API, created secrets, alarm e-mail)', () => {
    expect(summary(anthropic.filter((f) => !tolerated(f)))).toEqual([]);
  });

  it('finds nothing in the Bedrock stack (existing Temporal secret, existing alarm topic)', () => {
    expect(summary(bedrock.filter((f) => !tolerated(f)))).toEqual([]);
  });

  it('tolerates only the redundant role DependsOn of the two Lambda functions', () => {
    const functions = anthropic.filter(tolerated).map((f) => String(f.Location.Path[1]));
    expect(functions).toHaveLength(2);
    expect(functions.sort()).toEqual([expect.stringMatching(/^HttpHandlerFunction/), expect.stringMatching(/^SqsHandlerFunction/)]);
  });
});
