/**
 * Benchmark of the worker process, run by hand (`npm run bench:worker [-- --threads N] [-- --figures 1,2,3]`;
 * jest never picks it up). It starts its own local stack — a Temporal dev server, DynamoDB Local and the fake
 * Messages API — and runs the worker entry point (`src/worker/main.ts`) as a child process, as the container does:
 *
 * 1. Start → first workflow task completed, with the pre-built workflow bundle (WORKFLOW_BUNDLE_PATH) and
 *    bundling from source, alternately in the same run: the spawn time against the server's time of the first
 *    WorkflowTaskCompleted event of a thread submitted before the worker started.
 * 2. Worker RSS (peak and settled) at 2,000 and then 10,000 sleeping threads (one message each, a 6-hour quiet
 *    period, so every thread sits in its timer) with NO memory setting (no WORKER_MEMORY_LIMIT_MB, and the
 *    cgroup limit the child sees is printed), beside the old sizing from V8's heap limit (emulated with
 *    WORKER_MEMORY_LIMIT_MB = the heap limit), one worker after the other on fresh task queues.
 * 3. Many threads, most evicted (`--threads`, default 20,000; 100,000 for the issue's figure): peak RSS while
 *    they are opened and settle, with no memory setting, and the wake-up latency (server time of the signal →
 *    the extraction's ActivityTaskScheduled) of threads the worker has evicted beside threads still cached:
 *    each sampled thread gets a second message with afterSeconds 0, one thread at a time, and is really
 *    extracted (the fake Messages API answers).
 * 4. The workflow bundle: its size, the modules in it, and the share that is source map.
 *
 * Figures are this run's observation on a shared 2-core machine. Exits 1 when the no-setting worker's RSS
 * passes 1 GiB at 10,000 threads or 2 GiB in figure 3, or a count is off. See bench/README.md.
 */
import { getHeapStatistics } from 'node:v8';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totalmem } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { THREAD_WORKFLOW_TYPE, messagesAddedSignal, threadWorkflowId, type MessagesAddedPayload, type ThreadWorkflowInput } from '../src/contract';
import { DEFAULT_TEMPORAL_NAMESPACE, DEFAULT_WORKER_MEMORY_MIB } from '../src/defaults';
import { MemoryClient } from '../src/client/memory-client';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { ensureTable } from '../src/store/ensure-table';
import { DynamoMemoryStore } from '../src/store/memory-store';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { FakeMessagesApi } from '../src/testing/fake-messages-api';
import { freePort } from '../src/testing/free-port';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { CGROUP_V1_MEMORY_LIMIT, CGROUP_V2_MEMORY_MAX, workerCapacity } from '../src/worker/memory-sizing';
import { eventually, uniqueId } from '../test/support/test-env';
import { buildWorkflowBundle, startWorkerProcess, type WorkerProcess } from '../test/support/worker-process';
import { fmt, printTable } from './bench-output';
import { useProjectTools } from '../dev/project-paths';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

// ───────────────────────────── what is measured ─────────────────────────────

/** Sleeping threads at which figure 2 reads RSS, in order, on one worker per sizing (`--rss-steps` for a quick try). */
const DEFAULT_RSS_STEPS = [2_000, 10_000];
/** The RSS the no-setting worker must stay under at 10,000 threads (MiB): the fixed budget it sizes for. */
const NO_SETTING_GOAL_MIB = 1024;
/** Threads figure 3 opens unless `--threads` says otherwise; the issue's figure is 100,000. */
const DEFAULT_MANY_THREADS = 20_000;
/** The issue's figure-3 thread count: a smaller run prints a REDUCED line. */
const FULL_MANY_THREADS = 100_000;
/** The RSS the worker must stay under with figure 3's threads open (MiB). */
const MANY_THREADS_GOAL_MIB = 2048;
/** Threads woken per group (evicted, cached) in figure 3. */
const WAKE_SAMPLE = 50;
/** Quiet period of the sleeping threads (s): far beyond the bench, so every thread stays in its timer. */
const SLEEP_SECONDS = 6 * 60 * 60;
/** signalWithStart calls in flight while opening threads. */
const SIGNAL_CONCURRENCY = 64;
/** Worker starts per mode in figure 1 (alternating modes). */
const START_RUNS = 3;
/** How long RSS is watched once every thread has had its first workflow task (ms); the last reading is "settled". */
const SETTLE_MS = 15_000;
/** How often the RSS sampler reads /proc (ms). */
const SAMPLE_MS = 250;

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

