/** Search filters on stored values: LangGraph.js's semantics, proven against its own InMemoryStore, and edge validation. */
import { InMemoryStore } from '@langchain/langgraph-checkpoint';
import { filterProblem, matchesFilter, type ValueFilter } from '../../src/store/search/value-filter';

const memory = (content: string, extra: Record<string, unknown> = {}) => ({ kind: 'Memory', content: { content }, ...extra });

describe('matchesFilter', () => {
  const fido = memory('User has a dog named Fido', { score: 7, tags: ['pets', 'family'], source: 'chat', confirmed: true, note: null });

  it('matches top-level fields by strict equality, all fields together', () => {
    expect(matchesFilter(fido, {})).toBe(true);
    expect(matchesFilter(fido, { kind: 'Memory' })).toBe(true);
    expect(matchesFilter(fido, { kind: 'Memory', source: 'chat', confirmed: true, note: null })).toBe(true);
    expect(matchesFilter(fido, { kind: 'Memory', source: 'email' })).toBe(false);
    expect(matchesFilter(fido, { kind: 'UserProfile' })).toBe(false);
  });

  it('reads dotted keys literally, never as paths, and never matches nested objects', () => {
    expect(matchesFilter(fido, { 'content.content': 'User has a dog named Fido' })).toBe(false);
    expect(matchesFilter({ 'content.content': 'x' }, { 'content.content': 'x' })).toBe(true);
    expect(matchesFilter(fido, { content: { content: 'User has a dog named Fido' } })).toBe(false);
    expect(matchesFilter(fido, { content: fido.content })).toBe(true); // the very same object: === holds
  });

  it.each<[string, ValueFilter, boolean]>([
    ['$eq equal', { score: { $eq: 7 } }, true],
    ['$eq different', { score: { $eq: 8 } }, false],
    ['$ne equal', { score: { $ne: 7 } }, false],
    ['$ne different', { score: { $ne: 8 } }, true],
    ['$gt below', { score: { $gt: 6 } }, true],
    ['$gt equal', { score: { $gt: 7 } }, false],
    ['$gte equal', { score: { $gte: 7 } }, true],
    ['$gte above', { score: { $gte: 8 } }, false],
    ['$lt above', { score: { $lt: 8 } }, true],
    ['$lt equal', { score: { $lt: 7 } }, false],
    ['$lte equal', { score: { $lte: 7 } }, true],
    ['$lte below', { score: { $lte: 6 } }, false],
    ['$in listed', { source: { $in: ['chat', 'email'] } }, true],
    ['$in unlisted', { source: { $in: ['email'] } }, false],
    ['$nin listed', { source: { $nin: ['chat'] } }, false],
    ['$nin unlisted', { source: { $nin: ['email'] } }, true],
    ['range, both hold', { score: { $gt: 5, $lte: 7 } }, true],
    ['range, one fails', { score: { $gt: 5, $lt: 7 } }, false],
  ])('operator: %s', (_name, filter, expected) => {
    expect(matchesFilter(fido, filter)).toBe(expected);
  });

  it('treats a missing field as undefined: fails equality, $eq, ranges and $in; passes $ne and $nin', () => {
    expect(matchesFilter(fido, { missing: null })).toBe(false);
    expect(matchesFilter(fido, { missing: { $eq: null } })).toBe(false);
    expect(matchesFilter(fido, { missing: { $gte: 0 } })).toBe(false);
    expect(matchesFilter(fido, { missing: { $lt: 0 } })).toBe(false);
    expect(matchesFilter(fido, { missing: { $in: [null] } })).toBe(false);
    expect(matchesFilter(fido, { missing: { $ne: 'x' } })).toBe(true);
    expect(matchesFilter(fido, { missing: { $nin: ['x'] } })).toBe(true);
  });

  it('does not coerce for equality, but ranges compare Number() of both sides', () => {
    const value = { n: '10', s: 'abc', nil: null, yes: true, date: '2026-01-02T00:00:00.000Z' };
    expect(matchesFilter(value, { n: 10 })).toBe(false);
    expect(matchesFilter(value, { n: { $eq: 10 } })).toBe(false);
    expect(matchesFilter(value, { n: { $gt: 9 } })).toBe(true); // '10' → 10
    expect(matchesFilter(value, { s: { $gt: 0 } })).toBe(false); // 'abc' → NaN
    expect(matchesFilter(value, { s: { $lte: 0 } })).toBe(false);
    expect(matchesFilter(value, { nil: { $gte: 0, $lte: 0 } })).toBe(true); // null → 0
    expect(matchesFilter(value, { yes: { $gt: 0 } })).toBe(true); // true → 1
    expect(matchesFilter(value, { date: { $gt: '2025-01-01T00:00:00.000Z' } })).toBe(false); // ISO strings → NaN
  });

  it('compares arrays by reference: no element matching, no deep equality', () => {
    expect(matchesFilter(fido, { tags: 'pets' })).toBe(false);
    expect(matchesFilter(fido, { tags: ['pets', 'family'] })).toBe(false);
    expect(matchesFilter(fido, { tags: { $in: ['pets'] } })).toBe(false);
    expect(matchesFilter(fido, { tags: { $eq: ['pets', 'family'] } })).toBe(false);
    expect(matchesFilter(fido, { tags: { $ne: ['pets', 'family'] } })).toBe(true);
  });

  it("reproduces LangGraph's vacuous and degenerate cases", () => {
    expect(matchesFilter(fido, { anything: {} })).toBe(true); // no operators: every() of nothing
    expect(matchesFilter(fido, { anything: [] })).toBe(true); // an empty array has no keys either
    expect(matchesFilter(fido, { score: { $gt: 1, extra: 2 } })).toBe(false); // a non-operator key: plain value, ===
    expect(matchesFilter(fido, { score: { $foo: 1 } })).toBe(false);
    expect(matchesFilter(fido, { source: { $in: 'chat' } })).toBe(false); // $in needs an array
    expect(matchesFilter(fido, { source: { $nin: 'chat' } })).toBe(true); // $nin without one passes
  });
});

