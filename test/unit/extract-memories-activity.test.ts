/** The extraction activity against DynamoDB Local and the fake Messages API (no Temporal server). */
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../src/demo/recorded-reply';
import { freePort } from '../../src/local/free-port';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { extractionRequest, useActivityHarness } from '../support/activity-harness';

const h = useActivityHarness('activity');

const insert = (content: string) => ({ kind: 'tool', input: { operations: [{ action: 'insert', content }] } }) as const;

test('inserts memories with LangMem values and reports usage', async () => {
  const request = extractionRequest(SEED_MESSAGE);
  h.fake.script(RECORDED_SEED_REPLY); // inserts "User likes dogs" and "User has a dog named Fido"
  const result = await h.run(request);
  expect(result).toMatchObject({ batchId: request.batchId, updated: [], deleted: [], alreadyApplied: false });
  expect(result.usage).toEqual({ inputTokens: 412, outputTokens: 71 });
  expect(result.inserted).toHaveLength(2);
  const item = await h.store.get(request.namespace, result.inserted[0] as string);
  expect(item?.value).toEqual({ kind: 'Memory', content: { content: 'User likes dogs' } });
});

test('a retried batch is applied once: the receipt answers without calling the model again', async () => {
  const request = extractionRequest('I live in Porto.');
  h.fake.script(insert('User lives in Porto'));
  const first = await h.run(request);
  const second = await h.run(request);
  expect(second).toEqual({ ...first, alreadyApplied: true });
  expect(h.fake.requests).toHaveLength(1);
  expect(await h.store.search(request.namespace)).toHaveLength(1);
});

test('updates and deletes existing memories the model was shown', async () => {
  const request = extractionRequest('Actually I prefer cats now, and forget about my old car.');
  await h.store.put(request.namespace, 'pet', memoryValue('User likes dogs'));
  await h.store.put(request.namespace, 'car', memoryValue('User drives a red car'));
  h.fake.script({
    kind: 'tool',
    input: {
      operations: [
        { action: 'update', id: 'pet', content: 'User prefers cats' },
        { action: 'delete', id: 'car' },
      ],
    },
  });
  const result = await h.run(request);
  expect(result).toMatchObject({ inserted: [], updated: ['pet'], deleted: ['car'] });
  const items = await h.store.search(request.namespace);
  expect(items.map((item) => [item.key, memoryText(item.value)])).toEqual([['pet', 'User prefers cats']]);
  const shown = JSON.stringify(h.fake.requests[0]?.messages);
  expect(shown).toContain('User likes dogs');
  expect(shown).toContain('car');
});

test('a memory changed while the model was thinking fails the batch with MemoryConflictError and writes nothing', async () => {
  const request = extractionRequest('My favourite colour is green.');
  await h.store.put(request.namespace, 'colour', memoryValue('User likes blue'));
  h.fake.script({
    kind: 'respond',
    respond: async () => {
      // Another thread updates the same memory between our read and our write.
      await new Promise((r) => setTimeout(r, 5));
      await h.store.put(request.namespace, 'colour', memoryValue('User likes red'));
      return {
        kind: 'tool',
        input: {
          operations: [
            { action: 'update', id: 'colour', content: 'User likes green' },
            { action: 'insert', content: 'User paints' },
          ],
        },
      };
    },
  });
  const failure = await h.runFailing(request);
  expect(failure.type).toBe('MemoryConflictError');
  expect(failure.nonRetryable).toBe(false);
  const items = await h.store.search(request.namespace);
  expect(items.map((item) => memoryText(item.value))).toEqual(['User likes red']);
});

test('invalid model output is a retryable InvalidModelOutputError naming the field, and writes nothing', async () => {
  const request = extractionRequest('I run marathons.');
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: '' }, { action: 'upsert' }] } });
  const failure = await h.runFailing(request);
  expect(failure.type).toBe('InvalidModelOutputError');
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toContain('operations.0.content');
  expect(await h.store.search(request.namespace)).toEqual([]);
});

test('a 429 becomes a retryable failure that carries the server-requested delay', async () => {
  const request = extractionRequest('I like tea.');
  h.fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
  const failure = await h.runFailing(request);
  expect(failure).toMatchObject({ type: 'ModelUnavailableError', nonRetryable: false });
  expect(failure.nextRetryDelay).toBe(7000);
  expect(h.fake.requests).toHaveLength(1);
});

test('an unreachable model API is a retryable ModelUnavailableError', async () => {
  const nobodyListens = `http://127.0.0.1:${await freePort()}`;
  const failure = await h.runFailing(extractionRequest('I like tea.'), nobodyListens);
  expect(failure).toMatchObject({ type: 'ModelUnavailableError', nonRetryable: false });
  expect(failure.message).toContain('unreachable');
});
