/** Reads a benchmark file the user supplies (the data sets are not bundled) and parses it by its format. */
import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../errors';
import type { BenchmarkName, EvalDataset } from './eval-types';
import { parseLocomo } from './locomo-dataset';
import { parseLongMemEval } from './longmemeval-dataset';

/** Which benchmark a file's JSON is: LoCoMo samples have `conversation` and `qa`; LongMemEval instances `haystack_sessions`. */
export function detectBenchmark(data: unknown): BenchmarkName | null {
  const first: unknown = Array.isArray(data) ? data[0] : undefined;
  if (typeof first !== 'object' || first === null) return null;
  if ('haystack_sessions' in first) return 'longmemeval';
  if ('conversation' in first && 'qa' in first) return 'locomo';
  return null;
}

/** Parses a benchmark file's JSON, as `benchmark` or as the format detected. */
export function parseDataset(data: unknown, benchmark?: BenchmarkName): EvalDataset {
  const format = benchmark ?? detectBenchmark(data);
  if (format === 'locomo') return parseLocomo(data);
  if (format === 'longmemeval') return parseLongMemEval(data);
  throw new InvalidInputError(
    'dataset: neither a LoCoMo file (a list of {sample_id, conversation, qa}) nor a LongMemEval file (a list of {question_id, haystack_sessions, ...}); pass --benchmark to say which',
  );
}

/** Reads and parses `path`; errors name the file, then the record and field. */
export async function loadDataset(path: string, benchmark?: BenchmarkName): Promise<EvalDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`dataset ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`dataset ${path}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    return parseDataset(data, benchmark);
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(`dataset ${path}: ${err.message}`);
    throw err;
  }
}
