/**
 * The AWS CDK stack (infra/), synthesized offline once per variant: every resource and IAM statement the
 * deployment relies on. The main variant bundles the real Lambda handlers with esbuild; the Bedrock variant
 * skips bundling (only IAM, secrets and the worker's environment differ).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { HandlerFunction } from '../../infra/constructs/handler-function';
import { createMemoryApp } from '../../infra/memory-app';
import { REPO_ROOT } from '../../infra/paths';
import type { MemoryStack } from '../../infra/memory-stack';
import { PLACEHOLDER_JWT_ISSUER, settingsFromContext, StackConfigError } from '../../infra/stack-config';
import { WORKER_SHUTDOWN_FORCE_MS, WORKER_SHUTDOWN_GRACE_MS } from '../../src/defaults';
import { tableDefinition } from '../../src/store/ensure-table';

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Json;
}

/** The namespace separator U+001F as the IAM patterns spell it (`?`: IAM refuses control characters). */
const US = '?';
const TENANT = '${aws:PrincipalTag/tenant}';
const PROFILE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

/** What an operator passes with -c on the command line. */
const CONTEXT = {
  temporalAddress: 'prod-ns.a1b2c.tmprl.cloud:7233',
  temporalNamespace: 'prod-ns.a1b2c',
  jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123',
  jwtAudience: 'client-a,client-b',
  alarmEmail: 'ops@example.com',
};

let outdirs: string[] = [];
let stack: MemoryStack;
let template: Template;
let resources: Record<string, { Type: string; Properties?: Json; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
let bedrock: Template;
let existingStack: MemoryStack;
let existing: Template;
let assemblyDir: string;

const existingArn = (name: string): string => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
const EXISTING = {
  temporalSecretArn: existingArn('temporal'),
  anthropicSecretArn: existingArn('anthropic'),
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
};

function tempOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infra-stack-'));
  outdirs.push(dir);
  return dir;
}

beforeAll(() => {
  const main = createMemoryApp({ context: CONTEXT, outdir: tempOutdir() });
  stack = main.stack;
  template = Template.fromStack(stack);
  resources = template.toJSON()['Resources'] as typeof resources;
  assemblyDir = main.app.outdir;

  const withBedrock = createMemoryApp({
    // Bundling skipped: this variant differs from the main one in IAM, secrets and environment only.
    context: { ...CONTEXT, modelProvider: 'bedrock', anthropicModel: PROFILE, 'aws:cdk:bundling-stacks': [] },
    outdir: tempOutdir(),
  });
  bedrock = Template.fromStack(withBedrock.stack);

  // No Temporal/JWT context (placeholders), existing secrets and alarm topic instead of created ones.
  existingStack = createMemoryApp({
    context: { ...EXISTING, 'aws:cdk:bundling-stacks': [] },
    outdir: tempOutdir(),
  }).stack;
  existing = Template.fromStack(existingStack);
});

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  outdirs = [];
});

/** The logical id of a construct's CloudFormation resource (its default child for L2 constructs). */
function lid(construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct) ? construct : (construct.node.defaultChild as CfnElement | undefined);
  if (element === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).resolve(Stack.of(element).getLogicalId(element)) as string;
}

/** The logical id of the one resource of a type. */
function only(type: string, from = template): string {
  const ids = Object.keys(from.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0]!;
}

/** All identity-policy statements attached to a role (AWS::IAM::Policy resources and inline policies). */
function statementsOf(roleId: string, from = template): Statement[] {
  const policies = Object.values(from.findResources('AWS::IAM::Policy')).filter((p) =>
    ((p['Properties'] as Json)['Roles'] as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
  const attached = policies.flatMap((p) => ((p['Properties'] as Json)['PolicyDocument'] as { Statement: Statement[] }).Statement);
  const role = from.findResources('AWS::IAM::Role')[roleId];
  const inline = (((role?.['Properties'] as Json | undefined)?.['Policies'] as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  return [...attached, ...inline];
}

function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
}

function containerOf(from = template): Json {
  const taskDefinition = Object.values(from.findResources('AWS::ECS::TaskDefinition'))[0]!;
  return ((taskDefinition['Properties'] as Json)['ContainerDefinitions'] as Json[])[0]!;
}

const tableId = (): string => lid(stack.table.table);
const tableResources = (): unknown[] => [{ 'Fn::GetAtt': [tableId(), 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId(), 'Arn'] }, '/index/*']] }];
const FORBIDDEN_DYNAMODB = [
  'dynamodb:*',
  'dynamodb:Scan',
  'dynamodb:BatchWriteItem',
  'dynamodb:CreateTable',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:DescribeTable',
];

