/**
 * Maps embedding-provider failures onto the package's error family. No new classes: an embeddings API is
 * a model API, and its failures mean what the Messages API's mean, so the extraction activity's retry
 * policy (and NON_RETRYABLE_ERROR_TYPES) already treats them right:
 * - rate limits, overload, 5xx, timeouts, network faults → `ModelUnavailableError` (retryable);
 * - refused credentials or an unknown model (401, 403, 404) → `ModelAccessError`. Retryable through the
 *   retry window, as for Claude: a missing IAM permission or a rotated key is an outage an operator fixes,
 *   after which waiting work goes through by itself instead of piling up as dead letters;
 * - a request the provider rejects as such (400, 413, 422, other 4xx) → `ModelRequestError` (never retried).
 */
import { ModelAccessError, ModelRequestError, ModelUnavailableError, type MemoryManagerError } from '../../errors';

/** Statuses worth retrying: timeouts, conflicts, rate limits and server errors (same rule as for Claude). */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The domain error for an HTTP status from an embeddings API; `provider` names it in the message. */
export function embeddingErrorForStatus(
  provider: string,
  status: number,
  detail: string,
  options: { cause: unknown; retryAfterMs?: number },
): MemoryManagerError {
  if (isTransientStatus(status)) {
    return new ModelUnavailableError(`${provider} embeddings answered ${status}: ${detail}`, options);
  }
  if (status === 401 || status === 403 || status === 404) {
    return new ModelAccessError(`${provider} embeddings refused access (${status}; check the credentials and the model name): ${detail}`, {
      cause: options.cause,
    });
  }
  return new ModelRequestError(`${provider} embeddings rejected the request (${status}): ${detail}`, { cause: options.cause });
}

/** The domain error for a request that got no HTTP answer (refused connection, reset, timeout). */
export function embeddingUnreachable(provider: string, detail: string, cause: unknown): ModelUnavailableError {
  return new ModelUnavailableError(`${provider} embeddings unreachable: ${detail}`, { cause });
}

/** The domain error for a 200 answer that is not the expected shape: a provider fault, worth another try. */
export function malformedEmbeddingReply(provider: string, detail: string): ModelUnavailableError {
  return new ModelUnavailableError(`${provider} embeddings sent a malformed reply: ${detail}`);
}
