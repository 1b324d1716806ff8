/** The activity factory: every activity the worker registers, built from their clients. */
import { deadLetterBatchActivity } from './dead-letter-batch';
import type { ActivityDependencies } from './dependencies';
import { extractBatchActivity } from './extract-batch';
import { planBatchActivity } from './plan-batch';

/**
 * Creates the activity functions the worker registers.
 * @example
 * const worker = await Worker.create({ taskQueue, workflowsPath, activities: createActivities(deps) });
 */
export function createActivities(deps: ActivityDependencies) {
  return {
    planBatch: planBatchActivity(deps),
    extractBatch: extractBatchActivity(deps),
    deadLetterBatch: deadLetterBatchActivity(deps),
  };
}
