/**
 * Export: everything the table holds under a namespace prefix (a tenant, or one namespace), as records for
 * JSON Lines — the same items `forget` erases (prefix-scan.ts), so an export is complete exactly where an
 * erasure is. One line per item, each naming its `type`:
 *
 * - `memory` (live or `deleted` tombstone), `memoryVersion` (one per history record: every version's value,
 *   action, time and provenance), `message` (role, content, timestamps, `expiresAt` once processed),
 *   `deadLetter` (its batch, error and status);
 * - bookkeeping that still names the namespace: `receipt`, `batchLog`, `dedupeKey`, `cursor`,
 *   `namespaceOwner`, `registryEntry`; and `other` for an item of a kind this version does not know.
 *
 * The first line is `{"type":"export", prefix, exportedAt}`; the last `{"type":"summary", counts}`, so a
 * cut-off file is recognisable. Lines come in scan order (not sorted), streamed as the Scan pages arrive.
 * Key attributes (`pk`, `sk`, index keys) are left out, and so are embeddings (vectors derived from a
 * memory's value, which is exported). DynamoDB binary values are written as base64.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { namespaceSchema, parseInput } from '../schemas';
import { InvalidInputError } from '../errors';
import { scanPrefix, type PrefixItemKind } from './prefix-scan';

/** One line of an export. */
export type ExportRecord =
  | { type: 'export'; prefix: string[]; exportedAt: string }
  | ({ type: Exclude<PrefixItemKind, 'shared'> } & Record<string, unknown>)
  | { type: 'summary'; counts: Partial<Record<PrefixItemKind, number>>; lines: number };

/** Options of {@link exportPrefix}. */
export interface ExportOptions {
  /**
   * How a stored thread key appears in the export (a tenant's own export shows its thread ids without the
   * tenant prefix, and hides threads that are not its own as null). @default the stored key
   */
  threadId?: (storedKey: string) => string | null;
  /** @default () => new Date() */
  now?: () => Date;
}

/** Attributes that are keys or derived data, not what was stored about anyone. */
const LEFT_OUT = new Set(['pk', 'sk', 'rk', 'gpk', 'gsk', 'embedding']);

/** A DynamoDB attribute value as JSON: binary as base64, sets as arrays. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Set) return [...(value as Set<unknown>)].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** The record's thread ids (its own, and the provenance of a memory or version) as the export shows them. */
function withThreadIds(record: Record<string, unknown>, threadId: (key: string) => string | null): Record<string, unknown> {
  const out = { ...record };
  if (typeof out['threadId'] === 'string') out['threadId'] = threadId(out['threadId']);
  for (const field of ['by', 'changedBy']) {
    const source = out[field] as Record<string, unknown> | undefined;
    if (source && typeof source['threadId'] === 'string') out[field] = { ...source, threadId: threadId(source['threadId']) };
  }
  return out;
}

/**
 * Everything under `prefix` as export records (see the module comment): one filtered Scan of the table.
 * @example
 * for await (const record of exportPrefix(doc, 'langmem-memories', ['memories', 'alice'])) out.write(`${JSON.stringify(record)}\n`);
 */
export async function* exportPrefix(
  doc: DynamoDBDocumentClient,
  tableName: string,
  prefix: readonly string[],
  options: ExportOptions = {},
): AsyncGenerator<ExportRecord> {
  if (prefix.length === 0) throw new InvalidInputError('prefix: needs at least one label (an export is of a tenant or a namespace, not the whole table)');
  parseInput(namespaceSchema, prefix, 'prefix');
  const threadId = options.threadId ?? ((key: string) => key);
  yield { type: 'export', prefix: [...prefix], exportedAt: (options.now ?? (() => new Date()))().toISOString() };
  const counts: Partial<Record<PrefixItemKind, number>> = {};
  let lines = 1;
  for await (const { kind, key, item, threadId: stored } of scanPrefix(doc, tableName, prefix)) {
    // A label other namespaces use too is not the prefix's data.
    if (kind === 'shared') continue;
    const attributes = Object.fromEntries(Object.entries(item).filter(([name]) => !LEFT_OUT.has(name)));
    const record = withThreadIds(plain(attributes) as Record<string, unknown>, threadId);
    if (stored !== null) record['threadId'] = threadId(stored);
    if (kind === 'other') record['key'] = key;
    counts[kind] = (counts[kind] ?? 0) + 1;
    lines++;
    yield { ...record, type: kind };
  }
  yield { type: 'summary', counts, lines: lines + 1 };
}

/** Export records as JSON Lines (each line ends with a newline). */
export async function* toJsonLines(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  for await (const record of records) yield `${JSON.stringify(record)}\n`;
}
