/** The batch activities (extract, dead-letter) against DynamoDB Local and the fake Messages API (no Temporal server). */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { BatchRef, PlanResult } from '../../src/contract';
import { INVALID_OUTPUT_MAX_ATTEMPTS } from '../../src/defaults';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../dev/demo/recorded-reply';
import { freePort } from '../../src/testing/free-port';
import { promptData, promptMessages, type RecordedRequest, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { ManagerRegistry } from '../../src/managers/manager-registry';
import { MEMORY_TOOL_NAME, PROFILE_KEY, PROFILE_TOOL_NAME } from '../../src/model/memory-tool';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { MemorySearch } from '../../src/store/memory-search';
import { batchLogKey } from '../../src/store/table-keys';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { createAnthropicClient } from '../../src/model/anthropic-client';
import { ClaudeExtractor } from '../../src/model/claude-extractor';
import { useActivityHarness } from '../support/activity-harness';
import { uniqueId } from '../support/test-env';

/** Managers besides the default one (whose deletes are off, as LangMem's). */
const managers = new ManagerRegistry([
  { name: 'curator', namespace: ['curated'], enableDeletes: true, maxDeletesPerBatch: 2 },
  {
    name: 'profile',
    namespace: ['profiles'],
    schemas: [{ kind: 'UserProfile', schema: z.object({ name: z.string().optional(), city: z.string().optional() }) }],
    profile: true,
  },
  { name: 'priced', namespace: ['priced'], model: 'claude-sonnet-test' },
]);

const h = useActivityHarness('activity', { managers });

const insert = (content: string) => ({ kind: 'tool', input: { operations: [{ action: 'insert', content }] } }) as const;

/** A thread with one batch of these messages in a namespace of its own. */
async function batchOf(...contents: string[]): Promise<BatchRef> {
  return h.plan(await h.submit(contents));
}

/** Likewise, for a named manager. */
async function managedBatchOf(manager: string, ...contents: string[]): Promise<BatchRef> {
  return h.plan(await h.submit(contents, [manager, uniqueId('ns')], uniqueId('thread'), manager));
}

async function texts(ref: BatchRef): Promise<string[]> {
  return (await h.deps.store.search(ref.namespace)).map((item) => memoryText(item.value)).sort();
}

/** The first model request. */
function firstRequest(): RecordedRequest {
  const request = h.fake.requests[0];
  if (!request) throw new Error('the model was not called');
  return request;
}

/** The ids of the messages a batch holds, as the inbox stored them. */
async function messageIds(ref: BatchRef): Promise<string[]> {
  return (await h.deps.inbox.readRange(ref.threadId, ref.namespace, ref.afterSeq, ref.toSeq)).map((m) => m.id);
}

/** The failure details the activity stored for a batch's attempts (round 0), as a dead letter shows them. */
async function detailsOf(ref: BatchRef) {
  const details = (await h.deps.deadLetters.details.forThread(ref.threadId)).get(`${ref.batchId}#0`);
  if (!details) throw new Error(`no failure details stored for ${ref.batchId}`);
  return details;
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

  const data = promptData(firstRequest());
  expect(data.existing_memories).toEqual([]);
  expect(data.new_messages).toEqual([{ id: (await messageIds(ref))[0], role: 'user', time: '2026-11-26T10:00:00.000Z', text: SEED_MESSAGE }]);
  expect(h.fake.requests).toHaveLength(1);
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

test('the batch log gets its entry from a retry when the worker died between the commit and the log write', async () => {
  const ref = await batchOf('I live in Braga.');
  h.fake.script({ ...insert('User lives in Braga'), usage: { input_tokens: 321, output_tokens: 45 } });
  const first = await h.run(ref);
  const [entry] = await h.deps.batches.log.list(ref.threadId, 10);
  expect(entry).toMatchObject({
    batchId: ref.batchId,
    kind: 'inbox',
    namespace: ref.namespace,
    fromSeq: 1,
    toSeq: 1,
    messageCount: 1,
    inserted: first.inserted,
    model: 'claude-test-model',
    usage: { inputTokens: 321, outputTokens: 45 },
  });
  // As if the worker had died after the commit, before the log write: receipt and memories exist, the entry does not.
  await h.deps.store.doc.send(new DeleteCommand({ TableName: h.deps.store.tableName, Key: batchLogKey(ref.threadId, ref.fromSeq, ref.batchId) }));
  expect(await h.deps.batches.log.list(ref.threadId, 10)).toEqual([]);
  expect(await h.run(ref, 2)).toMatchObject({ status: 'already-applied' });
  expect(h.fake.requests).toHaveLength(1);
  expect(await h.deps.batches.log.list(ref.threadId, 10)).toEqual([{ ...entry, at: expect.any(String) as unknown }]);
  // A further retry leaves the one entry as it is.
  await h.run(ref, 3);
  expect(await h.deps.batches.log.list(ref.threadId, 10)).toHaveLength(1);
});

test('a failed batch log write does not fail a committed extraction', async () => {
  const ref = await batchOf('I live in Faro.');
  h.fake.script(insert('User lives in Faro'));
  const log = h.deps.batches.log;
  const record = jest.spyOn(log, 'record').mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException'));
  try {
    expect(await h.run(ref)).toMatchObject({ status: 'extracted', inserted: [expect.any(String) as unknown] });
  } finally {
    record.mockRestore();
  }
  expect(await texts(ref)).toEqual(['User lives in Faro']);
  expect(await log.list(ref.threadId, 10)).toEqual([]);
  // The next attempt that finds the batch committed writes the entry.
  expect(await h.run(ref, 2)).toMatchObject({ status: 'already-applied' });
  expect(await log.list(ref.threadId, 10)).toHaveLength(1);
});

test('only the batch’s own namespace is shown to the model, never another namespace’s messages', async () => {
  const threadId = await h.submit(['I like green tea.'], ['memories', 'home']);
  await h.submit(['The quarterly numbers are confidential.'], ['memories', 'work'], threadId);
  const ref = await h.plan(threadId);
  expect(ref.namespace).toEqual(['memories', 'home']);
  h.fake.script(insert('User likes green tea'));
  await h.run(ref);
  expect(promptMessages(firstRequest())).toEqual(['I like green tea.']);
  expect(JSON.stringify(firstRequest())).not.toContain('quarterly');
  expect((await h.plan(threadId)).namespace).toEqual(['memories', 'work']);
});

test('updates and deletes existing memories the model was shown, with a manager that enables deletes', async () => {
  const ref = await managedBatchOf('curator', 'Actually I prefer cats now, and forget about my old car.');
  expect(ref.manager).toBe('curator');
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
  expect(promptData(firstRequest()).existing_memories).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: 'pet', kind: 'Memory', content: { content: 'User likes dogs' } }),
      expect.objectContaining({ id: 'car', kind: 'Memory', content: { content: 'User drives a red car' } }),
    ]),
  );
  expect(h.fake.requests).toHaveLength(1);
});

