/**
 * The error family of the memory manager. Each class states whether retrying can help; activities turn
 * them into Temporal `ApplicationFailure`s with the error's `name` as the failure type, so retry policies
 * and the workflow's failure record can tell them apart. Pure: safe to import from workflow code.
 *
 * `toApplicationFailure` is the one place an error becomes a Temporal failure, and it reads only the
 * error's name, its `counts` and the reference the activity gives (see `failure-facts.ts`): never its
 * message, its `detail` or its cause, which may hold text from the model or the user. That text is kept
 * in `detail` and stored with the dead letter in DynamoDB by the activity that has it.
 *
 * Every class sets its `name` as a string literal, never from `new.target.name` or `constructor.name`: a
 * minifying bundler (the Lambda bundles, CDK's NodejsFunction) renames classes, and the name is part of
 * the contract — the HTTP answer's `error.type`, the failure type Temporal's retry policy matches, the
 * CLI's JSON errors (checked by test/unit/error-names.test.ts on a minified build).
 */
import { ApplicationFailure } from '@temporalio/common';
import { INVALID_OUTPUT_MAX_ATTEMPTS } from './defaults';
import { failureCode, failureFacts, failureSummary, type FailureFacts } from './failure-facts';

/** Failure types Temporal must not retry: the extraction activity's retry policy, kept with what replay depends on. */
export { NON_RETRYABLE_ERROR_TYPES } from './workflows/replay-constants';

/**
 * Text from the model or the user that an operator needs to judge a failure, kept apart from the message:
 * stored with the dead letter in DynamoDB (`store/failure-details.ts`), never put in a Temporal failure.
 */
export interface FailureDetail {
  /** ReviewRequiredError: the operations the model proposed. */
  proposedOperations?: unknown[];
  /** ModelRefusalError: the model's reason. */
  refusal?: string;
  /** Model API errors: the status and the error as the API (or the SDK) reported it, body included. */
  modelError?: { status?: number; message: string };
  /** InvalidModelOutputError: what was wrong (field paths and messages, which may quote the output), and the tool inputs. */
  invalidOutput?: { problems: string[]; toolInputs?: unknown[] };
}

/** Options of every error of the family. */
export interface MemoryManagerErrorOptions {
  cause?: unknown;
  /** A delay the failing side asked for (e.g. a 429's retry-after), in ms. */
  retryAfterMs?: number;
  /** Numbers that describe the failure (a status code, counts over a cap); the only facts a Temporal failure carries. */
  counts?: Record<string, number>;
  /** Model or user text an operator needs; kept out of the message and out of Temporal. */
  detail?: FailureDetail;
}

/**
 * Base class: every error of this package has a stable, literal `name` and says whether a retry can succeed.
 * Its `message` is for callers and operators and must be built from our own words and numbers; text from the
 * model or the user goes in `detail`. Neither reaches Temporal (see {@link toApplicationFailure}).
 */
export abstract class MemoryManagerError extends Error {
  /** The class's name as a literal (e.g. `'InvalidInputError'`), so it survives minification. */
  abstract override readonly name: string;
  abstract readonly retryable: boolean;
  /** For retryable errors that stop being worth retrying: the attempt from which they are final. */
  readonly finalFromAttempt: number | undefined = undefined;
  /** A delay the failing side asked for (e.g. a 429's retry-after), in ms. */
  readonly retryAfterMs: number | undefined;
  /** Numbers that describe the failure; a Temporal failure carries these and the code, nothing else. */
  readonly counts: Readonly<Record<string, number>>;
  /** Model or user text an operator needs, stored with the dead letter; never in the message or in Temporal. */
  readonly detail: FailureDetail | undefined;

  constructor(message: string, options: MemoryManagerErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
    this.counts = { ...options.counts };
    this.detail = options.detail;
  }
}

/** Caller input failed validation; `message` names every bad field. Never retryable. */
export class InvalidInputError extends MemoryManagerError {
  override readonly name = 'InvalidInputError';
  readonly retryable = false;
}

/**
 * A namespace outside the caller's tenant: refused before anything is read or written. Never retryable
 * (an HTTP handler answers 403, not 400: the request was well-formed, just not allowed).
 */
export class TenantAccessError extends MemoryManagerError {
  override readonly name = 'TenantAccessError';
  readonly retryable = false;
}

/**
 * A request carries no usable identity (no JWT claims, or not the claims the tenant template needs).
 * Never retryable; an HTTP handler answers 401.
 */
export class UnauthenticatedError extends MemoryManagerError {
  override readonly name = 'UnauthenticatedError';
  readonly retryable = false;
}

