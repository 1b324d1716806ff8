/**
 * Plain-text rendering for people: aligned tables, one-line truncation of long content, labelled fields.
 * No colours and no terminal detection, so what a person sees is what a pasted log or a test sees.
 */
import { memoryText, type MemoryValue } from '../store/memory-types';

export { CONTENT_MAX_CHARS, ERROR_MAX_CHARS } from '../defaults';

/** Shown for an empty or absent value. */
export const NONE = '-';

/** One column of a {@link table}. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Longest cell (characters); longer cells are cut with "…". */
  max?: number;
  /** @default 'left' */
  align?: 'left' | 'right';
}

/** Characters as a person counts them (code points, so an emoji is one). */
function width(text: string): number {
  return [...text].length;
}

/** One line of at most `max` characters: whitespace runs become one space, and a cut shows "…". */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Rows under upper-case headers, columns padded to their widest cell, two spaces apart. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], empty = '(none)'): string {
  if (rows.length === 0) return `  ${empty}`;
  const cells = rows.map((row) => columns.map((c) => truncate(c.value(row) || NONE, c.max ?? Number.MAX_SAFE_INTEGER)));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(v));
        return columns[i]?.align === 'right' ? pad + v : i === values.length - 1 ? v : v + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** `label: value` lines with the values aligned. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const labelWidth = Math.max(...pairs.map(([label]) => width(label))) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(labelWidth + 1)}${value || NONE}`).join('\n');
}

/** A section title followed by its body, for multi-part views. */
export function section(title: string, body: string): string {
  return `${title}\n${body}`;
}

/** An ISO-8601 time as `2026-11-20 10:15:03Z` (seconds are enough to read; `--json` keeps milliseconds). */
export function time(iso: string | null | undefined): string {
  if (!iso) return NONE;
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A namespace as it is typed on the command line: comma-separated, or JSON when a label holds a comma. */
export function namespaceText(namespace: readonly string[]): string {
  return namespace.some((label) => label.includes(',')) ? JSON.stringify(namespace) : namespace.join(',');
}

/** A memory's text (LangMem's `content.content`, or the value as JSON). */
export function valueText(value: MemoryValue | null): string {
  return value === null ? '(deleted)' : memoryText(value);
}

/** `1 thing` / `n things` (or the plural given). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** A number, or "-" for null/undefined. */
export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? NONE : String(n);
}
