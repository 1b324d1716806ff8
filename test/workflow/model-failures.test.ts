/** How model API failures travel: Temporal's retry policy owns retries; hopeless requests stop at once. */
import { EXTRACTION_MAX_ATTEMPTS } from '../../src/defaults';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, uniqueId } from '../support/test-env';

const h = useMemoryHarness('model-failures');

const remember = { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User drinks tea' }] } } as const;

async function submitAndWait(threadId: string, done: (totals: { extractionsCompleted: number; extractionsFailed: number }) => boolean) {
  await h.memory.submit(threadId, [{ role: 'user', content: 'I drink tea.' }], {
    afterSeconds: 0.2,
    namespace: ['memories', threadId],
  });
  return eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && done(s.totals),
  );
}

test('a 429 with retry-after, then a 529, are retried by the activity policy until the reply succeeds', async () => {
  const threadId = uniqueId('transient');
  h.fake.script(
    { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    { kind: 'status', status: 529, message: 'Overloaded' },
    remember,
  );
  const state = await submitAndWait(threadId, (t) => t.extractionsCompleted === 1);
  expect(state?.totals.extractionsFailed).toBe(0);
  // Exactly one HTTP request per activity attempt: the SDK's own retries are off (maxRetries: 0).
  expect(h.fake.requests).toHaveLength(3);
  expect((await h.memory.search(['memories', threadId])).map((item) => item.value.content)).toEqual([
    { content: 'User drinks tea' },
  ]);
});

test('a 500 on every attempt fails the batch after EXTRACTION_MAX_ATTEMPTS and keeps it pending', async () => {
  const threadId = uniqueId('server-error');
  const down = { kind: 'status', status: 500, message: 'Internal server error' } as const;
  h.fake.script(...Array.from({ length: EXTRACTION_MAX_ATTEMPTS }, () => down));
  const state = await submitAndWait(threadId, (t) => t.extractionsFailed === 1);
  expect(h.fake.requests).toHaveLength(EXTRACTION_MAX_ATTEMPTS);
  expect(state?.pendingCount).toBe(1);
  expect(state?.lastFailure).toMatchObject({ type: 'ModelUnavailableError', failures: 1 });
});

test('a 400 from the model API is not retried; the failure is recorded and the messages stay pending', async () => {
  const threadId = uniqueId('bad-request');
  h.fake.script({ kind: 'status', status: 400, message: 'max_tokens: too large' });
  const state = await submitAndWait(threadId, (t) => t.extractionsFailed === 1);
  expect(h.fake.requests).toHaveLength(1);
  expect(state?.pendingCount).toBe(1);
  expect(state?.lastFailure).toMatchObject({ type: 'ModelRequestError' });
  expect(state?.lastFailure?.message).toContain('400');
});

test('a 401 (bad API key) is not retried either', async () => {
  const threadId = uniqueId('auth');
  h.fake.script({ kind: 'status', status: 401, message: 'invalid x-api-key' });
  const state = await submitAndWait(threadId, (t) => t.extractionsFailed === 1);
  expect(h.fake.requests).toHaveLength(1);
  expect(state?.lastFailure?.type).toBe('ModelRequestError');
});
