/** The batch activities (extract, dead-letter) against DynamoDB Local and the fake Messages API (no Temporal server). */
import type { BatchRef } from '../../src/contract';
import { INVALID_OUTPUT_MAX_ATTEMPTS } from '../../src/defaults';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../src/demo/recorded-reply';
import { freePort } from '../../src/local/free-port';
import { promptText } from '../../src/local/fake-messages-api';
import { MEMORY_TOOL_NAME } from '../../src/model/memory-prompt';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { useActivityHarness } from '../support/activity-harness';
import { uniqueId } from '../support/test-env';

const h = useActivityHarness('activity');

const insert = (content: string) => ({ kind: 'tool', input: { operations: [{ action: 'insert', content }] } }) as const;

/** A thread with one batch of these messages in a namespace of its own. */
async function batchOf(...contents: string[]): Promise<BatchRef> {
  return h.plan(await h.submit(contents));
}

async function texts(ref: BatchRef): Promise<string[]> {
  return (await h.deps.store.search(ref.namespace)).map((item) => memoryText(item.value)).sort();
}

/** The extraction prompt of the first model request. */
function firstPrompt(): string {
  const request = h.fake.requests[0];
  if (!request) throw new Error('the model was not called');
  return promptText(request);
}

async function doneSeq(ref: BatchRef): Promise<number | undefined> {
  return (await h.deps.inbox.cursor(ref.threadId, ref.namespace))?.doneSeq;
}

test('the seed conversation becomes two LangMem memories, and the cursor moves past it', async () => {
  const ref = await batchOf(SEED_MESSAGE);
  h.fake.script(RECORDED_SEED_REPLY); // inserts "User likes dogs" and "User has a dog named Fido"
  const result = await h.run(ref);
  expect(result).toMatchObject({ batchId: ref.batchId, status: 'extracted', updated: [], deleted: [], model: 'claude-test-model' });
  expect(result.usage).toEqual({ inputTokens: 412, outputTokens: 71 });
  expect(result.inserted).toHaveLength(2);
  const item = await h.deps.store.get(ref.namespace, result.inserted[0] as string);
  expect(item?.value).toEqual({ kind: 'Memory', content: { content: 'User likes dogs' } });
  expect(await texts(ref)).toEqual(['User has a dog named Fido', 'User likes dogs']);
  expect(await doneSeq(ref)).toBe(ref.toSeq);

  expect(firstPrompt()).toContain(`user: ${SEED_MESSAGE}`);
  expect(h.fake.requests[0]?.tool_choice).toEqual({ type: 'tool', name: MEMORY_TOOL_NAME, disable_parallel_tool_use: true });
});

test('a retry after a commit returns already-applied from the receipt, without calling the model', async () => {
  const ref = await batchOf('I live in Porto.');
  h.fake.script(insert('User lives in Porto'));
  const first = await h.run(ref);
  const second = await h.run(ref, 2);
  expect(second).toEqual({ ...first, status: 'already-applied' });
  expect(h.fake.requests).toHaveLength(1);
  expect(await texts(ref)).toEqual(['User lives in Porto']);
});

test('only the batch’s own namespace is shown to the model, never another namespace’s messages', async () => {
  const threadId = await h.submit(['I like green tea.'], ['memories', 'home']);
  await h.submit(['The quarterly numbers are confidential.'], ['memories', 'work'], threadId);
  const ref = await h.plan(threadId);
  expect(ref.namespace).toEqual(['memories', 'home']);
  h.fake.script(insert('User likes green tea'));
  await h.run(ref);
  const prompt = firstPrompt();
  expect(prompt).toContain('I like green tea.');
  expect(prompt).not.toContain('quarterly');
  expect((await h.plan(threadId)).namespace).toEqual(['memories', 'work']);
});

