/**
 * The worker as its container runs it, against the real local stack (dev server, DynamoDB Local, the fake
 * Messages API). There is no Docker daemon here, so the image's command runs as a plain child process: the
 * Dockerfile's CMD, in a folder laid out like its WORKDIR (`npm run build`'s output, the pre-built workflow
 * bundle at the Dockerfile's WORKFLOW_BUNDLE_PATH). Checked: /healthz and /readyz, Prometheus /metrics with
 * our counters beside the SDK's, JSON log lines CloudWatch filters can select on, and a SIGTERM during a slow
 * model call that the worker waits out (shutdown grace) before exiting 0.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MemoryClient } from '../../src/client/memory-client';
import { WORKER_SHUTDOWN_GRACE_MS } from '../../src/defaults';
import { FakeMessagesApi, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { freePort } from '../../src/testing/free-port';
import { projectRoot } from '../../dev/project-paths';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText } from '../../src/store/memory-types';
import { workerCapacity } from '../../src/worker/memory-sizing';
import { dynamoEndpoint, eventually, freshTable, temporalAddress, uniqueId } from '../support/test-env';
import { buildWorkflowBundle, dockerEnv, readDockerfile, startWorkerProcess, type WorkerProcess } from '../support/worker-process';

/** The Dockerfile's WORKDIR, where its paths are rooted. */
const IMAGE_WORKDIR = '/app';
/** How long the fake model takes to answer the call SIGTERM interrupts (ms): long enough to send the signal mid-call. */
const SLOW_REPLY_MS = 6_000;

let fake: FakeMessagesApi;
let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoMemoryStore;
let temporal: Client;
let appDir: string;
let containerCommand: [string, ...string[]];
/** The Dockerfile's HEALTHCHECK command, run the same way. */
let healthCheckCommand: [string, ...string[]];
let bundlePath: string;
const workers: WorkerProcess[] = [];

/** A folder laid out like the image: dist/ from `npm run build` (tsc -p tsconfig.build.json), the bundle, node_modules. */
async function buildImageLayout(): Promise<void> {
  appDir = mkdtempSync(join(tmpdir(), 'worker-image-'));
  const root = projectRoot();
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(appDir, 'dist')],
    {
      encoding: 'utf8',
    },
  );
  if (tsc.status !== 0) throw new Error(`npm run build (tsc -p tsconfig.build.json) failed:\n${tsc.stdout}${tsc.stderr}`);
  const runtime = readDockerfile().stages.at(-1) ?? [];
  const bundleInImage = dockerEnv(runtime)['WORKFLOW_BUNDLE_PATH'] ?? '';
  expect(bundleInImage.startsWith(`${IMAGE_WORKDIR}/dist/`)).toBe(true);
  bundlePath = join(appDir, bundleInImage.slice(IMAGE_WORKDIR.length + 1));
  mkdirSync(join(appDir, 'dist'), { recursive: true });
  copyFileSync(await buildWorkflowBundle(), bundlePath);
  copyFileSync(join(root, 'package.json'), join(appDir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(appDir, 'node_modules'), 'dir');
  const execForm = (keyword: string): [string, ...string[]] => {
    const text = runtime.find((i) => i.keyword === keyword)?.args ?? '';
    const [program, ...args] = JSON.parse(text.slice(text.indexOf('['))) as string[];
    expect(program).toBe('node');
    return [process.execPath, ...args];
  };
  containerCommand = execForm('CMD');
  healthCheckCommand = execForm('HEALTHCHECK');
}

/** Runs the image's health check command in the image layout; its exit code. */
function healthCheck(env: Record<string, string>): number | null {
  const [program, ...args] = healthCheckCommand;
  return spawnSync(program, args, { cwd: appDir, env: { ...process.env, ...env }, encoding: 'utf8' }).status;
}

beforeAll(async () => {
  fake = await FakeMessagesApi.start();
  table = await freshTable('container');
  store = new DynamoMemoryStore(table.doc, table.tableName);
  temporal = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  await buildImageLayout();
}, 120_000);
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  expect(fake.unexpected).toEqual([]);
  fake.reset();
});
afterAll(async () => {
  await temporal?.connection.close();
  await fake?.close();
  table?.client.destroy();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

async function workerEnv(taskQueue: string): Promise<Record<string, string>> {
  return {
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    MEMORY_TABLE_NAME: table.tableName,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fake.baseURL,
    ANTHROPIC_MODEL: 'claude-test-model',
    WORKFLOW_BUNDLE_PATH: bundlePath,
    WORKER_BIND_HOST: '127.0.0.1',
    HEALTH_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    WORKER_MEMORY_LIMIT_MB: '1024',
  };
}

async function get(port: string | undefined, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port ?? ''}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The process's stdout as parsed JSON lines; fails on any line that is not one JSON object. */
function logLines(worker: WorkerProcess): Record<string, unknown>[] {
  return worker
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const parsed = JSON.parse(line) as unknown;
      expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
      return parsed as Record<string, unknown>;
    });
}

