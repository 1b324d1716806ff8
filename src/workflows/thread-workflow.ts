/**
 * The per-thread entity workflow. The signal handler only records references; the main loop waits until
 * the thread has been quiet for `afterSeconds` (or has waited `maxWaitSeconds`), then drains: it plans one
 * batch at a time from the thread's inbox in DynamoDB and extracts it, until everything signalled before
 * the drain began has been through a batch. Temporal's retry policy owns retries; a batch that cannot be
 * extracted within the retry window becomes a dead letter in DynamoDB and the thread moves on. A thread
 * with nothing to do for `idleCloseSeconds` completes.
 *
 * This workflow is shipped: running threads replay through it. Change it behind `patched()` and record a
 * new history (docs/versioning.md); every value it depends on is in `replay-constants.ts`. Pure: no I/O,
 * no Node builtins (enforced by ESLint on this folder).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/activity-types';
import {
  flushUpdate,
  messagesAddedSignal,
  redriveRequestedSignal,
  threadStateQuery,
  type BatchOutcome,
  type BatchRef,
  type FailureInfo,
  type FlushRequest,
  type ThreadSettings,
  type ThreadStateView,
  type ThreadWorkflowInput,
} from '../contract';
import { failureCode, failureSummary } from '../failure-facts';
import { FlushCollector } from './flush-collector';
import {
  BOOKKEEPING_RETRY_BACKOFF_COEFFICIENT,
  BOOKKEEPING_RETRY_INITIAL_INTERVAL_MS,
  BOOKKEEPING_RETRY_MAX_INTERVAL_MS,
  BOOKKEEPING_TIMEOUT_MS,
  DEFAULT_FLUSH_WAIT_SECONDS,
  DRAIN_HOLDS_LATE_SIGNALS_PATCH,
  EXTRACTION_HEARTBEAT_TIMEOUT_MS,
  EXTRACTION_RETRY_BACKOFF_COEFFICIENT,
  EXTRACTION_RETRY_INITIAL_INTERVAL_MS,
  EXTRACTION_RETRY_MAX_INTERVAL_MS,
  EXTRACTION_TIMEOUT_MS,
  FAILURE_FACTS_PATCH,
  FORCED_ROLLOVER_FACTOR,
  NON_RETRYABLE_ERROR_TYPES,
} from './replay-constants';
import { flushRequestProblem, resolveSettings } from './signal-payload';
import { ThreadState } from './thread-state';

/** Planning a batch and recording a dead letter: short DynamoDB steps, retried until DynamoDB answers. */
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: BOOKKEEPING_TIMEOUT_MS,
  retry: {
    initialInterval: BOOKKEEPING_RETRY_INITIAL_INTERVAL_MS,
    backoffCoefficient: BOOKKEEPING_RETRY_BACKOFF_COEFFICIENT,
    maximumInterval: BOOKKEEPING_RETRY_MAX_INTERVAL_MS,
  },
});

/**
 * The extraction activity with the one retry policy of this project: exponential backoff without an
 * attempt limit, bounded by the batch's remaining retry window (schedule-to-close). Heartbeats let another
 * worker take over a killed worker's attempt within seconds.
 */
function extraction(scheduleToCloseMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: EXTRACTION_TIMEOUT_MS,
    heartbeatTimeout: EXTRACTION_HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: scheduleToCloseMs,
    retry: {
      initialInterval: EXTRACTION_RETRY_INITIAL_INTERVAL_MS,
      backoffCoefficient: EXTRACTION_RETRY_BACKOFF_COEFFICIENT,
      maximumInterval: EXTRACTION_RETRY_MAX_INTERVAL_MS,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
    },
  });
}

