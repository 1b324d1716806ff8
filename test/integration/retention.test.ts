/**
 * Retention against DynamoDB Local: processed messages (and their dedupe keys) get `expiresAt` = now +
 * the message retention when their batch commits; unprocessed and dead-lettered messages get none until
 * a re-drive commits them; receipts and batch log entries carry their own retention; `keep` marks nothing.
 * DynamoDB's TTL does the deleting: what is tested is the marking, with a fixed clock.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchRef, FailureInfo, ThreadMessage } from '../../src/contract';
import { BATCH_RECEIPT_TTL_DAYS, DEFAULT_BATCH_LOG_RETENTION_DAYS, DEFAULT_MESSAGE_RETENTION_DAYS } from '../../src/defaults';
import { BatchPlanner } from '../../src/store/batch-planner';
import { BatchWriter } from '../../src/store/batch-writer';
import { DeadLetterStore } from '../../src/store/dead-letters';
import type { MemoryOperation } from '../../src/store/memory-operation';
import { MessageInbox } from '../../src/store/message-inbox';
import type { RetentionSettings } from '../../src/store/retention';
import { batchLogKey, dedupeKey, deadLetterKey, messagePrefix, receiptKey, threadPartitionKey } from '../../src/store/table-keys';
import { startActivityHarness, type ActivityHarness } from '../support/activity-harness';
import { freshTable, uniqueId } from '../support/test-env';

const NOW = new Date('2026-11-26T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const DAY = 24 * 60 * 60;
const FAILURE: FailureInfo = { type: 'ModelRequestError', message: 'model API rejected the request (400)' };
const TIMES = { firstAttemptAt: NOW.toISOString(), deadAt: NOW.toISOString() };
const USAGE = { inputTokens: 3, outputTokens: 2 };

let table: Awaited<ReturnType<typeof freshTable>>;
let inbox: MessageInbox;
let planner: BatchPlanner;
let deadLetters: DeadLetterStore;

beforeAll(async () => {
  table = await freshTable('retention');
  inbox = new MessageInbox(table.doc, table.tableName);
  deadLetters = new DeadLetterStore(table.doc, table.tableName);
  planner = new BatchPlanner(inbox, deadLetters);
});
afterAll(() => table?.client.destroy());

function writer(retention: Partial<RetentionSettings> = {}): BatchWriter {
  return new BatchWriter(table.doc, table.tableName, () => NOW, retention);
}

function messages(...contents: string[]): ThreadMessage[] {
  return contents.map((content) => ({ id: uniqueId('m'), role: 'user', content, timestamp: NOW.toISOString() }));
}

async function next(threadId: string): Promise<BatchRef> {
  const ref = await planner.next(threadId, Number.MAX_SAFE_INTEGER);
  if (!ref) throw new Error(`nothing planned for ${threadId}`);
  return ref;
}

const insert = (content: string): MemoryOperation => ({ action: 'insert', kind: 'Memory', content: { content } });

function apply(batches: BatchWriter, ref: BatchRef, operations: MemoryOperation[] = [insert('a fact')]) {
  return batches.apply({ ref, operations, existing: new Map(), usage: USAGE, model: 'claude-test', messageIds: [] });
}

async function item(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }))).Item;
}

/** `expiresAt` of each message of a thread's namespace (seq → value, null when unmarked), and of its dedupe key. */
async function marks(threadId: string, namespace: string[], sent: ThreadMessage[]): Promise<{ seq: number; message: number | null; dedupe: number | null }[]> {
  const out = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
      ExpressionAttributeValues: { ':pk': threadPartitionKey(threadId), ':msg': messagePrefix(namespace) },
      ConsistentRead: true,
    }),
  );
  return Promise.all(
    (out.Items ?? []).map(async (stored) => {
      const id = stored['messageId'] as string;
      expect(sent.map((m) => m.id)).toContain(id);
      const dedupe = await item(dedupeKey(threadId, namespace, id));
      const ttl = (record: Record<string, unknown> | undefined) => (record?.['expiresAt'] as number | undefined) ?? null;
      return { seq: stored['seq'] as number, message: ttl(stored), dedupe: ttl(dedupe) };
    }),
  );
}

