/** Maps the Anthropic SDK's typed errors onto this package's error family, with explicit retry behaviour. */
import type { APIError } from '@anthropic-ai/sdk';
import { ModelAccessError, ModelRequestError, ModelUnavailableError } from '../errors';
import { retryAfterMs } from '../retry-after';

/**
 * The SDK's error class, required when an error is mapped rather than at import: the worker loads the SDK
 * only at its first extraction (see lazy-messages-client.ts), and an error that is not an `Error` never
 * needs it.
 */
function apiErrorClass(): typeof APIError {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  return (require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk')).APIError;
}

/** Statuses worth retrying: timeouts, conflicts, rate limits, server errors and 529 overloaded. */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Bedrock's 400 messages for a model id it does not know or that this account cannot invoke this way. */
const BEDROCK_UNKNOWN_MODEL = /model identifier is invalid|invocation of model ID .* with on-demand throughput isn.t supported/i;

/**
 * Returns the domain error for an error thrown by `messages.create`; unknown errors pass through.
 * 401/403/404 (and Bedrock's 400 for an unknown model id) are configuration outages (retried through
 * the retry window), other 4xx are final.
 */
export function mapModelError(err: unknown): unknown {
  if (!(err instanceof Error) || !(err instanceof apiErrorClass())) return err;
  const apiError = err as APIError;
  const status = apiError.status;
  const headers = apiError.headers;
  // The SDK's message holds the API's error body, which may echo the prompt: detail only, never the message.
  const detail = { modelError: { ...(status !== undefined ? { status } : {}), message: err.message } };
  if (status === undefined) {
    return new ModelUnavailableError('model API unreachable', { cause: err, detail });
  }
  const counts = { status };
  if (isTransientStatus(status)) {
    return new ModelUnavailableError(`model API answered ${status}`, { cause: err, counts, detail, retryAfterMs: retryAfterMs(headers) });
  }
  if (status === 401 || status === 403 || status === 404) {
    return new ModelAccessError(`model API refused access (${status}; check the API key and the model name)`, { cause: err, counts, detail });
  }
  // Bedrock answers an unknown or unavailable model id with 400 ValidationException, not 404.
  if (status === 400 && BEDROCK_UNKNOWN_MODEL.test(err.message)) {
    return new ModelAccessError('model API does not know the model (check ANTHROPIC_MODEL)', { cause: err, counts, detail });
  }
  return new ModelRequestError(`model API rejected the request (${status})`, { cause: err, counts, detail });
}
