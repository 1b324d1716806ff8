/** The planning step (a local activity): which batch the thread extracts next. */
import type { BatchRef, PlanRequest } from '../contract';
import { toApplicationFailure } from '../errors';
import type { ActivityDependencies } from './dependencies';

export function planBatchActivity(deps: Pick<ActivityDependencies, 'planner'>) {
  /** The next batch of the thread up to `upToSeq` (re-drives first), or null when there is none. */
  return async function planBatch(request: PlanRequest): Promise<BatchRef | null> {
    try {
      return await deps.planner.next(request.threadId, request.upToSeq);
    } catch (err) {
      throw toApplicationFailure(err);
    }
  };
}