/** One long-running workflow per conversation thread; started or signalled with `signalWithStart`. */
export async function threadWorkflow(input: ThreadWorkflowInput): Promise<ThreadStateView> {
  const settings = resolveSettings(input.settings);
  const state = new ThreadState(input.threadId, settings, input.carried, Date.now());
  const flushes = new Set<FlushCollector>();

  // Continue-as-new when Temporal suggests it, between steps. While a flush waits for its batches, not
  // until it returns (a flush waits at most MAX_FLUSH_WAIT_SECONDS) — unless the history has grown to
  // FORCED_ROLLOVER_FACTOR × its length at the first activation that saw the suggestion: then also in the
  // middle of an extraction (a batch retried for hours under a stream of messages must not run the run into
  // Temporal's limits), and waiting flushes return early. `suggestedAtLength` is set inside a condition,
  // which is replay-safe: conditions are evaluated after every activation, identically on replay.
  let suggestedAtLength: number | undefined;
  const rolloverForced = () => {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested) return false;
    suggestedAtLength ??= info.historyLength;
    return info.historyLength >= FORCED_ROLLOVER_FACTOR * suggestedAtLength;
  };
  const rolloverWanted = () => workflowInfo().continueAsNewSuggested && (state.flushWaiting === 0 || rolloverForced());

  // Asked only for a signal a running drain's cutoff claims, so the marker is recorded where it matters.
  const holdLateSignals = () => patched(DRAIN_HOLDS_LATE_SIGNALS_PATCH);
  setHandler(messagesAddedSignal, (payload: unknown) => {
    if (state.receive(payload, Date.now(), holdLateSignals) === 'invalid') {
      log.warn('dropped a malformed messagesAdded signal (sent around the client?)', { threadId: input.threadId });
    }
  });
  setHandler(redriveRequestedSignal, () => state.requestRedrive());
  setHandler(threadStateQuery, () => state.view());
  setHandler(
    flushUpdate,
    async (request: FlushRequest) => {
      const target = state.requestFlush();
      const collector = new FlushCollector();
      flushes.add(collector);
      state.flushWaiting += 1;
      try {
        const timeoutMs = (request.timeoutSeconds ?? DEFAULT_FLUSH_WAIT_SECONDS) * 1000;
        const drained = () => state.drainedThrough(target);
        if (!drained() && timeoutMs > 0) await condition(() => drained() || rolloverForced(), timeoutMs);
        return collector.finish(drained());
      } finally {
        state.flushWaiting -= 1;
        flushes.delete(collector);
      }
    },
    {
      validator: (request: FlushRequest) => {
        const problem = flushRequestProblem(request);
        if (problem) throw ApplicationFailure.nonRetryable(problem, 'InvalidInputError');
      },
    },
  );

  const ctx: LoopContext = { threadId: input.threadId, settings, state, rolloverWanted, rolloverForced, flushes };
  for (;;) {
    const ended = await runLoop(ctx);
    // Handlers must finish before the run ends. A flush that arrived meanwhile needs the loop to serve it.
    await condition(() => allHandlersFinished() || (state.flushWaiting > 0 && !rolloverForced()));
    if (state.flushWaiting > 0 && !rolloverForced()) continue;
    if (ended === 'idle' && state.hasWork()) continue;
    if (ended === 'idle') {
      log.info('thread idle; closing (the next submit starts it again)', { threadId: input.threadId });
      return state.view();
    }
    return await continueAsNew<typeof threadWorkflow>({ threadId: input.threadId, settings, carried: state.toCarried() });
  }
}

interface LoopContext {
  threadId: string;
  settings: ThreadSettings;
  state: ThreadState;
  rolloverWanted: () => boolean;
  rolloverForced: () => boolean;
  flushes: Set<FlushCollector>;
}

