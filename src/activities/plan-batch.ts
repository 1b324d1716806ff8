/** The planning step (a local activity): which batch the thread extracts next. */
import type { PlanRequest, PlanResult } from '../contract';
import { toRetryableFailure } from '../errors';
import type { ActivityDependencies } from './dependencies';

export function planBatchActivity(deps: Pick<ActivityDependencies, 'planner' | 'handoff'>) {
  /**
   * The next batch of the thread up to `upToSeq` (re-drives first), and the inbox head. Retried until DynamoDB
   * answers. The batch's messages stay on this worker for its extraction; Temporal gets the reference only.
   */
  return async function planBatch(request: PlanRequest): Promise<PlanResult> {
    try {
      const { plan, messages } = await deps.planner.planWithMessages(request.threadId, request.upToSeq);
      if (plan.ref && deps.handoff) deps.handoff.keep(plan.ref, messages);
      return { ref: plan.ref, headSeq: plan.headSeq };
    } catch (err) {
      throw toRetryableFailure(err);
    }
  };
}
