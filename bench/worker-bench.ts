/**
 * Benchmark of the worker process, run by hand (`npm run bench:worker`; jest never picks it up). It starts its
 * own local stack — a Temporal dev server, DynamoDB Local and the fake Messages API (never called: nothing is
 * extracted) — and runs the worker entry point (`src/worker/main.ts`) as a child process, as the container does:
 *
 * 1. Start → first workflow task completed, with the pre-built workflow bundle (WORKFLOW_BUNDLE_PATH) and
 *    bundling from source, alternately in the same run: the spawn time against the server's time of the first
 *    WorkflowTaskCompleted event of a thread submitted before the worker started.
 * 2. Worker RSS with 10,000 sleeping threads (one message each, a 6-hour quiet period, so every thread sits in
 *    its timer), with the workflow cache sized for a 1 GiB container (WORKER_MEMORY_LIMIT_MB=1024) and with the
 *    SDK's default cache (computed from the V8 heap limit), one after the other on fresh task queues.
 *
 * Figures are this run's observation on a shared 2-core machine. Exits 1 when the sized worker's RSS passes
 * 1 GiB or its cache is not the one the formula gives. See bench/README.md.
 */
import { getHeapStatistics } from 'node:v8';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { THREAD_WORKFLOW_TYPE, messagesAddedSignal, threadWorkflowId, type MessagesAddedPayload, type ThreadWorkflowInput } from '../src/contract';
import { DEFAULT_TEMPORAL_NAMESPACE } from '../src/defaults';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { FakeMessagesApi } from '../src/testing/fake-messages-api';
import { freePort } from '../src/testing/free-port';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { workerCapacity } from '../src/worker/memory-sizing';
import { eventually, uniqueId } from '../test/support/test-env';
import { buildWorkflowBundle, startWorkerProcess, type WorkerProcess } from '../test/support/worker-process';
import { fmt, printTable } from './bench-output';
import { useProjectTools } from '../dev/project-paths';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

// ───────────────────────────── what is measured ─────────────────────────────

/** Sleeping threads opened per worker in figure 2. */
const THREADS = 10_000;
/** The container size figure 2 configures (MiB) and the RSS it must stay under. */
const CONTAINER_MIB = 1024;
/** Quiet period of the sleeping threads (s): far beyond the bench, so every thread stays in its timer. */
const SLEEP_SECONDS = 6 * 60 * 60;
/** signalWithStart calls in flight while opening threads. */
const SIGNAL_CONCURRENCY = 32;
/** Worker starts per mode in figure 1 (alternating modes). */
const START_RUNS = 3;
/** How long RSS is watched once every thread has had its first workflow task (ms); the highest reading is reported. */
const SETTLE_MS = 10_000;

// ───────────────────────────── helpers ─────────────────────────────

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MIB = 1024 * 1024;

/** Resident set size of a process (MiB), from /proc. */
function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid ?? 'self'}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/** The SDK's own default `maxCachedWorkflows` for this Node's heap limit (reuseV8Context, its default). */
function sdkDefaultCache(): number {
  const heapMiB = getHeapStatistics().heap_size_limit / MIB;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Opens a sleeping thread: the signal `submit` sends, without the inbox write (nothing is ever extracted). */
async function openThread(client: Client, taskQueue: string, threadId: string): Promise<void> {
  const input: ThreadWorkflowInput = { threadId };
  const payload: MessagesAddedPayload = { lastSeq: 1, newMessages: 1, duplicates: 0, afterSeconds: SLEEP_SECONDS, maxWaitSeconds: SLEEP_SECONDS };
  await client.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
    workflowId: threadWorkflowId(threadId),
    taskQueue,
    args: [input],
    signal: messagesAddedSignal.name,
    signalArgs: [payload],
  });
}