test('the default manager (deletes off, as LangMem) refuses a delete and writes nothing', async () => {
  const ref = await batchOf('Forget about my old car.');
  expect(ref.manager).toBe('memories'); // the default manager
  await h.deps.store.put(ref.namespace, 'car', memoryValue('User drives a red car'));
  const deleting = { kind: 'tool', input: { operations: [{ action: 'delete', id: 'car' }] } } as const;
  h.fake.script(deleting, deleting); // the repair round gets the same answer
  const failure = await h.runFailing(ref);
  expect(failure).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: false });
  expect(failure.message).toBe(`problems=1 attempt=1; details: batch ${ref.batchId}`);
  expect((await detailsOf(ref)).detail?.invalidOutput?.problems).toEqual(['operations.0.action: deletes are disabled for memory manager memories']);
  // The tool offered no delete in the first place.
  expect(JSON.stringify(firstRequest().tools)).not.toContain('"delete"');
  expect(h.fake.requests).toHaveLength(2);
  expect(await texts(ref)).toEqual(['User drives a red car']);
  expect(await doneSeq(ref)).toBe(ref.afterSeq);
});

test('more deletes than the manager allows per batch is a non-retryable ReviewRequiredError carrying the proposal', async () => {
  const ref = await managedBatchOf('curator', 'Forget everything about me.');
  for (const key of ['a', 'b', 'c']) await h.deps.store.put(ref.namespace, key, memoryValue(`fact ${key}`));
  h.fake.script({ kind: 'tool', input: { operations: ['a', 'b', 'c'].map((id) => ({ action: 'delete', id })) } });
  const failure = await h.runFailing(ref);
  expect(failure).toMatchObject({ type: 'ReviewRequiredError', nonRetryable: true });
  expect(failure.message).toContain('deletes=3');
  // The proposal is stored with the batch's failure details in DynamoDB, not in the failure.
  expect(failure.message).not.toContain('"id"');
  const details = await detailsOf(ref);
  expect(details).toMatchObject({ type: 'ReviewRequiredError', attempt: 1, summary: expect.stringContaining('deletes 3') as string });
  expect(details.detail?.proposedOperations).toEqual(['a', 'b', 'c'].map((id) => ({ action: 'delete', id })));
  // Valid but too much: no repair round, nothing applied.
  expect(h.fake.requests).toHaveLength(1);
  expect(await texts(ref)).toEqual(['fact a', 'fact b', 'fact c']);
  expect(await doneSeq(ref)).toBe(ref.afterSeq);
});

