/**
 * The validation rules shared by the zod schemas at the edges and by the workflow's own signal and update
 * checks. Plain functions, no zod and no Node builtins, so the workflow bundle can import them: a signal
 * sent around the client is held to exactly the rules `submit` applies.
 * Each check returns a problem description, or null when the value is fine.
 */
import { MAX_NAMESPACE_BYTES, MAX_NAMESPACE_LABEL_CHARS, MAX_NAMESPACE_LABELS } from './defaults';
// The limits the workflow's signal and update checks apply: replay depends on them, so they live apart.
import {
  MAX_AFTER_SECONDS,
  MAX_FLUSH_WAIT_SECONDS,
  MAX_IDLE_CLOSE_SECONDS,
  MAX_RETRY_WINDOW_SECONDS,
  MIN_RETRY_WINDOW_SECONDS,
} from './workflows/replay-constants';

/** Separator of namespace labels inside DynamoDB keys; forbidden inside labels. */
export const NAMESPACE_SEPARATOR = '\u001f';

/** Size of a string in UTF-8 bytes, without TextEncoder or Buffer (so it runs the same everywhere). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** A problem with one namespace label, or null. Labels are as in LangGraph: non-empty, no `.`. */
export function namespaceLabelProblem(label: unknown): string | null {
  if (typeof label !== 'string') return 'namespace labels must be strings';
  if (label.length === 0) return 'namespace labels must not be empty';
  if (label.length > MAX_NAMESPACE_LABEL_CHARS) return `namespace labels must be at most ${MAX_NAMESPACE_LABEL_CHARS} characters`;
  if (label.includes('.')) return 'namespace labels must not contain "."';
  // U+001F joins labels inside DynamoDB keys: a label holding it would alias another namespace's partition.
  if (label.includes(NAMESPACE_SEPARATOR)) return 'namespace labels must not contain U+001F';
  return null;
}

/** A problem with a namespace tuple as a whole (label count, joined size), or null; labels are checked one by one. */
export function namespaceTupleProblem(namespace: readonly string[]): string | null {
  if (namespace.length === 0) return 'namespace needs at least one label';
  if (namespace.length > MAX_NAMESPACE_LABELS) return `namespace has at most ${MAX_NAMESPACE_LABELS} labels`;
  if (utf8Bytes(namespace.join(NAMESPACE_SEPARATOR)) > MAX_NAMESPACE_BYTES) {
    return `namespace must be at most ${MAX_NAMESPACE_BYTES} bytes once joined (it is part of DynamoDB keys)`;
  }
  return null;
}

/** A problem with a namespace tuple, labels included (the first one found, naming the label's index), or null. */
export function namespaceProblem(namespace: unknown): string | null {
  if (!Array.isArray(namespace)) return 'namespace must be an array of labels';
  for (const [i, label] of namespace.entries()) {
    const problem = namespaceLabelProblem(label);
    if (problem) return `label ${i}: ${problem}`;
  }
  return namespaceTupleProblem(namespace as string[]);
}

/** A problem with a number of seconds in [min, max], or null. */
export function secondsProblem(value: unknown, field: string, min: number, max: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${field} must be a finite number`;
  if (value < min || value > max) return `${field} must be between ${min} and ${max} seconds`;
  return null;
}

/** `afterSeconds`: the quiet period of a submit. */
export const afterSecondsProblem = (value: unknown) => secondsProblem(value, 'afterSeconds', 0, MAX_AFTER_SECONDS);

/** `maxWaitSeconds`: the longest a message waits for its thread to go quiet. */
export const maxWaitSecondsProblem = (value: unknown) => secondsProblem(value, 'maxWaitSeconds', 0, MAX_AFTER_SECONDS);

/** `idleCloseSeconds`: how long a thread with nothing pending stays open. */
export const idleCloseSecondsProblem = (value: unknown) => secondsProblem(value, 'idleCloseSeconds', 0, MAX_IDLE_CLOSE_SECONDS);

/** `retryWindowSeconds`: how long one batch is retried before it becomes a dead letter. */
export const retryWindowSecondsProblem = (value: unknown) => secondsProblem(value, 'retryWindowSeconds', MIN_RETRY_WINDOW_SECONDS, MAX_RETRY_WINDOW_SECONDS);

/** `timeoutSeconds` of a flush. */
export const flushWaitSecondsProblem = (value: unknown) => secondsProblem(value, 'timeoutSeconds', 0, MAX_FLUSH_WAIT_SECONDS);

/** A problem with an inbox sequence number or a message count, or null. */
export function countProblem(value: unknown, field: string): string | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `${field} must be a non-negative integer`;
  return null;
}