describe('DynamoDB table', () => {
  it('declares exactly the keys and indexes ensureTable creates locally', () => {
    const local = tableDefinition('unused');
    const props = resources[tableId()]!.Properties!;
    const byName = <T extends { AttributeName?: string; IndexName?: string }>(items: T[]): T[] =>
      [...items].sort((a, b) => String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)));
    expect(props['KeySchema']).toEqual(local.KeySchema);
    expect(byName(props['AttributeDefinitions'] as Json[])).toEqual(byName(local.AttributeDefinitions as unknown as Json[]));
    expect(props['LocalSecondaryIndexes']).toEqual(local.LocalSecondaryIndexes);
    expect(props['GlobalSecondaryIndexes']).toEqual(local.GlobalSecondaryIndexes);
    expect(props['BillingMode']).toBe(local.BillingMode);
    // Spelled out as well, so a change on both sides still shows up here.
    expect(props['LocalSecondaryIndexes']).toEqual([
      {
        IndexName: 'recency',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'rk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(props['GlobalSecondaryIndexes']).toEqual([
      {
        IndexName: 'tree',
        KeySchema: [
          { AttributeName: 'gpk', KeyType: 'HASH' },
          { AttributeName: 'gsk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('is on-demand with PITR, TTL on expiresAt, deletion protection, AWS-managed encryption, and retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      },
    });
    // AWS-managed key: no customer key named.
    expect(JSON.stringify(resources[tableId()]!.Properties!['SSESpecification'])).not.toContain('KMSMasterKeyId');
  });
});

describe('HTTP API', () => {
  const ROUTES = [
    'POST /threads/{threadId}/messages',
    'POST /threads/{threadId}/flush',
    'GET /threads/{threadId}',
    'GET /threads/{threadId}/dead-letters',
    'POST /threads/{threadId}/dead-letters/redrive',
    'POST /memories/search',
    'GET /export',
  ];

  it('has a JWT authorizer with the configured issuer and audiences', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: CONTEXT.jwtIssuer, Audience: ['client-a', 'client-b'] },
    });
  });

  it('has exactly the six routes, every one behind the JWT authorizer', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r['Properties'] as Json);
    expect(routes.map((r) => r['RouteKey']).sort()).toEqual([...ROUTES].sort());
    const authorizerId = only('AWS::ApiGatewayV2::Authorizer');
    for (const route of routes) {
      expect({ route: route['RouteKey'], type: route['AuthorizationType'], authorizer: route['AuthorizerId'] }).toEqual({
        route: route['RouteKey'],
        type: 'JWT',
        authorizer: { Ref: authorizerId },
      });
    }
  });

  it('integrates every route with the HTTP handler using payload format 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [lid(stack.httpHandler.function), 'Arn'] },
    });
  });

  it('serves a $default stage with access logs and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [lid(stack.api.accessLogs), 'Arn'] }, Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
  });
});

