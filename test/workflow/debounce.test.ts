/** The debounce path on the real Temporal dev server, DynamoDB Local and the fake Messages API. */
import { INVALID_OUTPUT_MAX_ATTEMPTS } from '../../src/defaults';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../dev/demo/recorded-reply';
import { promptMessages, promptText, type RecordedRequest, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { memoryText } from '../../src/store/memory-types';
import { messagesAddedSignal, threadWorkflowId } from '../../src/contract';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const h = useMemoryHarness('debounce');

/** The new messages of an extraction prompt, as one text. */
function newMessagesOf(request: RecordedRequest | undefined): string {
  return promptMessages(request).join('\n');
}

test('one message becomes memories in DynamoDB after the quiet period', async () => {
  const threadId = uniqueId('seed');
  const namespace = ['memories', threadId];
  h.fake.script(RECORDED_SEED_REPLY); // inserts "User likes dogs" and "User has a dog named Fido"
  const submittedAt = Date.now();
  await h.memory.submit(threadId, [{ role: 'user', content: SEED_MESSAGE }], {
    afterSeconds: 0.5,
    namespace,
  });

  const state = await settled(h.memory, threadId, 1);
  expect(Date.now() - submittedAt).toBeGreaterThanOrEqual(500);
  expect(state?.totals).toMatchObject({
    messagesProcessed: 1,
    extractionsCompleted: 1,
    memoriesInserted: 2,
    usage: { inputTokens: 412, outputTokens: 71 },
  });
  const items = await h.memory.search(namespace);
  expect(items.map((item) => item.value)).toEqual(
    expect.arrayContaining([
      { kind: 'Memory', content: { content: 'User likes dogs' } },
      { kind: 'Memory', content: { content: 'User has a dog named Fido' } },
    ]),
  );
  expect(items).toHaveLength(2);
  expect(h.fake.requests).toHaveLength(1);
  expect(newMessagesOf(h.fake.requests[0])).toContain(SEED_MESSAGE);
  expect(h.fake.requests[0]?.tool_choice).toEqual({ type: 'tool', name: 'manage_memories', disable_parallel_tool_use: true });
});

// The quiet period is 5 s, not 1 s, so the burst stays one burst on a loaded machine too (a submit took over
// a second in CI while a 100,000-message backlog test ran beside it).
test('five messages 100 ms apart inside a 5 s window make exactly one extraction', async () => {
  const threadId = uniqueId('burst');
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User counts to five' }] } });
  for (let i = 1; i <= 5; i++) {
    await h.memory.submit(threadId, [{ role: 'user', content: `message number ${i}` }], {
      afterSeconds: 5,
      namespace: ['memories', threadId],
    });
    if (i < 5) await new Promise((r) => setTimeout(r, 100));
  }
  const state = await settled(h.memory, threadId, 1);
  expect(state?.totals).toMatchObject({ messagesReceived: 5, messagesProcessed: 5, extractionsCompleted: 1 });
  expect(h.fake.requests).toHaveLength(1);
  const prompt = newMessagesOf(h.fake.requests[0]);
  for (let i = 1; i <= 5; i++) expect(prompt).toContain(`message number ${i}`);
});

test('a message after an extraction makes a second extraction with only the new message', async () => {
  const threadId = uniqueId('second');
  const namespace = ['memories', threadId];
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User likes dogs' }] } });
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like dogs.' }], { afterSeconds: 0.3, namespace });
  await settled(h.memory, threadId, 1);

  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User lives in Lisbon' }] } });
  await h.memory.submit(threadId, [{ role: 'user', content: 'I moved to Lisbon.' }], { afterSeconds: 0.3, namespace });
  const state = await settled(h.memory, threadId, 2);

  expect(state?.totals).toMatchObject({ messagesProcessed: 2, extractionsCompleted: 2, memoriesInserted: 2 });
  expect(h.fake.requests).toHaveLength(2);
  const second = newMessagesOf(h.fake.requests[1]);
  expect(second).toContain('I moved to Lisbon.');
  expect(second).not.toContain('I like dogs.');
  // The first extraction's memory is shown to the model as existing context for the second.
  expect(promptText(h.fake.requests[1] as RecordedRequest)).toContain('User likes dogs');
  const contents = (await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort();
  expect(contents).toEqual(['User likes dogs', 'User lives in Lisbon']);
});

test('an invalid tool payload is retried, then becomes a dead letter; the next message flows and the letter re-drives', async () => {
  const threadId = uniqueId('invalid');
  const namespace = ['memories', threadId];
  // INVALID_OUTPUT_MAX_ATTEMPTS attempts, each a request and its repair round, all answered with an insert
  // lacking content.
  const invalid = { kind: 'tool', input: { operations: [{ action: 'insert' }] } } as const;
  h.fake.script(...Array.from({ length: 2 * INVALID_OUTPUT_MAX_ATTEMPTS }, () => invalid));
  await h.memory.submit(threadId, [{ role: 'user', content: 'My cat is called Tom.' }], { afterSeconds: 0.2, namespace });

  const failed = await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.totals.batchesDeadLettered === 1,
  );
  expect(failed).toMatchObject({ pendingCount: 0, totals: { extractionsCompleted: 0, messagesDeadLettered: 1 } });
  expect(failed?.lastFailure).toMatchObject({ type: 'InvalidModelOutputError', messageCount: 1 });
  expect(failed?.lastFailure?.message).toContain(`problems=1 attempt=${INVALID_OUTPUT_MAX_ATTEMPTS}`);
  expect(h.fake.requests).toHaveLength(2 * INVALID_OUTPUT_MAX_ATTEMPTS);
  expect(await h.memory.search(namespace)).toEqual([]);
  const [letter] = await h.memory.deadLetters(threadId);
  expect(letter).toMatchObject({ status: 'open', messageCount: 1, error: { type: 'InvalidModelOutputError' } });

  // The thread is not held back: the next message is extracted on its own.
  h.fake.reset();
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: "User's cat is grey" }] } });
  await h.memory.submit(threadId, [{ role: 'user', content: 'He is grey.' }], { afterSeconds: 0.2, namespace });
  await settled(h.memory, threadId, 1);
  expect(newMessagesOf(h.fake.requests[0])).toContain('He is grey.');
  expect(newMessagesOf(h.fake.requests[0])).not.toContain('My cat is called Tom.');

  // Re-driving the dead letter extracts its original message, once.
  h.fake.reset();
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User has a cat named Tom' }] } });
  const { requested } = await h.memory.redrive(threadId);
  expect(requested.map((l) => l.batchId)).toEqual([letter?.batchId]);
  await eventually(
    () => h.memory.deadLetters(threadId),
    (letters) => letters[0]?.status === 'redriven',
  );
  expect(newMessagesOf(h.fake.requests[0])).toContain('My cat is called Tom.');
  const contents = (await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort();
  expect(contents).toEqual(['User has a cat named Tom', "User's cat is grey"]);
  // The letter turns `redriven` in DynamoDB (the commit) a moment before the workflow counts the re-drive.
  const counted = await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.totals.messagesRedriven > 0,
  );
  expect(counted?.totals).toMatchObject({ messagesRedriven: 1, messagesProcessed: 1 });
  // A second request finds nothing open: nothing is re-driven twice.
  expect((await h.memory.redrive(threadId)).requested).toEqual([]);
});

