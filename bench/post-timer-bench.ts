/**
 * Benchmark of the path after the quiet period, run by hand (`npm run bench:post-timer`; jest never picks it
 * up): from the moment a thread's quiet period ends to its new memory being readable through `search`, minus
 * the model's own time. It starts its own dev server, DynamoDB Local and fake Messages API (through
 * `startMemoryHarness`, worker in this process), then runs ROUNDS rounds on one thread: submit one message
 * (`afterSeconds` 1), wait for the memory, read the thread's history.
 *
 * The parts come from the history's event times and from the fake model's clock (one machine, one clock):
 * - timer late: TimerFired − (the message's WorkflowExecutionSignaled + afterSeconds);
 * - plan + schedule: ActivityTaskScheduled (extractBatch) − TimerFired — the workflow task the timer wakes,
 *   planning the batch (a local activity) and scheduling the extraction;
 * - dispatch: ActivityTaskStarted − ActivityTaskScheduled;
 * - reads: the fake model receives the request − ActivityTaskStarted (cursor, messages, memories, prompt);
 * - commit: memory readable − request received (the fake answers at once, so this is the model call's HTTP
 *   round trip plus the commit transaction). "Readable" is the midpoint of the first `search` that sees the
 *   memory; searching starts only once the model is called, so it does not load DynamoDB Local before.
 * Total = readable − quiet period end; the fake's reply time (sub-millisecond) is not subtracted.
 *
 * Figures are this run's observation on a shared 2-core machine, with DynamoDB Local (Java) on the same cores;
 * compare runs side by side, not with another machine. Nothing is gated. See bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import type { temporal } from '@temporalio/proto';
import { threadWorkflowId } from '../src/contract';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { EventType } from '../test/support/history';
import { startMemoryHarness } from '../test/support/memory-harness';
import { uniqueId } from '../test/support/test-env';
import { fmt, printTable } from './bench-output';
import { useProjectTools } from '../dev/project-paths';

useProjectTools();

/** Rounds measured, after WARMUP rounds that are not. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 40);
const WARMUP = 5;
const AFTER_SECONDS = 1;

type Event = temporal.api.history.v1.IHistoryEvent;

const now = () => performance.timeOrigin + performance.now();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function eventMs(event: Event | undefined): number {
  const time = event?.eventTime;
  if (!time) throw new Error('history event without a time');
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

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

/** The parts of the round whose extraction is the `index`-th (0-based) of the thread's history. */
function partsOf(events: Event[], index: number, modelAt: number, readableAt: number): Round {
  const scheduled = events.filter(
    (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'extractBatch',
  )[index];
  if (!scheduled) throw new Error(`no extraction #${index + 1} in the history`);
  const before = events.filter((e) => Number(e.eventId) < Number(scheduled.eventId));
  const fired = before.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED).at(-1);
  const signal = before.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).at(-1);
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

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const [server, dynamo] = await Promise.all([startTemporalDevServer(), startDynamoDbLocal()]);
  process.env['TEST_DYNAMODB_ENDPOINT'] = dynamo.endpoint;
  process.env['TEST_TEMPORAL_ADDRESS'] = server.address;
  const h = await startMemoryHarness('bench-post-timer');
  const rounds: Round[] = [];
  try {
    const threadId = uniqueId('post-timer');
    const namespace = ['memories', threadId];
    for (let i = 0; i < ROUNDS + WARMUP; i += 1) {
      const content = `Round ${i} fact`;
      let modelAt = 0;
      h.fake.script({
        kind: 'respond',
        respond: () => {
          modelAt = now();
          return { kind: 'tool', input: { operations: [{ action: 'insert', content }] } };
        },
      });
      await h.memory.submit(threadId, [{ id: `m-${i}`, role: 'user', content: `Message ${i}` }], { afterSeconds: AFTER_SECONDS, namespace });
      while (modelAt === 0) await pause(20);
      let readableAt = 0;
      for (;;) {
        const start = now();
        const found = await h.store.search(namespace, { limit: 5 });
        const end = now();
        if (found.some((item) => (item.value['content'] as { content?: string } | undefined)?.content === content)) {
          readableAt = (start + end) / 2;
          break;
        }
      }
      // Let the thread finish the drain (its final plan) before the next message.
      await pause(300);
      if (i < WARMUP) continue;
      const history = await h.temporal.workflow.getHandle(threadWorkflowId(threadId)).fetchHistory();
      rounds.push(partsOf(history.events ?? [], i, modelAt, readableAt));
      process.stderr.write(`  … round ${i + 1 - WARMUP}/${ROUNDS}\n`);
    }
  } finally {
    await h.stop();
    await Promise.all([server.stop(), dynamo.stop()]);
  }

  const parts: [string, keyof Round][] = [
    ['timer late', 'timerLate'],
    ['plan + schedule', 'planSchedule'],
    ['dispatch', 'dispatch'],
    ['reads before the model', 'reads'],
    ['model HTTP + commit', 'commit'],
    ['total (quiet end → readable)', 'total'],
  ];
  printTable(
    `Post-timer overhead, ${fmt(rounds.length)} rounds on one thread (afterSeconds ${AFTER_SECONDS}; ms)`,
    ['part', 'p50', 'p95', 'mean'],
    parts.map(([label, key]) => {
      const values = rounds.map((r) => r[key]);
      return [label, fmt(percentile(values, 50), 1), fmt(percentile(values, 95), 1), fmt(values.reduce((a, b) => a + b, 0) / values.length, 1)];
    }),
    [
      'parts are p50s of each part on its own: they need not add up to the total p50.',
      "this run's observation on a shared machine; compare runs side by side.",
    ],
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
