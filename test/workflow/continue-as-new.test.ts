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

test('a long extraction under a stream of messages is carried into a new run and committed once', async () => {
  const threadId = uniqueId('carried');
  const namespace = ['memories', threadId];
  h.fake.script(
    // The first attempt is slow; the thread's history grows under 40 signals meanwhile, so the run
    // cancels it and continues as new (FORCED_ROLLOVER_FACTOR), carrying the batch.
    { kind: 'slow', delayMs: 20_000, reply: { kind: 'tool', input: { operations: [{ action: 'insert', content: 'never used' }] } } },
    { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User is patient' }] } },
    { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User sends many messages' }] } },
  );
  const first = await h.memory.submit(threadId, [{ id: 'first', role: 'user', content: 'I am patient.' }], { afterSeconds: 0.1, namespace });
  await eventually(
    () => h.fake.requests.length,
    (n) => n === 1,
  );
  for (let i = 0; i < 40; i++) {
    await h.memory.submit(threadId, [{ id: `more-${i}`, role: 'user', content: `message ${i}` }], { afterSeconds: 3, maxWaitSeconds: 60, namespace });
  }
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.messagesProcessed === 41 && s.pendingCount === 0,
    { timeoutMs: 60_000 },
  );
  expect(state?.totals.extractionsCompleted).toBe(2);
  expect((await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort()).toEqual(['User is patient', 'User sends many messages']);
  // The first run asked Temporal to cancel its extraction before continuing as new.
  const firstRun = h.temporal.workflow.getHandle(threadWorkflowId(threadId), first.runId);
  expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
  const events = (await firstRun.fetchHistory()).events ?? [];
  expect(events.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
  expect(h.fake.requests).toHaveLength(3);
}, 90_000);