describe('Lambda handlers', () => {
  it('are exactly two NodejsFunctions: Node 22 on ARM64, 512 MB, own log groups, no VPC', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    for (const [handler, timeout] of [
      [stack.httpHandler, 10],
      [stack.sqsHandler, 30],
    ] as const) {
      const props = resources[lid(handler.function)]!.Properties!;
      expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 512, Timeout: timeout, Handler: 'index.handler' });
      expect(props['VpcConfig']).toBeUndefined();
      expect(props['LoggingConfig']).toEqual(expect.objectContaining({ LogGroup: { Ref: lid(handler.logGroup) } }));
    }
  });

  it('carry the configuration environment, the tenant role only on the HTTP handler', () => {
    const common = {
      MEMORY_TABLE_NAME: { Ref: tableId() },
      TEMPORAL_ADDRESS: CONTEXT.temporalAddress,
      TEMPORAL_NAMESPACE: CONTEXT.temporalNamespace,
      TEMPORAL_TASK_QUEUE: 'memory-manager',
      TEMPORAL_API_KEY_SECRET_ARN: { Ref: lid(stack.secrets.temporalApiKey) },
      TENANT_NAMESPACE: '["memories","{sub}"]',
      POWERTOOLS_METRICS_NAMESPACE: 'DurableMemory',
      NODE_OPTIONS: '--enable-source-maps',
    };
    const env = (handler: HandlerFunction): Json => (resources[lid(handler.function)]!.Properties!['Environment'] as Json)['Variables'] as Json;
    expect(env(stack.httpHandler)).toEqual({
      ...common,
      POWERTOOLS_SERVICE_NAME: 'memory-http-api',
      TENANT_ROLE_ARN: { 'Fn::GetAtt': [lid(stack.tenantRole.role), 'Arn'] },
    });
    expect(env(stack.sqsHandler)).toEqual({ ...common, POWERTOOLS_SERVICE_NAME: 'memory-ingest' });
  });

  it('are bundled locally by esbuild: minified, with source maps, never through Docker', () => {
    for (const handler of [stack.httpHandler, stack.sqsHandler]) {
      const code = resources[lid(handler.function)]!.Properties!['Code'] as { S3Key: string };
      const assetDir = join(assemblyDir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      expect(readdirSync(assetDir).sort()).toEqual(['index.js', 'index.js.map']);
      const bundle = readFileSync(join(assetDir, 'index.js'), 'utf8');
      // Minified: very long lines (only template literals and legal comments keep their newlines).
      expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(2000);
      expect(bundle).toContain('sourceMappingURL=index.js.map');
      // The bundle stands alone (no module esbuild could not resolve) and exports the handler.
      const loaded = spawnSync(process.execPath, ['-e', "process.stdout.write(typeof require('./index.js').handler)"], { cwd: assetDir, encoding: 'utf8' });
      expect({ stdout: loaded.stdout, stderr: loaded.stderr }).toEqual({ stdout: 'function', stderr: '' });
    }
  });
});

