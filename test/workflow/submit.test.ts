/** `submit` against the real dev server: validation before signalling, dedupe, namespaces, unknown threads. */
import { WorkflowNotFoundError } from '@temporalio/client';
import { addMessagesSignal, threadWorkflowId, type AddMessagesPayload } from '../../src/contract';
import { InvalidInputError } from '../../src/errors';
import { promptText, type RecordedRequest } from '../../src/local/fake-messages-api';
import { memoryText } from '../../src/store/memory-types';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const h = useMemoryHarness('submit');

async function expectNothingSignalled(threadId: string): Promise<void> {
  await expect(h.temporal.workflow.getHandle(threadWorkflowId(threadId)).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
}

test.each([
  ['an empty thread id', '', [{ role: 'user', content: 'hi' }], 'threadId'],
  ['a message without content', 'T', [{ role: 'user' }], 'messages.0.content'],
  ['a wrong role', 'T', [{ role: 'robot', content: 'beep' }], 'messages.0.role'],
  ['oversized content', 'T', [{ role: 'user', content: 'x'.repeat(40_000) }], 'messages.0.content'],
])('%s fails with a zod error naming the field, and nothing is signalled', async (_name, rawThreadId, messages, field) => {
  const threadId = rawThreadId === 'T' ? uniqueId('invalid-input') : rawThreadId;
  const attempt = h.memory.submit(threadId, messages as never);
  await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
  await expect(attempt).rejects.toThrow(field);
  if (threadId !== '') await expectNothingSignalled(threadId);
});

test('state of a thread never submitted is null', async () => {
  expect(await h.memory.state(uniqueId('never'))).toBeNull();
});

test('a re-delivered message (same id) is extracted once', async () => {
  const threadId = uniqueId('dedupe');
  const options = { afterSeconds: 0.5, namespace: ['memories', threadId] };
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User is vegetarian' }] } });
  const message = { id: 'msg-1', role: 'user' as const, content: 'I am vegetarian.' };
  await h.memory.submit(threadId, [message], options);
  await h.memory.submit(threadId, [message], options); // e.g. a Lambda retry
  const state = await settled(h.memory, threadId, 1);
  expect(state?.totals).toMatchObject({ messagesReceived: 1, duplicateMessagesIgnored: 1, messagesProcessed: 1 });
  expect(promptText(h.fake.requests[0] as RecordedRequest).match(/I am vegetarian\./g)).toHaveLength(1);
});

test('namespace templates are filled from config, and each namespace gets its own extraction', async () => {
  const threadId = uniqueId('tenants');
  h.fake.script(
    { kind: 'tool', input: { operations: [{ action: 'insert', content: 'Alice likes jazz' }] } },
    { kind: 'tool', input: { operations: [{ action: 'insert', content: 'Bob likes metal' }] } },
  );
  const namespace = ['memories', '{user_id}'];
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like jazz.' }], {
    afterSeconds: 0.3,
    namespace,
    config: { configurable: { user_id: `alice-${threadId}` } },
  });
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like metal.' }], {
    afterSeconds: 0.3,
    namespace,
    config: { configurable: { user_id: `bob-${threadId}` } },
  });
  await settled(h.memory, threadId, 2);
  const alice = (await h.memory.search(['memories', `alice-${threadId}`])).map((item) => memoryText(item.value));
  const bob = (await h.memory.search(['memories', `bob-${threadId}`])).map((item) => memoryText(item.value));
  expect(alice).toEqual(['Alice likes jazz']);
  expect(bob).toEqual(['Bob likes metal']);
  // A prefix search finds both users' namespaces through the namespace index.
  const everyone = (await h.memory.search(['memories'], { limit: 1000 })).filter((item) => item.namespace[1]?.endsWith(threadId));
  expect(everyone.map((item) => memoryText(item.value)).sort()).toEqual(['Alice likes jazz', 'Bob likes metal']);
});

test('a malformed signal sent around the client is dropped and the thread keeps working', async () => {
  const threadId = uniqueId('malformed');
  const namespace = ['memories', threadId];
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User sails' }] } });
  await h.memory.submit(threadId, [{ role: 'user', content: 'I sail.' }], { afterSeconds: 1, namespace });
  await h.temporal.workflow
    .getHandle(threadWorkflowId(threadId))
    .signal(addMessagesSignal, { messages: 'not a list' } as unknown as AddMessagesPayload);
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.totals.extractionsCompleted === 1,
  );
  expect(state?.totals).toMatchObject({ invalidSignalsIgnored: 1, messagesProcessed: 1 });
  expect((await h.memory.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User sails']);
});
