/**
 * The memory manager's own counters, recorded through Temporal's metric meter (`Context.current().metricMeter`),
 * so they are exported wherever the worker's Runtime exports the SDK's metrics (Prometheus `/metrics` in the
 * container) and carry the SDK's activity tags (namespace, task queue, activity type). Outside a worker
 * (`MockActivityEnvironment` without a meter) they go to the SDK's no-op meter.
 */
import { Context } from '@temporalio/activity';
import type { DeadLetterResult, ExtractionResult } from '../contract';

/** Metric names, as Prometheus shows them (the Runtime adds no prefix to custom metrics). */
export const MEMORY_METRICS = {
  /** Extraction attempts that finished, by `status`: `extracted`, `already-applied`, `stale`. */
  extractions: 'memory_extractions',
  /** Extraction attempts that failed, by `error_type` (the failure type, e.g. `ModelUnavailableError`). */
  extractionFailures: 'memory_extraction_failures',
  /** Model input tokens of committed extractions. */
  inputTokens: 'memory_input_tokens',
  /** Model output tokens of committed extractions. */
  outputTokens: 'memory_output_tokens',
  /** Batches recorded as dead letters (or re-opened after a failed re-drive), by `error_type`. */
  deadLetters: 'memory_dead_letters',
} as const;

function add(name: string, description: string, value: number, tags: Record<string, string> = {}): void {
  if (value <= 0) return;
  Context.current().metricMeter.createCounter(name, undefined, description).add(value, tags);
}

/** Counts a finished extraction attempt (and, when it called the model and committed, its tokens); returns it. */
export function countExtraction(result: ExtractionResult): ExtractionResult {
  add(MEMORY_METRICS.extractions, 'Extraction attempts that finished, by status', 1, { status: result.status });
  if (result.status === 'extracted') {
    add(MEMORY_METRICS.inputTokens, 'Model input tokens of committed extractions', result.usage.inputTokens);
    add(MEMORY_METRICS.outputTokens, 'Model output tokens of committed extractions', result.usage.outputTokens);
  }
  return result;
}

/** Counts a failed extraction attempt by its failure type (an ApplicationFailure's `type`, else the error's name); returns the error. */
export function countExtractionFailure<E extends Error>(error: E): E {
  const type = (error as Error & { type?: unknown }).type;
  add(MEMORY_METRICS.extractionFailures, 'Extraction attempts that failed, by error type', 1, {
    error_type: typeof type === 'string' && type ? type : error.name,
  });
  return error;
}

/** Counts a batch the dead-letter step recorded for good (not a repeat of an earlier recording); returns the result. */
export function countDeadLetter(result: DeadLetterResult, errorType: string): DeadLetterResult {
  if (result.status === 'dead-lettered' || result.status === 'reopened') {
    add(MEMORY_METRICS.deadLetters, 'Batches recorded as dead letters', 1, { error_type: errorType });
  }
  return result;
}