const inDays = (days: number) => NOW_SECONDS + days * DAY;

test('a committed batch marks its messages and their dedupe keys; messages after it stay unmarked', async () => {
  const threadId = uniqueId('thread');
  const namespace = ['memories', uniqueId('user')];
  const first = messages('I like dogs.', 'My dog is Fido.');
  await inbox.append(threadId, namespace, first);
  const ref = await next(threadId);
  // Arrives after the batch was planned: not processed by it.
  const later = messages('I moved to Lisbon.');
  await inbox.append(threadId, namespace, later);

  const batches = writer();
  const result = await apply(batches, ref);
  expect(result).toMatchObject({ status: 'extracted' });
  await batches.log.record(ref, result);

  const expires = inDays(DEFAULT_MESSAGE_RETENTION_DAYS);
  expect(await marks(threadId, namespace, [...first, ...later])).toEqual([
    { seq: 1, message: expires, dedupe: expires },
    { seq: 2, message: expires, dedupe: expires },
    { seq: 3, message: null, dedupe: null },
  ]);
  expect((await item(receiptKey(ref.batchId)))?.['expiresAt']).toBe(inDays(BATCH_RECEIPT_TTL_DAYS));
  expect((await item(batchLogKey(threadId, ref.fromSeq, ref.batchId)))?.['expiresAt']).toBe(inDays(DEFAULT_BATCH_LOG_RETENTION_DAYS));
  // The inbox reads it back, and still extracts the unmarked message.
  expect((await inbox.readRange(threadId, namespace, 0, 3)).map((m) => m.expiresAt ?? null)).toEqual([expires, expires, null]);
});

test('a stale plan marks nothing', async () => {
  const threadId = uniqueId('thread');
  const namespace = ['memories', uniqueId('user')];
  const sent = messages('one', 'two');
  await inbox.append(threadId, namespace, sent.slice(0, 1));
  const early = await next(threadId);
  await inbox.append(threadId, namespace, sent.slice(1));
  const later = await next(threadId);
  // Commit the later plan under `keep`, so that only the stale apply could mark anything.
  await apply(writer({ messagesDays: 'keep' }), later);
  expect(await apply(writer(), early)).toMatchObject({ status: 'stale' });
  expect((await marks(threadId, namespace, sent)).map((m) => m.message)).toEqual([null, null]);
});

test('dead-lettered messages stay unmarked until their re-drive commits; then they and the letter expire', async () => {
  const threadId = uniqueId('thread');
  const namespace = ['memories', uniqueId('user')];
  const poison = messages('poison 1', 'poison 2');
  await inbox.append(threadId, namespace, poison);
  const ref = await next(threadId);
  const batches = writer({ messagesDays: 7 });
  expect(
    await batches.deadLetter(
      ref,
      poison.map((m) => m.id),
      FAILURE,
      TIMES,
    ),
  ).toEqual({ status: 'dead-lettered' });
  expect((await marks(threadId, namespace, poison)).map((m) => [m.message, m.dedupe])).toEqual([
    [null, null],
    [null, null],
  ]);
  expect((await item(deadLetterKey(threadId, ref.fromSeq, ref.batchId)))?.['expiresAt']).toBeUndefined();

  // A failed re-drive re-opens the letter: still nothing marked.
  await deadLetters.requestRedrive(threadId);
  const failedRedrive = await next(threadId);
  expect(
    await batches.deadLetter(
      failedRedrive,
      poison.map((m) => m.id),
      FAILURE,
      TIMES,
    ),
  ).toEqual({ status: 'reopened' });
  expect((await marks(threadId, namespace, poison)).map((m) => m.message)).toEqual([null, null]);

  await deadLetters.requestRedrive(threadId);
  const redrive = await next(threadId);
  expect(await apply(batches, redrive)).toMatchObject({ status: 'extracted' });
  expect(await marks(threadId, namespace, poison)).toEqual([
    { seq: 1, message: inDays(7), dedupe: inDays(7) },
    { seq: 2, message: inDays(7), dedupe: inDays(7) },
  ]);
  expect(await item(deadLetterKey(threadId, ref.fromSeq, ref.batchId))).toMatchObject({ status: 'redriven', expiresAt: inDays(7) });
});

