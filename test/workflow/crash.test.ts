/**
 * Crashes, with the worker in its own process (`src/worker/main.ts`, the container's entry point):
 * SIGKILL while a thread waits for quiet, SIGKILL in the middle of a slow model call, and a restart of
 * the Temporal dev server (persisted with --db-filename) while a thread waits. Each time the message is
 * extracted exactly once and its memory written once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MemoryClient } from '../../src/client/memory-client';
import { FakeMessagesApi, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { freePort } from '../../src/testing/free-port';
import { startTemporalDevServer } from '../../src/testing/temporal-dev-server';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText } from '../../src/store/memory-types';
import { dynamoEndpoint, eventually, freshTable, temporalAddress, uniqueId } from '../support/test-env';
import { buildWorkflowBundle, startWorkerProcess, type WorkerProcess } from '../support/worker-process';

let fake: FakeMessagesApi;
let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoMemoryStore;
let temporal: Client;
let bundlePath: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  fake = await FakeMessagesApi.start();
  table = await freshTable('crash');
  store = new DynamoMemoryStore(table.doc, table.tableName);
  temporal = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  bundlePath = await buildWorkflowBundle();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  expect(fake.unexpected).toEqual([]);
  fake.reset();
});
afterAll(async () => {
  await temporal?.connection.close();
  await fake?.close();
  table?.client.destroy();
});

function workerEnv(taskQueue: string, address = temporalAddress()): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    MEMORY_TABLE_NAME: table.tableName,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fake.baseURL,
    ANTHROPIC_MODEL: 'claude-test-model',
    WORKFLOW_BUNDLE_PATH: bundlePath,
  };
}

async function startWorker(client: Client, taskQueue: string, address?: string): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(client, workerEnv(taskQueue, address));
  workers.push(worker);
  return worker;
}

const insert = (content: string): ScriptedReply => ({ kind: 'tool', input: { operations: [{ action: 'insert', content }] } });

async function memoriesOf(namespace: string[]): Promise<string[]> {
  return (await store.search(namespace, { limit: 100 })).map((item) => memoryText(item.value));
}

test('SIGKILL during the quiet period: a new worker extracts the message once', async () => {
  const taskQueue = uniqueId('crash-quiet');
  const memory = new MemoryClient({ temporal, store, taskQueue });
  const threadId = uniqueId('quiet');
  const namespace = ['memories', threadId];
  const first = await startWorker(temporal, taskQueue);
  fake.script(insert('User collects stamps'));
  await memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I collect stamps.' }], { afterSeconds: 4, namespace });
  await eventually(
    () => memory.state(threadId),
    (s) => s?.nextExtractionAt !== null && s?.pendingCount === 1,
  );

  await first.kill();
  await startWorker(temporal, taskQueue);
  await eventually(
    () => memoriesOf(namespace),
    (m) => m.length > 0,
    { timeoutMs: 60_000 },
  );
  const state = await eventually(
    () => memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1,
  );
  expect(state).toMatchObject({ pendingCount: 0, totals: { messagesProcessed: 1 } });
  expect(await memoriesOf(namespace)).toEqual(['User collects stamps']);
  expect(fake.requests).toHaveLength(1);
}, 120_000);

test('SIGKILL during a slow model call: the batch is retried on a new worker within 30 s, committed once', async () => {
  const taskQueue = uniqueId('crash-model');
  const memory = new MemoryClient({ temporal, store, taskQueue });
  const threadId = uniqueId('model');
  const namespace = ['memories', threadId];
  const first = await startWorker(temporal, taskQueue);
  const retriedAt: number[] = [];
  fake.script(
    { kind: 'slow', delayMs: 60_000, reply: insert('User plays the cello') },
    { kind: 'respond', respond: () => (retriedAt.push(Date.now()), insert('User plays the cello')) },
  );
  await memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I play the cello.' }], { afterSeconds: 0.2, namespace });
  await eventually(
    () => fake.requests.length,
    (n) => n === 1,
    { timeoutMs: 30_000 },
  );

  await first.kill();
  const second = await startWorker(temporal, taskQueue);
  await eventually(
    () => retriedAt.length,
    (n) => n === 1,
    { timeoutMs: 60_000 },
  );
  const takeoverMs = (retriedAt[0] as number) - second.startedAt;
  console.log(`killed attempt retried ${takeoverMs} ms after the new worker started`);
  expect(takeoverMs).toBeLessThan(30_000);

  const state = await eventually(
    () => memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1 && s.pendingCount === 0,
  );
  expect(state?.totals.messagesProcessed).toBe(1);
  expect(await memoriesOf(namespace)).toEqual(['User plays the cello']);
  expect(fake.requests).toHaveLength(2);
}, 120_000);

test('restarting the dev server (persisted with --db-filename) during the quiet period: the extraction still happens', async () => {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'temporal-restart-')), 'temporal.sqlite');
  const port = await freePort();
  let server = await startTemporalDevServer({ dbFile, port });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    const taskQueue = uniqueId('crash-server');
    const memory = new MemoryClient({ temporal: client, store, taskQueue });
    const threadId = uniqueId('server');
    const namespace = ['memories', threadId];
    await startWorker(client, taskQueue, server.address);
    fake.script(insert('User bakes bread'));
    await memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I bake bread.' }], { afterSeconds: 8, namespace });
    await eventually(
      () => memory.state(threadId),
      (s) => s?.nextExtractionAt !== null,
    );

    await server.stop();
    server = await startTemporalDevServer({ dbFile, port });
    await eventually(
      () => memoriesOf(namespace),
      (m) => m.length > 0,
      { timeoutMs: 90_000 },
    );
    expect(await memoriesOf(namespace)).toEqual(['User bakes bread']);
    const state = await eventually(
      () => memory.state(threadId),
      (s) => s?.totals.extractionsCompleted === 1,
    );
    expect(state?.pendingCount).toBe(0);
    expect(fake.requests).toHaveLength(1);
  } finally {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await client.connection.close();
    await server.stop();
  }
}, 180_000);
