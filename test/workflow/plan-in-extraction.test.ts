/**
 * The planning extraction (issue 15, PLAN_IN_EXTRACTION_PATCH): a batch's first attempt plans and extracts
 * in one activity, `extractNext`, with no planning local activity before it. When that attempt fails, the
 * batch it names goes to the extraction's retry policy — named by the failure's details, or by the last
 * heartbeat when the attempt dies — and a worker that lacks `extractNext` (a rolling deploy) leaves the
 * thread to plan as before. Real dev server, DynamoDB Local, the Anthropic SDK against the fake API; the
 * worker's activities are the real ones, one of them wrapped where a test says so.
 */
import { Context } from '@temporalio/activity';
import { threadWorkflowId, type PlanRequest, type PlannedExtraction } from '../../src/contract';
import type { Activities } from '../../src/activities/activity-types';
import { memoryText } from '../../src/store/memory-types';
import { EXTRACTION_RETRY_INITIAL_INTERVAL_MS, PLAN_IN_EXTRACTION_PATCH, QUIET_FROM_SUBMIT_PATCH } from '../../src/workflows/replay-constants';
import { activityNames, eventTimeMs, markers, payloadTexts, scheduledActivities, type HistoryEvent } from '../support/history';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

let commitThenDie = false;
/** Ends an attempt a test left hanging. */
let release = () => {};

/** `extractNext`, or — with `commitThenDie` — the real one whose worker "dies" once it has committed: no answer, no more heartbeats. */
function wrappedExtractNext(real: Activities['extractNext']) {
  return async (request: PlanRequest): Promise<PlannedExtraction> => {
    const dies = commitThenDie; // read before the commit: the test flips it once it sees the memory
    const result = await real(request);
    if (!dies) return result;
    await new Promise<void>((resolve) => {
      release = resolve;
      Context.current().cancellationSignal.addEventListener('abort', () => resolve());
    });
    throw new Error('this attempt was given up');
  };
}

const h = useMemoryHarness('plan-in-extraction', undefined, {
  activities: (real) => ({ ...real, extractNext: wrappedExtractNext(real.extractNext) }),
});
/** A worker of the code before `extractNext` existed: the same activities without it. */
const old = useMemoryHarness('plan-in-extraction-old', undefined, {
  activities: ({ extractNext: _missing, ...before }) => before,
});

afterEach(() => {
  commitThenDie = false;
  release();
});

async function historyOf(threadId: string): Promise<HistoryEvent[]> {
  const history = await h.temporal.workflow.getHandle(threadWorkflowId(threadId)).fetchHistory();
  return history.events ?? [];
}

const insert = (content: string) => ({ kind: 'tool' as const, input: { operations: [{ action: 'insert', content }] } });

