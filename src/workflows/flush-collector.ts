/**
 * Collects the outcomes of the batches that end while one flush waits, for its result. Pure, lives only
 * in the flush handler (never carried): continue-as-new waits until every flush has returned.
 */
import type { BatchOutcome, FlushResult } from '../contract';
import { FLUSH_OUTCOMES_KEPT } from './replay-constants';

export class FlushCollector {
  private readonly result: FlushResult = {
    complete: false,
    batches: [],
    batchCount: 0,
    messagesProcessed: 0,
    messagesDeadLettered: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
  };

  /** Adds one batch; the first FLUSH_OUTCOMES_KEPT are returned in full, the rest only counted. */
  add(outcome: BatchOutcome): void {
    const r = this.result;
    r.batchCount += 1;
    if (r.batches.length < FLUSH_OUTCOMES_KEPT) r.batches.push(outcome);
    if (outcome.status === 'dead-lettered') {
      if (outcome.kind === 'inbox') r.messagesDeadLettered += outcome.messageCount;
    } else if (outcome.status !== 'reopened') {
      r.messagesProcessed += outcome.messageCount;
    }
    r.inserted += outcome.inserted.length;
    r.updated += outcome.updated.length;
    r.deleted += outcome.deleted.length;
  }

  finish(complete: boolean): FlushResult {
    return { ...this.result, complete };
  }
}
