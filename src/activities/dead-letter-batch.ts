/** The dead-letter step (a local activity): records a batch that failed for good so its thread moves on. */
import { log } from '@temporalio/activity';
import type { DeadLetterRequest, DeadLetterResult } from '../contract';
import { toRetryableFailure } from '../errors';
import { countDeadLetter } from './activity-metrics';
import type { ActivityDependencies } from './dependencies';

export function deadLetterBatchActivity(deps: Pick<ActivityDependencies, 'inbox' | 'batches' | 'deadLetters'>) {
  /**
   * Writes the dead letter (with the batch's message ids) and moves the namespace cursor past it, then keeps
   * the batch's failure details as long as the letter; safe to repeat, and retried until it succeeds: the
   * thread must not move on without recording the batch.
   */
  return async function deadLetterBatch(request: DeadLetterRequest): Promise<DeadLetterResult> {
    const { ref, failure, firstAttemptAt, deadAt } = request;
    try {
      const messages = await deps.inbox.readRange(ref.threadId, ref.namespace, ref.afterSeq, ref.toSeq);
      const result = await deps.batches.deadLetter(
        ref,
        messages.map((m) => m.id),
        failure,
        { firstAttemptAt, deadAt },
      );
      if (result.status === 'dead-lettered' || result.status === 'reopened') await deps.deadLetters.details.keep(ref);
      log.warn('batch recorded as a dead letter', { batchId: ref.batchId, threadId: ref.threadId, status: result.status, ...failure });
      return countDeadLetter(result, failure.type);
    } catch (err) {
      throw toRetryableFailure(err);
    }
  };
}