test('one activity plans and extracts and ends the drain: no planning step before or after the model, each patch recorded once', async () => {
  const threadId = uniqueId('one');
  const namespace = ['memories', threadId];
  h.fake.script(insert('User likes dogs'));
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like dogs.' }], { afterSeconds: 0.2, namespace });
  const state = await settled(h.memory, threadId, 1);
  expect(state?.lastBatch).toMatchObject({ status: 'extracted', messageCount: 1 });
  expect((await h.store.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User likes dogs']);

  const events = await historyOf(threadId);
  expect(activityNames(events)).toEqual(['extractNext']);
  expect(markers(events, 'core_local_activity')).toHaveLength(0);
  // Each patch once: the signal's (its quiet period from the submit), then the drain's.
  const patches = payloadTexts([{ events: markers(events, 'core_patch') }]).filter((text) => text.startsWith('{'));
  expect(patches.map((text) => (JSON.parse(text) as { id: string }).id)).toEqual([QUIET_FROM_SUBMIT_PATCH, PLAN_IN_EXTRACTION_PATCH]);
});

test('a failed first attempt: its batch (named in the failure) is retried after the policy pause, counting that attempt', async () => {
  const threadId = uniqueId('fail');
  const namespace = ['memories', threadId];
  h.fake.script({ kind: 'status', status: 500 }, insert('User plays chess'));
  await h.memory.submit(threadId, [{ role: 'user', content: 'I play chess.' }], { afterSeconds: 0.2, namespace });

  // While the retry waits, the thread shows the batch and how its first attempt failed.
  const retrying = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.extracting?.firstAttemptFailure !== undefined || (s?.totals.extractionsCompleted ?? 0) > 0,
  );
  expect(retrying?.extracting?.firstAttemptFailure).toMatchObject({ type: 'ModelUnavailableError' });
  // Retrying, the second attempt next (or running): the first failure is the last one.
  expect(retrying?.retrying).toMatchObject({ attempt: 2, lastFailure: { type: 'ModelUnavailableError' } });
  expect(JSON.stringify(retrying)).not.toContain('chess');

  const state = await settled(h.memory, threadId, 1);
  expect(state?.lastBatch).toMatchObject({ status: 'extracted', messageCount: 1 });
  expect((await h.store.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User plays chess']);
  expect(h.fake.requests).toHaveLength(2);

  const events = await historyOf(threadId);
  // The retry, then the drain's next plan (nothing left).
  expect(activityNames(events)).toEqual(['extractNext', 'extractBatch', 'extractNext']);
  // The failure named the batch: the thread did not plan it with the local activity.
  expect(markers(events, 'core_local_activity')).toHaveLength(0);
  const [first, retry] = scheduledActivities(events);
  const failedAt = eventTimeMs(events.find((e) => e.activityTaskFailedEventAttributes));
  expect(eventTimeMs(retry) - failedAt).toBeGreaterThanOrEqual(EXTRACTION_RETRY_INITIAL_INTERVAL_MS - 100);
  expect(eventTimeMs(first)).toBeLessThan(failedAt);
  // The retry says it is the batch's second attempt.
  expect(payloadTexts([{ events: retry ? [retry] : [] }]).join()).toContain('"priorAttempts":1');
});

test('a first attempt turned away with retry-after: the retry waits as long as the model asked', async () => {
  const threadId = uniqueId('later');
  const namespace = ['memories', threadId];
  h.fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '5' } }, insert('User swims'));
  await h.memory.submit(threadId, [{ role: 'user', content: 'I swim.' }], { afterSeconds: 0.2, namespace });
  await settled(h.memory, threadId, 1);
  const events = await historyOf(threadId);
  const failedAt = eventTimeMs(events.find((e) => e.activityTaskFailedEventAttributes));
  const retry = scheduledActivities(events).find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'extractBatch');
  expect(eventTimeMs(retry) - failedAt).toBeGreaterThanOrEqual(5_000 - 100);
  expect((await h.store.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User swims']);
}, 30_000);

test('a first attempt whose worker dies after committing: the heartbeat names the batch, the commit is counted once', async () => {
  const threadId = uniqueId('died');
  const namespace = ['memories', threadId];
  commitThenDie = true;
  h.fake.script(insert('User keeps bees'));
  await h.memory.submit(threadId, [{ role: 'user', content: 'I keep bees.' }], { afterSeconds: 0.2, namespace });
  await eventually(
    () => h.store.search(namespace),
    (items) => items.length === 1,
  );
  commitThenDie = false;

  // The heartbeat timeout (10 s) ends the dead attempt; the retry finds the batch committed and counts it.
  const state = await settled(h.memory, threadId, 1);
  expect(state?.lastBatch).toMatchObject({ status: 'already-applied', messageCount: 1 });
  expect(state?.totals).toMatchObject({ messagesProcessed: 1, extractionsCompleted: 1 });
  expect((await h.store.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User keeps bees']);
  expect(h.fake.requests).toHaveLength(1);

  const events = await historyOf(threadId);
  expect(events.some((e) => e.activityTaskTimedOutEventAttributes)).toBe(true);
  expect(activityNames(events)).toEqual(['extractNext', 'extractBatch', 'extractNext']);
  expect(markers(events, 'core_local_activity')).toHaveLength(0);
}, 60_000);

test('a worker without extractNext (a rolling deploy): the thread plans the batch itself and extracts it', async () => {
  const threadId = uniqueId('old');
  const namespace = ['memories', threadId];
  old.fake.script(insert('User sails'));
  await old.memory.submit(threadId, [{ role: 'user', content: 'I sail.' }], { afterSeconds: 0.2, namespace });
  const state = await settled(old.memory, threadId, 1);
  expect(state?.lastBatch).toMatchObject({ status: 'extracted', messageCount: 1 });
  expect((await old.store.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User sails']);

  // Each extractNext fails on this worker; the local activity plans the batch, then finds nothing left.
  const events = await eventually(
    async () => (await old.temporal.workflow.getHandle(threadWorkflowId(threadId)).fetchHistory()).events ?? [],
    (all) => markers(all, 'core_local_activity').length === 2,
  );
  expect(activityNames(events)).toEqual(['extractNext', 'extractBatch', 'extractNext']);
});

test('a final error on the first attempt: dead-lettered without another model call', async () => {
  const threadId = uniqueId('final');
  const namespace = ['memories', threadId];
  h.fake.script({ kind: 'status', status: 400, message: 'bad request' });
  await h.memory.submit(threadId, [{ role: 'user', content: 'I fence.' }], { afterSeconds: 0.2, namespace });
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.batchesDeadLettered === 1,
  );
  expect(state?.lastFailure).toMatchObject({ type: 'ModelRequestError', reason: 'non-retryable' });
  expect(h.fake.requests).toHaveLength(1);
  const events = await historyOf(threadId);
  // No retry: the dead-letter step (a local activity), then the drain's next plan.
  expect(activityNames(events)).toEqual(['extractNext', 'extractNext']);
  const [letter] = await h.memory.deadLetters(threadId);
  expect(letter).toMatchObject({ messageCount: 1, error: { type: 'ModelRequestError' } });
});
