/**
 * The planning extraction: plans the thread's next batch and extracts it in one activity, so the path from
 * the end of a quiet period to the memories has one workflow task and one activity, with no local activity
 * in between (issue 15). The thread runs it once per batch, without retries: when it fails, the thread
 * goes on as before — it plans the batch itself (or takes the one this attempt names) and extracts it with
 * the retry policy (`src/workflows/thread-workflow.ts`).
 *
 * Which batch an attempt planned travels with its failure as a reference (ids, sequence numbers, a
 * digest — never text): in the failure's details when the extraction fails, in its heartbeats when the
 * worker dies, so the thread retries that very batch and counts a commit the attempt made before dying.
 */
import { Context } from '@temporalio/activity';
import type { PlanRequest, PlannedBatchNote, PlannedExtraction } from '../contract';
import { toApplicationFailure } from '../errors';
import type { ActivityDependencies } from './dependencies';
import { batchExtraction, keepHeartbeating, type ReadsAhead } from './extract-batch';

export function extractNextActivity(deps: ActivityDependencies) {
  const { extract, readAhead } = batchExtraction(deps);

  /** Plans the next batch up to `upToSeq` (re-drives first) and extracts it; `ref: null` when nothing is left. */
  return async function extractNext(request: PlanRequest): Promise<PlannedExtraction> {
    const ctx = Context.current();
    // No heartbeat before the plan (a few milliseconds): the first one, sent at once, already names the batch.
    let planned;
    // The batch's related-memory reads go beside the plan's read of its messages, once its namespace is known.
    let ahead: ReadsAhead | undefined;
    try {
      planned = await deps.planner.planWithMessages(request.threadId, request.upToSeq, (cursor) => {
        ahead = readAhead(cursor);
      });
    } catch (err) {
      // Nothing was extracted: the thread plans the batch itself (its planning step retries until DynamoDB answers).
      throw toApplicationFailure(err, ctx.info.attempt);
    }
    const { ref, headSeq } = planned.plan;
    if (!ref) return { ref: null, headSeq };
    const stop = keepHeartbeating(ctx, { plannedBatch: ref } satisfies PlannedBatchNote);
    try {
      const messages = planned.messages;
      const atHand = messages.length > 0 ? { atHand: { messages, fresh: true } } : {};
      const result = await extract(ctx, ref, { attempt: ctx.info.attempt, ...atHand, ...(ahead ? { ahead } : {}), planned: true });
      return { ref, headSeq, result, lastOfDrain: planned.lastOfDrain && result.status !== 'stale' };
    } finally {
      stop();
    }
  };
}