/** Configuration (env vars, options) is missing or invalid. Never retryable. */
export class ConfigurationError extends MemoryManagerError {
  override readonly name = 'ConfigurationError';
  readonly retryable = false;
}

/** The model API is rate-limited, overloaded, failing or unreachable (408, 409, 429, 5xx, 529, network). Retryable. */
export class ModelUnavailableError extends MemoryManagerError {
  override readonly name = 'ModelUnavailableError';
  readonly retryable = true;
}

/**
 * The model API refused our credentials or does not know the model (401, 403, 404). Retryable through the
 * retry window: this is a configuration outage (a rotated key, a retired model name) that an operator
 * fixes, after which the waiting batches go through on their own instead of piling up as dead letters.
 */
export class ModelAccessError extends MemoryManagerError {
  override readonly name = 'ModelAccessError';
  readonly retryable = true;
}

/** The model API refused the request itself (400, 413, 422, other 4xx): retrying the same request cannot help. */
export class ModelRequestError extends MemoryManagerError {
  override readonly name = 'ModelRequestError';
  readonly retryable = false;
}

/**
 * The model's reply did not contain a valid `manage_memories` call. Retried, because model output varies
 * between samples, but only up to INVALID_OUTPUT_MAX_ATTEMPTS: a batch the model keeps answering wrongly
 * becomes a dead letter instead of holding its thread back for the whole retry window.
 */
export class InvalidModelOutputError extends MemoryManagerError {
  override readonly name = 'InvalidModelOutputError';
  readonly retryable = true;
  override readonly finalFromAttempt = INVALID_OUTPUT_MAX_ATTEMPTS;
}

/**
 * The model refused the request (`stop_reason: refusal`). Not retried: the same conversation will be
 * refused again; the batch becomes a dead letter carrying the model's reason.
 */
export class ModelRefusalError extends MemoryManagerError {
  override readonly name = 'ModelRefusalError';
  readonly retryable = false;
}

/**
 * A valid reply that changes more than its manager allows in one batch (too many deletes or updates): it
 * is not applied; the batch becomes a dead letter with the proposed operations, for a human to judge.
 */
export class ReviewRequiredError extends MemoryManagerError {
  override readonly name = 'ReviewRequiredError';
  readonly retryable = false;
}

/**
 * A memory changed between reading it and writing the batch (DynamoDB `ConditionalCheckFailedException`).
 * Retryable: the next attempt re-reads the namespace and asks the model again.
 */
export class MemoryConflictError extends MemoryManagerError {
  override readonly name = 'MemoryConflictError';
  readonly retryable = true;
}

/** DynamoDB refused the write itself (item over 400 KB, key too long): the same write can never succeed. */
export class MemoryWriteRejectedError extends MemoryManagerError {
  override readonly name = 'MemoryWriteRejectedError';
  readonly retryable = false;
}

/**
 * A batch id answered for other messages than the batch holds (a receipt with another ids digest, or an
 * inbox range whose messages changed). Never retryable: the batch becomes a dead letter for a human.
 */
export class BatchIdentityError extends MemoryManagerError {
  override readonly name = 'BatchIdentityError';
  readonly retryable = false;
}

/**
 * `submit` lost the race for the thread's inbox sequence numbers INBOX_APPEND_MAX_ATTEMPTS times (many
 * concurrent submits to one thread). Nothing was signalled for the messages not yet stored; the caller
 * retries the submit, which is safe: stored messages are recognised by id.
 */
export class InboxConflictError extends MemoryManagerError {
  override readonly name = 'InboxConflictError';
  readonly retryable = true;
}

/**
 * A batch names a memory manager this worker does not have (a rolling deploy: the client knows a manager
 * the worker's build does not yet). Retryable through the retry window, like `ModelAccessError`: once a
 * worker with the manager polls the queue, the batch goes through instead of becoming a dead letter.
 */
export class ManagerUnavailableError extends MemoryManagerError {
  override readonly name = 'ManagerUnavailableError';
  readonly retryable = true;
}

/**
 * `forget` could not delete every item (DynamoDB kept throttling its deletes). What was deleted stays
 * deleted; `forget` is idempotent, so running it again finishes the job. Never raised inside an activity.
 */
export class ForgetIncompleteError extends MemoryManagerError {
  override readonly name = 'ForgetIncompleteError';
  readonly retryable = true;
}

/** An evaluation (`memory-ops eval`) cannot go on: its thread extracts nothing. What it recorded stays; a rerun resumes. */
export class EvalStalledError extends MemoryManagerError {
  override readonly name = 'EvalStalledError';
  readonly retryable = true;
}