describe('parity with LangGraph.js InMemoryStore', () => {
  const NAMESPACE = ['memories', 'parity'];
  const items: Record<string, Record<string, unknown>> = {
    fido: memory('User has a dog named Fido', { score: 7, tags: ['pets'], source: 'chat', confirmed: true }),
    tea: memory('User drinks green tea', { score: 3, source: 'email', confirmed: false, note: null }),
    lisbon: memory('User lives in Lisbon', { score: '10', source: 'chat' }),
    profile: { kind: 'UserProfile', content: { name: 'Ada', preferences: ['chess'] }, score: null },
    dotted: { kind: 'Custom', 'content.content': 'literal dotted key', score: 0, source: '' },
    text: { kind: 'Memory', content: { content: 'x' }, score: 'high', confirmed: 1 },
  };

  const CASES: ValueFilter[] = [
    {},
    { kind: 'Memory' },
    { kind: 'Memory', source: 'chat' },
    { 'content.content': 'literal dotted key' },
    { 'content.content': 'User has a dog named Fido' },
    { content: { content: 'x' } },
    { score: 7 },
    { score: '10' },
    { score: { $eq: 7 } },
    { score: { $ne: 7 } },
    { score: { $gt: 5 } },
    { score: { $gte: 0 } },
    { score: { $lt: 5 } },
    { score: { $lte: 0 } },
    { score: { $gt: 2, $lt: 8 } },
    { source: { $in: ['chat', ''] } },
    { source: { $nin: ['chat'] } },
    { source: { $in: 'chat' } },
    { source: { $nin: 'chat' } },
    { note: null },
    { note: { $eq: null } },
    { confirmed: true },
    { confirmed: { $gt: 0 } },
    { tags: ['pets'] },
    { tags: 'pets' },
    { anything: {} },
    { anything: [] },
    { score: { $gt: 1, extra: 2 } },
    { score: { $foo: 1 } },
  ];

  let store: InMemoryStore;
  beforeAll(async () => {
    store = new InMemoryStore();
    for (const [key, value] of Object.entries(items)) await store.put(NAMESPACE, key, value);
  });

  it.each(CASES.map((filter) => [JSON.stringify(filter), filter] as const))('filter %s', async (_label, filter) => {
    const theirs = (await store.search(['memories'], { filter, limit: 100 })).map((item) => item.key);
    const ours = Object.entries(items)
      .filter(([, value]) => matchesFilter(value, filter))
      .map(([key]) => key);
    expect(ours).toEqual(theirs);
  });

  it('covers filters that match some but not all items', async () => {
    const partial = await Promise.all(CASES.map(async (filter) => (await store.search(['memories'], { filter, limit: 100 })).length));
    expect(partial.filter((count) => count > 0 && count < Object.keys(items).length).length).toBeGreaterThanOrEqual(15);
  });
});

describe('filterProblem', () => {
  it.each<ValueFilter>([
    {},
    { kind: 'Memory', confirmed: true, note: null, score: 7 },
    { score: { $gt: 1, $lte: 9.5 } },
    { source: { $in: ['chat', 'email', null] }, kind: { $nin: [] } },
    { kind: { $eq: 'Memory' }, source: { $ne: null } },
    { 'content.content': 'a top-level key that happens to contain a dot' },
  ])('accepts %j', (filter) => {
    expect(filterProblem(filter)).toBeNull();
  });

  it.each<[unknown, string]>([
    [null, 'filter: must be an object'],
    [['kind', 'Memory'], 'filter: must be an object'],
    ['kind=Memory', 'filter: must be an object'],
    [{ score: { $foo: 1 } }, 'filter.score: unknown operator $foo'],
    [{ score: { $gt: 1, $regex: 'x' } }, 'filter.score: unknown operator $regex'],
    [{ score: { $gt: 1, extra: 2 } }, 'filter.score: nested field "extra"'],
    [{ content: { content: 'x' } }, 'filter.content: nested field "content"'],
    [{ tags: ['pets'] }, 'filter.tags: must be a string, number, boolean, null or an operator object'],
    [{ anything: {} }, 'filter.anything: empty operator object'],
    [{ score: { $gt: '5' } }, 'filter.score.$gt: expects a finite number'],
    [{ date: { $lt: '2026-01-01' } }, 'filter.date.$lt: expects a finite number'],
    [{ source: { $in: 'chat' } }, 'filter.source.$in: expects an array'],
    [{ source: { $nin: [['chat']] } }, 'filter.source.$nin: element 0 must be'],
    [{ tags: { $eq: ['pets'] } }, 'filter.tags.$eq: expects a string, number, boolean or null'],
  ])('rejects %j', (filter, message) => {
    expect(filterProblem(filter)).toContain(message);
  });

  it('names the first offending field when several are wrong', () => {
    expect(filterProblem({ kind: 'Memory', a: { $bad: 1 }, b: { $worse: 2 } })).toMatch(/^filter\.a: unknown operator \$bad/);
  });
});