test('updates and deletes existing memories the model was shown', async () => {
  const ref = await batchOf('Actually I prefer cats now, and forget about my old car.');
  await h.deps.store.put(ref.namespace, 'pet', memoryValue('User likes dogs'));
  await h.deps.store.put(ref.namespace, 'car', memoryValue('User drives a red car'));
  h.fake.script({
    kind: 'tool',
    input: {
      operations: [
        { action: 'update', id: 'pet', content: 'User prefers cats' },
        { action: 'delete', id: 'car' },
      ],
    },
  });
  const result = await h.run(ref);
  expect(result).toMatchObject({ status: 'extracted', inserted: [], updated: ['pet'], deleted: ['car'] });
  const items = await h.deps.store.search(ref.namespace);
  expect(items.map((item) => [item.key, memoryText(item.value)])).toEqual([['pet', 'User prefers cats']]);
  const shown = firstPrompt();
  expect(shown).toContain('User likes dogs');
  expect(shown).toContain('"id": "car"');
});

test('a memory changed while the model was thinking fails the batch with MemoryConflictError and writes nothing', async () => {
  const ref = await batchOf('My favourite colour is green.');
  await h.deps.store.put(ref.namespace, 'colour', memoryValue('User likes blue'));
  h.fake.script({
    kind: 'respond',
    respond: async () => {
      // Another thread updates the same memory between our read and our write.
      await new Promise((r) => setTimeout(r, 5));
      await h.deps.store.put(ref.namespace, 'colour', memoryValue('User likes red'));
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
  const failure = await h.runFailing(ref);
  expect(failure.type).toBe('MemoryConflictError');
  expect(failure.nonRetryable).toBe(false);
  expect(await texts(ref)).toEqual(['User likes red']);
  expect(await doneSeq(ref)).toBe(ref.afterSeq);
});

describe('invalid model output', () => {
  const invalid = { kind: 'tool', input: { operations: [{ action: 'insert', content: '' }, { action: 'upsert' }] } } as const;

  it('is a retryable InvalidModelOutputError naming the field, and writes nothing', async () => {
    const ref = await batchOf('I run marathons.');
    h.fake.script(invalid);
    const failure = await h.runFailing(ref, { attempt: 1 });
    expect(failure.type).toBe('InvalidModelOutputError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('operations.0.content');
    expect(await texts(ref)).toEqual([]);
    expect(await doneSeq(ref)).toBe(ref.afterSeq);
  });

  it(`stops being retried at attempt INVALID_OUTPUT_MAX_ATTEMPTS (${INVALID_OUTPUT_MAX_ATTEMPTS})`, async () => {
    const ref = await batchOf('I run marathons.');
    h.fake.script(invalid, invalid);
    const before = await h.runFailing(ref, { attempt: INVALID_OUTPUT_MAX_ATTEMPTS - 1 });
    expect(before.nonRetryable).toBe(false);
    const last = await h.runFailing(ref, { attempt: INVALID_OUTPUT_MAX_ATTEMPTS });
    expect(last).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: true });
    expect(last.message).toContain(`attempt ${INVALID_OUTPUT_MAX_ATTEMPTS}`);
    expect(await doneSeq(ref)).toBe(ref.afterSeq);
  });

  it('a reply with text only is a retryable InvalidModelOutputError naming the stop reason', async () => {
    const ref = await batchOf('Hello!');
    h.fake.script({ kind: 'text', text: 'Nothing worth remembering.' });
    const failure = await h.runFailing(ref);
    expect(failure).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: false });
    expect(failure.message).toContain('stop_reason: end_turn');
  });
});

