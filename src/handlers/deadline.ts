/** Bounds a handler's work by the invocation's remaining time, so a slow dependency becomes a 503, not a killed invocation. */
import type { Connection } from '@temporalio/client';
import { HANDLER_DEADLINE_MARGIN_MS } from '../defaults';
import { withTimeLimit } from '../time-limit';

/**
 * Runs `work` with every Temporal call carrying a gRPC deadline HANDLER_DEADLINE_MARGIN_MS before Lambda's
 * own, and gives up with `DependencyUnavailableError` at that point whatever is still pending (DynamoDB).
 */
export async function withinDeadline<T>(connection: Connection, remainingMs: number, work: () => Promise<T>): Promise<T> {
  const budgetMs = Math.max(1, remainingMs - HANDLER_DEADLINE_MARGIN_MS);
  return withTimeLimit(budgetMs, () => connection.withDeadline(Date.now() + budgetMs, work), "no answer (the invocation's remaining time, less a margin)");
}
