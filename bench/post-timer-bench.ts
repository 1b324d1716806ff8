/**
 * Benchmark of the path after the quiet period, run by hand (`npm run bench:post-timer`; jest never picks it
 * up): from the moment a thread's quiet period ends to its new memory being readable through `search`, minus
 * the model's own time — for this checkout and a baseline revision side by side in one run.
 *
 * Both are compiled into `.data/post-timer-bench/` (`bench/baseline-build.ts`; `POST_TIMER_BASELINE`, default
 * the code issue 15 measured). One dev server, one DynamoDB Local and one fake Messages API serve two workers
 * in this process, one per build, each on its own task queue and table, each fed by its own build's
 * `MemoryClient`. Round by round (one message with `afterSeconds` 1, then wait for the memory, then read the
 * history) the builds take turns, in alternating order, so the machine's noise hits both alike.
 *
 * The parts come from the history's event times and from the fake model's clock (one machine, one clock):
 * - timer late: TimerFired − (the message's WorkflowExecutionSignaled + afterSeconds) — the same server-side
 *   anchor for both builds (a build whose quiet period counts from the submit fires a little before it);
 * - plan + schedule: ActivityTaskScheduled (the extraction: `extractBatch`, or `extractNext` since workflow v3)
 *   − TimerFired — the workflow task the timer wakes, planning the batch as a local activity (before v3 only)
 *   and scheduling the extraction;
 * - dispatch: ActivityTaskStarted − ActivityTaskScheduled;
 * - reads: the fake model receives the request − ActivityTaskStarted (since v3 the plan's reads too; the
 *   cursor, messages, memories, prompt);
 * - commit: memory readable − request received (the fake answers at once, so this is the model call's HTTP
 *   round trip plus the commit transaction). "Readable" is the midpoint of the first `search` that sees the
 *   memory; searching starts only once the model is called, so it does not load DynamoDB Local before.
 * Total = readable − quiet period end; the fake's reply time (sub-millisecond) is not subtracted.
 *
 * Figures are this run's observation on a shared machine, with DynamoDB Local (Java) and the dev server on
 * the same cores; the ratios are the figures to quote. Nothing is gated. See bench/README.md.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { threadWorkflowId } from '../src/contract';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { FakeMessagesApi } from '../src/testing/fake-messages-api';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { EventType } from '../test/support/history';
import { uniqueId } from '../test/support/test-env';
import { fmt, printTable } from './bench-output';
import { ISSUE_15_BASELINE, buildBaseline, buildCurrent, type Build } from './baseline-build';
import { projectRoot, useProjectTools } from '../dev/project-paths';

useProjectTools();

/** Rounds measured per build, after WARMUP rounds that are not. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 40);
const WARMUP = 5;
const AFTER_SECONDS = 1;
const BASELINE = process.env['POST_TIMER_BASELINE'] ?? ISSUE_15_BASELINE;

type Event = temporal.api.history.v1.IHistoryEvent;

const now = () => performance.timeOrigin + performance.now();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

function eventMs(event: Event | undefined): number {
  const time = event?.eventTime;
  if (!time) throw new Error('history event without a time');
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

/** The extraction activities: `extractNext` plans and extracts since workflow v3 (a round's only one); `extractBatch` before. */
const EXTRACTIONS = new Set(['extractBatch', 'extractNext']);

interface Round {
  timerLate: number;
  planSchedule: number;
  dispatch: number;
  reads: number;
  commit: number;
  total: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The parts of the `index`-th (0-based) round of the thread: its message's signal, then the first extraction after it. */
function partsOf(events: Event[], index: number, modelAt: number, readableAt: number): Round {
  const signal = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)[index];
  const scheduled = events.find(
    (e) =>
      Number(e.eventId) > Number(signal?.eventId ?? Infinity) &&
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
      EXTRACTIONS.has(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''),
  );
  if (!signal || !scheduled) throw new Error(`no extraction after message #${index + 1} in the history`);
  const before = events.filter((e) => Number(e.eventId) < Number(scheduled.eventId));
  const fired = before.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED).at(-1);
  const started = events.find(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED &&
      Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled.eventId),
  );
  const quietEnd = eventMs(signal) + AFTER_SECONDS * 1000;
  return {
    timerLate: eventMs(fired) - quietEnd,
    planSchedule: eventMs(scheduled) - eventMs(fired),
    dispatch: eventMs(started) - eventMs(scheduled),
    reads: modelAt - eventMs(started),
    commit: readableAt - modelAt,
    total: readableAt - quietEnd,
  };
}

/** What a round needs of a build's client and store (the compiled modules are loaded untyped). */
interface BenchClient {
  submit(threadId: string, messages: unknown[], options: unknown): Promise<unknown>;
  search(namespace: string[], options: unknown): Promise<{ value: Record<string, unknown> }[]>;
}

/** One build's worker, client and thread, over the shared servers. */
interface Side {
  label: string;
  worker: Worker;
  running: Promise<void>;
  memory: BenchClient;
  threadId: string;
  rounds: Round[];
  done: number;
}

