/**
 * Benchmark of the thread workflow's costs, run by hand (`npm run bench`; jest never picks it up). It
 * starts its own local stack — a Temporal dev server with the production continue-as-new suggestion, a
 * second one that suggests continue-as-new at 40 events, DynamoDB Local, and the fake Messages API through
 * startMemoryHarness — prints three figures side by side, then stops everything:
 *
 * 1. History events per message, for one message per submit and for 100 messages per submit.
 * 2. Bytes of the state a thread really carries (the continue-as-new input) and of its `threadState` query
 *    result, at 10, 10,000 and 100,000 pending messages: they must stay flat.
 * 3. Extractions (and model calls) per burst of 1, 10 and 100 messages: exactly one each.
 *
 * The figures are counts and sizes. The machine is shared and noisy: the few wall times printed are this
 * run's observation, not claims. Exits 1 when a figure breaks its expectation. See bench/README.md.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { performance } from 'node:perf_hooks';
import { threadStateQuery, threadWorkflowId, type ThreadStateView, type ThreadWorkflowInput } from '../src/contract';
import { DEFAULT_TEMPORAL_NAMESPACE, MAX_MESSAGES_PER_SUBMIT } from '../src/defaults';
import type { ScriptedReply } from '../src/testing/fake-messages-api';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import type { MessageInput, SubmitOptionsInput } from '../src/schemas';
import { EventType, chainHistories, countEvents } from '../test/support/history';
import { startMemoryHarness, type MemoryHarness } from '../test/support/memory-harness';
import { TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS, eventually, uniqueId } from '../test/support/test-env';
import { fmt, printTable } from './bench-output';
import { useProjectTools } from '../dev/project-paths';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

type History = temporal.api.history.v1.IHistory;

// ───────────────────────────── what is measured ─────────────────────────────

/** Messages of figure 1's burst (the issue's M). */
const EVENTS_MESSAGES = 200;
/** Messages per submit of figure 1's batched variant (the most one submit takes). */
const BATCHED_PER_SUBMIT = MAX_MESSAGES_PER_SUBMIT;
/** Quiet period of figure 1's burst (s): far longer than one submit takes, so the M submits form one burst. */
const EVENTS_AFTER_SECONDS = 5;

/** Pending-message counts at which figure 2 measures the carried state. */
const STATE_PENDING_COUNTS = [10, 10_000, 100_000] as const;
/** Quiet period while figure 2 fills the backlog (s): an hour, so every message stays pending. */
const STATE_AFTER_SECONDS = 3600;
/** Continue-as-new events wanted at each pending count of figure 2 (more may happen). */
const CONTINUES_PER_COUNT = 2;
/** Largest 100,000-vs-10 ratio of the state sizes still called flat: only counters gain digits. */
const FLAT_RATIO_LIMIT = 1.1;
/** Progress line every this many messages while filling the backlog. */
const FILL_PROGRESS_EVERY = 10_000;

/** Burst sizes of figure 3, one thread each, one message per submit. */
const BURST_SIZES = [1, 10, 100] as const;
/** Quiet period of figure 3's bursts (s). */
const BURST_AFTER_SECONDS = 1;
/** Extra wait after a burst's extraction (s), long enough for a second, unwanted one to show up. */
const BURST_LINGER_SECONDS = 3;

/** Max wait of the bursts of figures 1 and 3 (s): long enough never to cut a burst short on a slow machine. */
const BURST_MAX_WAIT_SECONDS = 300;
/** Replies scripted into each fake model: far more than the extractions expected (the rest stays unused). */
const SCRIPTED_REPLIES = 50;
/** Longest wait for a burst to be extracted (ms). */
const EXTRACTION_WAIT_MS = 120_000;

// ───────────────────────────── helpers ─────────────────────────────

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

/** A fake-model reply that inserts one memory. */
const insertReply: ScriptedReply = {
  kind: 'respond',
  respond: () => ({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User talks to the benchmark' }] } }),
};

function messages(from: number, count: number): MessageInput[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `m${from + i}`,
    role: 'user' as const,
    content: `Benchmark message ${from + i}: the user mentioned something worth remembering.`,
  }));
}

function totalEvents(histories: History[]): number {
  return histories.reduce((sum, h) => sum + (h.events?.length ?? 0), 0);
}

/** The chain's histories once they stop growing (the thread has gone back to sleep). */
async function quietHistories(h: MemoryHarness, threadId: string, firstRunId: string): Promise<History[]> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  for (;;) {
    const histories = await chainHistories(h.temporal, threadId, firstRunId);
    const count = totalEvents(histories);
    if (count === last) return histories;
    if (Date.now() > deadline) throw new Error(`history of ${threadId} still growing after 60 s`);
    last = count;
    await pause(1000);
  }
}

