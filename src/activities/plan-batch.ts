/** The planning step (a local activity): which batch the thread extracts next. */
import type { PlanRequest, PlanResult } from '../contract';
import { toRetryableFailure } from '../errors';
import type { ActivityDependencies } from './dependencies';

export function planBatchActivity(deps: Pick<ActivityDependencies, 'planner'>) {
  /** The next batch of the thread up to `upToSeq` (re-drives first), and the inbox head. Retried until DynamoDB answers. */
  return async function planBatch(request: PlanRequest): Promise<PlanResult> {
    try {
      return await deps.planner.plan(request.threadId, request.upToSeq);
    } catch (err) {
      throw toRetryableFailure(err);
    }
  };
}
