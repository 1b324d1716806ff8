/** The debounce path on the real Temporal dev server, DynamoDB Local and the fake Messages API. */
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../src/demo/recorded-reply';
import { promptText, type RecordedRequest } from '../../src/local/fake-messages-api';
import { memoryText } from '../../src/store/memory-types';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const h = useMemoryHarness('debounce');

/** The `<new_messages>` part of an extraction prompt. */
function newMessagesOf(request: RecordedRequest | undefined): string {
  const text = promptText(request as RecordedRequest);
  return text.slice(text.indexOf('<new_messages>'), text.indexOf('</new_messages>'));
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
  expect(h.fake.requests[0]?.tool_choice).toEqual({ type: 'tool', name: 'manage_memories' });
});

test('five messages 100 ms apart inside a 1 s window make exactly one extraction', async () => {
  const threadId = uniqueId('burst');
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User counts to five' }] } });
  for (let i = 1; i <= 5; i++) {
    await h.memory.submit(threadId, [{ role: 'user', content: `message number ${i}` }], {
      afterSeconds: 1,
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

test('an invalid tool payload writes nothing, keeps the messages pending and shows the failure', async () => {
  const threadId = uniqueId('invalid');
  const namespace = ['memories', threadId];
  // Three attempts (the activity retry policy's maximum), each answered with an insert lacking content.
  const invalid = { kind: 'tool', input: { operations: [{ action: 'insert' }] } } as const;
  h.fake.script(invalid, invalid, invalid);
  await h.memory.submit(threadId, [{ role: 'user', content: 'My cat is called Tom.' }], { afterSeconds: 0.2, namespace });

  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.totals.extractionsFailed === 1,
  );
  expect(state?.pendingCount).toBe(1);
  expect(state?.totals.extractionsCompleted).toBe(0);
  expect(state?.lastFailure).toMatchObject({ type: 'InvalidModelOutputError', messageCount: 1 });
  expect(state?.lastFailure?.message).toContain('operations.0.content');
  expect(state?.nextExtractionAt).not.toBeNull();
  expect(h.fake.requests).toHaveLength(3);
  expect(await h.memory.search(namespace)).toEqual([]);

  // The next message brings the retry forward: first the failed batch again, with the same batch id and
  // the same message (so a commit that failed to report is never repeated), then the new message.
  h.fake.reset();
  h.fake.script(
    { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User has a cat named Tom' }] } },
    { kind: 'tool', input: { operations: [{ action: 'insert', content: "User's cat is grey" }] } },
  );
  await h.memory.submit(threadId, [{ role: 'user', content: 'He is grey.' }], { afterSeconds: 0.2, namespace });
  const recovered = await settled(h.memory, threadId, 2);
  expect(recovered?.lastFailure).toBeNull();
  expect(recovered?.totals.messagesProcessed).toBe(2);
  expect(h.fake.requests).toHaveLength(2);
  const retried = newMessagesOf(h.fake.requests[0]);
  expect(retried).toContain('My cat is called Tom.');
  expect(retried).not.toContain('He is grey.');
  expect(newMessagesOf(h.fake.requests[1])).toContain('He is grey.');
  const contents = (await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort();
  expect(contents).toEqual(['User has a cat named Tom', "User's cat is grey"]);
});
