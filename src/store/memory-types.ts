/**
 * Shapes of stored memories, matching LangMem / LangGraph's store `Item`, plus what this store adds: a
 * numeric version per memory and a history of every change with who made it.
 */

/**
 * A stored value: any JSON object, as in LangGraph's store. LangMem's memory manager stores
 * `{kind: "Memory", content: {content: "..."}}` (see {@link memoryValue}).
 */
export type MemoryValue = Record<string, unknown>;

/** One stored item, addressed by (namespace tuple, key). */
export interface MemoryItem {
  namespace: string[];
  key: string;
  value: MemoryValue;
  /** ISO-8601 creation time. */
  createdAt: string;
  /** ISO-8601 time of the last change. */
  updatedAt: string;
  /** 1 when created, +1 on every change; updates and deletes are conditional on it. */
  version: number;
  /** For items put with a TTL: epoch seconds after which the item is gone. */
  expiresAt?: number;
}

/** A search result: an item and, for a query search, its relevance (higher is better, at most 1). */
export interface SearchItem extends MemoryItem {
  score?: number;
}

/** Who made a change: an extraction (thread, batch, messages), a client call, a restore, a migration. */
export interface ChangeSource {
  kind: 'extraction' | 'api' | 'restore' | 'migration';
  threadId?: string;
  batchId?: string;
  /** The batch's inbox range and size, and its first message ids (all of them for small batches). */
  fromSeq?: number;
  toSeq?: number;
  messageCount?: number;
  messageIds?: string[];
  model?: string;
  /** For restores: the version restored. */
  fromVersion?: number;
  /** For client calls: a caller-supplied label (user, service). */
  actor?: string;
  /**
   * For extractions by a manager with phases: the pass whose result this change records (`extract` for the
   * first pass, else the phase's name) ...
   */
  phase?: string;
  /** ... and, when several passes shaped it within the batch, all of them in order. */
  phases?: string[];
}

/** One change of a memory, as its history keeps it. */
export interface MemoryChange {
  namespace: string[];
  key: string;
  /** The memory's version after this change. */
  version: number;
  action: 'insert' | 'update' | 'delete' | 'restore';
  /** The value after the change; null after a delete. */
  value: MemoryValue | null;
  /** ISO-8601 time of the change. */
  at: string;
  by: ChangeSource;
}

/** Builds LangMem's default memory value. */
export function memoryValue(content: string): MemoryValue {
  return { kind: 'Memory', content: { content } };
}

/** Reads the text of a LangMem memory value (its `content.content`), or the whole value as JSON. */
export function memoryText(value: MemoryValue): string {
  const content = value['content'];
  const text = typeof content === 'object' && content !== null ? (content as Record<string, unknown>)['content'] : undefined;
  return typeof text === 'string' ? text : JSON.stringify(value['content'] ?? value);
}

/** Sort order of items by recency: most recently changed first, then by namespace and key (the indexes' order). */
export function newestFirst(a: MemoryItem, b: MemoryItem): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
  const an = a.namespace.join('\u001f');
  const bn = b.namespace.join('\u001f');
  if (an !== bn) return an < bn ? 1 : -1;
  return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
}