describe('SQS ingest', () => {
  it('has a queue with SSE, a DLQ after 5 receives, and visibility ≥ 6 × the handler timeout', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const dlqId = lid(stack.ingest.deadLetterQueue);
    const queue = resources[lid(stack.ingest.queue)]!.Properties!;
    expect(queue).toMatchObject({ SqsManagedSseEnabled: true, RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } } });
    const timeout = resources[lid(stack.sqsHandler.function)]!.Properties!['Timeout'] as number;
    expect(queue['VisibilityTimeout'] as number).toBeGreaterThanOrEqual(6 * timeout);
    expect(resources[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
  });

  it('enforces TLS on both queues', () => {
    for (const queue of [stack.ingest.queue, stack.ingest.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: lid(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } }),
          ]),
        },
      });
    }
  });

  it('feeds the SQS handler in batches of 10 with partial batch responses', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [lid(stack.ingest.queue), 'Arn'] },
      FunctionName: { Ref: lid(stack.sqsHandler.function) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('worker on ECS Fargate', () => {
  it('runs an ARM64 task with 1 vCPU and 2 GB by default', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('gives the container the configuration, both secrets from Secrets Manager, and no secret in plain env', () => {
    const container = containerOf();
    const env = Object.fromEntries((container['Environment'] as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
    expect(env).toEqual({
      AWS_REGION: { Ref: 'AWS::Region' },
      MEMORY_TABLE_NAME: { Ref: tableId() },
      TEMPORAL_ADDRESS: CONTEXT.temporalAddress,
      TEMPORAL_NAMESPACE: CONTEXT.temporalNamespace,
      TEMPORAL_TASK_QUEUE: 'memory-manager',
      MODEL_PROVIDER: 'anthropic',
      ANTHROPIC_MODEL: 'claude-sonnet-5-5',
      WORKER_MEMORY_LIMIT_MB: '2048',
      HEALTH_PORT: '8080',
      METRICS_PORT: '9464',
    });
    expect(container['Secrets']).toEqual(
      expect.arrayContaining([
        { Name: 'ANTHROPIC_API_KEY', ValueFrom: { Ref: lid(stack.secrets.anthropicApiKey!) } },
        { Name: 'TEMPORAL_API_KEY', ValueFrom: { Ref: lid(stack.secrets.temporalApiKey) } },
      ]),
    );
    expect(container['Secrets']).toHaveLength(2);
  });

  it('stops gracefully: stopTimeout 120 s, longer than the worker drain and its forced exit', () => {
    const stopTimeout = containerOf()['StopTimeout'] as number;
    expect(stopTimeout).toBe(120);
    expect(stopTimeout * 1000).toBeGreaterThan(WORKER_SHUTDOWN_GRACE_MS);
    expect(stopTimeout * 1000).toBeGreaterThan(WORKER_SHUTDOWN_FORCE_MS);
  });

  it('health-checks /healthz with node (no curl in the image)', () => {
    expect(containerOf()['HealthCheck']).toMatchObject({
      // The image's own HEALTHCHECK command (test/unit/worker-dockerfile.test.ts checks the Dockerfile's).
      Command: ['CMD', 'node', 'dist/worker/health-check.js'],
      StartPeriod: 60,
    });
  });

  it('logs with awslogs to a log group with retention', () => {
    const logs = containerOf()['LogConfiguration'] as { LogDriver: string; Options: Json };
    const groupId = lid(stack.worker.logGroup);
    expect(logs.LogDriver).toBe('awslogs');
    expect(logs.Options['awslogs-group']).toEqual({ Ref: groupId });
    expect(resources[groupId]!.Properties).toEqual({ RetentionInDays: 30 });
  });

  it('builds the image from the repo-root Dockerfile without node_modules, tools, data, git or synth output', () => {
    const manifest = JSON.parse(readFileSync(join(assemblyDir, `${stack.artifactId}.assets.json`), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
    };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    const source = images[0]!.source;
    expect(source).toMatchObject({ dockerFile: 'Dockerfile', platform: 'linux/arm64' });
    const context = join(assemblyDir, source.directory);
    expect(existsSync(join(context, 'Dockerfile'))).toBe(true);
    expect(existsSync(join(context, 'src'))).toBe(true);
    for (const excluded of ['node_modules', '.tools', '.data', '.git', 'cdk.out', 'infra', 'test']) {
      expect({ excluded, present: existsSync(join(context, excluded)) }).toEqual({ excluded, present: false });
    }
    // Everything the Dockerfile copies from the context is there (a too-broad exclude would break the build).
    const copied = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
      .flatMap((line) =>
        line
          .trim()
          .split(/\s+/)
          .slice(1, -1)
          .filter((token) => !token.startsWith('--')),
      );
    expect(copied).toEqual(expect.arrayContaining(['src']));
    const top = readdirSync(context);
    for (const source of copied) {
      const pattern = new RegExp(`^${source.replace(/\/$/, '').replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
      expect({ source, inContext: top.some((name) => pattern.test(name)) }).toEqual({ source, inContext: true });
    }
    // The whole context is small: sources, not dependencies.
    const size = (dir: string): number =>
      readdirSync(dir).reduce((sum, name) => {
        const path = join(dir, name);
        const stat = statSync(path);
        return sum + (stat.isDirectory() ? size(path) : stat.size);
      }, 0);
    expect(size(context)).toBeLessThan(20 * 1024 * 1024);
    expect(JSON.stringify(containerOf()['Image'])).toContain(
      `cdk-hnb659fds-container-assets-\${AWS::AccountId}-\${AWS::Region}:${Object.keys(manifest.dockerImages)[0]}`,
    );
  });

  it('runs in public subnets of a two-AZ VPC without NAT, outbound only (HTTPS and Temporal)', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) {
      expect((subnet['Properties'] as Json)['MapPublicIpOnLaunch']).toBe(true);
    }
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] },
    });
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
      DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
    });
    const sg = resources[lid(stack.network.securityGroup)]!.Properties!;
    expect(sg['SecurityGroupIngress']).toBeUndefined();
    expect((sg['SecurityGroupEgress'] as Json[]).map((e) => [e['CidrIp'], e['IpProtocol'], e['FromPort'], e['ToPort']])).toEqual([
      ['0.0.0.0/0', 'tcp', 443, 443],
      ['0.0.0.0/0', 'tcp', 7233, 7233],
    ]);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  });

  it('scales from 1 to 4 tasks on 60 % CPU, and a deploy does not reset the count', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    });
    expect(resources[only('AWS::ECS::Service')]!.Properties!['DesiredCount']).toBeUndefined();
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });
});

describe('secrets', () => {
  it('creates the Anthropic and Temporal keys with generated placeholders, and outputs their ARNs', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const secret of [stack.secrets.anthropicApiKey!, stack.secrets.temporalApiKey]) {
      expect(resources[lid(secret)]!.Properties!['GenerateSecretString']).toBeDefined();
    }
    template.hasOutput('AnthropicApiKeySecretArn', { Value: { Ref: lid(stack.secrets.anthropicApiKey!) } });
    template.hasOutput('TemporalApiKeySecretArn', { Value: { Ref: lid(stack.secrets.temporalApiKey) } });
  });

  it('imports existing secrets by ARN instead of creating them', () => {
    expect(settingsFromContext(new App({ context: EXISTING }).node).existingSecrets).toEqual({
      temporalApiKeyArn: EXISTING.temporalSecretArn,
      anthropicApiKeyArn: EXISTING.anthropicSecretArn,
    });
    existing.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const container = containerOf(existing);
    expect(container['Secrets']).toEqual(
      expect.arrayContaining([
        { Name: 'TEMPORAL_API_KEY', ValueFrom: EXISTING.temporalSecretArn },
        { Name: 'ANTHROPIC_API_KEY', ValueFrom: EXISTING.anthropicSecretArn },
      ]),
    );
    const http = (existing.toJSON()['Resources'] as Record<string, { Properties: { Environment: { Variables: Json } } }>)[
      lid(existingStack.httpHandler.function)
    ]!;
    expect(http.Properties.Environment.Variables['TEMPORAL_API_KEY_SECRET_ARN']).toBe(EXISTING.temporalSecretArn);
    expect(statementsOf(lid(existingStack.httpHandler.role), existing)).toEqual(
      expect.arrayContaining([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: EXISTING.temporalSecretArn }]),
    );
  });
});

describe('IAM, least privilege', () => {
  it('HTTP handler: no table access of its own (only through the tenant role), the Temporal secret, its own logs', () => {
    const statements = statementsOf(lid(stack.httpHandler.role));
    expect(actionsOf(statements)).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue', 'sts:AssumeRole', 'sts:TagSession'].sort(),
    );
    expect(statements).toEqual(
      expect.arrayContaining([
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: lid(stack.secrets.temporalApiKey) } },
        { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: { 'Fn::GetAtt': [lid(stack.tenantRole.role), 'Arn'] } },
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [lid(stack.httpHandler.logGroup), 'Arn'] } },
      ]),
    );
  });

  it('SQS handler: the submit’s item actions on the table (no Query, no index), the secret, consuming its own queue', () => {
    const statements = statementsOf(lid(stack.sqsHandler.role));
    expect(actionsOf(statements)).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    const sqsStatements = statements.filter((s) => actionsOf([s]).every((a) => a.startsWith('sqs:')));
    expect(sqsStatements.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [lid(stack.ingest.queue), 'Arn'] }]);
    expect(statements).toEqual(
      expect.arrayContaining([
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: { 'Fn::GetAtt': [tableId(), 'Arn'] } },
      ]),
    );
  });

  it('handler roles carry no managed policies (no AWSLambdaBasicExecutionRole logs:* on *)', () => {
    for (const handler of [stack.httpHandler, stack.sqsHandler]) {
      expect(resources[lid(handler.role)]!.Properties!['ManagedPolicyArns']).toBeUndefined();
    }
  });

  it('worker task role: exactly Get/Put/Update/Delete/Query/ConditionCheck on table and indexes', () => {
    const taskRole = (resources[lid(stack.worker.taskDefinition)]!.Properties!['TaskRoleArn'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    expect(statementsOf(taskRole)).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
        Resource: tableResources(),
      },
    ]);
  });

  it('worker execution role: reads both secrets (for ecs.Secret), pulls the image, writes the worker logs', () => {
    const executionRole = (resources[lid(stack.worker.taskDefinition)]!.Properties!['ExecutionRoleArn'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const statements = statementsOf(executionRole);
    expect(actionsOf(statements)).toEqual(
      [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetAuthorizationToken',
        'ecr:GetDownloadUrlForLayer',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    const secretResources = statements.filter((s) => actionsOf([s]).includes('secretsmanager:GetSecretValue')).map((s) => s.Resource);
    expect(secretResources).toEqual(expect.arrayContaining([{ Ref: lid(stack.secrets.anthropicApiKey!) }, { Ref: lid(stack.secrets.temporalApiKey) }]));
    expect(secretResources).toHaveLength(2);
  });

  it('has exactly the six roles the stack means to have (no stray custom-resource roles)', () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role')).sort();
    const flowLogRole = roles.filter((id) => id.startsWith('NetworkVpcFlowLogIAMRole'));
    expect(flowLogRole).toHaveLength(1);
    expect(roles).toEqual(
      [
        lid(stack.httpHandler.role),
        lid(stack.sqsHandler.role),
        lid(stack.tenantRole.role),
        lid(stack.worker.taskDefinition.taskRole),
        lid(stack.worker.taskDefinition.executionRole!),
        flowLogRole[0]!,
      ].sort(),
    );
    // The flow-log role writes its own log group and nothing else.
    expect(statementsOf(flowLogRole[0]!)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^NetworkFlowLogs/) as unknown as string, 'Arn'] },
      },
    ]);
  });

  it('no role anywhere may scan, batch-write or administer the table', () => {
    for (const template_ of [template, bedrock]) {
      const all = Object.values(template_.findResources('AWS::IAM::Policy')).flatMap(
        (p) => ((p['Properties'] as Json)['PolicyDocument'] as { Statement: Statement[] }).Statement,
      );
      const actions = actionsOf(all);
      for (const forbidden of FORBIDDEN_DYNAMODB) expect(actions).not.toContain(forbidden);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it('TenantDataRole: assumable only by the HTTP handler role, with exactly one session tag, `tenant`, holding no "."', () => {
    const role = resources[lid(stack.tenantRole.role)]!.Properties!;
    const caller = { AWS: { 'Fn::GetAtt': [lid(stack.httpHandler.role), 'Arn'] } };
    expect((role['AssumeRolePolicyDocument'] as { Statement: Statement[] }).Statement).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: caller },
      {
        Effect: 'Allow',
        Action: 'sts:TagSession',
        Principal: caller,
        Condition: {
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] },
          Null: { 'aws:RequestTag/tenant': 'false' },
          StringNotLike: { 'aws:RequestTag/tenant': ['*.*'] },
        },
      },
    ]);
    expect(role['ManagedPolicyArns']).toBeUndefined();
  });

  it('TenantDataRole: DynamoDB confined by LeadingKeys to the tenant ["memories","<tenant tag>"]', () => {
    const statements = statementsOf(lid(stack.tenantRole.role));
    expect(statements).toEqual([
      {
        Sid: 'TenantOwnedPartitions',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        Resource: tableResources(),
        Condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [
              `ns#memories${US}${TENANT}`,
              `ns#memories${US}${TENANT}.*`,
              `nsl#memories${US}${TENANT}`,
              `thread#["memories","${TENANT}"]/*`,
              `dlq#["memories","${TENANT}"]/*`,
            ],
          },
        },
      },
      {
        Sid: 'SharedRegistryWritesOnly',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': [tableId(), 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['nsl0', 'nsl1#memories#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'namespace'] },
        },
      },
    ]);
    // No control character reaches the policy document (IAM accepts U+0009, U+000A, U+000D, U+0020–U+00FF only).
    expect(JSON.stringify(statements)).not.toMatch(/\\u00[01][0-9a-f]/);
  });
});

