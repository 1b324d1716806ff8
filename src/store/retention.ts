/**
 * How long the table keeps what is not a memory: processed messages, batch receipts and batch log entries
 * expire through DynamoDB's TTL (the `expiresAt` attribute, see ensure-table.ts). Unprocessed messages and
 * messages of an open dead letter carry no TTL: they are kept until extracted (or re-driven) or forgotten.
 * docs/design.md "Retention" says when each is marked; docs/configuration.md names the variables.
 */
import { BATCH_RECEIPT_TTL_DAYS, DEFAULT_BATCH_LOG_RETENTION_DAYS, DEFAULT_MESSAGE_RETENTION_DAYS } from '../defaults';

/** A retention: whole days, or `keep` (never expires). */
export type RetentionDays = number | 'keep';

/** The retention of each kind of item that expires. */
export interface RetentionSettings {
  /** Processed messages and their dedupe keys; re-driven dead letters. @default DEFAULT_MESSAGE_RETENTION_DAYS */
  messagesDays: RetentionDays;
  /** Batch receipts (must outlast a batch's retry window). @default BATCH_RECEIPT_TTL_DAYS */
  receiptsDays: RetentionDays;
  /** Batch log entries (the operator timeline's batches). @default DEFAULT_BATCH_LOG_RETENTION_DAYS */
  batchLogDays: RetentionDays;
}

/** The defaults, each with its reason in `src/defaults.ts`. */
export const DEFAULT_RETENTION: Readonly<RetentionSettings> = {
  messagesDays: DEFAULT_MESSAGE_RETENTION_DAYS,
  receiptsDays: BATCH_RECEIPT_TTL_DAYS,
  batchLogDays: DEFAULT_BATCH_LOG_RETENTION_DAYS,
};

const SECONDS_PER_DAY = 24 * 60 * 60;

/** The TTL value (epoch seconds) of an item kept `days` from `now`, or undefined for `keep`. */
export function expiresAtAfter(now: Date, days: RetentionDays): number | undefined {
  return days === 'keep' ? undefined : Math.floor(now.getTime() / 1000) + days * SECONDS_PER_DAY;
}
