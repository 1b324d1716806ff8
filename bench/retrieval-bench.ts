/**
 * Benchmark of how related memories are found, run by hand (`npm run bench:retrieval`; jest never picks it
 * up). In process, no servers: the ranking an extraction runs over the namespace's candidates (1,000, the
 * store's SEARCH_CANDIDATES), for batches of 10, 100 and 1,000 messages, side by side in one run:
 *
 * - batch: the default, one ranking of the batch's text (its first MAX_QUERY_CHARS characters);
 * - windows: LangMem's windows of the latest 1, 2, 4, … messages, every query over one index, merged by score;
 * - windows, an index per window: the same rankings, each building its own index (what calling the
 *   single-query ranker once per window would cost), to show what indexing once saves.
 *
 * Wall times are medians of this run on a shared machine, not claims; the ratios to the batch search in the
 * same run are the figures. No model is called: a query model's cost is one extra request per batch, priced
 * by the model, and not measured here. See bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import { MAX_QUERY_CHARS, SEARCH_CANDIDATES } from '../src/defaults';
import { searchWindows } from '../src/managers/related-memories';
import { rankLexically, rankLexicallyEach } from '../src/store/search/lexical-ranker';
import { mergeByScore } from '../src/store/search/merge-by-score';
import { fmt, printTable } from './bench-output';

const BATCH_SIZES = [10, 100, 1_000] as const;
const RUNS = 15;
const QUERY_LIMIT = 20;

const WORDS = (
  'dog cat fido tom porto lisbon jazz piano chess bicycle tea coffee sister brother doctor dentist monday friday ' +
  'birthday trip paris berlin allergy peanuts vegetarian marathon garden tomatoes novel guitar school teacher ' +
  'project deadline manager salary apartment rent moving kitchen recipe pasta curry movie series weekend hiking'
).split(' ');

/** A deterministic word salad (a linear congruential generator), so every run ranks the same texts. */
function sentences(count: number, words: number, seed: number): string[] {
  let state = seed;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31);
  return Array.from({ length: count }, () => Array.from({ length: words }, () => WORDS[next() % WORDS.length]).join(' '));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function timed(run: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

const docs = sentences(SEARCH_CANDIDATES, 8, 7).map((text, i) => ({ id: String(i), text: `User ${text}` }));
const score = (ranked: { id: string; score: number }[]) =>
  ranked.map((r) => ({ namespace: [], key: r.id, value: {}, createdAt: '', updatedAt: '', version: 1, score: r.score }));

const rows: string[][] = [];
for (const size of BATCH_SIZES) {
  const messages = sentences(size, 12, size).map((content, i) => ({ id: `m${i}`, role: 'user' as const, content, timestamp: '' }));
  const batchText = messages
    .map((m) => m.content)
    .join('\n')
    .slice(0, MAX_QUERY_CHARS);
  const windows = searchWindows(messages).map((w) => w.slice(0, MAX_QUERY_CHARS));
  const batch = timed(() => rankLexically(batchText, docs).slice(0, QUERY_LIMIT));
  const oneIndex = timed(() => mergeByScore(rankLexicallyEach(windows, docs).map(score), QUERY_LIMIT));
  const indexEach = timed(() =>
    mergeByScore(
      windows.map((w) => score(rankLexically(w, docs))),
      QUERY_LIMIT,
    ),
  );
  rows.push([
    fmt(size),
    fmt(windows.length),
    fmt(batch, 2),
    fmt(oneIndex, 2),
    fmt(indexEach, 2),
    `${fmt(oneIndex / batch, 2)}×`,
    `${fmt(indexEach / oneIndex, 2)}×`,
  ]);
}

printTable(
  `Ranking ${fmt(SEARCH_CANDIDATES)} candidates for one extraction (median of ${RUNS} runs, ms)`,
  ['messages', 'windows', 'batch', 'windows', 'windows, index each', 'windows / batch', 'index each / once'],
  rows,
  ['batch = the default single search; windows = retrieval: "windows" (one index, merged by score).'],
);
