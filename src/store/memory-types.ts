/** Shapes of stored memories, matching LangMem / LangGraph's store `Item`. */

/** The value LangMem's memory manager stores: `{kind: "Memory", content: {content: "..."}}`. */
export interface MemoryValue {
  kind: string;
  content: Record<string, unknown>;
}

/** One stored item, addressed by (namespace tuple, key). */
export interface MemoryItem {
  namespace: string[];
  key: string;
  value: MemoryValue;
  /** ISO-8601 creation time. */
  createdAt: string;
  /** ISO-8601 time of the last change; also the version checked by conditional updates. */
  updatedAt: string;
}

/** Builds LangMem's default memory value. */
export function memoryValue(content: string): MemoryValue {
  return { kind: 'Memory', content: { content } };
}

/** Reads the text of a LangMem memory value (its `content.content`), or the whole content as JSON. */
export function memoryText(value: MemoryValue): string {
  const text = value.content['content'];
  return typeof text === 'string' ? text : JSON.stringify(value.content);
}

/** Sort order of search results: most recently changed first, then by key for a stable order. */
export function newestFirst(a: MemoryItem, b: MemoryItem): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
  return a.key.localeCompare(b.key);
}