test('a refusal is a non-retryable ModelRefusalError with the model’s reason, and writes nothing', async () => {
  const ref = await batchOf('Something the model will not process.');
  h.fake.script({ kind: 'refusal', text: 'I cannot help with this conversation.' });
  const failure = await h.runFailing(ref);
  expect(failure).toMatchObject({ type: 'ModelRefusalError', nonRetryable: true });
  expect(failure.message).not.toContain('I cannot help');
  expect((await detailsOf(ref)).detail).toEqual({ refusal: 'I cannot help with this conversation.' });
  expect(h.fake.requests).toHaveLength(1);
  expect(await doneSeq(ref)).toBe(ref.afterSeq);
});

test('a profile manager creates its one document under PROFILE_KEY, then updates it', async () => {
  const threadId = await h.submit(['I am Ana.'], ['profiles', uniqueId('ns')], uniqueId('thread'), 'profile');
  const first = await h.plan(threadId);
  h.fake.script({ kind: 'tool', input: { name: 'Ana' } });
  expect(await h.run(first)).toMatchObject({ status: 'extracted', inserted: [PROFILE_KEY], updated: [] });
  expect(firstRequest().tool_choice).toMatchObject({ name: PROFILE_TOOL_NAME });
  expect(promptData(firstRequest()).existing_memories).toEqual([]);

  await h.submit(['I moved to Porto.'], first.namespace, threadId, 'profile');
  const second = await h.plan(threadId);
  h.fake.reset();
  h.fake.script({ kind: 'tool', input: { name: 'Ana', city: 'Porto' } });
  expect(await h.run(second)).toMatchObject({ status: 'extracted', inserted: [], updated: [PROFILE_KEY] });
  expect(promptData(firstRequest()).existing_memories).toEqual([expect.objectContaining({ id: PROFILE_KEY, kind: 'UserProfile' })]);
  expect((await h.deps.store.get(first.namespace, PROFILE_KEY))?.value).toEqual({ kind: 'UserProfile', content: { name: 'Ana', city: 'Porto' } });
});

// Deleting a profile leaves a tombstone (and its history); the next extraction writes a new document over
// it, continuing the versions, instead of failing every attempt on "already exists".
test('a profile deleted by a user is re-created by the next extraction, its versions going on', async () => {
  const threadId = await h.submit(['I am Ana.'], ['profiles', uniqueId('ns')], uniqueId('thread'), 'profile');
  const first = await h.plan(threadId);
  h.fake.script({ kind: 'tool', input: { name: 'Ana' } });
  await h.run(first);
  await h.deps.store.delete(first.namespace, PROFILE_KEY);

  await h.submit(['Call me Bia now, I live in Braga.'], first.namespace, threadId, 'profile');
  const second = await h.plan(threadId);
  h.fake.reset();
  h.fake.script({ kind: 'tool', input: { name: 'Bia', city: 'Braga' } });
  expect(await h.run(second)).toMatchObject({ status: 'extracted', inserted: [PROFILE_KEY], updated: [] });
  expect(promptData(firstRequest()).existing_memories).toEqual([]);
  expect(await h.deps.store.get(first.namespace, PROFILE_KEY)).toMatchObject({
    version: 3,
    value: { kind: 'UserProfile', content: { name: 'Bia', city: 'Braga' } },
  });
  expect((await h.deps.store.history(first.namespace, PROFILE_KEY)).map((change) => [change.version, change.action])).toEqual([
    [1, 'insert'],
    [2, 'delete'],
    [3, 'insert'],
  ]);
});

