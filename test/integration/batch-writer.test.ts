/**
 * The batch writer against DynamoDB Local: one transaction per batch (memories, receipt, progress marker),
 * retries answered by the receipt, stale plans, typed write errors, dead letters and re-drives. Every batch
 * is planned through a real inbox and planner, as the thread does it.
 */
import type { BatchRef, ExtractionResult, FailureInfo, ThreadMessage } from '../../src/contract';
import { BatchIdentityError, MemoryConflictError, MemoryWriteRejectedError } from '../../src/errors';
import type { MemoryOperation } from '../../src/store/memory-operation';
import { BatchPlanner } from '../../src/store/batch-planner';
import { BatchWriter } from '../../src/store/batch-writer';
import { DeadLetterStore } from '../../src/store/dead-letters';
import { ensureTable } from '../../src/store/ensure-table';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { MessageInbox } from '../../src/store/message-inbox';
import { memoryText, memoryValue, type MemoryItem } from '../../src/store/memory-types';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let writer: BatchWriter;
let store: DynamoMemoryStore;
let inbox: MessageInbox;
let deadLetters: DeadLetterStore;
let planner: BatchPlanner;

beforeAll(async () => {
  table = await freshTable('batches');
  writer = new BatchWriter(table.doc, table.tableName);
  store = new DynamoMemoryStore(table.doc, table.tableName);
  inbox = new MessageInbox(table.doc, table.tableName);
  deadLetters = new DeadLetterStore(table.doc, table.tableName);
  planner = new BatchPlanner(inbox, deadLetters);
});
afterAll(() => table?.client.destroy());

const USAGE = { inputTokens: 3, outputTokens: 2 };
const FAILURE: FailureInfo = { type: 'ModelRequestError', message: 'model API rejected the request (400)' };
const FIRST_ATTEMPT_AT = '2026-11-26T10:00:00.000Z';
const TIMES = { firstAttemptAt: FIRST_ATTEMPT_AT, deadAt: '2026-11-26T16:00:00.000Z' };

const EMPTY_RESULT = { inserted: [], updated: [], deleted: [], usage: USAGE, model: 'claude-test' };

function message(content: string): ThreadMessage {
  return { id: uniqueId('m'), role: 'user', content, timestamp: FIRST_ATTEMPT_AT };
}

/** A thread with messages in one namespace, and the batch the planner makes of them. */
async function plannedBatch(contents: string[], namespace = ['memories', uniqueId('ns')]) {
  const threadId = uniqueId('thread');
  const messages = contents.map(message);
  await inbox.append(threadId, namespace, messages);
  return { threadId, namespace, messageIds: messages.map((m) => m.id), ref: await next(threadId) };
}

async function next(threadId: string): Promise<BatchRef> {
  const ref = await planner.next(threadId, Number.MAX_SAFE_INTEGER);
  if (!ref) throw new Error(`nothing planned for ${threadId}`);
  return ref;
}

function apply(ref: BatchRef, operations: MemoryOperation[], existing: MemoryItem[] = []): Promise<ExtractionResult> {
  return writer.apply({ ref, operations, existing: new Map(existing.map((item) => [item.key, item])), usage: USAGE, model: 'claude-test', messageIds: [] });
}

const insert = (content: string): MemoryOperation => ({ action: 'insert', kind: 'Memory', content: { content } });

async function texts(namespace: string[]): Promise<string[]> {
  return (await store.search(namespace)).map((item) => memoryText(item.value)).sort();
}