test('a reply with three manage_memories calls stores every fact (merged and validated as one), never a part', async () => {
  const threadId = uniqueId('three-calls');
  const namespace = ['memories', threadId];
  const facts = ['User likes dogs', 'User has a dog named Fido', 'User lives in Lisbon'];
  h.fake.script({ kind: 'tools', inputs: facts.map((content) => ({ operations: [{ action: 'insert', content }] })) });
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like dogs, my dog is Fido, and I live in Lisbon.' }], {
    afterSeconds: 0.2,
    namespace,
  });
  const state = await settled(h.memory, threadId, 1);
  expect(state?.totals.memoriesInserted).toBe(3);
  expect((await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort()).toEqual([...facts].sort());
});

test('a reply with several calls that are invalid together writes nothing and the batch fails visibly', async () => {
  const threadId = uniqueId('bad-calls');
  const namespace = ['memories', threadId];
  // Each call alone is fine; merged, the second refers to a memory that does not exist.
  const calls: ScriptedReply = {
    kind: 'tools',
    inputs: [{ operations: [{ action: 'insert', content: 'User likes tea' }] }, { operations: [{ action: 'delete', id: 'no-such-memory' }] }],
  };
  h.fake.script(...Array.from({ length: 2 * INVALID_OUTPUT_MAX_ATTEMPTS }, () => calls)); // each attempt and its repair round
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like tea.' }], { afterSeconds: 0.2, namespace });
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.batchesDeadLettered === 1,
  );
  expect(state?.lastFailure).toMatchObject({ type: 'InvalidModelOutputError' });
  expect(state?.totals.extractionsCompleted).toBe(0);
  expect(await h.memory.search(namespace)).toEqual([]);
  expect((await h.memory.deadLetters(threadId)).map((l) => l.messageCount)).toEqual([1]);
});

test('the quiet period counts from the submit (its submittedAtMs), believed at most 2 s back and never ahead', async () => {
  const threadId = uniqueId('since');
  const namespace = ['memories', threadId];
  await h.memory.submit(threadId, [{ role: 'user', content: 'I row.' }], { afterSeconds: 3600, namespace });
  const handle = h.temporal.workflow.getHandle(threadWorkflowId(threadId));
  const base = { lastSeq: 1, newMessages: 1, duplicates: 0, maxWaitSeconds: 7200 };
  const timers = async () => {
    const history = await handle.fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
      return timeout ? [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)] : [];
    });
  };
  // The submit's own timer first: a signal sent before the thread's first workflow task would share it.
  await eventually(timers, (t) => t.length === 1);
  // Each signal moves the due time earlier, so the thread arms a new timer for exactly what is left.
  // A clock far behind: believed 2 s back at most, and never before the quiet period already running (the submit's).
  await handle.signal(messagesAddedSignal, { ...base, afterSeconds: 1800, submittedAtMs: Date.now() - 60_000 });
  await eventually(timers, (t) => t.length === 2);
  await handle.signal(messagesAddedSignal, { ...base, afterSeconds: 900, submittedAtMs: Date.now() + 60_000 }); // a clock ahead: from arrival
  await eventually(timers, (t) => t.length === 3);
  await handle.signal(messagesAddedSignal, { ...base, afterSeconds: 600 }); // an older client: from arrival
  await eventually(timers, (t) => t.length === 4);
  const fired = await timers();
  // The submit's own timer counts from its submittedAtMs: up to the signal's way through Temporal shorter.
  expect(fired[0]).toBeLessThanOrEqual(3_600_000);
  expect(fired[0]).toBeGreaterThanOrEqual(3_600_000 - 2_000);
  expect(fired[1]).toBeLessThan(1_800_000);
  expect(fired[1]).toBeGreaterThanOrEqual(1_800_000 - 2_000);
  expect(fired.slice(2)).toEqual([900_000, 600_000]);
  await handle.terminate('test done');
});
