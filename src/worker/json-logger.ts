/**
 * The worker's log format: one JSON object per line on stdout — `timestamp`, `level`, `message`, then the
 * entry's metadata flattened (activityType, workflowId, batchId, …) — so CloudWatch Logs metric filters
 * and Insights can select on fields, e.g. `{ $.message = "Activity failed" && $.activityType = "extractBatch" }`.
 * Errors become `{name, type, message, nonRetryable, stack, cause}` (a plain `JSON.stringify` prints `{}`).
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/** The fields every line starts with; metadata keys with these names are kept as `meta_<name>`. */
const RESERVED = new Set(['timestamp', 'level', 'message']);
/** Causes followed when serializing an error. */
const MAX_CAUSE_DEPTH = 5;

function errorFields(err: Error, depth: number): Record<string, unknown> {
  const failure = err as Error & { type?: unknown; nonRetryable?: unknown };
  return {
    name: err.name,
    ...(typeof failure.type === 'string' ? { type: failure.type } : {}),
    message: err.message,
    ...(typeof failure.nonRetryable === 'boolean' ? { nonRetryable: failure.nonRetryable } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
    ...(err.cause !== undefined && depth < MAX_CAUSE_DEPTH ? { cause: plain(err.cause, depth + 1, new WeakSet()) } : {}),
  };
}

/** A JSON-safe copy: errors spelled out, bigints as strings, cycles cut, functions and symbols dropped. */
function plain(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) return errorFields(value, depth);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (Array.isArray(value)) return value.map((item) => plain(item, depth, seen));
  if (value instanceof Map) return plain(Object.fromEntries(value), depth, seen);
  if (value instanceof Set) return plain([...value], depth, seen);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item, depth, seen)]));
}

/** One log entry as one line of JSON (with its newline). */
export function jsonLogLine(entry: LogEntry): string {
  const line: Record<string, unknown> = {
    timestamp: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level,
    message: entry.message,
  };
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    line[RESERVED.has(key) ? `meta_${key}` : key] = plain(value);
  }
  return `${JSON.stringify(line)}\n`;
}

/**
 * A Runtime logger writing {@link jsonLogLine}s; stdout by default (a pipe or file: written synchronously
 * on Linux, so nothing is lost when the process exits).
 * @example
 * Runtime.install({ logger: createJsonLogger('INFO') });
 */
export function createJsonLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(jsonLogLine(entry)));
}