/** The `threadState` query as Temporal returns it: the payload's bytes and the decoded view. */
async function rawStateQuery(h: MemoryHarness, threadId: string): Promise<{ bytes: number; view: ThreadStateView }> {
  const response = await h.temporal.workflowService.queryWorkflow({
    namespace: DEFAULT_TEMPORAL_NAMESPACE,
    execution: { workflowId: threadWorkflowId(threadId) },
    query: { queryType: threadStateQuery.name },
  });
  const data = response.queryResult?.payloads?.[0]?.data;
  if (!data) throw new Error(`threadState query of ${threadId} returned no payload`);
  return { bytes: data.length, view: JSON.parse(Buffer.from(data).toString('utf8')) as ThreadStateView };
}

/** Every continue-as-new of the chain: its input payload's data bytes and the pending count it carried. */
function continuedInputs(histories: History[]): { bytes: number; pending: number }[] {
  return histories
    .flatMap((history) => history.events ?? [])
    .flatMap((event) => {
      const data = event.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads?.[0]?.data;
      if (!data) return [];
      const input = JSON.parse(Buffer.from(data).toString('utf8')) as ThreadWorkflowInput;
      const carried = input.carried;
      return [{ bytes: data.length, pending: carried ? carried.pendingTaken + carried.pendingUntaken : 0 }];
    });
}

// ───────────────────────────── figure 1: history events per message ─────────────────────────────

interface EventsRow {
  perSubmit: number;
  submits: number;
  events: number;
  signals: number;
  workflowTasks: number;
  timers: number;
  extractions: number;
  modelCalls: number;
  runs: number;
  submitMs: number;
}

