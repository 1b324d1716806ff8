/**
 * What a failure may say about itself in Temporal: a code (an error's literal `name`), counts, and a
 * reference to where its details are kept (a batch id) — never free text. Temporal records an activity
 * failure's message and stack trace as plain text in the history, and the thread carries its failure record
 * across continue-as-new, so text from the model or the user must never reach a failure. The text an
 * operator needs (proposed operations, a refusal, a model API's error body) is stored with the dead letter
 * in DynamoDB instead (`store/failure-details.ts`).
 *
 * Both sides build a failure's text from this module only: `toApplicationFailure` (errors.ts), where an
 * error becomes a Temporal failure, and the thread workflow's failure record, which rebuilds it from the
 * failure's type and facts rather than copying its message. Whatever a string field holds, only names and
 * references of a fixed alphabet get through. Pure: imported by workflow code.
 */
import { MAX_FAILURE_FACTS } from './workflows/replay-constants';

/** Counts and a reference: everything a failure carries besides its code. */
export interface FailureFacts {
  /** Named numbers, e.g. `{ status: 400 }`, `{ deletes: 7, maxDeletes: 5 }`, `{ attempt: 3 }`. */
  counts: Record<string, number>;
  /** Where the failure's details are kept: the batch id of the attempt (its dead letter's details key). */
  ref?: string;
}

/** A failure code: an identifier-like name, else `Error` (an unknown error's name is not trusted to be one). */
export function failureCode(name: unknown): string {
  return typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(name) ? name : 'Error';
}

/**
 * The facts of `value` that fit the format (a failure's `details[0]`, or what an error declares): count names
 * that are identifiers with finite numbers (at most MAX_FAILURE_FACTS), a reference of id characters.
 * Anything else is dropped, so no text rides along.
 */
export function failureFacts(value: unknown): FailureFacts {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const rawCounts = typeof record['counts'] === 'object' && record['counts'] !== null ? (record['counts'] as Record<string, unknown>) : {};
  const counts: Record<string, number> = {};
  for (const [name, count] of Object.entries(rawCounts)) {
    if (Object.keys(counts).length >= MAX_FAILURE_FACTS) break;
    if (/^[A-Za-z][A-Za-z0-9]{0,31}$/.test(name) && typeof count === 'number' && Number.isFinite(count)) counts[name] = count;
  }
  const ref = record['ref'];
  return typeof ref === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(ref) ? { counts, ref } : { counts };
}

/**
 * The one text a failure carries beside its type, e.g. `updates=1 maxUpdates=0 attempt=1; details: batch 4f…`
 * (the code alone when there are no facts). Built from the code and the facts only, both passed through
 * their checks here.
 */
export function failureSummary(code: unknown, facts: unknown): string {
  const { counts, ref } = failureFacts(facts);
  const parts = [
    Object.entries(counts)
      .map(([name, count]) => `${name}=${count}`)
      .join(' '),
    ref ? `details: batch ${ref}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : failureCode(code);
}
