/**
 * Checks of signal payloads inside the workflow. The client validates with zod, but a signal can also come
 * from the Temporal CLI, the UI or an outdated client; a malformed one must be dropped, not crash the
 * signal handler (which would fail every workflow task of the thread from then on). Hand-written because
 * zod stays out of the workflow bundle.
 */
import type { AddMessagesPayload, ThreadMessage } from '../contract';

const ROLES = new Set(['user', 'assistant', 'system']);

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isThreadMessage(value: unknown): value is ThreadMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return isNonEmptyString(m['id']) && ROLES.has(m['role'] as string) && isNonEmptyString(m['content']) && isNonEmptyString(m['timestamp']);
}

/** True when `value` has the shape of an {@link AddMessagesPayload}. */
export function isAddMessagesPayload(value: unknown): value is AddMessagesPayload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    Array.isArray(p['messages']) &&
    p['messages'].every(isThreadMessage) &&
    typeof p['afterSeconds'] === 'number' &&
    Number.isFinite(p['afterSeconds']) &&
    p['afterSeconds'] >= 0 &&
    Array.isArray(p['namespace']) &&
    p['namespace'].length > 0 &&
    p['namespace'].every(isNonEmptyString)
  );
}

/** Size of a string in UTF-8 bytes, without TextEncoder (so it runs the same everywhere). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