/** Sum of a Prometheus metric's samples whose labels include `task_queue="<queue>"`. */
function metricSum(exposition: string, metric: string, taskQueue: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${metric}{`) && line.includes(`task_queue="${taskQueue}"`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

interface Stack {
  client: Client;
  env: Record<string, string>;
}

async function workerEnv(stack: Stack, taskQueue: string, extra: Record<string, string>): Promise<Record<string, string>> {
  return {
    ...stack.env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    WORKER_BIND_HOST: '127.0.0.1',
    HEALTH_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    ...extra,
  };
}

// ───────────────────────────── figure 1: start → first task ─────────────────────────────

async function firstTaskMs(stack: Stack, bundlePath: string | undefined): Promise<{ pollingMs: number; firstTaskMs: number }> {
  const taskQueue = uniqueId('bench-start');
  const threadId = uniqueId('start');
  await openThread(stack.client, taskQueue, threadId);
  const env = await workerEnv(stack, taskQueue, bundlePath ? { WORKFLOW_BUNDLE_PATH: bundlePath } : {});
  if (!bundlePath) delete env['WORKFLOW_BUNDLE_PATH'];
  const worker = await startWorkerProcess(stack.client, env);
  const pollingMs = Date.now() - worker.startedAt;
  try {
    const completedAt = await eventually(
      async () => {
        const history = await stack.client.workflow.getHandle(threadWorkflowId(threadId)).fetchHistory();
        const event = history.events?.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        const time = event?.eventTime;
        return time ? Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : undefined;
      },
      (at) => at !== undefined,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    return { pollingMs, firstTaskMs: (completedAt ?? 0) - worker.startedAt };
  } finally {
    await worker.stop();
    await stack.client.workflow.getHandle(threadWorkflowId(threadId)).terminate('bench done');
  }
}

// ───────────────────────────── figure 2: RSS with 10,000 sleeping threads ─────────────────────────────

interface MemoryRow {
  label: string;
  cache: number;
  idleMiB: number;
  loadedMiB: number;
  cachedAtEnd: number;
  openSeconds: number;
}

async function measureMemory(stack: Stack, label: string, bundlePath: string, extra: Record<string, string>): Promise<MemoryRow> {
  const taskQueue = uniqueId('bench-rss');
  const env = await workerEnv(stack, taskQueue, { WORKFLOW_BUNDLE_PATH: bundlePath, ...extra });
  const metricsPort = Number(env['METRICS_PORT']);
  const worker: WorkerProcess = await startWorkerProcess(stack.client, env);
  try {
    await pause(2_000);
    const idleMiB = rssMiB(worker.child.pid);
    const started = Date.now();
    let opened = 0;
    const next = () => (opened < THREADS ? opened++ : undefined);
    await Promise.all(
      Array.from({ length: SIGNAL_CONCURRENCY }, async () => {
        for (let i = next(); i !== undefined; i = next()) {
          await openThread(stack.client, taskQueue, `${taskQueue}-${i}`);
          if ((i + 1) % 2_000 === 0) progress(`${label}: ${fmt(i + 1)} threads opened (worker RSS ${fmt(rssMiB(worker.child.pid))} MiB)`);
        }
      }),
    );
    // Every thread's first workflow task done (it started its timer): the worker has seen them all.
    await eventually(
      () => scrape(metricsPort).then((text) => metricSum(text, 'temporal_workflow_task_execution_latency_count', taskQueue)),
      (tasks) => tasks >= THREADS,
      { timeoutMs: 600_000, intervalMs: 1_000 },
    );
    const openSeconds = (Date.now() - started) / 1000;
    let loadedMiB = 0;
    for (const until = Date.now() + SETTLE_MS; Date.now() < until; await pause(1_000)) loadedMiB = Math.max(loadedMiB, rssMiB(worker.child.pid));
    const cachedAtEnd = metricSum(await scrape(metricsPort), 'temporal_sticky_cache_size', taskQueue);
    const capacityLine = worker
      .stdout()
      .split('\n')
      .find((line) => line.includes('"worker capacity"'));
    const cache = capacityLine ? Number((JSON.parse(capacityLine) as { maxCachedWorkflows: number }).maxCachedWorkflows) : NaN;
    progress(`${label}: ${fmt(THREADS)} threads sleeping, RSS ${fmt(loadedMiB)} MiB`);
    return { label, cache, idleMiB, loadedMiB, cachedAtEnd, openSeconds };
  } finally {
    await worker.stop();
  }
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const benchStarted = Date.now();
  const problems: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    progress('starting a Temporal dev server, DynamoDB Local and the fake Messages API; bundling the workflows');
    const [server, dynamo, fake, bundlePath] = await Promise.all([
      startTemporalDevServer(),
      startDynamoDbLocal(),
      FakeMessagesApi.start(),
      buildWorkflowBundle(),
    ]);
    stops.push(
      () => server.stop(),
      () => dynamo.stop(),
      () => fake.close(),
    );
    const connection = await Connection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const stack: Stack = {
      client: new Client({ connection, namespace: DEFAULT_TEMPORAL_NAMESPACE }),
      env: {
        TEMPORAL_ADDRESS: server.address,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        MEMORY_TABLE_NAME: uniqueId('bench-worker'),
        ANTHROPIC_API_KEY: 'bench-key',
        ANTHROPIC_BASE_URL: fake.baseURL,
        ANTHROPIC_MODEL: 'claude-bench-model',
      },
    };

    // Figure 1.
    const runs: Record<'bundle' | 'source', { pollingMs: number; firstTaskMs: number }[]> = { bundle: [], source: [] };
    for (let i = 0; i < START_RUNS; i++) {
      runs.bundle.push(await firstTaskMs(stack, bundlePath));
      runs.source.push(await firstTaskMs(stack, undefined));
      progress(
        `figure 1: run ${i + 1}/${START_RUNS}: bundle ${fmt(runs.bundle.at(-1)?.firstTaskMs ?? 0)} ms, source ${fmt(runs.source.at(-1)?.firstTaskMs ?? 0)} ms`,
      );
    }
    const first = (mode: 'bundle' | 'source') => median(runs[mode].map((r) => r.firstTaskMs));
    printTable(
      `1. Worker start → first workflow task completed (src/worker/main.ts as a child process; median of ${START_RUNS}, alternating)`,
      ['workflow code', 'start → polling (ms)', 'start → first task (ms)', 'runs (ms)'],
      (['bundle', 'source'] as const).map((mode) => [
        mode === 'bundle' ? 'pre-built bundle (WORKFLOW_BUNDLE_PATH)' : 'bundled from source at start',
        fmt(median(runs[mode].map((r) => r.pollingMs))),
        fmt(first(mode)),
        runs[mode].map((r) => fmt(r.firstTaskMs)).join(' / '),
      ]),
      [
        `pre-built vs from source: ${fmt(first('source') - first('bundle'))} ms saved (${fmt(first('source') / Math.max(1, first('bundle')), 2)}x)`,
        "start = spawn of the process (tsx loads the TypeScript sources in both modes); first task = the server's time of the",
        "first WorkflowTaskCompleted of a thread submitted before the worker started. This run's observation on a shared machine.",
      ],
    );

    // Figure 2.
    const sdkCache = sdkDefaultCache();
    const sized = await measureMemory(stack, `sized for ${CONTAINER_MIB} MiB`, bundlePath, { WORKER_MEMORY_LIMIT_MB: String(CONTAINER_MIB) });
    const sdk = await measureMemory(stack, 'SDK default cache', bundlePath, { WORKER_MAX_CACHED_WORKFLOWS: String(sdkCache) });
    const perCached = (row: MemoryRow) => ((row.loadedMiB - row.idleMiB) * 1024) / Math.max(1, Math.min(THREADS, row.cache));
    printTable(
      `2. Worker RSS with ${fmt(THREADS)} sleeping threads (one message each, afterSeconds ${fmt(SLEEP_SECONDS)}; pre-built bundle)`,
      [
        'workflow cache',
        'maxCachedWorkflows',
        'cached at end',
        'RSS idle (MiB)',
        `RSS, ${fmt(THREADS)} threads (MiB)`,
        'growth (MiB)',
        'KiB per cached thread',
        'open time (s)',
      ],
      [sized, sdk].map((r) => [
        r.label,
        fmt(r.cache),
        fmt(r.cachedAtEnd),
        fmt(r.idleMiB),
        fmt(r.loadedMiB),
        fmt(r.loadedMiB - r.idleMiB),
        fmt(perCached(r)),
        fmt(r.openSeconds, 1),
      ]),
      [
        `RSS, SDK default vs sized: ${fmt(sdk.loadedMiB / Math.max(1, sized.loadedMiB), 2)}x; growth: ${fmt((sdk.loadedMiB - sdk.idleMiB) / Math.max(1, sized.loadedMiB - sized.idleMiB), 2)}x (goal: sized ≤ ${fmt(CONTAINER_MIB)} MiB)`,
        `SDK default cache here: ${fmt(sdkCache)} (from the V8 heap limit, ${fmt(getHeapStatistics().heap_size_limit / MIB)} MiB), passed as WORKER_MAX_CACHED_WORKFLOWS.`,
        `RSS = VmRSS of the worker process, highest reading over ${SETTLE_MS / 1000} s after every thread's first workflow task; idle = after start, before any thread.`,
      ],
    );
    const expected = workerCapacity(CONTAINER_MIB).maxCachedWorkflows;
    if (sized.cache !== expected) problems.push(`sized worker reported maxCachedWorkflows ${sized.cache}, the formula gives ${expected}`);
    if (sized.loadedMiB > CONTAINER_MIB) problems.push(`sized worker RSS ${fmt(sized.loadedMiB)} MiB is over ${CONTAINER_MIB} MiB`);
    if (sdk.cache !== sdkCache) problems.push(`SDK-default worker reported maxCachedWorkflows ${sdk.cache}, expected ${sdkCache}`);
    if (fake.requests.length > 0) problems.push(`the fake model was called ${fake.requests.length} times; nothing should have been extracted`);
  } finally {
    progress('stopping the servers');
    for (const stop of stops) await stop().catch(() => undefined);
  }
  console.log(`\nbench wall time: ${fmt((Date.now() - benchStarted) / 1000, 0)} s (this run's observation)`);
  if (problems.length > 0) {
    console.log('\nEXPECTATIONS NOT MET:');
    for (const p of problems) console.log(`  - ${p}`);
    process.exitCode = 1;
  } else {
    console.log(`all expectations met: the sized worker stayed under ${fmt(CONTAINER_MIB)} MiB with ${fmt(THREADS)} sleeping threads.`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