/** The pid of the process serving Temporal's frontend on this port (the dev server the bench started), from /proc. */
function serverPid(address: string): number | undefined {
  const port = address.split(':').at(-1);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('start-dev') && args[args.indexOf('--port') + 1] === port) return Number(entry);
    } catch {
      // The process ended while the table was read.
    }
  }
  return undefined;
}

/** V8's heap limit of this Node (MiB): what the worker sized itself from, with no limit stated, before issue 15. */
function heapLimitMiB(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / MIB);
}

/** What a process in this cgroup sees as its memory limit: the files `detectMemoryLimit` reads, as text. */
function cgroupReport(): string {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return 'absent';
    }
  };
  const v1 = read(CGROUP_V1_MEMORY_LIMIT);
  const v1Text = /^\d+$/.test(v1) && Number(v1) >= totalmem() ? `${v1} (no tighter than the machine's ${fmt(totalmem() / MIB)} MiB: no limit)` : v1;
  return `${CGROUP_V2_MEMORY_MAX}: ${read(CGROUP_V2_MEMORY_MAX)}; ${CGROUP_V1_MEMORY_LIMIT}: ${v1Text}`;
}

/** Watches a process's RSS every SAMPLE_MS: the highest reading since the last `reset`, and the latest. */
class RssSampler {
  peak = 0;
  last = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number | undefined) {
    this.read();
    this.timer = setInterval(() => this.read(), SAMPLE_MS);
  }
  private read(): void {
    try {
      this.last = rssMiB(this.pid);
      this.peak = Math.max(this.peak, this.last);
    } catch {
      // The process has exited; keep the last readings.
    }
  }
  reset(): void {
    this.read();
    this.peak = this.last;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** The p-th percentile (0–100) by nearest rank. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
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

/** Sum of a Prometheus metric's samples (`<metric>{` or `<metric>_total{`) whose labels include `task_queue="<queue>"`. */
function metricSum(exposition: string, metric: string, taskQueue: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    const named = line.startsWith(`${metric}{`) || line.startsWith(`${metric}_total{`);
    if (named && line.includes(`task_queue="${taskQueue}"`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

interface Stack {
  client: Client;
  store: DynamoMemoryStore;
  env: Record<string, string>;
  /** The Temporal dev server's RSS (MiB) now: it shares the machine, and at 100,000 threads it is the larger process. */
  serverRssMiB: () => number;
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

// ───────────────────────────── threads, opened in a bounded pool ─────────────────────────────

/**
 * Opens threads `from` … `to − 1` of a task queue, SIGNAL_CONCURRENCY at a time, and returns when every one of
 * them has had its first workflow task (the worker's count of completed workflow tasks reaches `tasksBefore + n`).
 */
async function openThreads(
  stack: Stack,
  worker: { taskQueue: string; metricsPort: number; rss: RssSampler; label: string },
  from: number,
  to: number,
  tasksBefore: number,
): Promise<number> {
  const step = Math.max(1_000, Math.round((to - from) / 10 / 1_000) * 1_000);
  let opened = from;
  const next = () => (opened < to ? opened++ : undefined);
  await Promise.all(
    Array.from({ length: SIGNAL_CONCURRENCY }, async () => {
      for (let i = next(); i !== undefined; i = next()) {
        await openThread(stack.client, worker.taskQueue, `${worker.taskQueue}-${i}`);
        if ((i + 1) % step === 0)
          progress(
            `${worker.label}: ${fmt(i + 1)} threads opened (worker RSS ${fmt(worker.rss.last)} MiB, peak ${fmt(worker.rss.peak)}; Temporal server RSS ${fmt(stack.serverRssMiB())} MiB)`,
          );
      }
    }),
  );
  // Every thread's first workflow task done (it started its timer): the worker has seen them all.
  return eventually(
    () => scrape(worker.metricsPort).then((text) => metricSum(text, 'temporal_workflow_task_execution_latency_count', worker.taskQueue)),
    (tasks) => tasks >= tasksBefore + (to - from),
    { timeoutMs: 1_800_000, intervalMs: 1_000 },
  );
}

/** The worker's start-up line `worker capacity` (its cache size and where its memory figure came from). */
function capacityLine(worker: WorkerProcess): { maxCachedWorkflows: number; memoryMiB: number; memorySource: string } {
  const line = worker
    .stdout()
    .split('\n')
    .find((l) => l.includes('"worker capacity"'));
  const parsed = line ? (JSON.parse(line) as { maxCachedWorkflows?: number; memoryMiB?: number; memorySource?: string }) : {};
  return { maxCachedWorkflows: parsed.maxCachedWorkflows ?? NaN, memoryMiB: parsed.memoryMiB ?? NaN, memorySource: parsed.memorySource ?? 'not logged' };
}

// ───────────────────────────── figures 2 and 3: RSS with sleeping threads; waking them ─────────────────────────────

interface MemoryStep {
  threads: number;
  peakMiB: number;
  settledMiB: number;
  cachedAtEnd: number;
  openSeconds: number;
}

interface WakeGroup {
  label: string;
  latenciesMs: number[];
  cacheHits: number;
  cacheMisses: number;
}

interface MemoryRun {
  label: string;
  cache: number;
  memoryMiB: number;
  memorySource: string;
  idleMiB: number;
  steps: MemoryStep[];
  /** Figure 3, when asked for: the wake-ups, the RSS peak while waking, and the model calls they made. */
  wake?: { groups: WakeGroup[]; peakMiB: number; extracted: number };
}

const eventMs = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  time ? Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6 : NaN;

/**
 * Server time from the signal of the thread's latest submit to the extraction's ActivityTaskScheduled, once it
 * is in the history (undefined until then).
 */
async function wakeLatencyMs(client: Client, workflowId: string): Promise<number | undefined> {
  const { EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: SIGNALED, EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: SCHEDULED } = temporal.api.enums.v1.EventType;
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = events.findIndex((e) => e.eventType === SCHEDULED);
  if (scheduled < 0) return undefined;
  let signaled = scheduled;
  while (signaled > 0 && events[signaled]?.eventType !== SIGNALED) signaled--;
  return eventMs(events[scheduled]?.eventTime) - eventMs(events[signaled]?.eventTime);
}

/**
 * One worker with the given environment: opens sleeping threads up to each of `steps` in turn (each step adds
 * to the previous one's), reading RSS at each. With `wake`, the first and the last WAKE_SAMPLE threads are
 * submitted through `MemoryClient` (their messages are in the inbox, so waking them really extracts), and after
 * the last step each gets a second message with afterSeconds 0, one thread at a time: the most recent ones
 * first (still cached), then the oldest (long evicted; waking evicted threads first would push the others out).
 */
async function measureWorker(
  stack: Stack,
  label: string,
  bundlePath: string,
  steps: number[],
  extra: Record<string, string>,
  wake?: FakeMessagesApi,
): Promise<MemoryRun> {
  const taskQueue = uniqueId('bench-rss');
  const env = await workerEnv(stack, taskQueue, { WORKFLOW_BUNDLE_PATH: bundlePath, ...extra });
  const metricsPort = Number(env['METRICS_PORT']);
  const memory = new MemoryClient({ temporal: stack.client, store: stack.store, taskQueue });
  const namespace = ['memories', 'bench'];
  const total = steps.at(-1) ?? 0;
  const sample = wake ? Math.min(WAKE_SAMPLE, Math.floor((steps[0] ?? 0) / 4)) : 0;
  const evicted = Array.from({ length: sample }, (_, i) => i);
  const cached = Array.from({ length: sample }, (_, i) => total - sample + i);
  const submitSleeping = (i: number) =>
    memory.submit(`${taskQueue}-${i}`, [{ id: 'm1', role: 'user', content: `I keep bees; thread ${i}.` }], {
      namespace,
      afterSeconds: SLEEP_SECONDS,
      maxWaitSeconds: SLEEP_SECONDS,
    });
  const taskCount = () => scrape(metricsPort).then((text) => metricSum(text, 'temporal_workflow_task_execution_latency_count', taskQueue));
  const worker: WorkerProcess = await startWorkerProcess(stack.client, env);
  const rss = new RssSampler(worker.child.pid);
  try {
    await pause(2_000);
    const idleMiB = rss.last;
    const readings: MemoryStep[] = [];
    let from = 0;
    for (const threads of steps) {
      rss.reset();
      const started = Date.now();
      if (from === 0) for (const i of evicted) await submitSleeping(i);
      const last = threads === total ? threads - sample : threads;
      await openThreads(stack, { taskQueue, metricsPort, rss, label }, Math.max(from, sample), last, from === 0 ? sample : from);
      if (threads === total) for (const i of cached) await submitSleeping(i);
      // One first workflow task per thread, the sampled ones included.
      await eventually(taskCount, (n) => n >= threads, { timeoutMs: 1_800_000, intervalMs: 1_000 });
      const openSeconds = (Date.now() - started) / 1000;
      await pause(SETTLE_MS);
      const cachedAtEnd = metricSum(await scrape(metricsPort), 'temporal_sticky_cache_size', taskQueue);
      readings.push({ threads, peakMiB: rss.peak, settledMiB: rss.last, cachedAtEnd, openSeconds });
      progress(`${label}: ${fmt(threads)} threads sleeping (${fmt(openSeconds)} s), RSS peak ${fmt(rss.peak)} MiB, settled ${fmt(rss.last)} MiB`);
      from = threads;
    }
    const capacity = capacityLine(worker);
    const run: MemoryRun = {
      label,
      cache: capacity.maxCachedWorkflows,
      memoryMiB: capacity.memoryMiB,
      memorySource: capacity.memorySource,
      idleMiB,
      steps: readings,
    };
    if (!wake) return run;

    wake.script(
      ...Array.from({ length: sample * 2 }, (_, i) => ({
        kind: 'tool' as const,
        input: { operations: [{ action: 'insert', content: `Keeps bees (${i}).` }] },
      })),
    );
    const callsBefore = wake.requests.length;
    rss.reset();
    const groups: WakeGroup[] = [];
    for (const [groupLabel, ids] of [
      ['cached (the last opened)', cached],
      ['evicted (the first opened)', evicted],
    ] as const) {
      const before = await scrape(metricsPort);
      const latenciesMs: number[] = [];
      for (const i of ids) {
        const receipt = await memory.submit(`${taskQueue}-${i}`, [{ id: 'm2', role: 'user', content: `The hives are doing well; thread ${i}.` }], {
          namespace,
          afterSeconds: 0,
        });
        const latency = await eventually(
          () => wakeLatencyMs(stack.client, receipt.workflowId),
          (ms) => ms !== undefined,
          { timeoutMs: 120_000, intervalMs: 100 },
        );
        latenciesMs.push(latency ?? NaN);
      }
      const after = await scrape(metricsPort);
      const delta = (metric: string) => metricSum(after, metric, taskQueue) - metricSum(before, metric, taskQueue);
      groups.push({ label: groupLabel, latenciesMs, cacheHits: delta('temporal_sticky_cache_hit'), cacheMisses: delta('temporal_sticky_cache_miss') });
      progress(`${label}: woke ${ids.length} ${groupLabel} threads, p50 ${fmt(percentile(latenciesMs, 50), 1)} ms`);
    }
    // Every woken thread really extracts: its model call answered (and its batch committed).
    const extracted = await eventually(
      () => wake.requests.length - callsBefore,
      (n) => n >= sample * 2,
      { timeoutMs: 120_000, intervalMs: 500 },
    ).catch(() => wake.requests.length - callsBefore);
    return { ...run, wake: { groups, peakMiB: rss.peak, extracted } };
  } finally {
    rss.stop();
    await worker.stop();
  }
}

// ───────────────────────────── figure 4: the workflow bundle ─────────────────────────────

interface BundleFacts {
  bytes: number;
  codeBytes: number;
  modules: number;
  projectModules: { path: string; bytes: number }[];
}

/** Size of the bundle, the part that is code (before the inline source map), and its modules (webpack's `/***\/ "path"` markers). */
function bundleFacts(bundlePath: string): BundleFacts {
  const text = readFileSync(bundlePath, 'utf8');
  const mapAt = text.lastIndexOf('//# sourceMappingURL=');
  const code = mapAt >= 0 ? text.slice(0, mapAt) : text;
  const marks = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => ({ path: m[1] ?? '', at: m.index }));
  const sized = marks.map((m, i) => ({ path: m.path, bytes: (marks[i + 1]?.at ?? code.length) - m.at }));
  return {
    bytes: Buffer.byteLength(text),
    codeBytes: Buffer.byteLength(code),
    modules: marks.length,
    projectModules: sized.filter((m) => m.path.startsWith('./src/')).sort((a, b) => b.bytes - a.bytes),
  };
}

// ───────────────────────────── main ─────────────────────────────

/**
 * `--threads N` (figure 3's thread count), `--rss-steps 2000,10000` (figure 2's), `--figures 1,2,3,4` (which to run)
 * and `--server-db` (the dev server keeps its state in a SQLite file in a temp folder, as a real server keeps it on
 * disk, instead of in its own memory: at 100,000 threads the in-memory database outgrows a 24 GB machine).
 */
function parseArgs(argv: string[]): { threads: number; rssSteps: number[]; figures: Set<number>; serverDb: boolean } {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const threads = Number(value('--threads') ?? DEFAULT_MANY_THREADS);
  if (!Number.isInteger(threads) || threads < 8) throw new Error(`--threads: a whole number ≥ 8, got ${value('--threads')}`);
  const figures = new Set((value('--figures') ?? '1,2,3,4').split(',').map(Number));
  const rssSteps = value('--rss-steps')?.split(',').map(Number) ?? DEFAULT_RSS_STEPS;
  if (rssSteps.some((n, i) => !Number.isInteger(n) || n <= (rssSteps[i - 1] ?? 0)))
    throw new Error(`--rss-steps: increasing whole numbers, got ${value('--rss-steps')}`);
  return { threads, rssSteps, figures, serverDb: argv.includes('--server-db') };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  // The worker children inherit this environment: no memory setting may leak in from the shell.
  for (const name of ['WORKER_MEMORY_LIMIT_MB', 'WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_MAX_CONCURRENT_EXTRACTIONS']) delete process.env[name];
  const benchStarted = Date.now();
  const problems: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    progress('starting a Temporal dev server, DynamoDB Local and the fake Messages API; bundling the workflows');
    const serverDir = args.serverDb ? mkdtempSync(join(tmpdir(), 'bench-worker-')) : undefined;
    const [server, dynamo, fake, bundlePath] = await Promise.all([
      startTemporalDevServer(serverDir ? { dbFile: join(serverDir, 'temporal.db') } : {}),
      startDynamoDbLocal(),
      FakeMessagesApi.start(),
      buildWorkflowBundle(),
    ]);
    stops.push(
      () => server.stop(),
      () => dynamo.stop(),
      () => fake.close(),
    );
    // After the server has stopped (stops run in order).
    if (serverDir) stops.push(() => rm(serverDir, { recursive: true, force: true }));
    const connection = await Connection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const tableName = uniqueId('bench-worker');
    const dynamoClients = createDynamoClients({ endpoint: dynamo.endpoint, region: 'us-east-1' });
    await ensureTable(dynamoClients.client, tableName);
    const stack: Stack = {
      client: new Client({ connection, namespace: DEFAULT_TEMPORAL_NAMESPACE }),
      store: new DynamoMemoryStore(dynamoClients.doc, tableName),
      env: {
        TEMPORAL_ADDRESS: server.address,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        MEMORY_TABLE_NAME: tableName,
        ANTHROPIC_API_KEY: 'bench-key',
        ANTHROPIC_BASE_URL: fake.baseURL,
        ANTHROPIC_MODEL: 'claude-bench-model',
      },
      serverRssMiB: () => {
        const pid = serverPid(server.address);
        return pid === undefined ? NaN : rssMiB(pid);
      },
    };

    if (args.figures.has(1)) {
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
    }

    // Figures 2 and 3 share the no-setting worker: figure 3 keeps opening threads where figure 2 stopped.
    const heapMiB = heapLimitMiB();
    const fig2 = args.figures.has(2);
    const fig3 = args.figures.has(3);
    const old = fig2
      ? await measureWorker(stack, 'old: sized from the V8 heap limit', bundlePath, args.rssSteps, { WORKER_MEMORY_LIMIT_MB: String(heapMiB) })
      : undefined;
    const noneSteps = [...(fig2 ? args.rssSteps : []), ...(fig3 && args.threads > (fig2 ? (args.rssSteps.at(-1) ?? 0) : 0) ? [args.threads] : [])];
    const none = noneSteps.length > 0 ? await measureWorker(stack, 'no memory setting', bundlePath, noneSteps, {}, fig3 ? fake : undefined) : undefined;

    if (old && none) {
      const rows: string[][] = [];
      for (const [i, threads] of args.rssSteps.entries()) {
        for (const run of [none, old]) {
          const step = run.steps[i];
          if (!step) continue;
          rows.push([
            `${fmt(threads)} threads, ${run.label}`,
            `${fmt(run.memoryMiB)} (${run.memorySource})`,
            fmt(run.cache),
            fmt(step.cachedAtEnd),
            fmt(run.idleMiB),
            fmt(step.peakMiB),
            fmt(step.settledMiB),
            fmt(((step.settledMiB - run.idleMiB) * 1024) / Math.max(1, Math.min(threads, run.cache)), 0),
            fmt(step.openSeconds, 1),
          ]);
        }
      }
      const ratio = (i: number, key: 'peakMiB' | 'settledMiB') => (old.steps[i]?.[key] ?? NaN) / Math.max(1, none.steps[i]?.[key] ?? NaN);
      printTable(
        `2. Worker RSS with sleeping threads, no memory setting vs the old sizing from V8's heap limit (one message each, afterSeconds ${fmt(SLEEP_SECONDS)}; pre-built bundle)`,
        ['threads, sizing', 'memory sized for (MiB, source)', 'cache', 'cached at end', 'RSS idle', 'RSS peak', 'RSS settled', 'KiB/cached thread', 'open (s)'],
        rows,
        [
          ...args.rssSteps.map(
            (threads, i) => `${fmt(threads)} threads, old vs no setting: peak ${fmt(ratio(i, 'peakMiB'), 2)}x, settled ${fmt(ratio(i, 'settledMiB'), 2)}x`,
          ),
          `goal: no setting ≤ ${fmt(NO_SETTING_GOAL_MIB)} MiB at ${fmt(args.rssSteps.at(-1) ?? 0)} threads. Old sizing emulated with WORKER_MEMORY_LIMIT_MB = V8's heap limit here (${fmt(heapMiB)} MiB).`,
          `cgroup as the bench sees it (its worker children share it): ${cgroupReport()}`,
          `RSS (MiB) = VmRSS of the worker process, read every ${SAMPLE_MS} ms; peak = highest from the step's first thread to the end of a ${SETTLE_MS / 1000} s`,
          "settle after every thread's first workflow task; settled = the reading at its end. Each step's threads are added to the previous step's on the",
          'same worker; the old sizing ran first. KiB/cached thread = (settled − idle) / min(threads, cache).',
        ],
      );
      const expected = workerCapacity(DEFAULT_WORKER_MEMORY_MIB).maxCachedWorkflows;
      if (none.memorySource !== 'default budget (no limit stated)')
        problems.push(`no-setting worker sized from "${none.memorySource}", not the default budget`);
      if (none.cache !== expected)
        problems.push(`no-setting worker reported maxCachedWorkflows ${none.cache}, the formula gives ${expected} for ${DEFAULT_WORKER_MEMORY_MIB} MiB`);
      const last = none.steps[args.rssSteps.length - 1];
      if (last && last.peakMiB > NO_SETTING_GOAL_MIB)
        problems.push(`no-setting worker RSS peaked at ${fmt(last.peakMiB)} MiB, over ${NO_SETTING_GOAL_MIB} MiB`);
    }

    if (fig3 && none?.wake) {
      const step = none.steps.at(-1);
      const { groups, peakMiB, extracted } = none.wake;
      const [hot, cold] = groups;
      const p = (g: WakeGroup | undefined, q: number) => percentile(g?.latenciesMs ?? [], q);
      const opened = none.steps.reduce((sum, s) => sum + s.openSeconds, 0);
      printTable(
        `3. ${fmt(step?.threads ?? 0)} sleeping threads on one worker with no memory setting (cache ${fmt(none.cache)}, ${none.memorySource}): RSS, and waking a thread`,
        ['wake-up: signal → extraction scheduled', 'threads', 'p50 (ms)', 'p95 (ms)', 'max (ms)', 'sticky cache hits / misses'],
        groups.map((g) => [
          g.label,
          fmt(g.latenciesMs.length),
          fmt(percentile(g.latenciesMs, 50), 1),
          fmt(percentile(g.latenciesMs, 95), 1),
          fmt(Math.max(...g.latenciesMs), 1),
          `${fmt(g.cacheHits)} / ${fmt(g.cacheMisses)}`,
        ]),
        [
          `evicted vs cached: p50 ${fmt(p(cold, 50) / Math.max(0.1, p(hot, 50)), 2)}x, p95 ${fmt(p(cold, 95) / Math.max(0.1, p(hot, 95)), 2)}x`,
          `RSS (MiB): idle ${fmt(none.idleMiB)}; peak over the last step (to ${fmt(step?.threads ?? 0)} threads) and its settle ${fmt(step?.peakMiB ?? NaN)} (goal ≤ ${fmt(MANY_THREADS_GOAL_MIB)}); settled ${fmt(step?.settledMiB ?? NaN)}; peak while waking ${fmt(peakMiB)}`,
          `cached at the end of opening: ${fmt(step?.cachedAtEnd ?? NaN)}; opening all ${fmt(step?.threads ?? 0)} took ${fmt(opened, 1)} s (${fmt((step?.threads ?? 0) / Math.max(1, opened), 0)} threads/s, ${SIGNAL_CONCURRENCY} signalWithStart in flight; settles excluded)`,
          `model calls answered: ${fmt(extracted)} for ${fmt(groups.reduce((n, g) => n + g.latenciesMs.length, 0))} woken threads (each wake extracts the thread's two messages for real)`,
          "wake-up = server time of the second submit's WorkflowExecutionSignaled → the extraction's ActivityTaskScheduled: the worker replays an",
          'evicted thread from its history and schedules the extraction (since workflow v3 the extraction plans its batch itself; before, a local activity reading DynamoDB planned it first); one thread at a time.',
        ],
      );
      if ((step?.threads ?? 0) < FULL_MANY_THREADS) {
        console.log(
          `REDUCED: figure 3 ran ${fmt(step?.threads ?? 0)} threads, not ${fmt(FULL_MANY_THREADS)} (--threads ${FULL_MANY_THREADS} for the full figure)`,
        );
      }
      if ((step?.peakMiB ?? 0) > MANY_THREADS_GOAL_MIB)
        problems.push(`RSS peaked at ${fmt(step?.peakMiB ?? 0)} MiB with ${fmt(step?.threads ?? 0)} threads, over ${MANY_THREADS_GOAL_MIB} MiB`);
      if ((cold?.cacheMisses ?? 0) < (cold?.latenciesMs.length ?? 1))
        problems.push(`only ${cold?.cacheMisses} sticky cache misses waking ${cold?.latenciesMs.length} evicted threads`);
      if ((hot?.cacheMisses ?? 0) > 0) problems.push(`${hot?.cacheMisses} sticky cache misses waking the threads meant to be cached`);
      if (extracted < groups.reduce((n, g) => n + g.latenciesMs.length, 0)) problems.push(`only ${extracted} model calls for the woken threads`);
      if (fake.unexpected.length > 0) problems.push(`the fake model had ${fake.unexpected.length} requests beyond its script`);
    }

    if (args.figures.has(4)) {
      const facts = bundleFacts(bundlePath);
      printTable(
        '4. The workflow bundle (what every worker loads; each cached thread instantiates its own copy of the modules below)',
        ['module', 'bytes'],
        [
          ['whole bundle (code + inline source map)', fmt(facts.bytes)],
          [`code (${fmt(facts.modules)} modules)`, fmt(facts.codeBytes)],
          ...facts.projectModules.map((m) => [`  ${m.path}`, fmt(m.bytes)]),
        ],
        ['No zod and no AWS SDK in the bundle: the workflow imports only the contract, rules, replay constants and its own files.'],
      );
    }
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
    console.log('all expectations met.');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