/** The value of a Prometheus sample: the first line naming `metric` whose labels include every given one. */
function sample(exposition: string, metric: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== metric) continue;
    const text = match[2] ?? '';
    if (Object.entries(labels).every(([name, value]) => text.includes(`${name}="${value}"`))) return Number(match[3]);
  }
  return undefined;
}

const insert = (content: string, usage = { input_tokens: 1234, output_tokens: 56 }): ScriptedReply => ({
  kind: 'tool',
  input: { operations: [{ action: 'insert', content }] },
  usage,
});

async function memoriesOf(namespace: string[]): Promise<string[]> {
  return (await store.search(namespace, { limit: 100 })).map((item) => memoryText(item.value));
}

test('the container command: health, readiness, Prometheus metrics with our counters, JSON log lines', async () => {
  const taskQueue = uniqueId('container');
  const env = await workerEnv(taskQueue);
  const worker = await startWorkerProcess(temporal, env, { command: containerCommand, cwd: appDir });
  workers.push(worker);
  const memory = new MemoryClient({ temporal, store, taskQueue });

  expect(await get(env['HEALTH_PORT'], '/healthz')).toEqual({ status: 200, body: JSON.stringify({ state: 'RUNNING' }) });
  const ready = await eventually(
    () => get(env['HEALTH_PORT'], '/readyz'),
    (r) => r.status === 200,
  );
  expect(JSON.parse(ready.body)).toMatchObject({ state: 'RUNNING', workflowPoller: 'POLLING', activityPoller: 'POLLING' });
  expect((await get(env['HEALTH_PORT'], '/nope')).status).toBe(404);
  expect(healthCheck(env)).toBe(0);

  // One extraction that commits, one batch the model API refuses (400: final, a dead letter at once).
  const good = uniqueId('good');
  fake.script(insert('User rides a unicycle'));
  await memory.submit(good, [{ id: 'm1', role: 'user', content: 'I ride a unicycle.' }], { afterSeconds: 0.2, namespace: ['memories', good] });
  await eventually(
    () => memoriesOf(['memories', good]),
    (m) => m.length === 1,
    { timeoutMs: 30_000 },
  );
  const bad = uniqueId('bad');
  fake.script({ kind: 'status', status: 400, message: 'scripted bad request' });
  await memory.submit(bad, [{ id: 'm1', role: 'user', content: 'This batch is refused.' }], { afterSeconds: 0.2, namespace: ['memories', bad] });
  await eventually(
    () => memory.deadLetters(bad),
    (letters) => letters.length === 1,
    { timeoutMs: 30_000 },
  );

  const metrics = await eventually(
    () => get(env['METRICS_PORT'], '/metrics').then((r) => r.body),
    (text) => sample(text, 'memory_dead_letters') !== undefined,
  );
  // Our counters carry the SDK's activity tags (camelCase: taskQueue, activityType); the SDK's own metrics use task_queue.
  // A batch's first attempt plans it too (`extractNext`); `extractBatch` only retries.
  expect(sample(metrics, 'memory_extractions', { status: 'extracted', activityType: 'extractNext', taskQueue })).toBe(1);
  expect(sample(metrics, 'memory_input_tokens')).toBe(1234);
  expect(sample(metrics, 'memory_output_tokens')).toBe(56);
  expect(sample(metrics, 'memory_extraction_failures', { error_type: 'ModelRequestError' })).toBe(1);
  expect(sample(metrics, 'memory_dead_letters', { error_type: 'ModelRequestError' })).toBe(1);
  expect(metrics).toMatch(/^temporal_activity_execution_latency\S*\{/m);
  expect(sample(metrics, 'temporal_worker_start', { task_queue: taskQueue })).toBe(1);

  // Every stdout line is one JSON object; the lines CloudWatch metric filters select on carry their fields.
  // The Runtime holds log lines ~100 ms to sort them with core's forwarded ones.
  const lines = await eventually(
    () => logLines(worker),
    (all) => all.some((l) => l['message'] === 'batch recorded as a dead letter'),
  );
  for (const line of lines)
    expect(line).toEqual(
      expect.objectContaining({ level: expect.any(String) as unknown, message: expect.any(String) as unknown, timestamp: expect.any(String) as unknown }),
    );
  expect(lines.find((l) => l['message'] === 'worker capacity')).toMatchObject({ memorySource: 'WORKER_MEMORY_LIMIT_MB', ...workerCapacity(1024) });
  expect(lines.find((l) => l['message'] === 'memories extracted')).toMatchObject({
    level: 'INFO',
    activityType: 'extractNext',
    workflowId: `memory-thread:${good}`,
    inputTokens: 1234,
  });
  // A final error on the first attempt: the batch goes to the dead-letter step without a retry.
  expect(lines.find((l) => l['message'] === 'Activity failed' && l['activityType'] === 'extractNext')).toMatchObject({
    level: 'WARN',
    workflowId: `memory-thread:${bad}`,
    error: { type: 'ModelRequestError', nonRetryable: true },
  });
  const deadLetter = lines.find((l) => l['message'] === 'batch recorded as a dead letter');
  expect(deadLetter).toMatchObject({
    level: 'WARN',
    workflowId: `memory-thread:${bad}`,
    threadId: bad,
    type: 'ModelRequestError',
    // The failure carries a code, counts and a reference, never the model API's body (kept with the dead letter).
    meta_message: expect.stringMatching(/^status=400 attempt=\d+; details: batch \S+$/) as unknown,
  });
  expect(typeof deadLetter?.['batchId']).toBe('string');
  expect(lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain('scripted bad request');

  await worker.stop();
  expect(await worker.exited).toMatchObject({ code: 0 });
  expect(healthCheck(env)).toBe(1);
}, 90_000);

test('SIGTERM during a slow model call: the call finishes, its memories are written, the worker exits 0 within the grace', async () => {
  const taskQueue = uniqueId('sigterm');
  const env = await workerEnv(taskQueue);
  // The entry point from sources (`src/worker/main.ts`), with the pre-built bundle.
  const worker = await startWorkerProcess(temporal, env);
  workers.push(worker);
  const memory = new MemoryClient({ temporal, store, taskQueue });
  const threadId = uniqueId('slow');
  const namespace = ['memories', threadId];
  fake.script({ kind: 'slow', delayMs: SLOW_REPLY_MS, reply: insert('User restores old clocks') });
  await memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I restore old clocks.' }], { afterSeconds: 0.2, namespace });
  await eventually(
    () => fake.requests.length,
    (n) => n === 1,
    { timeoutMs: 30_000 },
  );
  const requestSeenAt = Date.now();

  const signalledAt = Date.now();
  worker.child.kill('SIGTERM');
  // Draining: the health check fails, so nothing routes work here, while the call goes on.
  const draining = await eventually(
    () => get(env['HEALTH_PORT'], '/healthz'),
    (r) => r.status === 503,
    { timeoutMs: 5_000, intervalMs: 50 },
  );
  expect(JSON.parse(draining.body)).toEqual({ state: expect.stringMatching(/^(DRAINING|DRAINED|STOPPING)$/) as unknown });
  expect(await memoriesOf(namespace)).toEqual([]);

  const exit = await worker.exited;
  console.log(`SIGTERM → exit ${exit.at - signalledAt} ms (model reply due ${SLOW_REPLY_MS - (signalledAt - requestSeenAt)} ms after the signal)`);
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.at - requestSeenAt).toBeGreaterThanOrEqual(SLOW_REPLY_MS - 1_000);
  expect(exit.at - signalledAt).toBeLessThan(WORKER_SHUTDOWN_GRACE_MS);
  expect(await memoriesOf(namespace)).toEqual(['User restores old clocks']);
  expect(logLines(worker).find((l) => l['message'] === 'memories extracted')).toMatchObject({ workflowId: `memory-thread:${threadId}` });

  // The next worker only records the finished extraction: no second model call.
  workers.push(await startWorkerProcess(temporal, await workerEnv(taskQueue)));
  const state = await eventually(
    () => memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1 && s.pendingCount === 0,
    { timeoutMs: 30_000 },
  );
  expect(state?.totals.messagesProcessed).toBe(1);
  expect(fake.requests).toHaveLength(1);
}, 90_000);