describe('apply', () => {
  test('commits the memories and moves the namespace cursor from afterSeq to toSeq', async () => {
    const { threadId, namespace, ref } = await plannedBatch(['I like dogs.', 'My dog is Fido.']);
    expect(await inbox.cursor(threadId, namespace)).toMatchObject({ doneSeq: 0, lastSeq: 2 });
    expect([ref.afterSeq, ref.toSeq]).toEqual([0, 2]);
    const result = await apply(ref, [insert('User likes dogs'), insert('User has a dog named Fido')]);
    expect(result).toEqual({
      batchId: ref.batchId,
      status: 'extracted',
      inserted: [expect.any(String), expect.any(String)] as unknown,
      updated: [],
      deleted: [],
      usage: USAGE,
      model: 'claude-test',
    });
    expect(await inbox.cursor(threadId, namespace)).toMatchObject({ doneSeq: 2, lastSeq: 2 });
    const item = await store.get(namespace, result.inserted[0] as string);
    expect(item?.value).toEqual(memoryValue('User likes dogs'));
    expect(await texts(namespace)).toEqual(['User has a dog named Fido', 'User likes dogs']);
    expect(await planner.next(threadId, Number.MAX_SAFE_INTEGER)).toBeNull();
  });

  test('a second apply of the same batch returns the recorded result as already-applied, writing nothing', async () => {
    const { threadId, namespace, ref } = await plannedBatch(['I like cats.']);
    const first = await apply(ref, [insert('User likes cats')]);
    const again = await apply(ref, [insert('User adores cats')]);
    expect(again).toEqual({ ...first, status: 'already-applied' });
    expect(await writer.findReceipt(ref)).toEqual({ ...first, status: 'already-applied' });
    expect(await texts(namespace)).toEqual(['User likes cats']);
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(ref.toSeq);
  });

  test('two attempts of one batch racing write it once and agree on the result', async () => {
    const { namespace, ref } = await plannedBatch(['I like dogs.']);
    // Attempt 1 timed out but still runs while attempt 2 starts; the model answered each a little differently.
    // DynamoDB Local serialises transactions, so the loser sees the receipt; real DynamoDB may instead cancel
    // it with TransactionConflict, a retryable MemoryConflictError whose retry then finds the receipt.
    const outcomes = await Promise.allSettled([apply(ref, [insert('User likes dogs')]), apply(ref, [insert('The user likes dogs')])]);
    const applied = outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value.status === 'extracted' ? [o.value] : []));
    expect(applied).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(MemoryConflictError);
      else if (outcome.value.status !== 'extracted') expect(outcome.value).toEqual({ ...applied[0], status: 'already-applied' });
    }
    expect(await writer.findReceipt(ref)).toEqual({ ...applied[0], status: 'already-applied' });
    expect(await texts(namespace)).toHaveLength(1);
  });

  test('a batch planned before the cursor moved is stale: nothing is written and the cursor stays', async () => {
    const { threadId, namespace, ref: early } = await plannedBatch(['I live in Porto.']);
    // More messages arrive; a new plan from the same cursor covers them all and commits first.
    await inbox.append(threadId, namespace, [message('I moved to Lisbon.')]);
    const later = await next(threadId);
    expect([later.afterSeq, later.toSeq]).toEqual([early.afterSeq, early.toSeq + 1]);
    expect(later.batchId).not.toBe(early.batchId);
    await apply(later, [insert('User lives in Lisbon')]);

    const stale = await apply(early, [insert('User lives in Porto')]);
    expect(stale).toEqual({ ...EMPTY_RESULT, batchId: early.batchId, status: 'stale' });
    expect(await texts(namespace)).toEqual(['User lives in Lisbon']);
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(later.toSeq);
    expect(await writer.findReceipt(early)).toBeNull();
  });

  test('updates and deletes change the memories the model saw', async () => {
    const { namespace, ref } = await plannedBatch(['Actually I prefer cats, and I sold my car.']);
    await store.put(namespace, 'pet', memoryValue('User likes dogs'));
    await store.put(namespace, 'car', memoryValue('User drives a red car'));
    const seen = await store.newest(namespace, 100);
    const result = await apply(
      ref,
      [
        { action: 'update', id: 'pet', kind: 'Memory', content: { content: 'User prefers cats' } },
        { action: 'delete', id: 'car' },
      ],
      seen,
    );
    expect(result).toMatchObject({ status: 'extracted', inserted: [], updated: ['pet'], deleted: ['car'] });
    expect(await texts(namespace)).toEqual(['User prefers cats']);
  });

  test('a delete of a memory changed after the model saw it is a MemoryConflictError, and nothing is written', async () => {
    const { threadId, namespace, ref } = await plannedBatch(['I drink coffee now.']);
    await store.put(namespace, 'k', memoryValue('User likes tea'));
    const seen = await store.get(namespace, 'k');
    await new Promise((r) => setTimeout(r, 5));
    await store.put(namespace, 'k', memoryValue('User likes green tea'));
    const failure = await apply(ref, [insert('User drinks coffee'), { action: 'delete', id: 'k' }], [seen as MemoryItem]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MemoryConflictError);
    expect((failure as MemoryConflictError).retryable).toBe(true);
    expect((failure as Error).message).toContain('operations.1 (delete k) (ConditionalCheckFailed)');
    expect(await texts(namespace)).toEqual(['User likes green tea']);
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(0);
    expect(await writer.findReceipt(ref)).toBeNull();
  });

  test('an update of a memory that was never shown to the model is a conflict, not a blind overwrite', async () => {
    const { namespace, ref } = await plannedBatch(['My name is Ana.']);
    await store.put(namespace, 'name', memoryValue('User is called Anna'));
    const failure = await apply(ref, [{ action: 'update', id: 'name', kind: 'Memory', content: { content: 'User is called Ana' } }]).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(MemoryConflictError);
    expect((failure as Error).message).toContain('operations.0: memory name was not shown to the model');
    expect(await texts(namespace)).toEqual(['User is called Anna']);
  });

  test('an item DynamoDB refuses is a non-retryable MemoryWriteRejectedError naming the item', async () => {
    const { threadId, namespace, ref } = await plannedBatch(['Forget that.']);
    const longKey = 'k'.repeat(1_100); // over DynamoDB's 1,024-byte sort key limit
    const shown = { namespace, key: longKey, value: memoryValue('x'), createdAt: FIRST_ATTEMPT_AT, updatedAt: FIRST_ATTEMPT_AT, version: 1 };
    const failure = await apply(ref, [insert('User exists'), { action: 'delete', id: longKey }], [shown]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MemoryWriteRejectedError);
    expect((failure as MemoryWriteRejectedError).retryable).toBe(false);
    expect((failure as Error).message).toContain(`operations.1 (delete ${longKey}): `);
    expect((failure as Error).message).toContain('1024 bytes');
    expect(await texts(namespace)).toEqual([]);
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(0);
  });
});

