/**
 * Transactions cancelled by concurrent transactions (`TransactionConflict`). DynamoDB Local serialises
 * transactions and never reports this, so a thin wrapper around the real document client cancels the
 * first transactions as real DynamoDB would; everything else goes to DynamoDB Local.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FailureInfo } from '../../src/contract';
import { TRANSACTION_CONFLICT_ATTEMPTS } from '../../src/defaults';
import { BatchPlanner } from '../../src/store/batch-planner';
import { BatchWriter } from '../../src/store/batch-writer';
import { DeadLetterStore } from '../../src/store/dead-letters';
import { MessageInbox } from '../../src/store/message-inbox';
import { transactWrite } from '../../src/store/transact';
import { freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('transact');
});
afterAll(() => table?.client.destroy());

/** The real document client, except that its next `conflicts` transactions are cancelled with TransactionConflict. */
function conflicting(conflicts: number, code = 'TransactionConflict'): { doc: DynamoDBDocumentClient; transactions: () => number } {
  let transactions = 0;
  const doc = new Proxy(table.doc, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return async (command: unknown) => {
        if (command instanceof TransactWriteCommand) {
          transactions += 1;
          if (transactions <= conflicts) {
            const items = command.input.TransactItems ?? [];
            throw new TransactionCanceledException({
              message: 'Transaction cancelled',
              $metadata: {},
              CancellationReasons: items.map((_item, i) => ({ Code: i === 0 ? code : 'None' })),
            });
          }
        }
        return target.send(command as TransactWriteCommand);
      };
    },
  });
  return { doc, transactions: () => transactions };
}

function putItem(pk: string) {
  return [{ Put: { TableName: table.tableName, Item: { pk, sk: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' } }];
}

test('a transaction cancelled only by conflicts is sent again and goes through', async () => {
  const { doc, transactions } = conflicting(2);
  await transactWrite(doc, putItem(uniqueId('ok')));
  expect(transactions()).toBe(3);
});

test(`after ${TRANSACTION_CONFLICT_ATTEMPTS} conflicted sends the conflict is thrown`, async () => {
  const { doc, transactions } = conflicting(100);
  await expect(transactWrite(doc, putItem(uniqueId('busy')))).rejects.toBeInstanceOf(TransactionCanceledException);
  expect(transactions()).toBe(TRANSACTION_CONFLICT_ATTEMPTS);
});

test('a failed condition is not sent again', async () => {
  const { doc, transactions } = conflicting(100, 'ConditionalCheckFailed');
  await expect(transactWrite(doc, putItem(uniqueId('cond')))).rejects.toBeInstanceOf(TransactionCanceledException);
  expect(transactions()).toBe(1);
});

test('recording a dead letter under lasting conflicts fails (so the step is retried), never reports the batch stale', async () => {
  const inbox = new MessageInbox(table.doc, table.tableName);
  const planner = new BatchPlanner(inbox, new DeadLetterStore(table.doc, table.tableName));
  const threadId = uniqueId('thread');
  await inbox.append(threadId, ['memories'], [{ id: 'm1', role: 'user', content: 'poison', timestamp: '2026-11-28T10:00:00.000Z' }]);
  const ref = await planner.next(threadId, 1);
  if (!ref) throw new Error('nothing planned');
  const failure: FailureInfo = { type: 'ModelRequestError', message: '400', reason: 'non-retryable' };
  const times = { firstAttemptAt: '2026-11-28T10:00:00.000Z', deadAt: '2026-11-28T10:00:01.000Z' };

  const busy = new BatchWriter(conflicting(100).doc, table.tableName);
  await expect(busy.deadLetter(ref, ['m1'], failure, times)).rejects.toBeInstanceOf(TransactionCanceledException);
  expect(await inbox.cursor(threadId, ['memories'])).toMatchObject({ doneSeq: 0 });

  // Once the conflicts pass, the retried step records it.
  const writer = new BatchWriter(conflicting(1).doc, table.tableName);
  expect(await writer.deadLetter(ref, ['m1'], failure, times)).toEqual({ status: 'dead-lettered' });
  expect(await inbox.cursor(threadId, ['memories'])).toMatchObject({ doneSeq: 1 });
});
