/**
 * Every constant the thread workflow's replay depends on, and only those. The thread workflow is shipped:
 * running threads replay through whatever code the worker runs, and these values decide its commands
 * (timers, activity schedules and their retry policies, when it continues as new) and what its signal and
 * update checks accept. **Changing any value here needs `patched()`** in the workflow (old branch keeps the
 * old value) and a newly recorded history: see docs/versioning.md.
 *
 * The workflow files import constants from this module alone (checked by test/unit/replay-constants.test.ts),
 * and so do the rules they call (`rules.ts`). Operational defaults (batch caps, search, handlers, local
 * tooling) live in `defaults.ts` and may change freely. This module imports nothing.
 */

// ───────────── debounce (timer rules) ─────────────

/**
 * Quiet period before a thread's pending messages are extracted (s); LangMem's executor default is 0 s, but
 * a real debounce needs a window. Also `submit`'s default. Needs `patched()` to change.
 */
export const DEFAULT_AFTER_SECONDS = 60;

/** Max-wait default, as a multiple of the quiet period: a thread that never goes quiet is still extracted at least this often. Needs `patched()` to change. */
export const DEFAULT_MAX_WAIT_FACTOR = 10;

/** Longest quiet period (and max-wait) a caller may ask for (s, one week): the signal check drops longer ones. Needs `patched()` to change. */
export const MAX_AFTER_SECONDS = 7 * 24 * 60 * 60;

// ───────────── thread settings (start input) ─────────────

/** A thread with nothing pending for this long completes its workflow (s); the next submit starts it again. Needs `patched()` to change. */
export const DEFAULT_IDLE_CLOSE_SECONDS = 60 * 60;

/** Longest idle-close period a client may configure (s, thirty days); longer falls back to the default. Needs `patched()` to change. */
export const MAX_IDLE_CLOSE_SECONDS = 30 * 24 * 60 * 60;

/**
 * How long one batch's extraction is retried before it becomes a dead letter (s): the activity's
 * schedule-to-close bound. Long enough to ride out a model outage or a rotated key without anyone
 * re-driving anything; short enough that a poison batch does not hold its thread back for a day.
 * Needs `patched()` to change.
 */
export const DEFAULT_RETRY_WINDOW_SECONDS = 6 * 60 * 60;

/** Shortest retry window a client may configure (s). Needs `patched()` to change. */
export const MIN_RETRY_WINDOW_SECONDS = 1;

/** Longest retry window a client may configure (s, one week). Needs `patched()` to change. */
export const MAX_RETRY_WINDOW_SECONDS = 7 * 24 * 60 * 60;

// ───────────── extraction activity: timeouts and retry policy ─────────────

/** First retry delay of a failed extraction attempt (ms); the delay doubles up to the maximum below. Needs `patched()` to change. */
export const EXTRACTION_RETRY_INITIAL_INTERVAL_MS = 2_000;

/** Growth of the retry delay between extraction attempts (2 s, 4 s, 8 s, ...). Needs `patched()` to change. */
export const EXTRACTION_RETRY_BACKOFF_COEFFICIENT = 2;

/** Longest delay between extraction attempts (ms): during a long outage the model is tried every 10 minutes. Needs `patched()` to change. */
export const EXTRACTION_RETRY_MAX_INTERVAL_MS = 10 * 60_000;

/** Start-to-close timeout of one extraction attempt (ms): model call plus DynamoDB reads and one transaction. Needs `patched()` to change. */
export const EXTRACTION_TIMEOUT_MS = 120_000;

/** Heartbeat timeout of an extraction attempt (ms): a killed worker's batch is retried elsewhere after this, not after the 2-minute attempt timeout. Needs `patched()` to change. */
export const EXTRACTION_HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * Failure types Temporal must not retry: the extraction activity's `nonRetryableErrorTypes`. Each is the
 * literal `name` of a non-retryable class in `errors.ts` (checked by test/unit/model-errors.test.ts).
 * Needs `patched()` to change.
 */
export const NON_RETRYABLE_ERROR_TYPES = [
  'InvalidInputError',
  'ConfigurationError',
  'ModelRequestError',
  'MemoryWriteRejectedError',
  'BatchIdentityError',
  'TenantAccessError',
  'ModelRefusalError',
  'ReviewRequiredError',
] as const;

// ───────────── bookkeeping local activities (plan a batch, record a dead letter) ─────────────