test('a manager’s own model is asked, and the result records the estimated cost', async () => {
  const ref = await managedBatchOf('priced', 'I like tea.');
  h.fake.script({ ...insert('User likes tea'), usage: { input_tokens: 1_000_000, output_tokens: 100_000 } });
  const result = await h.run(ref);
  expect(firstRequest().model).toBe('claude-sonnet-test');
  expect(result).toMatchObject({ status: 'extracted', model: 'claude-sonnet-test', costUsd: 4.5 });
  expect(await h.deps.batches.findReceipt(ref)).toMatchObject({ costUsd: 4.5 });
});

// A rolling deploy: the client knows a manager this worker's build does not yet. The batch waits (retried
// through the retry window) for a worker that has it, rather than becoming a dead letter at once.
test('a batch naming a manager the worker lacks is a retryable ManagerUnavailableError, before the model is called', async () => {
  const ref = await batchOf('I like tea.');
  const failure = await h.runFailing({ ...ref, manager: 'unknown-manager' });
  expect(failure).toMatchObject({ type: 'ManagerUnavailableError', nonRetryable: false });
  expect((await detailsOf(ref)).summary).toContain('"unknown-manager"');
  expect(h.fake.requests).toHaveLength(0);
  expect(await doneSeq(ref)).toBe(ref.afterSeq);
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

  it('is a retryable InvalidModelOutputError naming the field after one repair round, and writes nothing', async () => {
    const ref = await batchOf('I run marathons.');
    h.fake.script(invalid, invalid);
    const failure = await h.runFailing(ref, { attempt: 1 });
    expect(failure.type).toBe('InvalidModelOutputError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('problems=2');
    const problems = (await detailsOf(ref)).detail?.invalidOutput?.problems ?? [];
    expect(problems.join('\n')).toContain('operations.0.content');
    expect(problems.join('\n')).toContain('operations.1.action');
    expect(h.fake.requests).toHaveLength(2);
    expect(await texts(ref)).toEqual([]);
    expect(await doneSeq(ref)).toBe(ref.afterSeq);
  });

  it(`stops being retried at attempt INVALID_OUTPUT_MAX_ATTEMPTS (${INVALID_OUTPUT_MAX_ATTEMPTS})`, async () => {
    const ref = await batchOf('I run marathons.');
    h.fake.script(invalid, invalid, invalid, invalid); // two requests per attempt: the answer and its repair round
    const before = await h.runFailing(ref, { attempt: INVALID_OUTPUT_MAX_ATTEMPTS - 1 });
    expect(before.nonRetryable).toBe(false);
    const last = await h.runFailing(ref, { attempt: INVALID_OUTPUT_MAX_ATTEMPTS });
    expect(last).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: true });
    expect(last.message).toContain(`attempt=${INVALID_OUTPUT_MAX_ATTEMPTS}`);
    // The details item holds the last attempt's.
    expect(await detailsOf(ref)).toMatchObject({ attempt: INVALID_OUTPUT_MAX_ATTEMPTS });
    expect(h.fake.requests).toHaveLength(4);
    expect(await doneSeq(ref)).toBe(ref.afterSeq);
  });

  it('a reply with text only is a retryable InvalidModelOutputError naming the stop reason', async () => {
    const ref = await batchOf('Hello!');
    h.fake.script({ kind: 'text', text: 'Nothing worth remembering.' });
    const failure = await h.runFailing(ref);
    expect(failure).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: false });
    expect(failure.message).toBe(`attempt=1; details: batch ${ref.batchId}`);
    expect(await detailsOf(ref)).toMatchObject({
      summary: expect.stringContaining('stop_reason: end_turn') as string,
      detail: { invalidOutput: { toolInputs: ['Nothing worth remembering.'] } },
    });
    // No tool call to answer with an error: no repair round.
    expect(h.fake.requests).toHaveLength(1);
  });

  it('an invalid reply that the repair round corrects is committed', async () => {
    const ref = await batchOf('I run marathons.');
    h.fake.script(invalid, insert('User runs marathons'));
    const result = await h.run(ref);
    expect(result).toMatchObject({ status: 'extracted', updated: [], deleted: [] });
    expect(result.inserted).toHaveLength(1);
    expect(result.usage).toEqual({ inputTokens: 200, outputTokens: 40 });
    expect(h.fake.requests).toHaveLength(2);
    expect(await texts(ref)).toEqual(['User runs marathons']);
    expect(await doneSeq(ref)).toBe(ref.toSeq);
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
    const twice: ScriptedReply = {
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
    };
    h.fake.script(twice, twice); // the repair round gets the same answer
    const failure = await h.runFailing(ref);
    expect(failure).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: false });
    expect((await detailsOf(ref)).detail?.invalidOutput?.problems).toContain('operations.2.id: memory name is changed twice in one reply');
    expect(h.fake.requests).toHaveLength(2);
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
    const ref = await batchOf('I like tea.');
    const failure = await h.runFailing(ref, { modelBaseURL: nobodyListens });
    expect(failure).toMatchObject({ type: 'ModelUnavailableError', nonRetryable: false });
    expect((await detailsOf(ref)).summary).toBe('model API unreachable');
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