describe('alarms', () => {
  it('turns the worker log lines into DeadLetters and FailedExtractions metrics', () => {
    const workerLogs = { Ref: lid(stack.worker.logGroup) };
    template.resourceCountIs('AWS::Logs::MetricFilter', 2);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: workerLogs,
      FilterPattern: '{ $.message = "batch recorded as a dead letter" }',
      MetricTransformations: [{ MetricNamespace: 'DurableMemory', MetricName: 'DeadLetters', MetricValue: '1' }],
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: workerLogs,
      FilterPattern: '{ $.message = "Activity failed" && ($.activityType = "extractNext" || $.activityType = "extractBatch") }',
      MetricTransformations: [{ MetricNamespace: 'DurableMemory', MetricName: 'FailedExtractions', MetricValue: '1' }],
    });
  });

  it('alarms on dead letters (≥ 1 in 5 min), failed extractions (≥ 10 in 15 min), the ingest DLQ and handler errors, notifying the topic', () => {
    const topic = { Ref: lid(stack.alarms.topic!) };
    const alarm = (props: Json): void =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...props,
        AlarmActions: [topic],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
    alarm({ Namespace: 'DurableMemory', MetricName: 'DeadLetters', Statistic: 'Sum', Period: 300, Threshold: 1 });
    alarm({ Namespace: 'DurableMemory', MetricName: 'FailedExtractions', Statistic: 'Sum', Period: 900, Threshold: 10 });
    alarm({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [lid(stack.ingest.deadLetterQueue), 'QueueName'] } }],
    });
    for (const handler of [stack.httpHandler, stack.sqsHandler]) {
      alarm({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1, Dimensions: [{ Name: 'FunctionName', Value: { Ref: lid(handler.function) } }] });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'RunningTaskCount',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      AlarmActions: [topic],
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: CONTEXT.alarmEmail, TopicArn: topic });
  });

  it('creates no topic without alarmEmail, and notifies an existing topic by ARN', () => {
    existing.resourceCountIs('AWS::SNS::Topic', 0);
    const alarms = Object.values(existing.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) expect((alarm['Properties'] as Json)['AlarmActions']).toEqual([EXISTING.alarmTopicArn]);
  });
});

