/**
 * An inbox remembers the head it last wrote per thread, so its next append is one DynamoDB request (the
 * transaction) instead of two. A stale memory (another process appended, a write's outcome is unknown) must
 * never cost a message, a sequence number or a duplicate report.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ThreadMessage } from '../../src/contract';
import { MessageInbox } from '../../src/store/message-inbox';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('inbox-head');
});
afterAll(() => table?.client.destroy());

const NS = ['memories', 'user-1'];

function message(id: string): ThreadMessage {
  return { id, role: 'user', content: `content of ${id}`, timestamp: '2026-12-06T10:00:00.000Z' };
}

/** A document client that counts the commands it sends by name, and can fail the next transaction after sending it. */
function countingDoc(doc: DynamoDBDocumentClient) {
  const sent: string[] = [];
  let failNextTransactionAfterSend = false;
  const wrapped = {
    send: async (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      const out = await (doc.send as (c: unknown) => Promise<unknown>)(command);
      if (failNextTransactionAfterSend && command.constructor.name === 'TransactWriteCommand') {
        failNextTransactionAfterSend = false;
        throw new Error('socket hang up (the write landed, the answer was lost)');
      }
      return out;
    },
  } as unknown as DynamoDBDocumentClient;
  return {
    doc: wrapped,
    sent,
    failNextTransactionAfterSend: () => {
      failNextTransactionAfterSend = true;
    },
  };
}

test("an inbox's second append to a thread sends only the transaction (no head read)", async () => {
  const counted = countingDoc(table.doc);
  const inbox = new MessageInbox(counted.doc, table.tableName);
  const thread = uniqueId('thread');
  await inbox.append(thread, NS, [message('a')]);
  const afterFirst = counted.sent.length;
  expect(await inbox.append(thread, NS, [message('b')])).toEqual({ newMessages: 1, duplicates: 0, lastSeq: 2 });
  expect(counted.sent.slice(afterFirst)).toEqual(['TransactWriteCommand']);
});

test('inboxes over one document client share what they know (a MemoryClient per Lambda request)', async () => {
  const counted = countingDoc(table.doc);
  const thread = uniqueId('thread');
  await new MessageInbox(counted.doc, table.tableName).append(thread, NS, [message('a')]);
  const before = counted.sent.length;
  expect(await new MessageInbox(counted.doc, table.tableName).append(thread, NS, [message('b')])).toEqual({ newMessages: 1, duplicates: 0, lastSeq: 2 });
  // The namespace claim is read again (claims are cached per inbox); the head is not.
  expect(counted.sent.slice(before)).toEqual(['GetCommand', 'TransactWriteCommand']);
});

test('two processes appending to one thread in turn: every message stored once, sequence numbers gap-free', async () => {
  const thread = uniqueId('thread');
  // Two processes: two document clients, so neither knows what the other wrote.
  const one = new MessageInbox(countingDoc(table.doc).doc, table.tableName);
  const two = new MessageInbox(countingDoc(table.doc).doc, table.tableName);
  const results = [];
  for (let i = 0; i < 6; i++) results.push(await (i % 2 === 0 ? one : two).append(thread, NS, [message(`m${i}`)]));
  expect(results.map((r) => r.lastSeq)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(results.every((r) => r.newMessages === 1 && r.duplicates === 0)).toBe(true);
  const stored = await one.readRange(thread, NS, 0, 6);
  expect(stored.map((m) => [m.seq, m.id])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i + 1, `m${i}`]));
  expect((await one.head(thread))?.lastSeq).toBe(6);
});

test('a duplicate sent on a stale head is still reported with its stored sequence number', async () => {
  const thread = uniqueId('thread');
  // Two processes: two document clients, so neither knows what the other wrote.
  const one = new MessageInbox(countingDoc(table.doc).doc, table.tableName);
  const two = new MessageInbox(countingDoc(table.doc).doc, table.tableName);
  await one.append(thread, NS, [message('a')]);
  await two.append(thread, NS, [message('b')]);
  // `one` remembers head 1; the head is 2, and `b` is stored at 2.
  expect(await one.append(thread, NS, [message('b'), message('c')])).toEqual({ newMessages: 1, duplicates: 1, lastSeq: 3 });
  const stored = await one.readRange(thread, NS, 0, 3);
  expect(stored.map((m) => [m.seq, m.id])).toEqual([
    [1, 'a'],
    [2, 'b'],
    [3, 'c'],
  ]);
});

test('a transaction whose outcome is unknown (an error after sending) is not remembered: the next append reads the head', async () => {
  const counted = countingDoc(table.doc);
  const inbox = new MessageInbox(counted.doc, table.tableName);
  const thread = uniqueId('thread');
  await inbox.append(thread, NS, [message('a')]);
  counted.failNextTransactionAfterSend();
  await expect(inbox.append(thread, NS, [message('b')])).rejects.toThrow('socket hang up');
  const before = counted.sent.length;
  // The lost answer's write did land (head 2): a retry of the same submit finds `b` stored, and `c` follows it.
  expect(await inbox.append(thread, NS, [message('b'), message('c')])).toEqual({ newMessages: 1, duplicates: 1, lastSeq: 3 });
  expect(counted.sent[before]).toBe('GetCommand');
});