/** Waits for work, for quiet, drains; returns when the run should continue as new or close for idleness. */
async function runLoop(ctx: LoopContext): Promise<'rollover' | 'idle'> {
  const { state, rolloverWanted } = ctx;
  for (;;) {
    if (rolloverWanted()) return 'rollover';
    if (!state.hasWork()) {
      const remainingMs = state.idleDeadlineMs() - Date.now();
      const woke = remainingMs > 0 && (await condition(() => state.hasWork() || rolloverWanted(), remainingMs));
      if (!woke) {
        // Before closing, look for messages no signal named (their submit died before signalling).
        const swept = await untilRollover(() => bookkeeping.planBatch({ threadId: ctx.threadId, upToSeq: Number.MAX_SAFE_INTEGER }), rolloverWanted);
        if (swept.kind === 'rollover') return 'rollover';
        if (swept.kind === 'error') throw swept.error;
        if (!swept.value.ref) return 'idle';
        log.warn('found messages no signal named; extracting them', { threadId: ctx.threadId, headSeq: swept.value.headSeq });
        state.adoptUnsignalled(swept.value.headSeq, Date.now());
      }
      if (!state.hasWork()) continue;
    }
    if ((await waitUntilDue(ctx)) === 'rollover') return 'rollover';
    if ((await drain(ctx)) === 'rollover') return 'rollover';
  }
}

/**
 * Sleeps on a durable timer until the drain is due. A later message only moves the due time later, which
 * the next turn of this loop handles when the timer fires: one timer per quiet period rather than one per
 * message (same behaviour, fewer history events). The wait ends early when the due time moves earlier
 * (a flush, a re-drive, a shorter `afterSeconds`) or when Temporal suggests continue-as-new (the due time
 * is carried over, so the new run resumes the wait).
 */
async function waitUntilDue({ state, rolloverWanted }: LoopContext): Promise<'due' | 'rollover'> {
  for (;;) {
    if (rolloverWanted()) return 'rollover';
    const due = state.dueAtMs();
    if (due === null) return 'due';
    const waitMs = due - Date.now();
    if (waitMs <= 0) return 'due';
    await condition(() => rolloverWanted() || (state.dueAtMs() ?? 0) < due, waitMs);
  }
}

/** Plans and extracts batches until everything signalled before the drain began has been through one. */
async function drain(ctx: LoopContext): Promise<'done' | 'rollover'> {
  const { state, threadId, rolloverWanted } = ctx;
  const upToSeq = state.beginDrain();
  for (;;) {
    if (rolloverWanted()) return 'rollover';
    let ref = state.interruptedBatch();
    if (!ref) {
      const planned = await untilRollover(() => bookkeeping.planBatch({ threadId, upToSeq }), rolloverWanted);
      if (planned.kind === 'rollover') return 'rollover';
      if (planned.kind === 'error') throw planned.error;
      ref = planned.value.ref;
      if (!ref) {
        state.finishDrain(Date.now(), planned.value.headSeq);
        return 'done';
      }
    }
    const outcome = await runBatch(ctx, ref);
    if (outcome === 'rollover') return 'rollover';
    if (outcome) for (const flush of ctx.flushes) flush.add(outcome);
  }
}

/** Extracts one batch; when its retries are over, records it as a dead letter. Null when the plan was stale. */
async function runBatch(ctx: LoopContext, ref: BatchRef): Promise<BatchOutcome | null | 'rollover'> {
  const { state, settings, rolloverForced } = ctx;
  const started = state.startBatch(ref, Date.now());
  const remainingMs = started.firstAttemptAtMs + settings.retryWindowSeconds * 1000 - Date.now();
  let failure = started.failure;
  if (!failure && remainingMs > 0) {
    const attempt = await untilRollover(() => extraction(remainingMs).extractBatch(ref), rolloverForced);
    if (attempt.kind === 'rollover') return 'rollover';
    if (attempt.kind === 'value') return state.recordExtraction(ref, attempt.value, Date.now());
    if (isCancellation(attempt.error)) throw attempt.error;
    failure = describeFailure(attempt.error);
  }
  // No attempt left in the window (e.g. it ran out while the run was continuing as new).
  failure ??= {
    type: 'RetryWindowExceeded',
    message: `no attempt succeeded within the ${settings.retryWindowSeconds} s retry window`,
    reason: 'retry-window-used-up',
  };
  state.recordFinalFailure(failure);
  log.error('memory extraction failed for good; recording a dead letter', {
    batchId: ref.batchId,
    kind: ref.kind,
    messageCount: ref.messageCount,
    ...failure,
  });
  const request = {
    ref,
    failure,
    firstAttemptAt: new Date(started.firstAttemptAtMs).toISOString(),
    deadAt: new Date(Date.now()).toISOString(),
  };
  const dead = await untilRollover(() => bookkeeping.deadLetterBatch(request), rolloverForced);
  if (dead.kind === 'rollover') return 'rollover';
  if (dead.kind === 'error') throw dead.error;
  return state.recordDeadLetter(ref, failure, dead.value, Date.now());
}