/** A dependency (Temporal, DynamoDB) did not answer in time or at all: worth retrying shortly. */
export class DependencyUnavailableError extends MemoryManagerError {
  override readonly name = 'DependencyUnavailableError';
  readonly retryable = true;
}

/**
 * The thread, memory, dead letter or route a caller named does not exist: the console answers 404, the CLI
 * exits 3. Never retryable.
 */
export class NotFoundError extends MemoryManagerError {
  override readonly name = 'NotFoundError';
  readonly retryable = false;
}

/** gRPC statuses of a Temporal server that is down, restarting or overloaded: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED. */
const UNAVAILABLE_GRPC_CODES = new Set([14, 4, 8]);

/** Node's network error codes of a server that is down or unreachable. */
const UNREACHABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** DynamoDB (and AWS SDK) errors that clear on their own. */
const TRANSIENT_AWS_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'TransactionConflictException',
]);

/**
 * Whether an error (one of its causes, or one of an AggregateError's errors) is a dependency being
 * unavailable rather than a bug or a refusal. The handlers answer 503 for it; the CLI exits 4.
 */
export function isUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) return false;
  if (err instanceof DependencyUnavailableError) return true;
  const { code, $metadata, name } = err as Error & { code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof code === 'number' && UNAVAILABLE_GRPC_CODES.has(code)) return true;
  if (typeof code === 'string' && UNREACHABLE_NETWORK_CODES.has(code)) return true;
  if (TRANSIENT_AWS_ERRORS.has(name) || name === 'TransportError') return true;
  if (($metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isUnavailable(e, depth + 1))) return true;
  return isUnavailable(err.cause, depth + 1);
}

/**
 * Converts any error thrown by an activity into an `ApplicationFailure` with explicit retry behaviour: the
 * one place an error becomes a Temporal failure. The failure carries the error's code (its literal `name`),
 * its `counts`, the attempt and `ref` (where the activity stored the failure's details: the batch id) —
 * built by `failureSummary`, with the facts also as the failure's details for the workflow to read. It never
 * reads the error's message, `detail` or cause, so no text from the model or the user (a proposal, a
 * refusal, an API error body) reaches Temporal's history, as a message, a cause or a stack trace.
 * `attempt` is the activity's attempt number (errors with `finalFromAttempt` become non-retryable there).
 * `note`: a second detail after the facts, built from the retry delay the failure asks for (the workflow does
 * not see a failure's nextRetryDelay) — `extractNext`'s `PlannedBatchNote`, references only.
 */
export function toApplicationFailure(err: unknown, attempt?: number, ref?: string, note?: (retryAfterMs: number | undefined) => object): ApplicationFailure {
  let code: string;
  let counts: Record<string, number> = {};
  let nonRetryable = false;
  let nextRetryDelay: number | undefined;
  if (err instanceof MemoryManagerError) {
    code = err.name;
    counts = { ...err.counts };
    nonRetryable = !err.retryable || (err.finalFromAttempt !== undefined && (attempt ?? 1) >= err.finalFromAttempt);
    nextRetryDelay = !nonRetryable ? err.retryAfterMs : undefined;
  } else if (err instanceof ApplicationFailure) {
    code = failureCode(err.type);
    counts = failureFacts(err.details?.[0]).counts;
    nonRetryable = err.nonRetryable === true;
    nextRetryDelay = typeof err.nextRetryDelay === 'number' ? err.nextRetryDelay : undefined;
  } else {
    // Unknown errors (bugs, SDK surprises) are retried by the policy: a transient fault is the common case.
    code = failureCode(err instanceof Error ? err.name : undefined);
  }
  if (attempt !== undefined) counts['attempt'] = attempt;
  const facts: FailureFacts = failureFacts({ counts, ref });
  // A cancellation names no batch: the thread does not retry it.
  const details = note && code !== 'CancelledFailure' ? [facts, note(nextRetryDelay)] : [facts];
  return ApplicationFailure.create({ type: code, message: failureSummary(code, facts), nonRetryable, nextRetryDelay, details });
}

/**
 * For the thread's bookkeeping steps (planning a batch, recording a dead letter): every error is retried
 * by the local activity's policy, whatever its type, because the thread cannot go on without the step.
 * A step that keeps failing shows in the workflow's pending local activity and in the worker's logs.
 */
export function toRetryableFailure(err: unknown): ApplicationFailure {
  const failure = toApplicationFailure(err);
  if (!failure.nonRetryable) return failure;
  return ApplicationFailure.create({ type: failure.type ?? undefined, message: failure.message, nonRetryable: false, details: failure.details ?? undefined });
}
