/**
 * Plain-text rendering for people: aligned tables, one-line truncation of long content, labelled fields.
 * No colours and no terminal detection, so what a person sees is what a pasted log or a test sees.
 * Stored text is hostile input: every cell and field goes through {@link printable}, and so does the whole
 * output (`CommandRunner`), so no escape sequence in a message, memory, id or error reaches the terminal.
 */
import { memoryText, type MemoryValue } from '../store/memory-types';

export { CONTENT_MAX_CHARS, ERROR_MAX_CHARS, ID_MAX_CHARS, MESSAGE_IDS_MAX_CHARS } from '../defaults';

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

/**
 * Characters a terminal would act on rather than show: C0 controls (ESC, BEL, CR, …), DEL, C1 controls
 * (a lone 0x9B is CSI to some terminals) and the bidirectional overrides that reorder a line as displayed.
 */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text safe to print on a terminal: each control character becomes its visible escape (`\u001b`), so stored
 * text cannot clear the screen, move the cursor, set the clipboard (OSC 52) or hide what follows it.
 * Newlines are kept with `keepNewlines` (whole views); cells and fields are one line anyway.
 */
export function printable(text: string, { keepNewlines = false } = {}): string {
  return text.replace(CONTROL_CHARS, (c) => (keepNewlines && c === '\n' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** One printable line: whitespace runs (newlines, tabs) become one space, other control characters their escapes. */
export function oneLine(text: string): string {
  return printable(text.replace(/\s+/g, ' ').trim());
}

/** One line of at most `max` characters (see {@link oneLine}); a cut shows "…". */
export function truncate(text: string, max: number): string {
  const line = oneLine(text);
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

/** `label: value` lines with the values aligned, each value one printable line (see {@link oneLine}). */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const labelWidth = Math.max(...pairs.map(([label]) => width(label))) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(labelWidth + 1)}${oneLine(value) || NONE}`).join('\n');
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
