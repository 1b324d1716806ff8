/**
 * The whole deployment in one environment-agnostic stack (no account or region lookups, so `cdk synth`
 * runs offline): the memory table, the HTTP API and SQS ingest handlers, the Fargate worker, secrets,
 * the tenant role and alarms. Each part is a construct under infra/constructs/ named for its role.
 */
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { HandlerFunction } from './constructs/handler-function';
import { IngestQueue } from './constructs/ingest-queue';
import { MemoryAlarms, METRICS_NAMESPACE } from './constructs/memory-alarms';
import { MemoryHttpApi } from './constructs/memory-http-api';
import { MemorySecrets } from './constructs/memory-secrets';
import { MemoryTable } from './constructs/memory-table';
import { SUBMIT_TABLE_ACTIONS } from './constructs/table-access';
import { TenantDataRole } from './constructs/tenant-data-role';
import { WorkerNetwork } from './constructs/worker-network';
import { WorkerService } from './constructs/worker-service';
import { HANDLER_ENTRIES } from './paths';
import { placeholdersInUse, temporalPort, tenantFirstLabel, validateSettings, type MemoryStackSettings } from './stack-config';

/** Timeout of the HTTP handler (s): a submit is a DynamoDB transaction and a Temporal signal; the handler bounds its work by the invocation's time left (src/handlers/deadline.ts). */
export const HTTP_HANDLER_TIMEOUT_SECONDS = 10;

/** Timeout of the SQS handler (s): up to ten submits per batch. */
export const SQS_HANDLER_TIMEOUT_SECONDS = 30;

/** Props of {@link MemoryStack}. */
export interface MemoryStackProps extends StackProps {
  settings: MemoryStackSettings;
}

/** The durable memory manager on AWS. */
export class MemoryStack extends Stack {
  readonly table: MemoryTable;
  readonly secrets: MemorySecrets;
  readonly httpHandler: HandlerFunction;
  readonly sqsHandler: HandlerFunction;
  readonly tenantRole: TenantDataRole;
  readonly api: MemoryHttpApi;
  readonly ingest: IngestQueue;
  readonly network: WorkerNetwork;
  readonly worker: WorkerService;
  readonly alarms: MemoryAlarms;

  constructor(scope: Construct, id: string, props: MemoryStackProps) {
    super(scope, id, props);
    const settings = validateSettings(props.settings);
    const logRetention = settings.logRetentionDays as logs.RetentionDays;
    const placeholders = placeholdersInUse(settings);
    if (placeholders.length > 0) {
      Annotations.of(this).addWarningV2(
        'durable-memory:placeholders',
        `Placeholder values in use for ${placeholders.join(', ')}: the stack deploys, but no JWT is accepted / no Temporal cluster is reached until they are set with -c (infra/README.md).`,
      );
    }

    this.table = new MemoryTable(this, 'Memory');
    this.secrets = new MemorySecrets(this, 'Secrets', settings);
    const table = this.table.table;
    const temporalSecret = this.secrets.temporalApiKey;

    // Shared by both handlers: where the data and the Temporal cluster are, how tenants are named.
    const handlerEnvironment = {
      MEMORY_TABLE_NAME: table.tableName,
      TEMPORAL_ADDRESS: settings.temporal.address,
      TEMPORAL_NAMESPACE: settings.temporal.namespace,
      TEMPORAL_TASK_QUEUE: settings.temporal.taskQueue,
      TEMPORAL_API_KEY_SECRET_ARN: temporalSecret.secretArn,
      TENANT_NAMESPACE: settings.tenantNamespace,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
    // The handlers read the Temporal API key once per cold start: GetSecretValue on that secret only.
    const readTemporalKey = new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [temporalSecret.secretArn] });