test('"keep" marks nothing: processed messages, receipts and log entries have no TTL', async () => {
  const threadId = uniqueId('thread');
  const namespace = ['memories', uniqueId('user')];
  const sent = messages('I like tea.');
  await inbox.append(threadId, namespace, sent);
  const ref = await next(threadId);
  const batches = writer({ messagesDays: 'keep', receiptsDays: 'keep', batchLogDays: 'keep' });
  const result = await apply(batches, ref);
  await batches.log.record(ref, result);
  expect((await marks(threadId, namespace, sent)).map((m) => [m.message, m.dedupe])).toEqual([[null, null]]);
  expect((await item(receiptKey(ref.batchId)))?.['expiresAt']).toBeUndefined();
  expect(await item(batchLogKey(threadId, ref.fromSeq, ref.batchId))).not.toHaveProperty('expiresAt');
});

test('an apply that finds the batch committed (a retry after a crash before marking) marks its messages', async () => {
  const threadId = uniqueId('thread');
  const namespace = ['memories', uniqueId('user')];
  const sent = messages('I play chess.');
  await inbox.append(threadId, namespace, sent);
  const ref = await next(threadId);
  // The first attempt committed but never marked (as if killed in between).
  await apply(writer({ messagesDays: 'keep' }), ref);
  expect((await marks(threadId, namespace, sent))[0]?.message).toBeNull();
  expect(await apply(writer({ messagesDays: 3 }), ref)).toMatchObject({ status: 'already-applied' });
  expect(await marks(threadId, namespace, sent)).toEqual([{ seq: 1, message: inDays(3), dedupe: inDays(3) }]);
});

test('a dead letter step that finds the batch committed marks its messages', async () => {
  const threadId = uniqueId('thread');
  const namespace = ['memories', uniqueId('user')];
  const sent = messages('I like jazz.');
  await inbox.append(threadId, namespace, sent);
  const ref = await next(threadId);
  await apply(writer({ messagesDays: 'keep' }), ref);
  expect(
    await writer({ messagesDays: 3 }).deadLetter(
      ref,
      sent.map((m) => m.id),
      FAILURE,
      TIMES,
    ),
  ).toMatchObject({ status: 'already-applied' });
  expect((await marks(threadId, namespace, sent))[0]?.message).toBe(inDays(3));
});

describe('the extraction activity', () => {
  let h: ActivityHarness;
  beforeAll(async () => {
    h = await startActivityHarness('retention-activity');
  });
  afterAll(() => h?.stop());

  test('an attempt that finds its batch committed marks the messages an earlier attempt left unmarked', async () => {
    const namespace = ['memories', uniqueId('user')];
    const threadId = await h.submit(['I like dogs.'], namespace);
    const ref = await h.plan(threadId);
    const { doc, tableName } = h.deps.store;
    await new BatchWriter(doc, tableName, undefined, { messagesDays: 'keep' }).apply({
      ref,
      operations: [insert('User likes dogs')],
      existing: new Map(),
      usage: USAGE,
      model: 'claude-test',
      messageIds: [],
    });
    const [stored] = await h.deps.inbox.readRange(threadId, namespace, 0, ref.toSeq);
    expect(stored?.expiresAt).toBeUndefined();

    const before = Math.floor(Date.now() / 1000);
    expect(await h.run(ref, 2)).toMatchObject({ status: 'already-applied' });
    const [marked] = await h.deps.inbox.readRange(threadId, namespace, 0, ref.toSeq);
    // The harness's writer runs on the real clock with the default retention.
    expect(marked?.expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_MESSAGE_RETENTION_DAYS * DAY);
    expect(marked?.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + DEFAULT_MESSAGE_RETENTION_DAYS * DAY);
  });
});