async function startSide(build: Build, servers: { dynamoEndpoint: string; fake: FakeMessagesApi; native: NativeConnection; temporal: Client }): Promise<Side> {
  /* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- a compiled build, loaded by path */
  const load = (path: string): any => require(join(build.root, 'dist', path));
  const dynamo = createDynamoClients({ endpoint: servers.dynamoEndpoint, region: 'us-east-1' });
  const tableName = uniqueId('post-timer');
  await load('store/ensure-table.js').ensureTable(dynamo.client, tableName);
  const stores = load('worker/dependencies.js').createStores(dynamo, tableName);
  const anthropic = load('model/anthropic-client.js').createAnthropicClient({ apiKey: 'test-key', baseURL: servers.fake.baseURL });
  const extractor = new (load('model/claude-extractor.js').ClaudeExtractor)(anthropic, { model: 'claude-test-model' });
  const taskQueue = uniqueId('post-timer');
  const worker: Worker = await load('worker/create-worker.js').createMemoryWorker({
    connection: servers.native,
    taskQueue,
    ...stores,
    extractor,
    shutdownGraceTimeMs: 1000,
  });
  const memory: BenchClient = new (load('client/memory-client.js').MemoryClient)({ temporal: servers.temporal, store: stores.store, taskQueue });
  /* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access */
  return { label: build.label, worker, running: worker.run(), memory, threadId: uniqueId('post-timer'), rounds: [], done: 0 };
}

/** One round on a side: submit, wait for the memory, read the parts from the history. */
async function round(side: Side, fake: FakeMessagesApi, temporal: Client): Promise<void> {
  const i = side.done;
  const content = `Round ${i} fact`;
  const namespace = ['memories', side.threadId];
  let modelAt = 0;
  fake.script({
    kind: 'respond',
    respond: () => {
      modelAt = now();
      return { kind: 'tool', input: { operations: [{ action: 'insert', content }] } };
    },
  });
  await side.memory.submit(side.threadId, [{ id: `m-${i}`, role: 'user', content: `Message ${i}` }], { afterSeconds: AFTER_SECONDS, namespace });
  while (modelAt === 0) await pause(20);
  let readableAt = 0;
  for (;;) {
    const start = now();
    const found = await side.memory.search(namespace, { limit: 5 });
    const end = now();
    if (found.some((item) => (item.value['content'] as { content?: string } | undefined)?.content === content)) {
      readableAt = (start + end) / 2;
      break;
    }
  }
  // Let the thread finish the drain (its final plan) before the next message.
  await pause(300);
  side.done += 1;
  if (i < WARMUP) return;
  const history = await temporal.workflow.getHandle(threadWorkflowId(side.threadId)).fetchHistory();
  side.rounds.push(partsOf(history.events ?? [], i, modelAt, readableAt));
}

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const benchDir = join(projectRoot(), '.data', 'post-timer-bench');
  progress(`compiling ${BASELINE} and this checkout into ${benchDir}`);
  const builds = [buildBaseline(benchDir, BASELINE), buildCurrent(benchDir)];
  const [server, dynamo, fake] = await Promise.all([startTemporalDevServer(), startDynamoDbLocal(), FakeMessagesApi.start()]);
  const native = await NativeConnection.connect({ address: server.address });
  const temporal = new Client({ connection: await Connection.connect({ address: server.address }) });
  const sides: Side[] = [];
  try {
    for (const build of builds) sides.push(await startSide(build, { dynamoEndpoint: dynamo.endpoint, fake, native, temporal }));
    for (let i = 0; i < ROUNDS + WARMUP; i += 1) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) await round(side, fake, temporal);
      if (i >= WARMUP) progress(`round ${i + 1 - WARMUP}/${ROUNDS}`);
    }
  } finally {
    for (const side of sides) side.worker.shutdown();
    await Promise.all(sides.map((side) => side.running));
    await temporal.connection.close();
    await native.close();
    await fake.close();
    await Promise.all([server.stop(), dynamo.stop()]);
  }

  const [base, current] = sides;
  if (!base || !current) throw new Error('both builds must run');
  const parts: [string, keyof Round][] = [
    ['timer late', 'timerLate'],
    ['plan + schedule', 'planSchedule'],
    ['dispatch', 'dispatch'],
    ['reads before the model', 'reads'],
    ['model HTTP + commit', 'commit'],
    ['total (quiet end → readable)', 'total'],
  ];
  const p = (side: Side, key: keyof Round, at: number) =>
    percentile(
      side.rounds.map((r) => r[key]),
      at,
    );
  printTable(
    `Post-timer overhead, ${fmt(current.rounds.length)} rounds per build on one thread each, interleaved (afterSeconds ${AFTER_SECONDS}; ms)`,
    ['part', `${base.label} p50`, `${current.label} p50`, 'ratio p50', `${base.label} p95`, `${current.label} p95`],
    parts.map(([label, key]) => {
      const [b50, c50] = [p(base, key, 50), p(current, key, 50)];
      return [label, fmt(b50, 1), fmt(c50, 1), c50 > 0 ? `${fmt(b50 / c50, 2)}x` : '-', fmt(p(base, key, 95), 1), fmt(p(current, key, 95), 1)];
    }),
    [
      'ratio = baseline / this checkout (above 1: this checkout is faster). Parts are p50s of each part on its own: they need not add up to the total.',
      "goal (issue 15): total p50 ≤ 50 ms. This run's observation on a shared machine; the ratios are the figures.",
    ],
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
