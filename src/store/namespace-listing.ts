/**
 * `listNamespaces` with LangGraph's semantics: namespaces that hold memories, under a prefix, ending with a
 * suffix (`*` matches any label), truncated to `maxDepth` (duplicates removed), in label order, paged by
 * `limit` and `offset`. The prefix reaching here is already checked against the tenant (see tenancy.ts).
 */
import { z } from 'zod';
import { DEFAULT_LIST_NAMESPACES_LIMIT, MAX_SEARCH_LIMIT } from '../defaults';
import { InvalidInputError } from '../errors';
import { describeZodError } from '../schemas';
import type { MemoryReads } from './memory-reads';
import { joinNamespace } from './table-keys';

/** Options of `DynamoMemoryStore.listNamespaces`, as LangGraph's `store.listNamespaces`. */
export interface ListNamespacesOptions {
  /** Namespaces starting with these labels (`*` matches any label). */
  prefix?: string[];
  /** Namespaces ending with these labels (`*` matches any label). */
  suffix?: string[];
  /** Namespaces truncated to this many labels, duplicates removed. */
  maxDepth?: number;
  /** @default DEFAULT_LIST_NAMESPACES_LIMIT */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

const listOptionsSchema = z.object({
  prefix: z.array(z.string().min(1)).optional(),
  suffix: z.array(z.string().min(1)).optional(),
  maxDepth: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_LIST_NAMESPACES_LIMIT),
  offset: z.number().int().min(0).default(0),
});

/** Parses the options; `scope` turns the requested prefix into the one to read (the tenant's rule). */
export async function listNamespaces(
  reads: MemoryReads,
  options: ListNamespacesOptions,
  scope: (prefix: string[] | undefined) => string[],
): Promise<string[][]> {
  const parsed = listOptionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidInputError(`invalid listNamespaces options: ${describeZodError(parsed.error)}`);
  const { suffix, maxDepth, limit, offset } = parsed.data;
  const prefix = scope(parsed.data.prefix);
  // Without a suffix, a listing truncated to one or two labels comes straight from the label registry.
  const shortcut = !suffix && (maxDepth === 1 || maxDepth === 2) && prefix.length <= maxDepth;
  const namespaces = shortcut ? reads.truncatedNamespaces(prefix, maxDepth) : reads.namespacesUnder(prefix);
  const seen = new Set<string>();
  const found: string[][] = [];
  // Namespaces arrive in label order, and truncating keeps that order: the first offset + limit suffice.
  for await (const namespace of namespaces) {
    if (suffix && !endsWith(namespace, suffix)) continue;
    const shown = maxDepth !== undefined ? namespace.slice(0, maxDepth) : namespace;
    const id = joinNamespace(shown);
    if (seen.has(id)) continue;
    seen.add(id);
    found.push(shown);
    if (found.length >= offset + limit) break;
  }
  return found.slice(offset, offset + limit);
}

function endsWith(namespace: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > namespace.length) return false;
  const tail = namespace.slice(namespace.length - suffix.length);
  return suffix.every((label, i) => label === '*' || label === tail[i]);
}