describe('several manage_memories calls in one reply', () => {
  it('are merged: every call’s facts are stored in one commit', async () => {
    const ref = await batchOf('I am Ana, I live in Porto and I play the cello.');
    h.fake.script({
      kind: 'tools',
      inputs: [
        { operations: [{ action: 'insert', content: 'User is called Ana' }] },
        { operations: [{ action: 'insert', content: 'User lives in Porto' }] },
        { operations: [{ action: 'insert', content: 'User plays the cello' }] },
      ],
    });
    const result = await h.run(ref);
    expect(result).toMatchObject({ status: 'extracted' });
    expect(result.inserted).toHaveLength(3);
    expect(await texts(ref)).toEqual(['User is called Ana', 'User lives in Porto', 'User plays the cello']);
    expect(await doneSeq(ref)).toBe(ref.toSeq);
  });

  it('whose merged operations are invalid write nothing and leave the cursor where it was', async () => {
    const ref = await batchOf('Call me Bea. No, call me Bia.');
    await h.deps.store.put(ref.namespace, 'name', memoryValue('User is called Beatriz'));
    h.fake.script({
      kind: 'tools',
      inputs: [
        {
          operations: [
            { action: 'insert', content: 'User has a nickname' },
            { action: 'update', id: 'name', content: 'User is called Bea' },
          ],
        },
        { operations: [{ action: 'update', id: 'name', content: 'User is called Bia' }] },
      ],
    });
    const failure = await h.runFailing(ref);
    expect(failure).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: false });
    expect(failure.message).toContain('at most once');
    expect(await texts(ref)).toEqual(['User is called Beatriz']);
    expect(await doneSeq(ref)).toBe(ref.afterSeq);
    expect(await h.deps.batches.findReceipt(ref)).toBeNull();
  });
});

describe('model API failures', () => {
  it.each([401, 403, 404])('a %i is a retryable ModelAccessError (an outage an operator fixes)', async (status) => {
    const ref = await batchOf('I like tea.');
    h.fake.script({ kind: 'status', status });
    const failure = await h.runFailing(ref);
    expect(failure).toMatchObject({ type: 'ModelAccessError', nonRetryable: false });
    expect(failure.message).toContain(String(status));
    expect(h.fake.requests).toHaveLength(1);
    expect(await doneSeq(ref)).toBe(ref.afterSeq);
  });

  it('a 400 is a non-retryable ModelRequestError', async () => {
    const ref = await batchOf('I like tea.');
    h.fake.script({ kind: 'status', status: 400, message: 'prompt is too long' });
    const failure = await h.runFailing(ref);
    expect(failure).toMatchObject({ type: 'ModelRequestError', nonRetryable: true });
    expect(failure.message).toContain('400');
    expect(h.fake.requests).toHaveLength(1);
  });

  it('a 429 becomes a retryable failure that carries the server-requested delay', async () => {
    const ref = await batchOf('I like tea.');
    h.fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const failure = await h.runFailing(ref);
    expect(failure).toMatchObject({ type: 'ModelUnavailableError', nonRetryable: false });
    expect(failure.nextRetryDelay).toBe(7000);
    expect(h.fake.requests).toHaveLength(1);
  });

  it('an unreachable model API is a retryable ModelUnavailableError', async () => {
    const nobodyListens = `http://127.0.0.1:${await freePort()}`;
    const failure = await h.runFailing(await batchOf('I like tea.'), { modelBaseURL: nobodyListens });
    expect(failure).toMatchObject({ type: 'ModelUnavailableError', nonRetryable: false });
    expect(failure.message).toContain('unreachable');
  });
});

describe('batches that need no extraction', () => {
  it('a batch the inbox moved past is stale, and the model is not called', async () => {
    const threadId = await h.submit(['I live in Porto.'], ['memories', uniqueId('ns')]);
    const early = await h.plan(threadId);
    await h.submit(['I moved to Lisbon.'], early.namespace, threadId);
    const later = await h.plan(threadId);
    h.fake.script(insert('User lives in Lisbon'));
    await h.run(later);
    expect(await h.run(early)).toMatchObject({ batchId: early.batchId, status: 'stale', inserted: [], updated: [], deleted: [] });
    expect(h.fake.requests).toHaveLength(1);
    expect(await texts(later)).toEqual(['User lives in Lisbon']);
  });

  it('a batch whose inbox range holds other messages than planned is a non-retryable BatchIdentityError', async () => {
    const ref = await batchOf('I like tea.');
    const failure = await h.runFailing({ ...ref, idsDigest: 'f'.repeat(32) });
    expect(failure).toMatchObject({ type: 'BatchIdentityError', nonRetryable: true });
    expect(h.fake.requests).toHaveLength(0);
    expect(await doneSeq(ref)).toBe(ref.afterSeq);
  });
});

