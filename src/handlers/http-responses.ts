/**
 * HTTP answers of the API handler: JSON bodies, and one mapping from this package's errors to statuses.
 * Every refusal says why in `error.message` (naming the field for a 400); every "try again" carries
 * `Retry-After`, and retrying is safe because submits dedupe by message id.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HANDLER_RETRY_AFTER_SECONDS } from '../defaults';
import { InboxConflictError, InvalidInputError, isUnavailable, MemoryManagerError, NotFoundError, TenantAccessError, UnauthenticatedError } from '../errors';

/** A request for a route or method the API does not have. */
export class RouteNotFoundError extends MemoryManagerError {
  override readonly name = 'RouteNotFoundError';
  readonly retryable = false;
}

/** An answer larger than a Lambda response may be (the HTTP export of a large tenant). Never retryable: 413. */
export class PayloadTooLargeError extends MemoryManagerError {
  override readonly name = 'PayloadTooLargeError';
  readonly retryable = false;
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The status an error answers with, and whether the caller should retry after a while. */
export function statusOf(err: unknown): { status: number; retry: boolean } {
  if (err instanceof InvalidInputError) return { status: 400, retry: false };
  if (err instanceof UnauthenticatedError) return { status: 401, retry: false };
  if (err instanceof TenantAccessError) return { status: 403, retry: false };
  if (err instanceof RouteNotFoundError || err instanceof NotFoundError) return { status: 404, retry: false };
  if (err instanceof PayloadTooLargeError) return { status: 413, retry: false };
  // Many concurrent submits to one thread: the caller backs off and retries (safe: ids dedupe).
  if (err instanceof InboxConflictError) return { status: 429, retry: true };
  if (isUnavailable(err)) return { status: 503, retry: true };
  return { status: 500, retry: false };
}

/** The response for an error; a 500 hides its message (logged with the request id instead). */
export function errorResponse(err: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const { status, retry } = statusOf(err);
  const type = err instanceof Error ? err.name : 'Error';
  const message =
    status === 500
      ? `internal error (request ${requestId})`
      : status === 503 && !(err instanceof MemoryManagerError)
        ? 'a dependency is unavailable; retry shortly'
        : (err as Error).message;
  return json(
    status,
    { error: { type: status === 503 ? 'ServiceUnavailable' : type, message, requestId } },
    retry ? { 'retry-after': String(HANDLER_RETRY_AFTER_SECONDS) } : {},
  );
}
