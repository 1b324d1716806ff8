/**
 * `doctor`: checks every part the system needs, in the order a request crosses them — Temporal, a worker
 * polling the task queue, DynamoDB, the table and its indexes, the model endpoint — and says for each
 * what is wrong and how to fix it. Each check has its own time limit; one failing does not hide the others.
 */
import { DescribeTableCommand, ListTablesCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { temporal } from '@temporalio/proto';
import type { DoctorCheck } from './operator-types';
import { DOCTOR_CHECK_TIMEOUT_MS } from '../defaults';
import { RECENCY_INDEX, TREE_INDEX } from '../store/table-keys';
import { withTimeLimit } from '../time-limit';
import type { OperatorContext } from './operator-context';

/** The default Anthropic API (the SDK's own default base URL). */
const ANTHROPIC_API = 'https://api.anthropic.com';

/** The Messages API version header the Anthropic SDK sends. */
const ANTHROPIC_VERSION = '2023-06-01';

function message(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}

async function checkTemporal(ctx: OperatorContext, ms: number): Promise<DoctorCheck> {
  const { address, namespace } = ctx.temporalTarget;
  try {
    await withTimeLimit(ms, () => ctx.connection.ensureConnected());
    await withTimeLimit(ms, () => ctx.connection.workflowService.describeNamespace({ namespace }));
    return { name: 'temporal', ok: true, detail: `Temporal at ${address}, namespace ${namespace}` };
  } catch (err) {
    return {
      name: 'temporal',
      ok: false,
      detail: `Temporal at ${address} (namespace ${namespace}) did not answer: ${message(err)}`,
      fix: 'start it (`temporal server start-dev`, or `npm run console` on the local stack) or set TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_API_KEY to your cluster',
    };
  }
}

async function checkWorker(ctx: OperatorContext, ms: number): Promise<DoctorCheck> {
  const taskQueue = ctx.config.taskQueue;
  try {
    const out = await withTimeLimit(ms, () =>
      ctx.connection.workflowService.describeTaskQueue({
        namespace: ctx.temporalTarget.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    const pollers = out.pollers ?? [];
    if (pollers.length > 0) {
      return { name: 'worker', ok: true, detail: `${pollers.length} worker(s) polling task queue ${taskQueue}: ${pollers.map((p) => p.identity).join(', ')}` };
    }
    return {
      name: 'worker',
      ok: false,
      detail: `no worker has polled task queue ${taskQueue} recently: messages are stored but nothing extracts them`,
      fix: 'start a worker (`npm run worker`, the container image, or the ECS service) with TEMPORAL_TASK_QUEUE the same as the clients',
    };
  } catch (err) {
    return { name: 'worker', ok: false, detail: `could not ask Temporal about task queue ${taskQueue}: ${message(err)}`, fix: 'fix the temporal check first' };
  }
}

async function checkDynamo(ctx: OperatorContext, ms: number): Promise<DoctorCheck> {
  const where = ctx.config.dynamodbEndpoint ?? `DynamoDB in ${ctx.config.awsRegion}`;
  try {
    await withTimeLimit(ms, (abortSignal) => ctx.dynamo.client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal }));
    return { name: 'dynamodb', ok: true, detail: `DynamoDB answers at ${where}` };
  } catch (err) {
    return {
      name: 'dynamodb',
      ok: false,
      detail: `DynamoDB at ${where} is unreachable: ${message(err)}`,
      fix: ctx.config.dynamodbEndpoint
        ? `start DynamoDB Local there (\`npm run console\` starts one) or fix DYNAMODB_ENDPOINT`
        : 'check AWS credentials and AWS_REGION, or set DYNAMODB_ENDPOINT for DynamoDB Local',
    };
  }
}

async function checkTable(ctx: OperatorContext, ms: number): Promise<DoctorCheck> {
  const table = ctx.config.tableName;
  try {
    const { Table } = await withTimeLimit(ms, (abortSignal) => ctx.dynamo.client.send(new DescribeTableCommand({ TableName: table }), { abortSignal }));
    const missing = [
      (Table?.LocalSecondaryIndexes ?? []).some((i) => i.IndexName === RECENCY_INDEX) ? null : `LSI ${RECENCY_INDEX}`,
      (Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === TREE_INDEX) ? null : `GSI ${TREE_INDEX}`,
    ].filter((m): m is string => m !== null);
    if (missing.length > 0) {
      return {
        name: 'table',
        ok: false,
        detail: `table ${table} lacks ${missing.join(' and ')}`,
        fix: 'create a new table (the worker creates it on start, or deploy infra/) and copy memories with scripts/migrate-memories.ts (docs/design.md "Migrating from the first layout")',
      };
    }
    return { name: 'table', ok: true, detail: `table ${table} is ${Table?.TableStatus ?? 'present'} with ${RECENCY_INDEX} and ${TREE_INDEX}` };
  } catch (err) {
    if (err instanceof ResourceNotFoundException) {
      return {
        name: 'table',
        ok: false,
        detail: `table ${table} does not exist`,
        fix: 'start the worker once (it creates the table) or deploy infra/; check MEMORY_TABLE_NAME',
      };
    }
    return { name: 'table', ok: false, detail: `could not describe table ${table}: ${message(err)}`, fix: 'fix the dynamodb check first' };
  }
}

async function checkModel(ctx: OperatorContext, ms: number): Promise<DoctorCheck> {
  const { config } = ctx;
  if (config.modelProvider === 'bedrock') {
    return {
      name: 'model',
      ok: true,
      detail: `not checked: Claude through Amazon Bedrock (${config.model}, region ${config.awsRegion}) uses IAM, which doctor does not probe`,
    };
  }
  const base = (config.anthropicBaseUrl ?? ANTHROPIC_API).replace(/\/+$/, '');
  if (!config.anthropicApiKey) {
    return {
      name: 'model',
      ok: false,
      detail: `no ANTHROPIC_API_KEY: the worker cannot call ${base}`,
      fix: 'set ANTHROPIC_API_KEY (or MODEL_PROVIDER=bedrock)',
    };
  }
  try {
    // The configured model itself: a wrong base URL or model name is a 404 here, not at the first extraction.
    const res = await withTimeLimit(ms, (signal) =>
      fetch(`${base}/v1/models/${encodeURIComponent(config.model)}`, {
        headers: { 'x-api-key': config.anthropicApiKey as string, 'anthropic-version': ANTHROPIC_VERSION },
        signal,
      }),
    );
    if (res.status === 401 || res.status === 403) {
      return {
        name: 'model',
        ok: false,
        detail: `${base} rejected the API key (${res.status})`,
        fix: 'set a valid ANTHROPIC_API_KEY (extractions retry until it is fixed)',
      };
    }
    if (res.status === 404) {
      return {
        name: 'model',
        ok: false,
        detail: `${base} does not know model ${config.model} (404)`,
        fix: 'check ANTHROPIC_MODEL and ANTHROPIC_BASE_URL (the base URL has no /v1; extractions retry until it is fixed)',
      };
    }
    if (res.status >= 500)
      return { name: 'model', ok: false, detail: `${base} answered ${res.status}`, fix: 'the model API is failing; extractions retry with backoff' };
    if (!res.ok)
      return {
        name: 'model',
        ok: false,
        detail: `${base} answered ${res.status} for model ${config.model}`,
        fix: 'check ANTHROPIC_BASE_URL and ANTHROPIC_MODEL',
      };
    return { name: 'model', ok: true, detail: `${base} knows model ${config.model}` };
  } catch (err) {
    return { name: 'model', ok: false, detail: `${base} is unreachable: ${message(err)}`, fix: 'check ANTHROPIC_BASE_URL and the network path to it' };
  }
}

/** Runs every check (at once); each is limited to `timeoutMs`. */
export async function runDoctor(ctx: OperatorContext, options: { timeoutMs?: number } = {}): Promise<DoctorCheck[]> {
  const ms = options.timeoutMs ?? DOCTOR_CHECK_TIMEOUT_MS;
  const [temporalCheck, dynamoCheck, modelCheck] = await Promise.all([checkTemporal(ctx, ms), checkDynamo(ctx, ms), checkModel(ctx, ms)]);
  const [workerCheck, tableCheck] = await Promise.all([
    temporalCheck.ok
      ? checkWorker(ctx, ms)
      : Promise.resolve<DoctorCheck>({ name: 'worker', ok: false, detail: 'not checked: Temporal is unreachable', fix: 'fix the temporal check first' }),
    dynamoCheck.ok
      ? checkTable(ctx, ms)
      : Promise.resolve<DoctorCheck>({ name: 'table', ok: false, detail: 'not checked: DynamoDB is unreachable', fix: 'fix the dynamodb check first' }),
  ]);
  return [temporalCheck, workerCheck, dynamoCheck, tableCheck, modelCheck];
}