type Raced<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'rollover' };

/**
 * Runs `work` until it settles or continue-as-new is wanted, whichever comes first; the loser is
 * cancelled. A cancelled extraction is carried into the next run, which extracts it first: if the
 * cancelled attempt had committed meanwhile, that attempt finds the cursor moved and answers from the
 * batch's receipt, so the commit is counted once and made once.
 */
async function untilRollover<T>(work: () => Promise<T>, rolloverWanted: () => boolean): Promise<Raced<T>> {
  return CancellationScope.cancellable(async () => {
    const settled = work().then(
      (value): Raced<T> => ({ kind: 'value', value }),
      (error: unknown): Raced<T> => ({ kind: 'error', error }),
    );
    const rollover = condition(rolloverWanted).then(
      (): Raced<T> => ({ kind: 'rollover' }),
      (): Raced<T> => ({ kind: 'rollover' }),
    );
    const first = await Promise.race([settled, rollover]);
    CancellationScope.current().cancel();
    return first;
  });
}

/**
 * The failure of an extraction whose retries are over. Temporal ends the retries either because the
 * error is final, or because the next attempt would start after the schedule-to-close bound (the retry
 * window); the last attempt's error is kept either way, so the dead letter says what actually went wrong.
 */
function describeFailure(err: unknown): FailureInfo {
  const activity = err instanceof ActivityFailure ? err : undefined;
  const reason = activity?.retryState === 'TIMEOUT' ? 'retry-window-used-up' : 'non-retryable';
  const cause = activity ? activity.cause : err;
  if (patched(FAILURE_FACTS_PATCH)) return failureRecord(cause, reason);
  if (cause instanceof TimeoutFailure) {
    const last = cause.cause instanceof ApplicationFailure ? `; last error: ${cause.cause.type ?? 'Error'}: ${cause.cause.message}` : '';
    return { type: 'ActivityTimeout', message: `${cause.timeoutType ?? 'timeout'}: ${cause.message}${last}`, reason };
  }
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message, reason };
  if (cause instanceof Error) return { type: cause.name, message: cause.message, reason };
  return { type: 'UnknownError', message: String(cause), reason };
}

/**
 * Since FAILURE_FACTS_PATCH: the failure record is rebuilt from the failure's type and facts (its details),
 * never from its message, so whatever text a failure's message holds (one from a worker before issue 14)
 * stays out of the thread's state and its continue-as-new input.
 */
function failureRecord(cause: unknown, reason: FailureInfo['reason']): FailureInfo {
  const summary = (failure: ApplicationFailure) => failureSummary(failure.type, failure.details?.[0]);
  if (cause instanceof TimeoutFailure) {
    const last = cause.cause instanceof ApplicationFailure ? `; last error: ${summary(cause.cause)}` : '';
    return { type: 'ActivityTimeout', message: `${failureCode(cause.timeoutType)} timeout${last}`, reason };
  }
  if (cause instanceof ApplicationFailure) return { type: failureCode(cause.type), message: summary(cause), reason };
  const type = failureCode(cause instanceof Error ? cause.name : undefined);
  return { type, message: type, reason };
}