describe('dead letters and re-drives', () => {
  const failure = { type: 'ModelRequestError', message: 'model API rejected the request (400)' };
  const firstAttemptAt = '2026-11-26T10:00:05.000Z';
  const deadAt = '2026-11-26T16:00:05.000Z';

  it('the dead-letter step records the batch’s message ids, and a zombie attempt of it is stale', async () => {
    const threadId = await h.submit(['poison one', 'poison two']);
    const ref = await h.plan(threadId);
    await h.submit(['I like jazz.'], ref.namespace, threadId);
    expect(await h.deadLetter({ ref, failure, firstAttemptAt, deadAt })).toEqual({ status: 'dead-lettered' });
    const [letter] = await h.deps.deadLetters.list(threadId);
    const stored = await h.deps.inbox.readRange(threadId, ref.namespace, ref.afterSeq, ref.toSeq);
    expect(letter).toMatchObject({
      batchId: ref.batchId,
      messageIds: stored.map((m) => m.id),
      error: failure,
      firstAttemptAt,
      deadAt,
      status: 'open',
    });
    expect(await doneSeq(ref)).toBe(ref.toSeq);
    expect((await h.plan(threadId)).fromSeq).toBe(ref.toSeq + 1);
    expect(await h.run(ref)).toMatchObject({ status: 'stale' });
    expect(h.fake.requests).toHaveLength(0);
    // Repeating the step (a retried local activity) changes nothing.
    expect(await h.deadLetter({ ref, failure, firstAttemptAt, deadAt })).toEqual({ status: 'dead-lettered' });
    expect(await h.deps.deadLetters.list(threadId)).toHaveLength(1);
  });

  it('a re-drive extracts the original messages and marks the letter redriven', async () => {
    const threadId = await h.submit(['I was born in Braga.']);
    const ref = await h.plan(threadId);
    await h.deadLetter({ ref, failure, firstAttemptAt, deadAt });
    await h.deps.deadLetters.requestRedrive(threadId);
    const redrive = await h.plan(threadId);
    expect(redrive).toMatchObject({ kind: 'redrive', fromSeq: ref.fromSeq, toSeq: ref.toSeq });
    h.fake.script(insert('User was born in Braga'));
    expect(await h.run(redrive)).toMatchObject({ batchId: redrive.batchId, status: 'extracted' });
    expect(firstPrompt()).toContain('[2026-11-26T10:00:00.000Z] user: I was born in Braga.');
    expect(await texts(ref)).toEqual(['User was born in Braga']);
    const letter = await h.deps.deadLetters.get(threadId, ref.fromSeq, ref.batchId);
    expect(letter).toMatchObject({ status: 'redriven', redriveBatchId: redrive.batchId });
    // A retried attempt of the re-drive answers from its receipt.
    expect(await h.run(redrive, 2)).toMatchObject({ status: 'already-applied' });
    expect(h.fake.requests).toHaveLength(1);
  });

  it('a failed re-drive re-opens its dead letter', async () => {
    const threadId = await h.submit(['poison']);
    const ref = await h.plan(threadId);
    await h.deadLetter({ ref, failure, firstAttemptAt, deadAt });
    await h.deps.deadLetters.requestRedrive(threadId);
    const redrive = await h.plan(threadId);
    const again = { type: 'InvalidModelOutputError', message: 'still no tool call' };
    expect(await h.deadLetter({ ref: redrive, failure: again, firstAttemptAt, deadAt })).toEqual({ status: 'reopened' });
    expect(await h.deps.deadLetters.get(threadId, ref.fromSeq, ref.batchId)).toMatchObject({ status: 'open', lastRedriveError: again });
    expect(await h.run(redrive)).toMatchObject({ status: 'stale' });
    expect(h.fake.requests).toHaveLength(0);
  });
});
