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
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { BatchRef, PlanRequest, PlannedBatchNote, PlannedExtraction } from '../contract';
import { toApplicationFailure } from '../errors';
import type { ActivityDependencies } from './dependencies';
import { batchExtraction, keepHeartbeating } from './extract-batch';

/** The failure of an attempt that had planned `ref`: the same failure, with the batch's reference appended to its details. */
function withPlannedBatch(err: unknown, ref: BatchRef): unknown {
  if (!(err instanceof ApplicationFailure) || err.type === 'CancelledFailure') return err;
  // The workflow does not see a failure's nextRetryDelay: the note carries it.
  const retryAfterMs = typeof err.nextRetryDelay === 'number' ? err.nextRetryDelay : undefined;
  const note: PlannedBatchNote = { plannedBatch: ref, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  return ApplicationFailure.create({
    ...(err.type ? { type: err.type } : {}),
    message: err.message,
    nonRetryable: err.nonRetryable === true,
    ...(typeof err.nextRetryDelay === 'number' ? { nextRetryDelay: err.nextRetryDelay } : {}),
    details: [...(err.details ?? []), note],
  });
}

export function extractNextActivity(deps: ActivityDependencies) {
  const extract = batchExtraction(deps);

  /** Plans the next batch up to `upToSeq` (re-drives first) and extracts it; `ref: null` when nothing is left. */
  return async function extractNext(request: PlanRequest): Promise<PlannedExtraction> {
    const ctx = Context.current();
    // No heartbeat before the plan (a few milliseconds): the first one, sent at once, already names the batch.
    let planned;
    try {
      planned = await deps.planner.planWithMessages(request.threadId, request.upToSeq);
    } catch (err) {
      // Nothing was extracted: the thread plans the batch itself (its planning step retries until DynamoDB answers).
      throw toApplicationFailure(err, ctx.info.attempt);
    }
    const { ref, headSeq } = planned.plan;
    if (!ref) return { ref: null, headSeq };
    const stop = keepHeartbeating(ctx, { plannedBatch: ref } satisfies PlannedBatchNote);
    try {
      const messages = planned.messages;
      const result = await extract(ctx, ref, messages.length > 0 ? { messages, fresh: true } : undefined, ctx.info.attempt);
      return { ref, headSeq, result, lastOfDrain: planned.lastOfDrain && result.status !== 'stale' };
    } catch (err) {
      throw withPlannedBatch(err, ref);
    } finally {
      stop();
    }
  };
}