describe('messages handed from planning to extraction on one worker', () => {
  /** The activities as one worker registers them (one handoff shared by planning and extraction). */
  const workerActivities = () =>
    createActivities({
      ...h.deps,
      extractor: new ClaudeExtractor(createAnthropicClient({ apiKey: 'test-key', baseURL: h.fake.baseURL }), { model: 'claude-test-model' }),
    });

  it('the plan returns only the reference; the extraction uses the messages planning read, without reading the inbox again', async () => {
    const marker = `handoff-${uniqueId('text')}`;
    const threadId = await h.submit([`I like tea. ${marker}`]);
    const activities = workerActivities();
    const reads = jest.spyOn(h.deps.inbox, 'readRange');
    try {
      const plan: PlanResult = await new MockActivityEnvironment().run(activities.planBatch, { threadId, upToSeq: Number.MAX_SAFE_INTEGER });
      expect(JSON.stringify(plan)).not.toContain(marker);
      expect(reads).toHaveBeenCalledTimes(1);
      h.fake.script(insert('User likes tea'));
      const result = await new MockActivityEnvironment().run(activities.extractBatch, plan.ref as BatchRef);
      expect(result).toMatchObject({ status: 'extracted', inserted: [expect.any(String)] });
      expect(reads).toHaveBeenCalledTimes(1);
      expect(promptMessages(h.fake.requests[0])).toEqual([expect.stringContaining(marker)]);
    } finally {
      reads.mockRestore();
    }
  });

  it('handed messages of a batch the inbox moved past meanwhile are not extracted: the cursor check comes first', async () => {
    const threadId = await h.submit(['I live in Porto.'], ['memories', uniqueId('ns')]);
    const activities = workerActivities();
    const plan: PlanResult = await new MockActivityEnvironment().run(activities.planBatch, { threadId, upToSeq: Number.MAX_SAFE_INTEGER });
    const ref = plan.ref as BatchRef;
    // Another attempt (another worker) commits the batch first.
    h.fake.script(insert('User lives in Porto'));
    await h.run(ref);
    expect(await new MockActivityEnvironment().run(activities.extractBatch, ref)).toMatchObject({ status: 'already-applied' });
    expect(h.fake.requests).toHaveLength(1);
  });
});

