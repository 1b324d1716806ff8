/**
 * The worker's start-up (src/worker/main.ts): its network steps (health server, Temporal connection, the local
 * table check) run together, and a failure of any of them ends the process with that step's error before the
 * worker polls. The success path reports where the start-up time went.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort } from '../../src/testing/free-port';
import { projectRoot } from '../../dev/project-paths';
import { dynamoEndpoint, temporalAddress, uniqueId } from '../support/test-env';
import { startWorkerProcess } from '../support/worker-process';

let client: Client;
beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
});
afterAll(async () => {
  await client?.connection.close();
});

function baseEnv(taskQueue: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    MEMORY_TABLE_NAME: uniqueId('startup'),
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
    WORKER_BIND_HOST: '127.0.0.1',
    HEALTH_PORT: '0',
    METRICS_PORT: '0',
  };
}

/** Runs the worker entry point to its exit; its exit code and stdout's JSON lines. */
async function runToExit(env: Record<string, string>): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot(), 'src', 'worker', 'main.ts')], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines };
}

test('an unreachable DynamoDB endpoint on a local stack: the table check fails the start-up with its own error, and the worker never polls', async () => {
  const taskQueue = uniqueId('startup-no-table');
  const closedPort = await freePort();
  const { code, lines } = await runToExit({ ...baseEnv(taskQueue), DYNAMODB_ENDPOINT: `http://127.0.0.1:${closedPort}` });
  expect(code).toBe(1);
  const failure = lines.at(-1);
  expect(failure).toMatchObject({ level: 'ERROR', message: 'worker failed' });
  // The DynamoDB client's connection error, not a follow-on error from closing the Temporal connection.
  expect(JSON.stringify(failure?.['error'])).toMatch(/ECONNREFUSED/);
  expect(JSON.stringify(failure)).not.toMatch(/Cannot close connection/);
  expect(lines.map((line) => line['message'])).not.toContain('worker started');
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  expect(pollers ?? []).toEqual([]);
});

test('the "worker started" line says where the start-up time went (ms since the process started)', async () => {
  const taskQueue = uniqueId('startup-ok');
  const worker = await startWorkerProcess(client, { ...baseEnv(taskQueue), DYNAMODB_ENDPOINT: dynamoEndpoint() });
  try {
    const started = worker
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"worker started"'))
      .map((line) => JSON.parse(line) as { startupMs?: Record<string, unknown> });
    expect(started).toHaveLength(1);
    const startupMs = started[0]?.startupMs ?? {};
    expect(Object.keys(startupMs).sort()).toEqual(['connected', 'modulesLoaded', 'workerCreated']);
    for (const value of Object.values(startupMs)) expect(typeof value).toBe('number');
  } finally {
    await worker.stop();
  }
});
