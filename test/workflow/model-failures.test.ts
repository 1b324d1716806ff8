/**
 * How model API failures travel: Temporal's retry policy owns retries (no attempt limit, bounded by the
 * retry window); requests that can never succeed become dead letters at once.
 */
import type { ScriptedReply } from '../../src/testing/fake-messages-api';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, uniqueId } from '../support/test-env';

const h = useMemoryHarness('model-failures');

const remember: ScriptedReply = { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User drinks tea' }] } };

async function submit(threadId: string, content = 'I drink tea.') {
  await h.memory.submit(threadId, [{ role: 'user', content }], { afterSeconds: 0.2, namespace: ['memories', threadId] });
}

test('a 429 with retry-after, then a 529, are retried by the activity policy until the reply succeeds', async () => {
  const threadId = uniqueId('transient');
  h.fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, { kind: 'status', status: 529, message: 'Overloaded' }, remember);
  await submit(threadId);
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1,
  );
  expect(state?.totals.batchesDeadLettered).toBe(0);
  // Exactly one HTTP request per activity attempt: the SDK's own retries are off (maxRetries: 0).
  expect(h.fake.requests).toHaveLength(3);
  expect((await h.memory.search(['memories', threadId])).map((item) => item.value.content)).toEqual([{ content: 'User drinks tea' }]);
});

test('500s are retried with no attempt limit; state() shows the retrying attempt and its error', async () => {
  const threadId = uniqueId('server-error');
  const down: ScriptedReply = { kind: 'status', status: 500, message: 'Internal server error' };
  h.fake.script(down, down, down, remember);
  await submit(threadId);
  const retrying = await eventually(
    () => h.memory.state(threadId),
    (s) => (s?.retrying?.attempt ?? 0) >= 2,
  );
  expect(retrying?.retrying?.lastFailure).toMatchObject({ type: 'ModelUnavailableError' });
  expect(retrying?.pendingCount).toBe(1);
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1,
    { timeoutMs: 60_000 },
  );
  expect(state).toMatchObject({ pendingCount: 0, retrying: null, totals: { batchesDeadLettered: 0 } });
  expect(h.fake.requests).toHaveLength(4);
}, 90_000);

test('a 400 is not retried: the batch becomes a dead letter at once and the next message still flows', async () => {
  const threadId = uniqueId('bad-request');
  h.fake.script({ kind: 'status', status: 400, message: 'max_tokens: too large' });
  await submit(threadId);
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.batchesDeadLettered === 1,
  );
  expect(h.fake.requests).toHaveLength(1);
  expect(state?.pendingCount).toBe(0);
  expect(state?.lastFailure).toMatchObject({ type: 'ModelRequestError', reason: 'non-retryable' });
  expect(state?.lastFailure?.message).toContain('400');
  const [letter] = await h.memory.deadLetters(threadId);
  expect(letter).toMatchObject({ status: 'open', messageCount: 1, error: { type: 'ModelRequestError', reason: 'non-retryable' } });

  h.fake.script(remember);
  await submit(threadId, 'Green tea, mostly.');
  await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1 && s.pendingCount === 0,
  );
});

test('a 401 (a rotated key) is retried, and goes through once the key works again', async () => {
  const threadId = uniqueId('auth');
  h.fake.script({ kind: 'status', status: 401, message: 'invalid x-api-key' }, remember);
  await submit(threadId);
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1,
  );
  expect(state?.totals.batchesDeadLettered).toBe(0);
  expect(h.fake.requests).toHaveLength(2);
});
