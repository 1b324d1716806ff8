/**
 * The per-thread entity workflow: the signal handler only records messages; the main loop waits until the
 * thread has been quiet for `afterSeconds` (a durable timer restarted by every message), then runs one
 * extraction activity per batch. Pure: no I/O, no Node builtins (enforced by ESLint on this folder).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/activity-types';
import { addMessagesSignal, threadStateQuery, type ThreadWorkflowInput } from '../contract';
import {
  EXTRACTION_MAX_ATTEMPTS,
  EXTRACTION_RETRY_BACKOFF_COEFFICIENT,
  EXTRACTION_RETRY_INITIAL_INTERVAL_MS,
  EXTRACTION_RETRY_MAX_INTERVAL_MS,
  EXTRACTION_TIMEOUT_MS,
} from '../defaults';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { ThreadState } from './thread-state';

const { extractMemories } = proxyActivities<Activities>({
  startToCloseTimeout: EXTRACTION_TIMEOUT_MS,
  retry: {
    maximumAttempts: EXTRACTION_MAX_ATTEMPTS,
    initialInterval: EXTRACTION_RETRY_INITIAL_INTERVAL_MS,
    backoffCoefficient: EXTRACTION_RETRY_BACKOFF_COEFFICIENT,
    maximumInterval: EXTRACTION_RETRY_MAX_INTERVAL_MS,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
});

/** One long-running workflow per conversation thread; started or signalled with `signalWithStart`. */
export async function threadWorkflow(input: ThreadWorkflowInput): Promise<void> {
  const state = new ThreadState(input.threadId, input.carried);
  setHandler(addMessagesSignal, (payload: unknown) => {
    if (state.receive(payload, Date.now()) === null) {
      log.warn('dropped a malformed addMessages signal (sent around the client?)', { threadId: input.threadId });
    }
  });
  setHandler(threadStateQuery, () => state.view());

  // Batch ids must be unique across every execution chain of this thread id, and stable across retries.
  const batchScope = `${input.threadId}/${workflowInfo().firstExecutionRunId}`;

  for (;;) {
    await condition(() => state.hasPending() || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) break;
    // A thread that never goes quiet must still roll its history over (10,000 signals per run at most).
    if ((await waitUntilQuiet(state)) === 'continue-as-new') break;
    const batch = state.startBatch(batchScope);
    if (!batch) continue;
    try {
      const { messageIds: _ids, ...request } = batch;
      const result = await extractMemories(request);
      state.recordSuccess(batch, result, Date.now());
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = describeFailure(err);
      if (state.recordFailure(batch, failure, Date.now())) {
        log.error('memory extraction failed too often; batch parked', { batchId: batch.batchId, messageIds: batch.messageIds, ...failure });
      } else {
        log.warn('memory extraction failed; messages stay pending', { batchId: batch.batchId, ...failure });
      }
    }
  }

  await condition(allHandlersFinished);
  await continueAsNew<typeof threadWorkflow>({ threadId: input.threadId, carried: state.toCarried() });
}

/**
 * Sleeps on a durable timer until the state's due time; a new message wakes it to recompute. Returns early
 * when Temporal suggests continue-as-new: the due time is carried over, so the new run resumes the wait.
 */
async function waitUntilQuiet(state: ThreadState): Promise<'due' | 'continue-as-new'> {
  for (;;) {
    if (workflowInfo().continueAsNewSuggested) return 'continue-as-new';
    const due = state.dueAtMs();
    if (due === null) return 'due';
    const waitMs = due - Date.now();
    if (waitMs <= 0) return 'due';
    const generation = state.generation;
    await condition(() => state.generation !== generation || workflowInfo().continueAsNewSuggested, waitMs);
  }
}

function describeFailure(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  }
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'UnknownError', message: String(cause) };
}
