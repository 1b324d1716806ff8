/** The thread inbox against DynamoDB Local: sequence numbers, dedupe, concurrent appends, cursors, range reads. */
import type { ThreadMessage } from '../../src/contract';
import { INBOX_WRITE_CHUNK } from '../../src/defaults';
import { InvalidInputError } from '../../src/errors';
import { MessageInbox, promptBytes } from '../../src/store/message-inbox';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let inbox: MessageInbox;

beforeAll(async () => {
  table = await freshTable('inbox');
  inbox = new MessageInbox(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

function message(id: string, content = `content of ${id}`): ThreadMessage {
  return { id, role: 'user', content, timestamp: '2026-11-26T10:00:00.000Z' };
}

function messages(prefix: string, count: number): ThreadMessage[] {
  return Array.from({ length: count }, (_, i) => message(`${prefix}-${i}`));
}

const NS = ['memories', 'user-1'];

test('messages get sequence numbers 1..n in submit order, and the head records the last', async () => {
  const thread = uniqueId('thread');
  expect(await inbox.head(thread)).toBeNull();
  const first = await inbox.append(thread, NS, messages('a', 3));
  expect(first).toEqual({ newMessages: 3, duplicates: 0, lastSeq: 3 });
  const second = await inbox.append(thread, NS, messages('b', 2));
  expect(second).toEqual({ newMessages: 2, duplicates: 0, lastSeq: 5 });

  const stored = await inbox.readRange(thread, NS, 0, 5);
  expect(stored.map((m) => [m.seq, m.id])).toEqual([
    [1, 'a-0'],
    [2, 'a-1'],
    [3, 'a-2'],
    [4, 'b-0'],
    [5, 'b-1'],
  ]);
  expect(stored[0]).toEqual({ ...message('a-0'), seq: 1, namespace: NS, bytes: promptBytes(message('a-0')), storedAt: expect.any(String) as unknown });
  expect((await inbox.head(thread))?.lastSeq).toBe(5);
});

test(`a submit larger than INBOX_WRITE_CHUNK (${INBOX_WRITE_CHUNK}) is stored completely and in order`, async () => {
  const thread = uniqueId('thread');
  const many = messages('m', 100);
  expect(many.length).toBeGreaterThan(2 * INBOX_WRITE_CHUNK);
  expect(await inbox.append(thread, NS, many)).toEqual({ newMessages: 100, duplicates: 0, lastSeq: 100 });
  const stored = await inbox.readRange(thread, NS, 0, 100);
  expect(stored.map((m) => m.id)).toEqual(many.map((m) => m.id));
  expect(stored.map((m) => m.seq)).toEqual(many.map((_m, i) => i + 1));
  expect(await inbox.cursor(thread, NS)).toEqual({ namespace: NS, manager: 'memories', doneSeq: 0, lastSeq: 100 });
});

test('a message id repeated within a call and in a later call is a duplicate reported with its stored seq', async () => {
  const thread = uniqueId('thread');
  const first = await inbox.append(thread, NS, [message('x'), message('y'), message('x', 'a second copy')]);
  expect(first).toEqual({ newMessages: 2, duplicates: 1, lastSeq: 2 });

  // A retried submit (say, a Lambda that died before signalling) finds everything stored: its lastSeq
  // still names the messages, so its signal reaches the thread.
  const retried = await inbox.append(thread, NS, [message('x')]);
  expect(retried).toEqual({ newMessages: 0, duplicates: 1, lastSeq: 1 });

  const mixed = await inbox.append(thread, NS, [message('y'), message('z'), message('z')]);
  expect(mixed).toEqual({ newMessages: 1, duplicates: 2, lastSeq: 3 });

  const stored = await inbox.readRange(thread, NS, 0, 10);
  expect(stored.map((m) => [m.seq, m.id, m.content])).toEqual([
    [1, 'x', 'content of x'],
    [2, 'y', 'content of y'],
    [3, 'z', 'content of z'],
  ]);
  expect((await inbox.head(thread))?.lastSeq).toBe(3);
});

test('dedupe is per namespace and id: the same id under two namespaces is stored twice', async () => {
  const thread = uniqueId('thread');
  const work = ['memories', 'work'];
  const home = ['memories', 'home'];
  expect(await inbox.append(thread, work, [message('same')])).toEqual({ newMessages: 1, duplicates: 0, lastSeq: 1 });
  expect(await inbox.append(thread, home, [message('same')])).toEqual({ newMessages: 1, duplicates: 0, lastSeq: 2 });
  expect((await inbox.readRange(thread, work, 0, 2)).map((m) => m.seq)).toEqual([1]);
  expect((await inbox.readRange(thread, home, 0, 2)).map((m) => m.seq)).toEqual([2]);
  // And within each namespace it is still a duplicate.
  expect(await inbox.append(thread, home, [message('same')])).toEqual({ newMessages: 0, duplicates: 1, lastSeq: 2 });
});

test('the same id in two threads is stored in both', async () => {
  const [one, two] = [uniqueId('thread'), uniqueId('thread')];
  expect(await inbox.append(one, NS, [message('shared')])).toEqual({ newMessages: 1, duplicates: 0, lastSeq: 1 });
  expect(await inbox.append(two, NS, [message('shared')])).toEqual({ newMessages: 1, duplicates: 0, lastSeq: 1 });
});

test('8 concurrent appends to one thread get unique, gap-free sequence numbers and store every message once', async () => {
  const thread = uniqueId('thread');
  const calls = Array.from({ length: 8 }, (_, i) => messages(`c${i}`, 3));
  const results = await Promise.all(calls.map((batch) => inbox.append(thread, NS, batch)));
  expect(results.every((r) => r.newMessages === 3 && r.duplicates === 0)).toBe(true);

  const stored = await inbox.readRange(thread, NS, 0, 100);
  expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  expect(new Set(stored.map((m) => m.id)).size).toBe(24);
  expect(stored.map((m) => m.id).sort()).toEqual(
    calls
      .flat()
      .map((m) => m.id)
      .sort(),
  );
  calls.forEach((batch, i) => {
    // Each call's messages are consecutive, in its own order, ending at the lastSeq it reported.
    const seqs = batch.map((m) => stored.find((s) => s.id === m.id)?.seq ?? -1);
    expect(seqs).toEqual([seqs[0], (seqs[0] ?? 0) + 1, (seqs[0] ?? 0) + 2]);
    expect(results[i]?.lastSeq).toBe(seqs[2]);
  });
  expect((await inbox.head(thread))?.lastSeq).toBe(24);
  expect(await inbox.cursor(thread, NS)).toEqual({ namespace: NS, manager: 'memories', doneSeq: 0, lastSeq: 24 });
});

test('concurrent appends that share a message (a retried submit racing the original) store it once', async () => {
  const thread = uniqueId('thread');
  const shared = message('shared');
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => inbox.append(thread, NS, [shared, message(`own-${i}`)])));
  expect(results.reduce((sum, r) => sum + r.newMessages, 0)).toBe(9);
  expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(7);
  const stored = await inbox.readRange(thread, NS, 0, 100);
  expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
  expect(stored.filter((m) => m.id === 'shared')).toHaveLength(1);
  const sharedSeq = stored.find((m) => m.id === 'shared')?.seq ?? -1;
  // Every call's lastSeq covers both of its messages, wherever the shared one was stored.
  results.forEach((r, i) => {
    const ownSeq = stored.find((m) => m.id === `own-${i}`)?.seq ?? -1;
    expect(r.lastSeq).toBe(Math.max(sharedSeq, ownSeq));
  });
});

test("a new namespace's cursor starts at the inbox head: nothing of it lies below", async () => {
  const thread = uniqueId('thread');
  const other = ['memories', 'other'];
  await inbox.append(thread, NS, messages('a', 3));
  await inbox.append(thread, other, messages('b', 2));
  await inbox.append(thread, NS, messages('c', 1));
  expect(await inbox.cursor(thread, other)).toEqual({ namespace: other, manager: 'memories', doneSeq: 3, lastSeq: 5 });
  expect(await inbox.cursor(thread, NS)).toEqual({ namespace: NS, manager: 'memories', doneSeq: 0, lastSeq: 6 });
  const cursors = await inbox.cursors(thread);
  expect(cursors).toHaveLength(2);
  expect(cursors).toEqual(expect.arrayContaining([await inbox.cursor(thread, other), await inbox.cursor(thread, NS)]));
  expect(await inbox.cursor(thread, ['memories', 'never'])).toBeNull();
  expect(await inbox.cursors(uniqueId('thread'))).toEqual([]);
});

test('a cursor records the memory manager of its namespace', async () => {
  const thread = uniqueId('thread');
  const curated = ['curated', uniqueId('ns')];
  await inbox.append(thread, curated, messages('a', 2), 'curator');
  await inbox.append(thread, curated, messages('b', 1), 'curator');
  expect(await inbox.cursor(thread, curated)).toEqual({ namespace: curated, manager: 'curator', doneSeq: 0, lastSeq: 3 });
  await inbox.append(thread, ['memories', 'other'], messages('c', 1));
  expect(await inbox.cursor(thread, ['memories', 'other'])).toMatchObject({ manager: 'memories' }); // the default manager
});

// A namespace belongs to one manager, in every thread: waiting messages are never extracted under another
// manager's rules, and one namespace's memories never mix two managers' kinds.
describe('namespace ownership', () => {
  it("refuses appending to a thread's namespace for another manager, and re-assigns nothing", async () => {
    const thread = uniqueId('thread');
    const ns = ['owned', uniqueId('ns')];
    await inbox.append(thread, ns, messages('a', 1), 'curator');
    const refused: unknown = await inbox.append(thread, ns, messages('b', 1), 'memories').then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect(await inbox.cursor(thread, ns)).toMatchObject({ manager: 'curator', lastSeq: 1 });
  });

  it('refuses another manager in another thread too, before storing anything there', async () => {
    const ns = ['owned', uniqueId('ns')];
    await inbox.append(uniqueId('thread'), ns, messages('a', 1), 'curator');
    const other = uniqueId('thread');
    // A fresh inbox: the claim is read from the table, not from the first inbox's cache.
    const fresh = new MessageInbox(table.doc, table.tableName);
    await expect(fresh.append(other, ns, messages('b', 1), 'episodic')).rejects.toThrow(
      `namespace ${JSON.stringify(ns)} belongs to memory manager curator; a submit for manager episodic cannot add to it`,
    );
    expect(await fresh.head(other)).toBeNull();
    expect(await fresh.cursor(other, ns)).toBeNull();
    await expect(fresh.append(other, ns, messages('c', 1), 'curator')).resolves.toMatchObject({ newMessages: 1 });
  });

  it('lets concurrent first submits of two managers race: exactly one claims the namespace', async () => {
    const ns = ['owned', uniqueId('ns')];
    const results = await Promise.allSettled(
      ['curator', 'episodic', 'curator', 'episodic'].map((manager, i) =>
        new MessageInbox(table.doc, table.tableName).append(uniqueId('thread'), ns, messages(`r${i}`, 1), manager),
      ),
    );
    const owner = await inbox.owners.ownerOf(ns);
    results.forEach((result, i) => expect(result.status).toBe(['curator', 'episodic', 'curator', 'episodic'][i] === owner ? 'fulfilled' : 'rejected'));
  });
});

describe('readRange', () => {
  const other = ['memories', 'other'];
  let thread: string;

  beforeAll(async () => {
    thread = uniqueId('thread');
    // seq 1..3 in NS, 4 in other, 5 in NS with a large content, 6 in NS.
    await inbox.append(thread, NS, messages('a', 3));
    await inbox.append(thread, other, [message('o')]);
    await inbox.append(thread, NS, [message('big', 'x'.repeat(5_000)), message('after-big')]);
  });

  it('returns only the namespace asked for, within (afterSeq, toSeq]', async () => {
    expect((await inbox.readRange(thread, NS, 0, 6)).map((m) => m.seq)).toEqual([1, 2, 3, 5, 6]);
    expect((await inbox.readRange(thread, other, 0, 6)).map((m) => m.seq)).toEqual([4]);
    expect((await inbox.readRange(thread, NS, 1, 4)).map((m) => m.seq)).toEqual([2, 3]);
    expect(await inbox.readRange(thread, NS, 3, 3)).toEqual([]);
    expect(await inbox.readRange(thread, NS, 5, 2)).toEqual([]);
    expect(await inbox.readRange(thread, ['memories', 'prefix-of-nothing'], 0, 6)).toEqual([]);
  });

  it('stops at maxMessages', async () => {
    expect((await inbox.readRange(thread, NS, 0, 6, { maxMessages: 2 })).map((m) => m.seq)).toEqual([1, 2]);
    expect((await inbox.readRange(thread, NS, 2, 6, { maxMessages: 2 })).map((m) => m.seq)).toEqual([3, 5]);
  });

  it('stops before the message that would exceed maxBytes', async () => {
    const small = promptBytes(message('a-0'));
    expect((await inbox.readRange(thread, NS, 0, 6, { maxBytes: 2 * small })).map((m) => m.seq)).toEqual([1, 2]);
    expect((await inbox.readRange(thread, NS, 0, 6, { maxBytes: 2 * small - 1 })).map((m) => m.seq)).toEqual([1]);
    // The big message does not fit after the small ones, so the range ends before it, not after skipping it.
    expect((await inbox.readRange(thread, NS, 0, 6, { maxBytes: 4 * small })).map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('follows DynamoDB pages: a range over 1 MB comes back whole, in order, filtered', async () => {
    const paged = uniqueId('thread');
    const large = (prefix: string, count: number) => messages(prefix, count).map((m) => ({ ...m, content: `${m.id} ${'x'.repeat(30_000)}` }));
    await inbox.append(paged, NS, large('p', 30)); // 1-30, ~0.9 MB
    await inbox.append(paged, other, large('q', 10)); // 31-40
    await inbox.append(paged, NS, large('r', 20)); // 41-60
    const read = await inbox.readRange(paged, NS, 0, 60);
    expect(read.map((m) => m.seq)).toEqual([...Array.from({ length: 30 }, (_, i) => i + 1), ...Array.from({ length: 20 }, (_, i) => i + 41)]);
    expect(read.every((m) => m.content.startsWith(`${m.id} `))).toBe(true);
    expect((await inbox.readRange(paged, other, 0, 60)).map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 31));
  });

  it('returns one message even when it alone exceeds maxBytes', async () => {
    const big = await inbox.readRange(thread, NS, 3, 6, { maxBytes: 100 });
    expect(big.map((m) => m.id)).toEqual(['big']);
    expect(big[0]?.bytes).toBeGreaterThan(5_000);
  });
});
