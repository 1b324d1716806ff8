/**
 * Lexical relevance for `search(prefix, {query})`: BM25 ranking of candidate memories with minisearch,
 * indexed in memory per call. No embeddings and no external service, so a query costs nothing but CPU
 * and works against DynamoDB Local and in tests exactly as in production.
 *
 * Pure: no I/O, no AWS or Temporal imports, so it runs in an activity, a Lambda or a unit test alike.
 */
import MiniSearch, { type SearchOptions } from 'minisearch';
import { LEXICAL_FUZZY_FRACTION, LEXICAL_FUZZY_MIN_TERM_CHARS, MEMORY_TEXT_MAX_DEPTH } from '../../defaults';
import { englishTerm } from './english-terms';

/** One candidate to rank: the caller's id and the text that stands for it (see {@link memorySearchText}). */
export interface RankDoc {
  id: string;
  text: string;
}

/** A ranked candidate: its id and its relevance in (0, 1], higher is better. */
export interface Scored {
  id: string;
  score: number;
}

/** Internal document: the position in the input is the minisearch id, so ties and duplicate ids are harmless. */
interface IndexedDoc {
  position: number;
  text: string;
}

const SEARCH_OPTIONS: SearchOptions = {
  // Any matching term counts: memories are short, a query rarely shares all of its words with one.
  combineWith: 'OR',
  // "pref" finds "preferences"; minisearch weighs prefix hits below exact ones.
  prefix: true,
  // Typos in longer terms only; see LEXICAL_FUZZY_MIN_TERM_CHARS.
  fuzzy: (term) => (term.length >= LEXICAL_FUZZY_MIN_TERM_CHARS ? LEXICAL_FUZZY_FRACTION : false),
};

/**
 * Ranks `docs` by lexical relevance to `query` (BM25 with prefix and typo-tolerant matching, English
 * function words ignored and inflections folded; see `english-terms.ts`).
 *
 * Returns only documents that match at least one query term, best first; equal scores keep input order,
 * so a caller that passes candidates newest first gets the newest of equally relevant memories first.
 * A query of nothing but function words ("what is it") matches nothing and returns [].
 *
 * Scores are divided by the top score, so the best match is 1 and every other lies in (0, 1]. Raw BM25
 * values depend on corpus size and query length and mean nothing across calls; normalised, a caller can
 * mix them with other signals (recency, a vector score) and report them as LangGraph's `SearchItem.score`,
 * where higher is better.
 *
 * @example
 * rankLexically('what is my dog called', [
 *   { id: 'a', text: 'User is vegetarian' },
 *   { id: 'b', text: 'User has a dog named Fido' },
 * ]) // [{ id: 'b', score: 1 }]
 */
export function rankLexically(query: string, docs: readonly RankDoc[]): Scored[] {
  return rankLexicallyEach([query], docs)[0] ?? [];
}

/**
 * {@link rankLexically} for several queries over the same documents (search windows, a query model's
 * queries), indexing the documents once: one ranking per query, in the queries' order.
 */
export function rankLexicallyEach(queries: readonly string[], docs: readonly RankDoc[]): Scored[][] {
  const asked = queries.map((query) => (docs.length > 0 && query.trim().length > 0 ? query : null));
  if (asked.every((query) => query === null)) return queries.map(() => []);
  const index = new MiniSearch<IndexedDoc>({
    idField: 'position',
    fields: ['text'],
    processTerm: englishTerm,
    searchOptions: SEARCH_OPTIONS,
  });
  index.addAll(docs.map((doc, position) => ({ position, text: doc.text })));
  return asked.map((query) => {
    if (query === null) return [];
    const hits = index
      .search(query)
      .map((hit) => ({ position: hit.id as number, score: hit.score }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score || a.position - b.position);
    const top = hits[0]?.score;
    if (top === undefined) return [];
    return hits.map((hit) => ({ id: (docs[hit.position] as RankDoc).id, score: hit.score / top }));
  });
}

/**
 * The text indexed for a stored value.
 *
 * For LangMem's default memory, `{kind: 'Memory', content: {content: '...'}}`, that is the inner string
 * alone: "Memory" would otherwise be a term of every document. Any other value (a custom schema such as
 * `{kind: 'UserProfile', content: {name: 'Ada', preferences: ['tea']}}`) contributes every string and
 * finite number it holds, up to MEMORY_TEXT_MAX_DEPTH levels deep, in key order, joined by spaces. Keys
 * are not included: they name fields, they do not describe the user.
 *
 * @example
 * memorySearchText({ kind: 'Memory', content: { content: 'User has a dog named Fido' } }) // 'User has a dog named Fido'
 * memorySearchText({ kind: 'UserProfile', content: { name: 'Ada', age: 36 } }) // 'UserProfile Ada 36'
 */
export function memorySearchText(value: Record<string, unknown>): string {
  const content = value['content'];
  if (isPlainRecord(content) && typeof content['content'] === 'string' && Object.keys(content).length === 1) {
    return content['content'];
  }
  const leaves: string[] = [];
  collectLeaves(value, 0, leaves);
  return leaves.join(' ');
}

function collectLeaves(node: unknown, depth: number, into: string[]): void {
  if (typeof node === 'string') {
    if (node.length > 0) into.push(node);
  } else if (typeof node === 'number') {
    if (Number.isFinite(node)) into.push(String(node));
  } else if (depth < MEMORY_TEXT_MAX_DEPTH && typeof node === 'object' && node !== null) {
    for (const child of Array.isArray(node) ? node : Object.values(node)) collectLeaves(child, depth + 1, into);
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
