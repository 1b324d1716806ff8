/**
 * The details of a failed extraction attempt, kept in DynamoDB beside the thread's dead letters: the text a
 * reviewer or operator needs (the operations the model proposed, its refusal, a model API's error body, the
 * offending output) and the error's own message. Temporal never sees any of it: a Temporal failure carries
 * only a code, counts and the reference this item is found under (`failure-facts.ts`).
 *
 * - item: pk `dlq#<threadId>` (the dead letters' partition), sk `fd#<dead letter batch id>#<round>`; round 0
 *   is the batch's own attempts, round n its n-th re-drive. A later failed attempt of the same round
 *   overwrites the item: it holds the last attempt's details, as the dead letter holds the last error.
 * - retention: written with a TTL (FAILURE_DETAILS_TTL_DAYS), since most failed attempts are retried and
 *   succeed; when the batch becomes a dead letter (or a re-drive re-opens one) the TTL is removed, so the
 *   details are kept as long as their dead letter. The item names its namespace, so `forget` erases it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BatchRef } from '../contract';
import { MemoryManagerError, type FailureDetail } from '../errors';
import { TTL_ATTRIBUTE } from './ensure-table';
import { queryAll } from './query-pages';
import { deadLetterPartitionKey } from './table-keys';

/** Days the details of a failed attempt are kept when its batch does not become a dead letter (retried, then committed). */
export const FAILURE_DETAILS_TTL_DAYS = 30;

/** Largest serialized `detail` kept (characters): an item stays well under DynamoDB's 400 KB; longer is kept clipped, as JSON text. */
export const FAILURE_DETAIL_MAX_CHARS = 300_000;

/** Largest error message kept (characters). */
const SUMMARY_MAX_CHARS = 4_000;

/** Sort key prefix of failure details in a thread's dead-letter partition. */
export const FAILURE_DETAILS_SK_PREFIX = 'fd#';

/** The details of a batch's last failed attempt, as `deadLetters()` shows them. */
export interface FailureDetails {
  /** The dead letter's batch id (for a re-drive, the dead letter it re-drives) and the re-drive round (0: the batch's own attempts). */
  batchId: string;
  round: number;
  /** The batch id of the attempt (a re-drive has its own). */
  attemptBatchId: string;
  namespace: string[];
  /** The failure's code (the error's name), and the attempt that failed. */
  type: string;
  attempt: number;
  /** The error's message (for an unknown error, with its stack). */
  summary: string;
  /** What the error kept for review: proposed operations, a refusal, a model API error, the offending output. */
  detail?: FailureDetail;
  /** Set instead of `detail` when it was too long to keep whole: its JSON, cut at FAILURE_DETAIL_MAX_CHARS. */
  clippedDetailJson?: string;
  /** ISO-8601 time of the attempt's failure. */
  recordedAt: string;
}

/** Where a batch's failure details are kept: the dead letter it is (or re-drives) and the round. */
export function failureDetailsKey(ref: BatchRef): { pk: string; sk: string } {
  const [batchId, round] = ref.kind === 'redrive' && ref.redrive ? [ref.redrive.deadLetterBatchId, ref.redrive.round] : [ref.batchId, 0];
  return { pk: deadLetterPartitionKey(ref.threadId), sk: `${FAILURE_DETAILS_SK_PREFIX}${batchId}#${round}` };
}

/** The reference a Temporal failure carries for a batch: the dead letter's batch id its details are kept under. */
export function failureDetailsRef(ref: BatchRef): string {
  return ref.kind === 'redrive' && ref.redrive ? ref.redrive.deadLetterBatchId : ref.batchId;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What an error holds for the details item: its name, its message (and stack if it is not ours), its detail. */
function describeError(err: unknown): Pick<FailureDetails, 'type' | 'summary'> & { detail?: FailureDetail } {
  if (!(err instanceof Error)) return { type: 'Error', summary: clip(String(err), SUMMARY_MAX_CHARS) };
  const detail = (err as Error & { detail?: FailureDetail }).detail;
  // Our errors' messages say what went wrong; for anything else (a bug, an SDK surprise) the stack helps more.
  const summary = err instanceof MemoryManagerError ? err.message : (err.stack ?? `${err.name}: ${err.message}`);
  return { type: err.name, summary: clip(summary, SUMMARY_MAX_CHARS), ...(detail ? { detail } : {}) };
}

/**
 * @example
 * const details = new FailureDetailsStore(doc, 'langmem-memories');
 * await details.record(ref, err, attempt);   // in the activity, before it throws
 * const all = await details.forThread(ref.threadId);
 */
export class FailureDetailsStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records the details of a failed attempt of `ref` (overwriting an earlier attempt's), to expire unless kept. */
  async record(ref: BatchRef, err: unknown, attempt: number): Promise<void> {
    const key = failureDetailsKey(ref);
    const { type, summary, detail } = describeError(err);
    const detailJson = detail === undefined ? undefined : JSON.stringify(detail);
    const now = this.now();
    const item: FailureDetails = {
      batchId: failureDetailsRef(ref),
      round: ref.kind === 'redrive' && ref.redrive ? ref.redrive.round : 0,
      attemptBatchId: ref.batchId,
      namespace: [...ref.namespace],
      type,
      attempt,
      summary,
      ...(detailJson === undefined
        ? {}
        : detailJson.length <= FAILURE_DETAIL_MAX_CHARS
          ? { detail }
          : { clippedDetailJson: clip(detailJson, FAILURE_DETAIL_MAX_CHARS) }),
      recordedAt: now.toISOString(),
    };
    const expiresAt = Math.floor(now.getTime() / 1000) + FAILURE_DETAILS_TTL_DAYS * 24 * 60 * 60;
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key, ...item, [TTL_ATTRIBUTE]: expiresAt } }));
  }

  /** Keeps the details of `ref` for as long as its dead letter (removes their TTL); nothing to do when none were recorded. */
  async keep(ref: BatchRef): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: failureDetailsKey(ref),
          UpdateExpression: 'REMOVE #ttl',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** Every failure details item of a thread, keyed by `<dead letter batch id>#<round>`. */
  async forThread(threadId: string): Promise<Map<string, FailureDetails>> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': deadLetterPartitionKey(threadId), ':prefix': FAILURE_DETAILS_SK_PREFIX },
      ConsistentRead: true,
    });
    return new Map(
      items.map((item) => {
        const { pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, ...details } = item;
        const found = details as unknown as FailureDetails;
        return [`${found.batchId}#${found.round}`, found];
      }),
    );
  }
}
