/**
 * Checks of what reaches the workflow from outside: signal payloads, update arguments and start settings.
 * The client validates with zod, but a signal can also come from the Temporal CLI, the UI or an outdated
 * client; a malformed one must be dropped, not crash the handler (which would fail every workflow task of
 * the thread from then on). The rules are the client's own (`rules.ts`), shared without zod.
 */
import type { FlushRequest, MessagesAddedPayload, ThreadSettings } from '../contract';
import {
  afterSecondsProblem,
  countProblem,
  flushWaitSecondsProblem,
  idleCloseSecondsProblem,
  maxWaitSecondsProblem,
  retryWindowSecondsProblem,
} from '../rules';
import { DEFAULT_IDLE_CLOSE_SECONDS, DEFAULT_RETRY_WINDOW_SECONDS, QUIET_HEAD_START_MAX_MS } from './replay-constants';

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** The first problem with a {@link MessagesAddedPayload}, or null when it keeps the contract. */
export function messagesAddedProblem(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return 'payload must be an object';
  return (
    countProblem(field(payload, 'lastSeq'), 'lastSeq') ??
    countProblem(field(payload, 'newMessages'), 'newMessages') ??
    countProblem(field(payload, 'duplicates'), 'duplicates') ??
    afterSecondsProblem(field(payload, 'afterSeconds')) ??
    maxWaitSecondsProblem(field(payload, 'maxWaitSeconds'))
  );
}

/**
 * A messages-added payload's `submittedAtMs` when it is a finite number, else null. Not part of the
 * contract check: a signal is never refused for this optional field (it only times the quiet period).
 */
export function submitTimeOf(payload: unknown): number | null {
  const value = field(payload, 'submittedAtMs');
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * When a signal's quiet period starts, given its submit's time: never after `nowMs` (a caller's clock that
 * runs ahead), at most QUIET_HEAD_START_MAX_MS before it (one far behind), and never before the quiet
 * period already running (`lastMessageAtMs`: a signal handled later but submitted earlier does not move it back).
 */
export function quietStart(submittedAtMs: number, nowMs: number, lastMessageAtMs: number | null): number {
  return Math.min(nowMs, Math.max(nowMs - QUIET_HEAD_START_MAX_MS, lastMessageAtMs ?? Number.NEGATIVE_INFINITY, Math.floor(submittedAtMs)));
}

/** True when `payload` keeps the contract of {@link MessagesAddedPayload}. */
export function isMessagesAddedPayload(payload: unknown): payload is MessagesAddedPayload {
  return messagesAddedProblem(payload) === null;
}

/** The first problem with flush arguments, or null. Used as the update's validator (rejected before history). */
export function flushRequestProblem(request: unknown): string | null {
  if (typeof request !== 'object' || request === null) return 'flush arguments must be an object';
  const timeout = (request as FlushRequest).timeoutSeconds;
  return timeout === undefined ? null : flushWaitSecondsProblem(timeout);
}

/** Start settings with defaults filled in; invalid values fall back to the default rather than wedge the thread. */
export function resolveSettings(settings: Partial<ThreadSettings> | undefined): ThreadSettings {
  const idle = settings?.idleCloseSeconds;
  const window = settings?.retryWindowSeconds;
  return {
    idleCloseSeconds: idle !== undefined && idleCloseSecondsProblem(idle) === null ? idle : DEFAULT_IDLE_CLOSE_SECONDS,
    retryWindowSeconds: window !== undefined && retryWindowSecondsProblem(window) === null ? window : DEFAULT_RETRY_WINDOW_SECONDS,
  };
}
