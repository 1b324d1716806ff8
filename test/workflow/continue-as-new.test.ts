/**
 * A long thread outlives its history: when Temporal suggests continue-as-new (the test dev server does so
 * at TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS events), the workflow carries pending messages, totals and seen
 * message ids into a new run without losing or repeating anything.
 */
import { threadWorkflowId } from '../../src/contract';
import { memoryText } from '../../src/store/memory-types';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const h = useMemoryHarness('can');

test('state survives several continue-as-new runs', async () => {
  const threadId = uniqueId('long');
  const namespace = ['memories', threadId];
  const rounds = 6;
  const first = await h.memory.submit(threadId, [{ id: 'm0', role: 'user', content: 'round 0' }], {
    afterSeconds: 0.1,
    namespace,
  });
  for (let round = 0; round < rounds; round++) {
    h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: `fact ${round}` }] } });
    if (round > 0) {
      await h.memory.submit(threadId, [{ id: `m${round}`, role: 'user', content: `round ${round}` }], {
        afterSeconds: 0.1,
        namespace,
      });
    }
    await settled(h.memory, threadId, round + 1);
  }
  // A message id from the first run is still recognised as processed after continue-as-new.
  await h.memory.submit(threadId, [{ id: 'm0', role: 'user', content: 'round 0' }], { afterSeconds: 0.1, namespace });

  const state = await h.memory.state(threadId);
  expect(state?.totals).toMatchObject({
    messagesReceived: rounds,
    messagesProcessed: rounds,
    extractionsCompleted: rounds,
    memoriesInserted: rounds,
    duplicateMessagesIgnored: 1,
  });
  expect(state?.pendingCount).toBe(0);
  const description = await h.temporal.workflow.getHandle(threadWorkflowId(threadId)).describe();
  expect(description.runId).not.toBe(first.runId);
  expect(await h.memory.search(namespace, { limit: 100 })).toHaveLength(rounds);
});

test('a thread that never goes quiet rolls over to a new run while waiting, and still extracts everything once', async () => {
  const threadId = uniqueId('chatty');
  const namespace = ['memories', threadId];
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User talks a lot' }] } });
  const count = 15;
  let firstRunId = '';
  for (let i = 0; i < count; i++) {
    const receipt = await h.memory.submit(threadId, [{ role: 'user', content: `chatter ${i}` }], {
      afterSeconds: 2,
      namespace,
    });
    if (i === 0) firstRunId = receipt.runId;
    await new Promise((r) => setTimeout(r, 100));
  }
  const state = await settled(h.memory, threadId, 1);
  expect(state?.totals).toMatchObject({ messagesReceived: count, messagesProcessed: count });
  expect(h.fake.requests).toHaveLength(1);
  // The first run handed over to a new run before it ever scheduled an extraction.
  const firstRun = h.temporal.workflow.getHandle(threadWorkflowId(threadId), firstRunId);
  expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
  const scheduled = (await firstRun.fetchHistory()).events?.filter((e) => e.activityTaskScheduledEventAttributes);
  expect(scheduled).toEqual([]);
});

/**
 * Submits one message, waits until the model has been asked `requestsBefore` times (the slow call is in
 * flight), then 40 more messages — enough to pass the forced-rollover size of the test server's history.
 * @returns the thread's state once all 41 are processed, its memories, and the first run's events
 */
async function streamWhileExtracting(prefix: string, requestsBefore: number) {
  const threadId = uniqueId(prefix);
  const namespace = ['memories', threadId];
  const first = await h.memory.submit(threadId, [{ id: 'first', role: 'user', content: 'I am patient.' }], { afterSeconds: 0.1, namespace });
  await eventually(
    () => h.fake.requests.length,
    (n) => n === requestsBefore,
  );
  for (let i = 0; i < 40; i++) {
    await h.memory.submit(threadId, [{ id: `more-${i}`, role: 'user', content: `message ${i}` }], { afterSeconds: 3, maxWaitSeconds: 60, namespace });
  }
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.messagesProcessed === 41 && s.pendingCount === 0,
    { timeoutMs: 60_000 },
  );
  const memories = (await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort();
  const firstRun = h.temporal.workflow.getHandle(threadWorkflowId(threadId), first.runId);
  return { state, memories, firstRunStatus: (await firstRun.describe()).status.name, firstRunEvents: (await firstRun.fetchHistory()).events ?? [] };
}

const insert = (content: string) => ({ kind: 'tool' as const, input: { operations: [{ action: 'insert', content }] } });

test('a long retry under a stream of messages is carried into a new run and committed once', async () => {
  // The first attempt fails; its retry (extractBatch) is slow, and the thread's history grows under 40
  // signals meanwhile, so the run cancels the retry and continues as new (FORCED_ROLLOVER_FACTOR), carrying the batch.
  h.fake.script(
    { kind: 'status', status: 500 },
    { kind: 'slow', delayMs: 20_000, reply: insert('never used') },
    insert('User is patient'),
    insert('User sends many messages'),
  );
  const run = await streamWhileExtracting('carried', 2);
  expect(run.state?.totals.extractionsCompleted).toBe(2);
  expect(run.memories).toEqual(['User is patient', 'User sends many messages']);
  // The first run asked Temporal to cancel its extraction before continuing as new.
  expect(run.firstRunStatus).toBe('CONTINUED_AS_NEW');
  expect(run.firstRunEvents.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
  expect(h.fake.requests).toHaveLength(4);
}, 90_000);

test('a batch’s first attempt is not cancelled for continue-as-new: it finishes, is counted once, then the run continues', async () => {
  h.fake.script({ kind: 'slow', delayMs: 8_000, reply: insert('User is patient') }, insert('User sends many messages'));
  const run = await streamWhileExtracting('first-kept', 1);
  expect(run.state?.totals.extractionsCompleted).toBe(2);
  expect(run.memories).toEqual(['User is patient', 'User sends many messages']);
  expect(run.firstRunStatus).toBe('CONTINUED_AS_NEW');
  // The slow first attempt completed in the first run (its history had passed the forced-rollover size meanwhile).
  expect(run.firstRunEvents.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(false);
  expect(run.firstRunEvents.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(1);
  expect(h.fake.requests).toHaveLength(2);
}, 90_000);
