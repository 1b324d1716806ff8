/**
 * Merges the results of several searches over the same memories (LangMem's windows or a query model's
 * queries): a memory found by several keeps its best score, and the best `limit` come first.
 */
import type { SearchItem } from '../memory-types';

/** The `limit` best-scored memories across `lists`, each once (at its best score), best first. */
export function mergeByScore(lists: readonly (readonly SearchItem[])[], limit: number): SearchItem[] {
  const best = new Map<string, SearchItem>();
  for (const list of lists) {
    for (const item of list) {
      const seen = best.get(item.key);
      if (!seen || (item.score ?? -Infinity) > (seen.score ?? -Infinity)) best.set(item.key, item);
    }
  }
  // A stable sort: ties keep the order they were first found in (the first query's ranking).
  return [...best.values()].sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity)).slice(0, limit);
}