/** Start-to-close timeout of the small DynamoDB steps run as local activities (ms). Needs `patched()` to change. */
export const BOOKKEEPING_TIMEOUT_MS = 30_000;

/** First retry delay of a bookkeeping step (ms). Needs `patched()` to change. */
export const BOOKKEEPING_RETRY_INITIAL_INTERVAL_MS = 1_000;

/** Growth of the retry delay between bookkeeping attempts. Needs `patched()` to change. */
export const BOOKKEEPING_RETRY_BACKOFF_COEFFICIENT = 2;

/** Longest delay between retries of those bookkeeping steps (ms) while DynamoDB is unreachable; they retry until it answers. Needs `patched()` to change. */
export const BOOKKEEPING_RETRY_MAX_INTERVAL_MS = 60_000;

// ───────────── continue-as-new ─────────────

/**
 * An extraction in progress is cancelled for continue-as-new only once the history is this many times
 * as long as when Temporal first suggested continuing (a retrying batch must not run the run into
 * Temporal's limits; a short model call is not worth cancelling). Needs `patched()` to change.
 */
export const FORCED_ROLLOVER_FACTOR = 2;

// ───────────── flush update ─────────────

/** How long a `flush` waits when the caller does not say (s): the update's timer. Needs `patched()` to change. */
export const DEFAULT_FLUSH_WAIT_SECONDS = 60;

/** Longest time a `flush` update waits for its extractions before returning what finished so far (s); the update's validator refuses more. Needs `patched()` to change. */
export const MAX_FLUSH_WAIT_SECONDS = 15 * 60;

/** Batch outcomes one `flush` returns in full; later ones are only counted (keeps the update result small). Needs `patched()` to change. */
export const FLUSH_OUTCOMES_KEPT = 20;

// ───────────── carried state ─────────────

/** Longest failure message kept in the thread's state (characters); keeps the continue-as-new input a fixed size. Needs `patched()` to change. */
export const MAX_FAILURE_MESSAGE_CHARS = 2_000;

/**
 * Most a signal's `submittedAtMs` may start its quiet period before the thread hears of the signal (ms):
 * the signal's way through Temporal to the worker is made up for, a caller's clock that is off by more is
 * not believed. Needs `patched()` to change.
 */
export const QUIET_HEAD_START_MAX_MS = 2_000;

// ───────────── patches (ids of `patched()` calls) ─────────────

/**
 * Patch id: a signal that arrives while a drain runs, naming a sequence number the drain's cutoff covers,
 * is held until the drain ends and counted as untaken if the inbox head the drain read does not reach it
 * (a cutoff made up by a signal sent around the client no longer hides it). A patch id is part of the
 * recorded histories: never rename or reuse it. Needs `patched()` to change (then `deprecatePatch`, see
 * docs/versioning.md).
 */
export const DRAIN_HOLDS_LATE_SIGNALS_PATCH = 'drain-holds-late-signals';

/**
 * Most counts a failure carries into Temporal (`failure-facts.ts`): a failure is a code, a few counts and a
 * reference, so the failure record stays small. Needs `patched()` to change.
 */
export const MAX_FAILURE_FACTS = 8;

/**
 * Patch id (issue 14): the thread's failure record is rebuilt from the failure's type and facts, never
 * copied from its message, so no text an old worker put in a message reaches the carried state. Never
 * reuse or rename it. Needs `patched()` to change.
 */
export const FAILURE_FACTS_PATCH = 'failure-record-facts-only';

/**
 * Patch id (issue 15): the drain plans and extracts each batch in one activity (`extractNext`, one attempt)
 * instead of a planning local activity followed by the extraction; when that attempt fails, the batch goes
 * the old way (planned by the local activity unless the failure names it, then extracted with the retry
 * policy). Never reuse or rename it. Needs `patched()` to change.
 */
export const PLAN_IN_EXTRACTION_PATCH = 'plan-in-extraction';

/**
 * Patch id (issue 15): a signal's quiet period counts from its `submittedAtMs` (bounded by
 * QUIET_HEAD_START_MAX_MS), so the durable timer fires when the quiet period really ends rather than a
 * workflow task later. Asked only for signals that carry the field. Never reuse or rename it.
 * Needs `patched()` to change.
 */
export const QUIET_FROM_SUBMIT_PATCH = 'quiet-from-submit';
