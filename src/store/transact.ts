/** Sending a DynamoDB transaction that may collide with concurrent ones on the same items. */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TRANSACTION_CONFLICT_ATTEMPTS, TRANSACTION_CONFLICT_BACKOFF_MS } from '../defaults';

/** An item of a transaction, as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** True when DynamoDB cancelled a transaction only because another transaction held an item (no condition failed). */
export function onlyConflicts(err: unknown): boolean {
  if (!(err instanceof TransactionCanceledException)) return false;
  const codes = (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.includes('TransactionConflict') && codes.every((code) => code === 'None' || code === 'TransactionConflict');
}

/**
 * Sends the transaction; when it is cancelled only by conflicts with concurrent transactions (a submit
 * touching the same inbox item, say), sends the same transaction again after a short random pause, up to
 * TRANSACTION_CONFLICT_ATTEMPTS times. This is concurrency control of one write, not failure retrying:
 * anything else (a failed condition, throttling after the SDK's own retries) is thrown at once.
 */
export async function transactWrite(doc: DynamoDBDocumentClient, items: TransactItem[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await doc.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      if (attempt >= TRANSACTION_CONFLICT_ATTEMPTS || !onlyConflicts(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * TRANSACTION_CONFLICT_BACKOFF_MS * attempt));
    }
  }
}
