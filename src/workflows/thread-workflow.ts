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
  type PlannedBatchNote,
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
  PLAN_IN_EXTRACTION_PATCH,
  QUIET_FROM_SUBMIT_PATCH,
} from './replay-constants';
import { flushRequestProblem, quietStart, resolveSettings, submitTimeOf } from './signal-payload';
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
function extraction(scheduleToCloseMs: number, priorAttempts = 0) {
  // After a failed first attempt (`extractNext`) and its pause, the policy goes on where it would be: its second interval next.
  const initialInterval = Math.min(
    EXTRACTION_RETRY_INITIAL_INTERVAL_MS * EXTRACTION_RETRY_BACKOFF_COEFFICIENT ** priorAttempts,
    EXTRACTION_RETRY_MAX_INTERVAL_MS,
  );
  return proxyActivities<Activities>({
    startToCloseTimeout: EXTRACTION_TIMEOUT_MS,
    heartbeatTimeout: EXTRACTION_HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: scheduleToCloseMs,
    retry: {
      initialInterval,
      backoffCoefficient: EXTRACTION_RETRY_BACKOFF_COEFFICIENT,
      maximumInterval: EXTRACTION_RETRY_MAX_INTERVAL_MS,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
    },
  });
}

/**
 * The planning extraction (since PLAN_IN_EXTRACTION_PATCH): plans the next batch and extracts it in one
 * activity, once — no retries: a failed attempt hands its batch to the planning step and the extraction's
 * retry policy. Schedule-to-close is the retry window, so a batch never waits longer for its first attempt
 * than it would have waited in all.
 */
function plannedExtraction(retryWindowMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: EXTRACTION_TIMEOUT_MS,
    heartbeatTimeout: EXTRACTION_HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: retryWindowMs,
    retry: { maximumAttempts: 1 },
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
    // Since QUIET_FROM_SUBMIT_PATCH, asked only for signals that carry a submit time.
    const submittedAtMs = submitTimeOf(payload);
    const now = Date.now();
    const at = submittedAtMs !== null && patched(QUIET_FROM_SUBMIT_PATCH) ? quietStart(submittedAtMs, now, state.lastMessageAtMs) : now;
    if (state.receive(payload, at, holdLateSignals) === 'invalid') {
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
  const { state, threadId, settings, rolloverWanted } = ctx;
  const upToSeq = state.beginDrain();
  /** Ends the drain: nothing more is due up to the inbox head it last read (`headSeq`). */
  const finished = (headSeq: number): 'done' => {
    state.finishDrain(Date.now(), headSeq);
    return 'done';
  };
  for (;;) {
    if (rolloverWanted()) return 'rollover';
    let ref = state.interruptedBatch();
    let firstFailure: unknown;
    let triedAtMs: number | undefined;
    if (!ref && patched(PLAN_IN_EXTRACTION_PATCH)) {
      // One activity plans and extracts: the common path, with no local activity before the extraction.
      triedAtMs = Date.now();
      // Not raced against a forced continue-as-new: the thread does not know the batch until the attempt ends,
      // so it could not carry it into the next run. One attempt is bounded (EXTRACTION_TIMEOUT_MS); retries,
      // which can last hours, run as `extractBatch` and are raced as before.
      const next = await settle(plannedExtraction(settings.retryWindowSeconds * 1000).extractNext({ threadId, upToSeq }));
      if (next.kind === 'value') {
        if (!next.value.ref) return finished(next.value.headSeq);
        state.startBatch(next.value.ref, triedAtMs);
        const outcome = state.recordExtraction(next.value.ref, next.value.result, Date.now());
        if (outcome) for (const flush of ctx.flushes) flush.add(outcome);
        // The plan saw nothing after this batch: the drain ends here, with no activity to find that out.
        if (next.value.lastOfDrain) return finished(next.value.headSeq);
        continue;
      }
      if (isCancellation(next.error)) throw next.error;
      // Failed: the batch it planned (when it says) is retried from here, its window counting from this attempt.
      ref = plannedBatchOf(next.error);
      if (ref) {
        const { reason: _reason, ...first } = describeFailure(next.error);
        state.startBatch(ref, triedAtMs, first);
        firstFailure = next.error;
        // The pause the retry policy would make before a second attempt (none after a timeout: that waited already).
        const pauseMs = retryPauseOf(next.error);
        if (pauseMs > 0 && (await condition(ctx.rolloverForced, pauseMs))) return 'rollover';
      }
    }
    if (!ref) {
      const planned = await untilRollover(() => bookkeeping.planBatch({ threadId, upToSeq }), rolloverWanted);
      if (planned.kind === 'rollover') return 'rollover';
      if (planned.kind === 'error') throw planned.error;
      ref = planned.value.ref;
      if (!ref) return finished(planned.value.headSeq);
      // After an `extractNext` that failed without naming its batch, the batch's window counts from that attempt.
      if (triedAtMs !== undefined) state.startBatch(ref, triedAtMs);
    }
    const outcome = await runBatch(ctx, ref, firstFailure);
    if (outcome === 'rollover') return 'rollover';
    if (outcome) for (const flush of ctx.flushes) flush.add(outcome);
  }
}

/**
 * The batch a failed `extractNext` attempt had planned: named in its failure's details when the extraction
 * failed, in its last heartbeat when it timed out (its worker died). Null when it failed before planning.
 */
function plannedBatchOf(err: unknown): BatchRef | null {
  return plannedNoteOf(err)?.plannedBatch ?? null;
}

/** The note a failed `extractNext` carries (see {@link plannedBatchOf}), when it is well formed. */
function plannedNoteOf(err: unknown): PlannedBatchNote | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const notes: unknown[] =
    cause instanceof ApplicationFailure ? [...(cause.details ?? [])] : cause instanceof TimeoutFailure ? [cause.lastHeartbeatDetails] : [];
  for (const note of notes.reverse()) {
    const ref = (note as Partial<PlannedBatchNote> | null | undefined)?.plannedBatch;
    if (ref && typeof ref === 'object' && typeof ref.batchId === 'string' && typeof ref.threadId === 'string') return note as PlannedBatchNote;
  }
  return null;
}