describe('logs', () => {
  it('every log group has the configured retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // HTTP and SQS handlers, API access logs, VPC flow logs, worker.
    expect(groups).toHaveLength(5);
    for (const group of groups) expect((group['Properties'] as Json)['RetentionInDays']).toBe(30);
  });
});

describe('outputs', () => {
  it('exports the API URL, queue URL, table name and secret ARNs', () => {
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    template.hasOutput('IngestQueueUrl', { Value: { Ref: lid(stack.ingest.queue) } });
    template.hasOutput('TableName', { Value: { Ref: tableId() } });
    template.hasOutput('TemporalApiKeySecretArn', Match.anyValue());
    template.hasOutput('AnthropicApiKeySecretArn', Match.anyValue());
  });
});

describe('Bedrock variant (modelProvider=bedrock)', () => {
  it('has no Anthropic secret, and the worker runs Bedrock with the profile as model', () => {
    bedrock.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const container = containerOf(bedrock);
    expect((container['Secrets'] as { Name: string }[]).map((s) => s.Name)).toEqual(['TEMPORAL_API_KEY']);
    const env = Object.fromEntries((container['Environment'] as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({ MODEL_PROVIDER: 'bedrock', ANTHROPIC_MODEL: PROFILE });
    expect(bedrock.toJSON()['Outputs']).not.toHaveProperty('AnthropicApiKeySecretArn');
  });

  it('lets the worker invoke only the configured inference profile and, through it, its foundation model', () => {
    const taskDefinition = Object.values(bedrock.findResources('AWS::ECS::TaskDefinition'))[0]!;
    const taskRole = ((taskDefinition['Properties'] as Json)['TaskRoleArn'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const statements = statementsOf(taskRole, bedrock);
    const profileArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:inference-profile/${PROFILE}`],
      ],
    };
    const bedrockStatements = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('bedrock:')));
    expect(bedrockStatements).toEqual([
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: profileArn },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0']] },
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      },
    ]);
    expect(actionsOf(statements).filter((a) => a.startsWith('bedrock:'))).toEqual(['bedrock:InvokeModel']);
  });

  it('the Anthropic variant has no Bedrock permission at all', () => {
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => ((p['Properties'] as Json)['PolicyDocument'] as { Statement: Statement[] }).Statement,
    );
    expect(actionsOf(all).filter((a) => a.startsWith('bedrock:'))).toEqual([]);
  });
});

describe('settings from context', () => {
  const contextOf = (context: Json): ReturnType<typeof settingsFromContext> => settingsFromContext(new App({ context }).node);

  it('warns while placeholders are in use, and not once they are set', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('Placeholder values'));
    Annotations.fromStack(existingStack).hasWarning(
      '/DurableMemory',
      Match.stringLikeRegexp('Placeholder values in use for jwtIssuer, jwtAudience, temporalAddress, temporalNamespace'),
    );
    expect(contextOf({}).jwt.issuer).toBe(PLACEHOLDER_JWT_ISSUER);
  });

  it('reads lists, numbers and worker sizes', () => {
    const settings = contextOf({ jwtAudience: ['a', 'b'], workerMaxTasks: '8', workerMemoryMiB: 4096, logRetentionDays: '90' });
    expect(settings.jwt.audience).toEqual(['a', 'b']);
    expect(settings.worker).toMatchObject({ maxTasks: 8, memoryMiB: 4096, minTasks: 1, cpuUnits: 1024 });
    expect(settings.logRetentionDays).toBe(90);
  });

  it('refuses settings the stack cannot honour, naming the context key', () => {
    expect(() => contextOf({ modelProvider: 'bedrock' })).toThrow(/anthropicModel: required with modelProvider=bedrock/);
    expect(() => contextOf({ modelProvider: 'openai' })).toThrow(StackConfigError);
    expect(() => contextOf({ tenantNamespace: '["memories","{sub}","x"]' })).toThrow(/tenantNamespace: must be a JSON array of two labels/);
    expect(() => contextOf({ tenantNamespace: '["{sub}","memories"]' })).toThrow(/tenantNamespace/);
    expect(() => contextOf({ tenantNamespace: '["mem*","{sub}"]' })).toThrow(/tenantNamespace/);
    expect(() => contextOf({ workerMinTasks: '5', workerMaxTasks: '2' })).toThrow(/workerMaxTasks/);
    expect(() => contextOf({ logRetentionDays: '31' })).toThrow(/logRetentionDays/);
    expect(() => contextOf({ jwtIssuer: 'http://issuer.example' })).toThrow(/jwtIssuer/);
    expect(() => contextOf({ bedrockModelArns: 'arn:aws:bedrock:us-east-1::foundation-model/x' })).toThrow(/bedrockModelArns/);
  });

  it('accepts another claim and first label for the tenant, and confines the role to them', () => {
    const context = { tenantNamespace: '["org","{org_id}"]', 'aws:cdk:bundling-stacks': [] };
    const orgStack = createMemoryApp({ context, outdir: tempOutdir() }).stack;
    const org = Template.fromStack(orgStack);
    const [owned, shared] = statementsOf(lid(orgStack.tenantRole.role), org);
    expect(owned!.Condition!['ForAllValues:StringLike']).toEqual({
      'dynamodb:LeadingKeys': [
        `ns#org${US}${TENANT}`,
        `ns#org${US}${TENANT}.*`,
        `nsl#org${US}${TENANT}`,
        `thread#["org","${TENANT}"]/*`,
        `dlq#["org","${TENANT}"]/*`,
      ],
    });
    expect(shared!.Condition!['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['nsl0', 'nsl1#org#*'] });
    const http = Object.values(org.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('memory-http-api'))!;
    expect(((http['Properties'] as Json)['Environment'] as { Variables: Json }).Variables['TENANT_NAMESPACE']).toBe('["org","{org_id}"]');
  });
});