describe('versions, history and TTL', () => {
  test('each change writes a history record with the batch behind it; an update keeps a memory’s TTL', async () => {
    const { namespace, ref, messageIds } = await plannedBatch(['Actually, green tea.']);
    const start = Date.now();
    const timed = new DynamoMemoryStore(table.doc, table.tableName, { now: () => new Date(start) });
    await timed.put(namespace, 'tea', memoryValue('User likes tea'), { ttlSeconds: 3600 });
    const seen = await timed.newest(namespace, 10);
    const result = await writer.apply({
      ref,
      operations: [{ action: 'update', id: 'tea', kind: 'Memory', content: { content: 'User likes green tea' } }],
      existing: new Map(seen.map((item) => [item.key, item])),
      usage: USAGE,
      model: 'claude-test',
      messageIds,
    });
    expect(result.updated).toEqual(['tea']);
    const updated = await store.get(namespace, 'tea');
    expect(updated).toMatchObject({ version: 2, expiresAt: seen[0]?.expiresAt });
    const [, change] = await store.history(namespace, 'tea');
    expect(change).toMatchObject({ version: 2, action: 'update', by: { kind: 'extraction', batchId: ref.batchId, threadId: ref.threadId, messageIds } });
  });

  test('a memory that expired while the model was thinking is not brought back by its update', async () => {
    const { namespace, ref } = await plannedBatch(['Still in the meeting.']);
    const past = new DynamoMemoryStore(table.doc, table.tableName, { now: () => new Date(Date.now() - 3_600_000) });
    await past.put(namespace, 'meeting', memoryValue('User is in a meeting'), { ttlSeconds: 60 });
    const seen = await past.newest(namespace, 10); // read while it was still live
    const failure = await apply(ref, [{ action: 'update', id: 'meeting', kind: 'Memory', content: { content: 'User is still in a meeting' } }], seen).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(MemoryConflictError);
    expect(await store.get(namespace, 'meeting')).toBeNull();
  });
});