/**
 * How long to wait before retrying after a failed `extractNext`: what the failure asks for (a model's
 * retry-after), else the retry policy's first interval; nothing after a timeout or a final error.
 */
function retryPauseOf(err: unknown): number {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || isFinal(err)) return 0;
  // The failure's own nextRetryDelay does not reach workflow code; the note carries it.
  const asked = plannedNoteOf(err)?.retryAfterMs;
  return typeof asked === 'number' && Number.isFinite(asked) && asked > 0 ? asked : EXTRACTION_RETRY_INITIAL_INTERVAL_MS;
}

/** Whether a failed attempt's error is final (the retry policy would not try again): its batch goes straight to the dead-letter step. */
function isFinal(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && (cause.nonRetryable === true || (NON_RETRYABLE_ERROR_TYPES as readonly string[]).includes(cause.type ?? ''));
}

/**
 * Extracts one batch; when its retries are over, records it as a dead letter. Null when the plan was stale.
 * `firstFailure`: how the batch's `extractNext` attempt failed — when that error is final, no attempt is made.
 */
async function runBatch(ctx: LoopContext, ref: BatchRef, firstFailure?: unknown): Promise<BatchOutcome | null | 'rollover'> {
  const { state, settings, rolloverForced } = ctx;
  const started = state.startBatch(ref, Date.now());
  const remainingMs = started.firstAttemptAtMs + settings.retryWindowSeconds * 1000 - Date.now();
  let failure = started.failure ?? (firstFailure !== undefined && isFinal(firstFailure) ? describeFailure(firstFailure) : undefined);
  if (!failure && remainingMs > 0) {
    // A batch an `extractNext` attempt planned had that attempt: its retries count it (also in a later run).
    const extract = started.firstAttemptFailure
      ? () => extraction(remainingMs, 1).extractBatch(ref, { priorAttempts: 1 })
      : () => extraction(remainingMs).extractBatch(ref);
    const attempt = await untilRollover(extract, rolloverForced);
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

/** The outcome of `work`, as a value or an error. */
async function settle<T>(work: Promise<T>): Promise<{ kind: 'value'; value: T } | { kind: 'error'; error: unknown }> {
  return work.then(
    (value) => ({ kind: 'value' as const, value }),
    (error: unknown) => ({ kind: 'error' as const, error }),
  );
}

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