describe('the reads before the model, side by side', () => {
  const workerActivities = () =>
    createActivities({
      ...h.deps,
      extractor: new ClaudeExtractor(createAnthropicClient({ apiKey: 'test-key', baseURL: h.fake.baseURL }), { model: 'claude-test-model' }),
    });

  /** A thread whose namespace already holds a memory about Fido, with one new message about him. */
  async function threadAboutFido(): Promise<{ threadId: string; namespace: string[] }> {
    const namespace = ['memories', uniqueId('ns')];
    await h.deps.store.put(namespace, 'dog', memoryValue('User has a dog named Fido'));
    return { threadId: await h.submit(['Fido chased the postman again.'], namespace), namespace };
  }

  it("extractNext reads the memory candidates in the plan's round trip for the batch's messages, and shows the model what they rank", async () => {
    const { threadId, namespace } = await threadAboutFido();
    const candidates = jest.spyOn(h.deps.store, 'searchCandidates');
    // Every read of candidates, ahead or in place: one per extraction.
    const candidateReads = jest.spyOn(MemorySearch.prototype, 'candidatesIn');
    const readRange = h.deps.inbox.readRange.bind(h.deps.inbox);
    // How many candidate reads had started when each message read started.
    const startedBefore: number[] = [];
    const messageReads = jest.spyOn(h.deps.inbox, 'readRange').mockImplementation((...args) => {
      startedBefore.push(candidates.mock.calls.length);
      return readRange(...args);
    });
    try {
      h.fake.script(insert('User’s dog Fido chases the postman'));
      const result = await new MockActivityEnvironment().run(workerActivities().extractNext, { threadId, upToSeq: Number.MAX_SAFE_INTEGER });
      expect(result).toMatchObject({ result: { status: 'extracted' } });
      expect(startedBefore).toEqual([1]);
      expect(candidates).toHaveBeenCalledTimes(1);
      expect(candidates.mock.calls[0]?.[0]).toEqual(namespace);
      expect(candidateReads).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(promptData(firstRequest()))).toContain('User has a dog named Fido');
    } finally {
      messageReads.mockRestore();
      candidates.mockRestore();
      candidateReads.mockRestore();
    }
  });

  it('extractBatch (a retry) reads the candidates beside the cursor check, not after it', async () => {
    const { threadId } = await threadAboutFido();
    const ref = await h.plan(threadId);
    const candidates = jest.spyOn(h.deps.store, 'searchCandidates');
    const candidateReads = jest.spyOn(MemorySearch.prototype, 'candidatesIn');
    const cursor = h.deps.inbox.cursor.bind(h.deps.inbox);
    // How many candidate reads had started when the cursor check answered.
    const startedWhenAnswered: number[] = [];
    const checks = jest.spyOn(h.deps.inbox, 'cursor').mockImplementation(async (...args) => {
      const answer = await cursor(...args);
      startedWhenAnswered.push(candidates.mock.calls.length);
      return answer;
    });
    try {
      h.fake.script(insert('User’s dog Fido chases the postman'));
      expect(await h.run(ref)).toMatchObject({ status: 'extracted' });
      expect(startedWhenAnswered[0]).toBe(1);
      expect(candidates).toHaveBeenCalledTimes(1);
      expect(candidateReads).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(promptData(firstRequest()))).toContain('User has a dog named Fido');
    } finally {
      checks.mockRestore();
      candidates.mockRestore();
      candidateReads.mockRestore();
    }
  });

  it('a candidate read that fails ahead is read again after the check; one that keeps failing fails the attempt, retryably, before the model', async () => {
    const { threadId } = await threadAboutFido();
    const ref = await h.plan(threadId);
    const candidates = jest.spyOn(h.deps.store, 'searchCandidates').mockRejectedValueOnce(new Error('throttled'));
    try {
      h.fake.script(insert('User’s dog Fido chases the postman'));
      expect(await h.run(ref)).toMatchObject({ status: 'extracted' });
      expect(candidates).toHaveBeenCalledTimes(2);
      expect(JSON.stringify(promptData(firstRequest()))).toContain('User has a dog named Fido');

      const next = await h.plan(await h.submit(['Fido is asleep.']));
      candidates.mockRejectedValue(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
      const failure = await h.runFailing(next);
      expect(failure.nonRetryable).toBe(false);
      expect(h.fake.requests).toHaveLength(1);
    } finally {
      candidates.mockRestore();
    }
  });
  it('a batch naming a manager this worker lacks, which an earlier attempt committed, is already-applied (the reads ahead do not fail it)', async () => {
    const ref = await managedBatchOf('curator', 'I collect stamps.');
    h.fake.script(insert('User collects stamps'));
    await h.run(ref);
    const lacking = createActivities({
      ...h.deps,
      managers: new ManagerRegistry(),
      extractor: new ClaudeExtractor(createAnthropicClient({ apiKey: 'test-key', baseURL: h.fake.baseURL }), { model: 'claude-test-model' }),
    });
    expect(await new MockActivityEnvironment().run(lacking.extractBatch, ref)).toMatchObject({ status: 'already-applied' });
    expect(h.fake.requests).toHaveLength(1);
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

  it('a failed attempt’s details expire unless the batch becomes a dead letter, which keeps them; a failed re-drive has its own', async () => {
    const threadId = await h.submit(['Something the model will not process.']);
    const ref = await h.plan(threadId);
    h.fake.script({ kind: 'refusal', text: 'Not this one.' });
    await h.runFailing(ref);
    const read = async (round: number) => {
      const out = await h.deps.store.doc.send(
        new GetCommand({ TableName: h.deps.store.tableName, Key: { pk: `dlq#${threadId}`, sk: `fd#${ref.batchId}#${round}` }, ConsistentRead: true }),
      );
      return out.Item;
    };
    expect((await read(0))?.['expiresAt']).toEqual(expect.any(Number));
    await h.deadLetter({ ref, failure: { type: 'ModelRefusalError', message: 'ModelRefusalError' }, firstAttemptAt, deadAt });
    expect(await read(0)).toMatchObject({ type: 'ModelRefusalError', detail: { refusal: 'Not this one.' } });
    expect((await read(0))?.['expiresAt']).toBeUndefined();
    // Re-driven and refused again: the re-drive's details (round 1) are kept with the re-opened letter.
    await h.deps.deadLetters.requestRedrive(threadId);
    const redrive = await h.plan(threadId);
    h.fake.script({ kind: 'refusal', text: 'Still not.' });
    await h.runFailing(redrive);
    expect(await h.deadLetter({ ref: redrive, failure: { type: 'ModelRefusalError', message: 'ModelRefusalError' }, firstAttemptAt, deadAt })).toEqual({
      status: 'reopened',
    });
    const [letter] = await h.deps.deadLetters.list(threadId, undefined, { details: true });
    expect(letter?.details?.detail).toEqual({ refusal: 'Not this one.' });
    expect(letter?.lastRedriveDetails).toMatchObject({ round: 1, attemptBatchId: redrive.batchId, detail: { refusal: 'Still not.' } });
    expect((await read(1))?.['expiresAt']).toBeUndefined();
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
    expect(promptData(firstRequest()).new_messages).toEqual([
      { id: (await messageIds(ref))[0], role: 'user', time: '2026-11-26T10:00:00.000Z', text: 'I was born in Braga.' },
    ]);
    expect(await texts(ref)).toEqual(['User was born in Braga']);
    const letter = await h.deps.deadLetters.get(threadId, ref.fromSeq, ref.batchId);
    expect(letter).toMatchObject({ status: 'redriven', redriveBatchId: redrive.batchId });
    // A retried attempt of the re-drive answers from its receipt.
    expect(await h.run(redrive, 2)).toMatchObject({ status: 'already-applied' });
    expect(h.fake.requests).toHaveLength(1);
  });

  it('a re-drive keeps the batch’s memory manager', async () => {
    const ref = await managedBatchOf('curator', 'Forget my old car.');
    await h.deps.store.put(ref.namespace, 'car', memoryValue('User drives a red car'));
    await h.deadLetter({ ref, failure, firstAttemptAt, deadAt });
    expect((await h.deps.deadLetters.list(ref.threadId))[0]).toMatchObject({ manager: 'curator' });
    await h.deps.deadLetters.requestRedrive(ref.threadId);
    const redrive = await h.plan(ref.threadId);
    expect(redrive).toMatchObject({ kind: 'redrive', manager: 'curator' });
    // The curator's deletes are still allowed on the re-drive.
    h.fake.script({ kind: 'tool', input: { operations: [{ action: 'delete', id: 'car' }] } });
    expect(await h.run(redrive)).toMatchObject({ status: 'extracted', deleted: ['car'] });
    expect(await texts(ref)).toEqual([]);
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