describe('findReceipt', () => {
  test('is null before a commit', async () => {
    const { ref } = await plannedBatch(['Hello.']);
    expect(await writer.findReceipt(ref)).toBeNull();
  });

  test('a receipt recorded for other messages is a BatchIdentityError', async () => {
    const { ref } = await plannedBatch(['I play chess.']);
    await apply(ref, [insert('User plays chess')]);
    const failure = await writer.findReceipt({ batchId: ref.batchId, idsDigest: 'f'.repeat(32) }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(BatchIdentityError);
    expect((failure as BatchIdentityError).retryable).toBe(false);
    expect((failure as Error).message).toContain(ref.batchId);
  });
});

describe('deadLetter', () => {
  test('records the batch with its message ids and moves the cursor past it, so the next batch is the following messages', async () => {
    const { threadId, namespace, messageIds, ref } = await plannedBatch(['poison 1', 'poison 2']);
    await inbox.append(threadId, namespace, [message('I like jazz.')]);
    expect(await writer.deadLetter(ref, messageIds, FAILURE, TIMES)).toEqual({ status: 'dead-lettered' });

    const letters = await deadLetters.list(threadId);
    expect(letters).toEqual([
      expect.objectContaining({
        threadId,
        batchId: ref.batchId,
        namespace,
        fromSeq: 1,
        toSeq: 2,
        messageCount: 2,
        messageIds,
        idsDigest: ref.idsDigest,
        error: FAILURE,
        firstAttemptAt: FIRST_ATTEMPT_AT,
        status: 'open',
        redrives: 0,
      }),
    ]);
    expect(await deadLetters.get(threadId, ref.fromSeq, ref.batchId)).toEqual(letters[0]);
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(2);
    const following = await next(threadId);
    expect([following.kind, following.afterSeq, following.fromSeq, following.toSeq]).toEqual(['inbox', 2, 3, 3]);
  });

  test('repeating it returns dead-lettered again without a second dead letter', async () => {
    const { threadId, messageIds, ref } = await plannedBatch(['poison']);
    expect(await writer.deadLetter(ref, messageIds, FAILURE, TIMES)).toEqual({ status: 'dead-lettered' });
    expect(await writer.deadLetter(ref, messageIds, FAILURE, TIMES)).toEqual({ status: 'dead-lettered' });
    expect(await deadLetters.list(threadId)).toHaveLength(1);
  });

  test('after the batch committed it returns already-applied with the receipt’s result, and records nothing', async () => {
    const { threadId, namespace, messageIds, ref } = await plannedBatch(['I like tea.']);
    const committed = await apply(ref, [insert('User likes tea')]);
    expect(await writer.deadLetter(ref, messageIds, FAILURE, TIMES)).toEqual({
      status: 'already-applied',
      result: { ...committed, status: 'already-applied' },
    });
    expect(await deadLetters.list(threadId)).toEqual([]);
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(ref.toSeq);
  });

  test('of a stale plan is stale: no dead letter, the cursor stays where the newer batch put it', async () => {
    const { threadId, namespace, messageIds, ref: early } = await plannedBatch(['one']);
    await inbox.append(threadId, namespace, [message('two')]);
    const later = await next(threadId);
    await apply(later, []);
    expect(await writer.deadLetter(early, messageIds, FAILURE, TIMES)).toEqual({ status: 'stale' });
    expect(await deadLetters.list(threadId)).toEqual([]);
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(later.toSeq);
  });
});

describe('re-drives', () => {
  /** A dead-lettered batch whose re-drive has been requested, and the re-drive batch the planner makes. */
  async function requestedRedrive(contents: string[]) {
    const planned = await plannedBatch(contents);
    await writer.deadLetter(planned.ref, planned.messageIds, FAILURE, TIMES);
    const requested = await deadLetters.requestRedrive(planned.threadId);
    expect(requested.map((letter) => [letter.batchId, letter.status, letter.redrives])).toEqual([[planned.ref.batchId, 'redrive-requested', 1]]);
    const redrive = await next(planned.threadId);
    expect(redrive).toMatchObject({ kind: 'redrive', redrive: { deadLetterBatchId: planned.ref.batchId, round: 1 } });
    return { ...planned, redrive };
  }

  test('a re-drive commits as extracted and its dead letter becomes redriven', async () => {
    const { threadId, namespace, ref, redrive } = await requestedRedrive(['I was born in 1990.']);
    const result = await apply(redrive, [insert('User was born in 1990')]);
    expect(result).toMatchObject({ batchId: redrive.batchId, status: 'extracted', inserted: [expect.any(String)] });
    expect(await texts(namespace)).toEqual(['User was born in 1990']);
    expect(await deadLetters.get(threadId, ref.fromSeq, ref.batchId)).toMatchObject({
      status: 'redriven',
      redriveBatchId: redrive.batchId,
      redrivenAt: expect.any(String) as unknown,
    });
    // The inbox cursor was already past the batch; a re-drive leaves it there and nothing is left to plan.
    expect((await inbox.cursor(threadId, namespace))?.doneSeq).toBe(ref.toSeq);
    expect(await planner.next(threadId, Number.MAX_SAFE_INTEGER)).toBeNull();
    // A retried attempt of the re-drive gets its receipt.
    expect(await apply(redrive, [insert('User was born in 1990')])).toEqual({ ...result, status: 'already-applied' });
    expect(await deadLetters.requestRedrive(threadId)).toEqual([]);
  });

  test('a failed re-drive re-opens its dead letter with the new error; a new request makes round 2', async () => {
    const { threadId, messageIds, ref, redrive } = await requestedRedrive(['poison again']);
    const again: FailureInfo = { type: 'InvalidModelOutputError', message: 'no manage_memories call' };
    expect(await writer.deadLetter(redrive, messageIds, again, TIMES)).toEqual({ status: 'reopened' });
    const letter = await deadLetters.get(threadId, ref.fromSeq, ref.batchId);
    expect(letter).toMatchObject({ status: 'open', redrives: 1, error: FAILURE, lastRedriveError: again });
    expect(await deadLetters.list(threadId, 'open')).toHaveLength(1);
    expect(await planner.next(threadId, Number.MAX_SAFE_INTEGER)).toBeNull();

    await deadLetters.requestRedrive(threadId, ref.batchId);
    const second = await next(threadId);
    expect(second).toMatchObject({ kind: 'redrive', batchId: `${ref.batchId}~r2`, redrive: { round: 2 } });
    // The first round's plan is stale now: neither its commit nor its failure may touch the letter.
    expect((await apply(redrive, [insert('late')])).status).toBe('stale');
    expect(await writer.deadLetter(redrive, messageIds, again, TIMES)).toEqual({ status: 'stale' });
    expect(await deadLetters.get(threadId, ref.fromSeq, ref.batchId)).toMatchObject({ status: 'redrive-requested', redrives: 2 });
  });

  test('a failure reported for a re-drive that committed returns already-applied', async () => {
    const { messageIds, redrive } = await requestedRedrive(['I speak Portuguese.']);
    const committed = await apply(redrive, [insert('User speaks Portuguese')]);
    expect(await writer.deadLetter(redrive, messageIds, FAILURE, TIMES)).toEqual({
      status: 'already-applied',
      result: { ...committed, status: 'already-applied' },
    });
  });
});

test('processes creating the same table at once all succeed', async () => {
  const name = uniqueId('concurrent');
  const outcomes = await Promise.all([1, 2, 3].map(() => ensureTable(table.client, name)));
  expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
  expect(await ensureTable(table.client, name)).toBe('exists');
});