async function measureEvents(h: MemoryHarness, perSubmit: number): Promise<EventsRow> {
  const threadId = uniqueId(`bench-events-${perSubmit}`);
  const options: SubmitOptionsInput = {
    afterSeconds: EVENTS_AFTER_SECONDS,
    maxWaitSeconds: BURST_MAX_WAIT_SECONDS,
    namespace: ['memories', threadId],
  };
  const callsBefore = h.fake.requests.length;
  let firstRunId = '';
  let submits = 0;
  const started = performance.now();
  for (let sent = 0; sent < EVENTS_MESSAGES; sent += perSubmit) {
    const receipt = await h.memory.submit(threadId, messages(sent, Math.min(perSubmit, EVENTS_MESSAGES - sent)), options);
    firstRunId ||= receipt.runId;
    submits += 1;
  }
  const submitMs = performance.now() - started;
  progress(`figure 1: ${EVENTS_MESSAGES} messages in ${submits} submits sent; waiting for the extraction`);
  const state = await eventually(
    () => rawStateQuery(h, threadId).then((q) => q.view),
    (s) => s.totals.messagesProcessed === EVENTS_MESSAGES && s.pendingCount === 0,
    { timeoutMs: EXTRACTION_WAIT_MS, intervalMs: 250 },
  );
  const histories = await quietHistories(h, threadId, firstRunId);
  return {
    perSubmit,
    submits,
    events: totalEvents(histories),
    signals: countEvents(histories, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    workflowTasks: countEvents(histories, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    timers: countEvents(histories, EventType.EVENT_TYPE_TIMER_STARTED),
    extractions: state.totals.extractionsCompleted,
    modelCalls: h.fake.requests.length - callsBefore,
    runs: histories.length,
    submitMs,
  };
}

// ───────────────────────────── figure 2: carried state bytes ─────────────────────────────

interface StateRow {
  pending: number;
  queryPending: number;
  queryBytes: number;
  continues: number;
  continueBytes: number;
}

async function measureState(h: MemoryHarness): Promise<{ rows: StateRow[]; all: { bytes: number; pending: number }[]; runs: number }> {
  const threadId = uniqueId('bench-state');
  const options: SubmitOptionsInput = { afterSeconds: STATE_AFTER_SECONDS, namespace: ['memories', threadId] };
  let firstRunId = '';
  let sent = 0;
  const queries = new Map<number, { bytes: number; view: ThreadStateView }>();
  const started = performance.now();
  for (const target of STATE_PENDING_COUNTS) {
    let lastRunId = '';
    while (sent < target) {
      const count = Math.min(MAX_MESSAGES_PER_SUBMIT, target - sent);
      const receipt = await h.memory.submit(threadId, messages(sent, count), options);
      firstRunId ||= receipt.runId;
      lastRunId = receipt.runId;
      sent += count;
      if (sent % FILL_PROGRESS_EVERY === 0) {
        progress(`figure 2: ${fmt(sent)} messages pending (${fmt((performance.now() - started) / 1000, 1)} s, this run)`);
      }
    }
    // Re-submitting a stored message lengthens the history (a signal and a workflow task) without adding
    // a pending message: the run continues as new while exactly `target` messages are pending.
    const runs = new Set([lastRunId]);
    for (let duplicates = 0; runs.size <= CONTINUES_PER_COUNT; duplicates++) {
      if (duplicates > 50 * TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS) throw new Error(`no continue-as-new at ${target} pending`);
      runs.add((await h.memory.submit(threadId, messages(0, 1), options)).runId);
    }
    queries.set(target, await rawStateQuery(h, threadId));
    progress(`figure 2: measured at ${fmt(target)} pending`);
  }
  const histories = await chainHistories(h.temporal, threadId, firstRunId);
  const all = continuedInputs(histories);
  const rows = STATE_PENDING_COUNTS.map((pending): StateRow => {
    const at = all.filter((c) => c.pending === pending);
    const query = queries.get(pending);
    return {
      pending,
      queryPending: query?.view.pendingCount ?? -1,
      queryBytes: query?.bytes ?? 0,
      continues: at.length,
      continueBytes: Math.max(0, ...at.map((c) => c.bytes)),
    };
  });
  return { rows, all, runs: histories.length };
}

// ───────────────────────────── figure 3: extractions per burst ─────────────────────────────

interface BurstRow {
  size: number;
  extractions: number;
  modelCalls: number;
  longestGapMs: number;
}

async function measureBurst(h: MemoryHarness, size: number): Promise<BurstRow> {
  const threadId = uniqueId(`bench-burst-${size}`);
  const options: SubmitOptionsInput = {
    afterSeconds: BURST_AFTER_SECONDS,
    maxWaitSeconds: BURST_MAX_WAIT_SECONDS,
    namespace: ['memories', threadId],
  };
  const callsBefore = h.fake.requests.length;
  let longestGapMs = 0;
  let previous = performance.now();
  for (let i = 0; i < size; i++) {
    await h.memory.submit(threadId, messages(i, 1), options);
    const now = performance.now();
    if (i > 0) longestGapMs = Math.max(longestGapMs, now - previous);
    previous = now;
  }
  await eventually(
    () => rawStateQuery(h, threadId).then((q) => q.view),
    (s) => s.totals.messagesProcessed === size && s.pendingCount === 0,
    { timeoutMs: EXTRACTION_WAIT_MS, intervalMs: 250 },
  );
  await pause(BURST_LINGER_SECONDS * 1000);
  const { view } = await rawStateQuery(h, threadId);
  progress(`figure 3: burst of ${size} extracted`);
  return { size, extractions: view.totals.extractionsCompleted, modelCalls: h.fake.requests.length - callsBefore, longestGapMs };
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const benchStarted = performance.now();
  const problems: string[] = [];

  progress('starting two Temporal dev servers (production and 40-event continue-as-new) and DynamoDB Local');
  const servers: { stop(): Promise<void> }[] = [];
  const harnesses: MemoryHarness[] = [];
  try {
    const [production, tuned, dynamo] = await Promise.all([
      startTemporalDevServer().then(keep(servers)),
      startTemporalDevServer({
        extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS}`],
      }).then(keep(servers)),
      startDynamoDbLocal().then(keep(servers)),
    ]);
    process.env['TEST_DYNAMODB_ENDPOINT'] = dynamo.endpoint;
    // startMemoryHarness reads the Temporal address from the environment: one harness per server, in turn.
    process.env['TEST_TEMPORAL_ADDRESS'] = production.address;
    const prod = await startMemoryHarness('bench-prod').then(keep(harnesses));
    process.env['TEST_TEMPORAL_ADDRESS'] = tuned.address;
    const can = await startMemoryHarness('bench-can').then(keep(harnesses));
    prod.fake.script(...Array.from({ length: SCRIPTED_REPLIES }, () => insertReply));

    // Figure 1.
    const single = await measureEvents(prod, 1);
    const batched = await measureEvents(prod, BATCHED_PER_SUBMIT);
    const perMessage = (row: EventsRow) => row.events / EVENTS_MESSAGES;
    printTable(
      `1. History events per message (${EVENTS_MESSAGES} messages to one thread, one burst, afterSeconds ${EVENTS_AFTER_SECONDS}; production continue-as-new suggestion)`,
      ['submits of', 'submits', 'events', 'events/msg', 'signals', 'wf tasks', 'timers', 'runs', 'extractions', 'model calls', 'ms/submit*'],
      [single, batched].map((r) => [
        `${r.perSubmit} msg`,
        fmt(r.submits),
        fmt(r.events),
        fmt(perMessage(r), 2),
        fmt(r.signals),
        fmt(r.workflowTasks),
        fmt(r.timers),
        fmt(r.runs),
        fmt(r.extractions),
        fmt(r.modelCalls),
        fmt(r.submitMs / r.submits, 1),
      ]),
      [
        `events/msg, one per submit vs ${BATCHED_PER_SUBMIT} per submit: ${fmt(perMessage(single) / perMessage(batched), 1)}x`,
        'events = every event of every run of the chain, from the first submit until the thread sleeps again after its extraction.',
        "* wall time per submit (client → DynamoDB Local → Temporal): this run's observation on a shared machine, not a claim.",
      ],
    );
    for (const r of [single, batched]) {
      if (r.extractions !== 1) problems.push(`figure 1 (${r.perSubmit} per submit): ${r.extractions} extractions, expected 1`);
    }

    // Figure 3 (before figure 2: short, and on the production server).
    const bursts: BurstRow[] = [];
    for (const size of BURST_SIZES) bursts.push(await measureBurst(prod, size));

    // Figure 2.
    const state = await measureState(can);
    const base = state.rows[0];
    const ratio = (value: number, of: number) => (of > 0 ? `${fmt(value / of, 3)}x` : 'n/a');
    printTable(
      `2. Workflow state bytes by pending messages (afterSeconds ${STATE_AFTER_SECONDS}, ${MAX_MESSAGES_PER_SUBMIT} per submit; second dev server, continue-as-new suggested at ${TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS} events)`,
      ['pending N', 'query pending', 'query bytes', 'query vs 10', 'continues at N', 'max continue input bytes', 'input vs 10'],
      state.rows.map((r) => [
        fmt(r.pending),
        fmt(r.queryPending),
        fmt(r.queryBytes),
        ratio(r.queryBytes, base?.queryBytes ?? 0),
        fmt(r.continues),
        fmt(r.continueBytes),
        ratio(r.continueBytes, base?.continueBytes ?? 0),
      ]),
      [
        'query bytes = data of the threadState query result payload; continue input bytes = data of the input payload of the',
        'continue-as-new events whose carried state held exactly N pending messages (the largest, if several).',
        `all ${fmt(state.all.length)} continue-as-new inputs of the chain (${fmt(state.runs)} runs, pending 10 … ${fmt(Math.max(...state.all.map((c) => c.pending)))}): ` +
          `${fmt(Math.min(...state.all.map((c) => c.bytes)))} … ${fmt(Math.max(...state.all.map((c) => c.bytes)))} bytes`,
      ],
    );
    const last = state.rows[state.rows.length - 1];
    for (const r of state.rows) {
      if (r.queryPending !== r.pending) problems.push(`figure 2: query reported ${r.queryPending} pending, expected ${r.pending}`);
      if (r.continues === 0) problems.push(`figure 2: no continue-as-new observed at ${r.pending} pending`);
    }
    if (base && last) {
      for (const [name, big, small] of [
        ['query', last.queryBytes, base.queryBytes],
        ['continue-as-new input', last.continueBytes, base.continueBytes],
      ] as const) {
        if (small === 0 || big / small > FLAT_RATIO_LIMIT) problems.push(`figure 2: ${name} bytes not flat (${big} vs ${small})`);
      }
    }

    printTable(
      `3. Extractions per burst (one thread per burst, one message per submit, afterSeconds ${BURST_AFTER_SECONDS})`,
      ['burst of', 'extractions', 'model calls', 'messages/extraction', 'longest gap between submits (ms)*'],
      bursts.map((b) => [
        `${b.size} msg`,
        fmt(b.extractions),
        fmt(b.modelCalls),
        fmt(b.extractions > 0 ? b.size / b.extractions : 0, 0),
        b.size > 1 ? fmt(b.longestGapMs) : '-',
      ]),
      [
        `extractions counted ${BURST_LINGER_SECONDS} s after the burst's messages were processed, so a second one would show.`,
        `* this run's observation; a gap over ${BURST_AFTER_SECONDS * 1000} ms would end the quiet period and split the burst.`,
      ],
    );
    for (const b of bursts) {
      if (b.extractions !== 1) problems.push(`figure 3: burst of ${b.size} made ${b.extractions} extractions, expected 1`);
      if (b.modelCalls !== 1) problems.push(`figure 3: burst of ${b.size} made ${b.modelCalls} model calls, expected 1`);
    }
    for (const h of harnesses) {
      if (h.fake.unexpected.length > 0) problems.push(`the fake model ran out of replies (${h.fake.unexpected.length} unexpected calls)`);
    }
  } finally {
    progress('stopping the workers and servers');
    for (const h of harnesses) await h.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }

  console.log(`\nbench wall time: ${fmt((performance.now() - benchStarted) / 1000, 0)} s (this run's observation)`);
  if (problems.length > 0) {
    console.log('\nEXPECTATIONS NOT MET:');
    for (const p of problems) console.log(`  - ${p}`);
    process.exitCode = 1;
  } else {
    console.log('all expectations met: one extraction per burst, flat state.');
  }
}

/** Remembers what was started so `finally` can stop it even when a later step fails. */
function keep<L>(list: L[]): <T extends L>(item: T) => T {
  return (item) => {
    list.push(item);
    return item;
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
