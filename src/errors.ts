/**
 * The error family of the memory manager. Each class states whether retrying can help; activities turn
 * them into Temporal `ApplicationFailure`s with the class name as the failure type, so retry policies and
 * the workflow's failure record can tell them apart. Pure: safe to import from workflow code.
 */
import { ApplicationFailure } from '@temporalio/common';

/** Base class: every error of this package has a stable `name` and says whether a retry can succeed. */
export abstract class MemoryManagerError extends Error {
  abstract readonly retryable: boolean;
  /** A delay the failing side asked for (e.g. a 429's retry-after), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Caller input failed validation; `message` names every bad field. Never retryable. */
export class InvalidInputError extends MemoryManagerError {
  readonly retryable = false;
}

/** Configuration (env vars, options) is missing or invalid. Never retryable. */
export class ConfigurationError extends MemoryManagerError {
  readonly retryable = false;
}

/** The model API is rate-limited, overloaded, failing or unreachable (429, 529, 5xx, network). Retryable. */
export class ModelUnavailableError extends MemoryManagerError {
  readonly retryable = true;
}

/** The model API refused the request itself (400, 401, 403, 404): retrying the same request cannot help. */
export class ModelRequestError extends MemoryManagerError {
  readonly retryable = false;
}

/**
 * The model's reply did not contain a valid `manage_memories` call. Retryable: model output varies between
 * samples, so a fresh attempt may succeed; after the last attempt the workflow keeps the messages pending.
 */
export class InvalidModelOutputError extends MemoryManagerError {
  readonly retryable = true;
}

/**
 * A memory changed between reading it and writing the batch (DynamoDB `ConditionalCheckFailedException`).
 * Retryable: the next attempt re-reads the namespace and asks the model again.
 */
export class MemoryConflictError extends MemoryManagerError {
  readonly retryable = true;
}

/** DynamoDB refused the write itself (item over 400 KB, key too long): the same write can never succeed. */
export class MemoryWriteRejectedError extends MemoryManagerError {
  readonly retryable = false;
}

/** Failure types Temporal must not retry; listed in the extraction activity's retry policy. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'InvalidInputError',
  'ConfigurationError',
  'ModelRequestError',
  'MemoryWriteRejectedError',
] as const;

/** Converts any error thrown by an activity into an `ApplicationFailure` with explicit retry behaviour. */
export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof MemoryManagerError) {
    return ApplicationFailure.create({
      type: err.name,
      message: err.message,
      nonRetryable: !err.retryable,
      nextRetryDelay: err.retryable && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
      cause: err.cause instanceof Error ? err.cause : undefined,
    });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  // Unknown errors (bugs, SDK surprises) are retried by the policy: a transient fault is the common case.
  return ApplicationFailure.create({ type: error.name, message: error.message, cause: error });
}