    this.httpHandler = new HandlerFunction(this, 'HttpHandler', {
      entry: HANDLER_ENTRIES.http,
      description: 'Memory HTTP API (API Gateway HTTP API, payload v2)',
      timeout: Duration.seconds(HTTP_HANDLER_TIMEOUT_SECONDS),
      environment: { ...handlerEnvironment, POWERTOOLS_SERVICE_NAME: 'memory-http-api' },
      logRetention,
    });
    this.tenantRole = new TenantDataRole(this, 'TenantData', {
      table,
      assumedBy: this.httpHandler.role,
      firstLabel: tenantFirstLabel(settings.tenantNamespace),
    });
    this.httpHandler.function.addEnvironment('TENANT_ROLE_ARN', this.tenantRole.role.roleArn);
    // No table access of its own: every DynamoDB call of an HTTP request runs as the tenant role, so
    // nothing in the handler can reach past the caller's tenant (docs/design.md "Tenancy").
    this.httpHandler.role.addToPolicy(readTemporalKey);
    this.httpHandler.role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [this.tenantRole.role.roleArn] }));

    this.sqsHandler = new HandlerFunction(this, 'SqsHandler', {
      entry: HANDLER_ENTRIES.sqs,
      description: 'Memory ingest from SQS (partial batch responses)',
      timeout: Duration.seconds(SQS_HANDLER_TIMEOUT_SECONDS),
      environment: { ...handlerEnvironment, POWERTOOLS_SERVICE_NAME: 'memory-ingest' },
      logRetention,
    });
    // A submit only reads and writes single items (inbox head, namespace owner) and commits a transaction
    // of puts and updates: no Query, no index.
    this.sqsHandler.role.addToPolicy(new iam.PolicyStatement({ actions: [...SUBMIT_TABLE_ACTIONS], resources: [table.tableArn] }));
    this.sqsHandler.role.addToPolicy(readTemporalKey);

    this.api = new MemoryHttpApi(this, 'Http', {
      handler: this.httpHandler.function,
      jwtIssuer: settings.jwt.issuer,
      jwtAudience: settings.jwt.audience,
      logRetention,
    });
    this.ingest = new IngestQueue(this, 'Ingest', {
      handler: this.sqsHandler.function,
      handlerTimeout: Duration.seconds(SQS_HANDLER_TIMEOUT_SECONDS),
    });

    this.network = new WorkerNetwork(this, 'Network', { temporalPort: temporalPort(settings.temporal.address), logRetention });
    this.worker = new WorkerService(this, 'Worker', {
      settings,
      table,
      vpc: this.network.vpc,
      securityGroup: this.network.securityGroup,
      temporalApiKey: temporalSecret,
      anthropicApiKey: this.secrets.anthropicApiKey,
      logRetention,
    });

    this.alarms = new MemoryAlarms(this, 'Alarms', {
      workerLogGroup: this.worker.logGroup,
      workerService: this.worker.service,
      ingestDeadLetterQueue: this.ingest.deadLetterQueue,
      functions: { HttpHandler: this.httpHandler.function, SqsHandler: this.sqsHandler.function },
      email: settings.alarms.email,
      topicArn: settings.alarms.topicArn,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API (send a JWT in Authorization)' });
    new CfnOutput(this, 'IngestQueueUrl', { value: this.ingest.queue.queueUrl, description: 'SQS queue the SQS handler consumes' });
    new CfnOutput(this, 'IngestDeadLetterQueueUrl', { value: this.ingest.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'MEMORY_TABLE_NAME (retained on stack delete)' });
    new CfnOutput(this, 'TemporalApiKeySecretArn', { value: temporalSecret.secretArn, description: 'put-secret-value the Temporal API key here' });
    if (this.secrets.anthropicApiKey !== undefined) {
      new CfnOutput(this, 'AnthropicApiKeySecretArn', {
        value: this.secrets.anthropicApiKey.secretArn,
        description: 'put-secret-value the Anthropic API key here',
      });
    }
    new CfnOutput(this, 'TenantDataRoleArn', { value: this.tenantRole.role.roleArn });
    new CfnOutput(this, 'WorkerLogGroupName', { value: this.worker.logGroup.logGroupName });
    new CfnOutput(this, 'WorkerClusterName', { value: this.worker.cluster.clusterName });
    new CfnOutput(this, 'WorkerServiceName', { value: this.worker.service.serviceName });
    if (this.alarms.topic !== undefined) new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
