/**
 * The Temporal worker as an ECS Fargate service on ARM64, built from the repo-root Dockerfile. It polls
 * Temporal for thread workflows and extraction activities; nothing calls into it, so there is no load
 * balancer. Scaling is on CPU: backlog-based scaling on the Temporal task queue would need Temporal
 * Cloud's metrics endpoint (a Prometheus scrape into CloudWatch) and is left out.
 */
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_HEALTH_PORT, DEFAULT_METRICS_PORT } from '../../src/defaults';
import { REPO_ROOT } from '../paths';
import type { MemoryStackSettings } from '../stack-config';
import { acknowledgeProfileRegionWildcard, bedrockInvokeStatements } from './model-access';
import { acknowledgeIndexWildcard, tableStatement, WORKER_TABLE_ACTIONS } from './table-access';

/** Port of the worker's /healthz endpoint inside the container. */
export const WORKER_HEALTH_PORT = DEFAULT_HEALTH_PORT;

/** Port of the worker's Prometheus metrics endpoint inside the container (not exposed: no ingress). */
export const WORKER_METRICS_PORT = DEFAULT_METRICS_PORT;

/**
 * Time ECS gives the container between SIGTERM and SIGKILL (s): above the worker's shutdown grace
 * (WORKER_SHUTDOWN_GRACE_MS, 100 s), itself above one 90 s model call, so a draining worker finishes.
 */
export const WORKER_STOP_TIMEOUT_SECONDS = 120;

/** Grace before failed health checks count (s): the worker bundles or loads workflows and connects to Temporal first. */
export const WORKER_HEALTH_START_PERIOD_SECONDS = 60;

/**
 * Paths kept out of the image's build context (the asset copied at synth), on top of the repo's
 * .dockerignore, which CDK reads as well: dependencies are installed inside the image, and local tools,
 * data and synth output have no place in it (cdk.out inside the context would even copy itself). The
 * Dockerfile copies only package*.json, tsconfig*.json, scripts/ and src/, so tests, docs, benchmarks and
 * this folder are left out too: a change there would alter the asset hash and rebuild the image for nothing.
 */
export const WORKER_IMAGE_EXCLUDES = [
  '.git',
  'node_modules',
  '**/node_modules',
  '.tools',
  '.data',
  'cdk.out',
  '**/cdk.out',
  'coverage',
  'dist',
  'infra',
  'test',
  'docs',
  'bench',
  '.ci',
];

/** Props of {@link WorkerService}. */
export interface WorkerServiceProps {
  settings: MemoryStackSettings;
  table: dynamodb.Table;
  vpc: ec2.IVpc;
  securityGroup: ec2.ISecurityGroup;
  temporalApiKey: secretsmanager.ISecret;
  /** Undefined with Bedrock. */
  anthropicApiKey: secretsmanager.ISecret | undefined;
  logRetention: logs.RetentionDays;
}

/** Cluster, task definition, service and CPU autoscaling of the worker. */
export class WorkerService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;
  readonly cluster: ecs.Cluster;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    const { settings } = props;
    const { worker } = settings;
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: worker.cpuUnits,
      memoryLimitMiB: worker.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // The worker's data access: item reads and writes on the table and its indexes, no scan, no table admin.
    this.taskDefinition.addToTaskRolePolicy(tableStatement(props.table, WORKER_TABLE_ACTIONS));
    if (settings.model.provider === 'bedrock') {
      for (const statement of bedrockInvokeStatements(this, settings.model.name, settings.model.bedrockModelArns)) {
        this.taskDefinition.addToTaskRolePolicy(statement);
      }
    }
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    // ecs.Secret grants the *execution* role (which starts the container) read access to each secret;
    // the application's task role never sees Secrets Manager.
    const secrets: Record<string, ecs.Secret> = { TEMPORAL_API_KEY: ecs.Secret.fromSecretsManager(props.temporalApiKey) };
    if (props.anthropicApiKey !== undefined) secrets['ANTHROPIC_API_KEY'] = ecs.Secret.fromSecretsManager(props.anthropicApiKey);
    this.container = this.taskDefinition.addContainer('Worker', {
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: 'Dockerfile',
        exclude: WORKER_IMAGE_EXCLUDES,
        platform: Platform.LINUX_ARM64,
      }),
      essential: true,
      environment: {
        AWS_REGION: Stack.of(this).region,
        MEMORY_TABLE_NAME: props.table.tableName,
        TEMPORAL_ADDRESS: settings.temporal.address,
        TEMPORAL_NAMESPACE: settings.temporal.namespace,
        TEMPORAL_TASK_QUEUE: settings.temporal.taskQueue,
        MODEL_PROVIDER: settings.model.provider,
        ANTHROPIC_MODEL: settings.model.name,
        WORKER_MEMORY_LIMIT_MB: String(worker.memoryMiB),
        HEALTH_PORT: String(WORKER_HEALTH_PORT),
        METRICS_PORT: String(WORKER_METRICS_PORT),
      },
      secrets,
      stopTimeout: Duration.seconds(WORKER_STOP_TIMEOUT_SECONDS),
      healthCheck: {
        // The image's own HEALTHCHECK command (no curl in the slim image): asks /healthz on HEALTH_PORT.
        command: ['CMD', 'node', 'dist/worker/health-check.js'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(WORKER_HEALTH_START_PERIOD_SECONDS),
      },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'worker',
        // A stalled stdout would stall the event loop and with it activity heartbeats; under CloudWatch
        // backpressure a dropped line is the lesser harm.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: a deploy would reset a scaled-out service to it. CloudFormation starts one task
      // and autoscaling lifts the count to minCapacity.
      assignPublicIp: true,
      vpcSubnets: { subnets: props.vpc.publicSubnets },
      securityGroups: [props.securityGroup],
      // A deployment whose tasks never turn healthy rolls back instead of replacing the running workers.
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: worker.minTasks, maxCapacity: worker.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: worker.cpuTargetPercent,
      // Scale in slowly: a stopped task drains for up to two minutes and its workflows move to another task.
      scaleInCooldown: Duration.minutes(10),
      scaleOutCooldown: Duration.minutes(1),
    });
    this.suppressNagFindings(props.table, settings);
  }

  private suppressNagFindings(table: dynamodb.Table, settings: MemoryStackSettings): void {
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds only non-secret settings (table name, Temporal address/namespace/task queue, model name, ports); both API keys are injected from Secrets Manager through ecs.Secret.',
    });
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken has no resource-level permissions (AWS requires Resource "*"); the image pull itself is limited to the CDK asset repository.',
    });
    acknowledgeIndexWildcard(
      this.taskDefinition.taskRole,
      table,
      'The worker queries both secondary indexes of its one table (recency LSI, tree GSI); <table>/index/* names exactly those.',
    );
    if (settings.model.provider === 'bedrock') {
      acknowledgeProfileRegionWildcard(this.taskDefinition.taskRole, settings.model.name, settings.model.bedrockModelArns);
    }
  }
}
