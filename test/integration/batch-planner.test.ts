/** The batch planner against DynamoDB Local: which batch comes next, how large, and what it is called. */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchRef, ThreadMessage } from '../../src/contract';
import { BatchPlanner, idsDigest, inboxBatchId } from '../../src/store/batch-planner';
import { BatchWriter } from '../../src/store/batch-writer';
import { DeadLetterStore } from '../../src/store/dead-letters';
import { MessageInbox, promptBytes, type StoredMessage } from '../../src/store/message-inbox';
import { messageKey } from '../../src/store/table-keys';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let inbox: MessageInbox;
let deadLetters: DeadLetterStore;
let planner: BatchPlanner;
let writer: BatchWriter;

beforeAll(async () => {
  table = await freshTable('planner');
  inbox = new MessageInbox(table.doc, table.tableName);
  deadLetters = new DeadLetterStore(table.doc, table.tableName);
  planner = new BatchPlanner(inbox, deadLetters);
  writer = new BatchWriter(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

const ALL = Number.MAX_SAFE_INTEGER;
const USAGE = { inputTokens: 1, outputTokens: 1 };

function message(id: string, content = `content of ${id}`): ThreadMessage {
  return { id, role: 'user', content, timestamp: '2026-11-26T10:00:00.000Z' };
}

function messages(prefix: string, count: number): ThreadMessage[] {
  return Array.from({ length: count }, (_, i) => message(`${prefix}-${i}`));
}

async function planned(threadId: string, upToSeq = ALL, using = planner): Promise<BatchRef> {
  const ref = await using.next(threadId, upToSeq);
  if (!ref) throw new Error(`nothing planned for ${threadId}`);
  return ref;
}

/** Commits a batch with no memory operations: its messages become processed. */
async function commit(ref: BatchRef): Promise<void> {
  expect((await writer.apply({ ref, operations: [], existing: new Map(), usage: USAGE, model: 'm', messageIds: [] })).status).toBe('extracted');
}

test('a thread never submitted to has nothing to plan', async () => {
  expect(await planner.next(uniqueId('thread'), ALL)).toBeNull();
});

test('an inbox batch holds the namespace’s unprocessed messages, with their range, size and ids digest', async () => {
  const thread = uniqueId('thread');
  const ns = ['memories', 'u1'];
  const stored = messages('a', 3);
  await inbox.append(thread, ns, stored);
  const ref = await planned(thread);
  expect(ref).toEqual({
    kind: 'inbox',
    threadId: thread,
    batchId: expect.stringMatching(/^b-1-3-[0-9a-f]{24}$/) as unknown,
    namespace: ns,
    afterSeq: 0,
    fromSeq: 1,
    toSeq: 3,
    messageCount: 3,
    bytes: stored.reduce((sum, m) => sum + promptBytes(m), 0),
    idsDigest: idsDigest(['a-0', 'a-1', 'a-2']),
    manager: 'memories',
  });
  await commit(ref);
  expect(await planner.next(thread, ALL)).toBeNull();
});

test('the namespace furthest behind is planned first', async () => {
  const thread = uniqueId('thread');
  // Named so that key order (a, m, z) is not the expected order (z, a, m).
  const [z, a, m] = [
    ['memories', 'z'],
    ['memories', 'a'],
    ['memories', 'm'],
  ];
  await inbox.append(thread, z, messages('z', 2)); // 1-2
  await inbox.append(thread, a, messages('a', 2)); // 3-4: a's cursor starts at 2
  await inbox.append(thread, m, messages('m', 1)); // 5: m's cursor starts at 4
  await inbox.append(thread, z, messages('z2', 1)); // 6
  const first = await planned(thread);
  expect([first.namespace, first.afterSeq, first.fromSeq, first.toSeq, first.messageCount]).toEqual([z, 0, 1, 6, 3]);
  await commit(first);
  const second = await planned(thread);
  expect([second.namespace, second.afterSeq, second.fromSeq, second.toSeq]).toEqual([a, 2, 3, 4]);
  await commit(second);
  const third = await planned(thread);
  expect([third.namespace, third.afterSeq, third.fromSeq, third.toSeq]).toEqual([m, 4, 5, 5]);
  await commit(third);
  expect(await planner.next(thread, ALL)).toBeNull();
});

test('batches are capped by message count; the backlog drains in consecutive batches', async () => {
  const thread = uniqueId('thread');
  const ns = ['memories', 'count'];
  await inbox.append(thread, ns, messages('m', 5));
  const small = new BatchPlanner(inbox, deadLetters, { maxMessages: 2 });
  const ranges: number[][] = [];
  for (let ref = await small.next(thread, ALL); ref; ref = await small.next(thread, ALL)) {
    ranges.push([ref.afterSeq, ref.fromSeq, ref.toSeq, ref.messageCount]);
    await commit(ref);
  }
  expect(ranges).toEqual([
    [0, 1, 2, 2],
    [2, 3, 4, 2],
    [4, 5, 5, 1],
  ]);
});

test('batches are capped by bytes, and a message larger than the cap travels alone', async () => {
  const thread = uniqueId('thread');
  const ns = ['memories', 'bytes'];
  const one = promptBytes(message('m-0'));
  await inbox.append(thread, ns, [...messages('m', 3), message('huge', 'x'.repeat(10 * one)), message('m-3')]);
  const small = new BatchPlanner(inbox, deadLetters, { maxBytes: 2 * one + 1 });
  const first = await planned(thread, ALL, small);
  expect([first.fromSeq, first.toSeq, first.messageCount, first.bytes]).toEqual([1, 2, 2, 2 * one]);
  await commit(first);
  const second = await planned(thread, ALL, small);
  expect([second.fromSeq, second.toSeq]).toEqual([3, 3]);
  await commit(second);
  const huge = await planned(thread, ALL, small);
  expect([huge.fromSeq, huge.toSeq, huge.messageCount]).toEqual([4, 4, 1]);
  expect(huge.bytes).toBeGreaterThan(2 * one + 1);
  await commit(huge);
  expect((await planned(thread, ALL, small)).fromSeq).toBe(5);
});

test('messages after upToSeq are not planned (they still wait for their own quiet period)', async () => {
  const thread = uniqueId('thread');
  const ns = ['memories', 'upto'];
  const other = ['memories', 'upto-other'];
  await inbox.append(thread, ns, messages('early', 2)); // 1-2
  await inbox.append(thread, other, messages('o', 1)); // 3
  await inbox.append(thread, ns, messages('late', 2)); // 4-5
  expect(await planner.next(thread, 0)).toBeNull();
  const ref = await planned(thread, 3);
  expect([ref.namespace, ref.fromSeq, ref.toSeq, ref.idsDigest]).toEqual([ns, 1, 2, idsDigest(['early-0', 'early-1'])]);
  await commit(ref);
  const next = await planned(thread, 3);
  expect([next.namespace, next.fromSeq, next.toSeq]).toEqual([other, 3, 3]);
  await commit(next);
  expect(await planner.next(thread, 3)).toBeNull();
  const rest = await planned(thread, 5);
  expect([rest.namespace, rest.afterSeq, rest.fromSeq, rest.toSeq]).toEqual([ns, 2, 4, 5]);
});

test('a re-drive comes before inbox batches, and carries the dead letter’s range and round', async () => {
  const thread = uniqueId('thread');
  const ns = ['memories', 'redrive'];
  await inbox.append(thread, ns, messages('dead', 2)); // 1-2
  const failed = await planned(thread);
  const failure = { type: 'ModelRequestError', message: 'bad request' };
  expect(
    await writer.deadLetter(failed, ['dead-0', 'dead-1'], failure, { firstAttemptAt: '2026-11-26T10:00:00.000Z', deadAt: '2026-11-26T16:00:00.000Z' }),
  ).toEqual({ status: 'dead-lettered' });
  await inbox.append(thread, ns, messages('live', 2)); // 3-4
  expect((await planned(thread)).fromSeq).toBe(3);

  expect(await deadLetters.requestRedrive(thread)).toHaveLength(1);
  const redrive = await planned(thread);
  expect(redrive).toEqual({
    ...failed,
    kind: 'redrive',
    batchId: `${failed.batchId}~r1`,
    redrive: { deadLetterBatchId: failed.batchId, round: 1 },
  });
  await commit(redrive);
  const inboxBatch = await planned(thread);
  expect([inboxBatch.kind, inboxBatch.fromSeq, inboxBatch.toSeq]).toEqual(['inbox', 3, 4]);
});

describe('batch ids', () => {
  it('are the same when planned twice from the same state', async () => {
    const thread = uniqueId('thread');
    await inbox.append(thread, ['memories'], messages('m', 3));
    const [first, second] = [await planned(thread), await planned(thread)];
    expect(second).toEqual(first);
  });

  it('differ when the batch holds other messages', async () => {
    const thread = uniqueId('thread');
    await inbox.append(thread, ['memories'], messages('m', 2));
    const before = await planned(thread);
    await inbox.append(thread, ['memories'], messages('n', 1));
    const after = await planned(thread);
    expect(after.afterSeq).toBe(before.afterSeq);
    expect(after.batchId).not.toBe(before.batchId);
    expect(after.idsDigest).not.toBe(before.idsDigest);
  });

  it('differ for the same sequence range holding other message ids', () => {
    const stored = (ids: string[]): StoredMessage[] => ids.map((id, i) => ({ ...message(id), seq: i + 1, namespace: ['memories'], bytes: 10 }));
    const one = inboxBatchId('t', 'epoch', ['memories'], stored(['a', 'b']));
    expect(inboxBatchId('t', 'epoch', ['memories'], stored(['a', 'b']))).toBe(one);
    expect(inboxBatchId('t', 'epoch', ['memories'], stored(['a', 'c']))).not.toBe(one);
    expect(inboxBatchId('t', 'epoch', ['memories', 'x'], stored(['a', 'b']))).not.toBe(one);
    expect(inboxBatchId('t', 'another epoch', ['memories'], stored(['a', 'b']))).not.toBe(one);
  });

  it('differ between two threads holding the same message ids', async () => {
    const [one, two] = [uniqueId('thread'), uniqueId('thread')];
    await inbox.append(one, ['memories'], messages('same', 2));
    await inbox.append(two, ['memories'], messages('same', 2));
    const [a, b] = [await planned(one), await planned(two)];
    expect([a.fromSeq, a.toSeq, a.idsDigest]).toEqual([b.fromSeq, b.toSeq, b.idsDigest]);
    expect(a.batchId).not.toBe(b.batchId);
  });
});

describe('cursors read beside the head', () => {
  /** An inbox whose cursor read answers with the cursors as they were before the next submit (a slow read). */
  class StaleCursorInbox extends MessageInbox {
    staleOnce: Awaited<ReturnType<MessageInbox['cursors']>> | undefined;
    override async cursors(threadId: string) {
      const stale = this.staleOnce;
      this.staleOnce = undefined;
      return stale ?? super.cursors(threadId);
    }
  }

  test('"no batch" is never answered from cursors older than the head: a submit between the reads is planned', async () => {
    const thread = uniqueId('thread');
    const ns = ['memories', 'u1'];
    const slow = new StaleCursorInbox(table.doc, table.tableName);
    const using = new BatchPlanner(slow, deadLetters);
    await inbox.append(thread, ns, messages('a', 1));
    await commit(await planned(thread));
    // The cursor read leaves before the submit of a-new and arrives after the head read, which sees a-new.
    slow.staleOnce = await inbox.cursors(thread);
    await inbox.append(thread, ['memories', 'u2'], [message('a-new')]);
    const { plan } = await using.planWithMessages(thread, ALL);
    expect(plan.headSeq).toBe(2);
    expect(plan.ref).toMatchObject({ namespace: ['memories', 'u2'], fromSeq: 2, toSeq: 2 });
  });

  test('the plan hands over the messages it read for the batch, and none for a re-drive or no batch', async () => {
    const thread = uniqueId('thread');
    await inbox.append(thread, ['memories', 'u1'], messages('h', 2));
    const { plan, messages: read } = await planner.planWithMessages(thread, ALL);
    expect(read.map((m) => [m.seq, m.content])).toEqual([
      [1, 'content of h-0'],
      [2, 'content of h-1'],
    ]);
    expect(plan.ref?.idsDigest).toBe(idsDigest(read.map((m) => m.id)));
    await commit(await planned(thread));
    expect(await planner.planWithMessages(thread, ALL)).toEqual({ plan: { ref: null, headSeq: 2 }, messages: [], lastOfDrain: false });
  });

  test('beside is told the namespace furthest behind, once, before its messages are read — even when that range is empty', async () => {
    const thread = uniqueId('thread');
    await inbox.append(thread, ['memories', 'u1'], [message('b-1')]);
    await inbox.append(thread, ['memories', 'u2'], [message('b-2')]);
    const told: string[][] = [];
    const first = await planner.planWithMessages(thread, ALL, (cursor) => told.push(cursor.namespace));
    expect(told).toEqual([['memories', 'u1']]);
    expect(first.plan.ref?.namespace).toEqual(['memories', 'u1']);
    // u1's message gone without its cursor moving (an anomaly): u2 is planned, and beside was still told once.
    await table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: messageKey(thread, ['memories', 'u1'], 1) }));
    told.length = 0;
    const second = await planner.planWithMessages(thread, ALL, (cursor) => told.push(cursor.namespace));
    expect(second.plan.ref?.namespace).toEqual(['memories', 'u2']);
    expect(told).toEqual([['memories', 'u1']]);
  });

  test('lastOfDrain: only a batch after which, by the same reads, nothing waits up to upToSeq', async () => {
    const thread = uniqueId('thread');
    const small = new BatchPlanner(inbox, deadLetters, { maxMessages: 2 });
    const lastOf = async (upToSeq = ALL) => {
      const { plan, lastOfDrain } = await small.planWithMessages(thread, upToSeq);
      if (plan.ref) await commit(plan.ref);
      return [plan.ref?.namespace.at(-1), plan.ref?.toSeq, lastOfDrain];
    };
    await inbox.append(thread, ['memories', 'a'], messages('a', 3)); // 1-3
    expect(await lastOf()).toEqual(['a', 2, false]); // capped: seq 3 is left
    expect(await lastOf()).toEqual(['a', 3, true]);
    await inbox.append(thread, ['memories', 'a'], messages('b', 1)); // 4
    await inbox.append(thread, ['memories', 'z'], messages('z', 1)); // 5
    expect(await lastOf()).toEqual(['a', 4, false]); // namespace z is behind too
    expect(await lastOf()).toEqual(['z', 5, true]);
    await inbox.append(thread, ['memories', 'a'], messages('c', 2)); // 6-7
    expect(await lastOf(6)).toEqual(['a', 6, true]); // the cutoff is reached; 7 waits for its own drain
    await inbox.append(thread, ['memories', 'a'], messages('d', 1)); // 8
    expect(await deadLetters.requestRedrive(thread)).toEqual([]);
    const failed = (await small.planWithMessages(thread, ALL)).plan.ref as BatchRef;
    await writer.deadLetter(
      failed,
      [],
      { type: 'ModelRequestError', message: 'x' },
      { firstAttemptAt: '2026-11-26T10:00:00.000Z', deadAt: '2026-11-26T10:00:00.000Z' },
    );
    expect(await deadLetters.requestRedrive(thread)).toHaveLength(1);
    const redrive = await small.planWithMessages(thread, ALL);
    expect([redrive.plan.ref?.kind, redrive.lastOfDrain]).toEqual(['redrive', false]); // another may be waiting
  });
});
