/** The activity factory: every activity the worker registers, built from their clients. */
import { deadLetterBatchActivity } from './dead-letter-batch';
import type { ActivityDependencies } from './dependencies';
import { extractBatchActivity } from './extract-batch';
import { extractNextActivity } from './extract-next';
import { planBatchActivity } from './plan-batch';
import { PlannedBatches } from './planned-batches';

/**
 * Creates the activity functions the worker registers.
 * @example
 * const worker = await Worker.create({ taskQueue, workflowsPath, activities: createActivities(deps) });
 */
export function createActivities(dependencies: ActivityDependencies) {
  // One handoff shared by planning and extraction: the planned batch's messages go from one to the other.
  const deps = { ...dependencies, handoff: dependencies.handoff ?? new PlannedBatches() };
  return {
    planBatch: planBatchActivity(deps),
    extractBatch: extractBatchActivity(deps),
    extractNext: extractNextActivity(deps),
    deadLetterBatch: deadLetterBatchActivity(deps),
  };
}
