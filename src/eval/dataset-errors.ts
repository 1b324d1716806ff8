/** How a malformed benchmark file is reported: the record and the field, e.g. `locomo[3].qa[12].category: ...`. */
import type { z } from 'zod';
import { InvalidInputError } from '../errors';

/** A zod path as a field reference: `.qa[12].category`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
}

/** The error for a record that failed its schema: one line per issue, each naming `<record><field>`. */
export function recordError(record: string, error: z.ZodError): InvalidInputError {
  return new InvalidInputError(error.issues.map((issue) => `${record}${fieldPath(issue.path)}: ${issue.message}`).join('; '));
}

/** The error for one field of a record that parsed but holds a value the evaluation cannot use. */
export function fieldError(record: string, path: readonly PropertyKey[], message: string): InvalidInputError {
  return new InvalidInputError(`${record}${fieldPath(path)}: ${message}`);
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function iso(year: number, month: number, day: number, hour: number, minute: number): string | null {
  const date = new Date(Date.UTC(year, month, day, hour, minute));
  // Date.UTC rolls 31 April over to 1 May: such a date is malformed, not another day.
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day || hour > 23 || minute > 59) return null;
  return date.toISOString();
}

/**
 * LoCoMo's session times, e.g. `1:56 pm on 8 May, 2023`, as ISO-8601 (the file names no time zone: read as UTC),
 * or null when the text has another shape.
 */
export function parseLocomoDate(text: string): string | null {
  const m = /^\s*(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$/i.exec(text);
  if (!m) return null;
  const month = MONTHS.indexOf(m[5]!.toLowerCase());
  const hour12 = Number(m[1]);
  if (month < 0 || hour12 < 1 || hour12 > 12) return null;
  const hour = (hour12 % 12) + (m[3]!.toLowerCase() === 'pm' ? 12 : 0);
  return iso(Number(m[6]), month, Number(m[4]), hour, Number(m[2]));
}

/** LongMemEval's dates, e.g. `2023/05/20 (Sat) 02:21`, as ISO-8601 (read as UTC), or null. */
export function parseLongMemEvalDate(text: string): string | null {
  const m = /^\s*(\d{4})\/(\d{2})\/(\d{2})(?:\s*\([A-Za-z]+\))?\s+(\d{2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  return iso(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
}
