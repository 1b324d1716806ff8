/**
 * The `retry-after` rule every HTTP provider shares (the Messages API, Voyage's embeddings): a neutral module,
 * so the model and the store's embedders read it without importing each other.
 */

/** Reads `retry-after` (seconds or an HTTP date) from a response's headers, in ms. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const raw = headers?.get('retry-after-ms')?.trim();
  if (raw && Number.isFinite(Number(raw))) return Math.max(0, Number(raw));
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
