/** Lexical ranking of memories (minisearch BM25) and the text indexed for a stored value. */
import { LEXICAL_FUZZY_MIN_TERM_CHARS, MEMORY_TEXT_MAX_DEPTH } from '../../src/defaults';
import { englishTerm, stripSuffix } from '../../src/store/search/english-terms';
import { memorySearchText, rankLexically, type RankDoc } from '../../src/store/search/lexical-ranker';

/** LangMem-style memories, most sharing function words ("is", "my", "the") with the queries below. */
const MEMORIES: RankDoc[] = [
  { id: 'food', text: 'User is vegetarian and my favourite food is pasta' },
  { id: 'work', text: 'User works at Acme Corp as a backend engineer' },
  { id: 'dog', text: 'User has a dog named Fido' },
  { id: 'home', text: 'User lives in Lisbon, Portugal; it is where the family is' },
  { id: 'editor', text: 'User prefers dark mode in all editors' },
  { id: 'hike', text: 'User likes to hike in the mountains on weekends' },
  { id: 'allergy', text: 'User has a peanut allergy' },
];

function ids(query: string, docs: readonly RankDoc[] = MEMORIES): string[] {
  return rankLexically(query, docs).map((hit) => hit.id);
}

describe('rankLexically', () => {
  it('puts the relevant memory first among distractors that share only function words with the query', () => {
    const ranked = rankLexically('what is my dog called', MEMORIES);
    expect(ranked[0]).toEqual({ id: 'dog', score: 1 });
    // "is" and "my" are not evidence: the memories sharing only those are not returned at all.
    expect(ranked.map((hit) => hit.id)).not.toContain('food');
    expect(ranked.map((hit) => hit.id)).not.toContain('home');
  });

  it('ranks a memory matching more query terms above one matching fewer', () => {
    const docs: RankDoc[] = [
      { id: 'one', text: 'User drinks coffee' },
      { id: 'both', text: 'User drinks black coffee every morning' },
      { id: 'none', text: 'User owns a bicycle' },
    ];
    expect(ids('black coffee in the morning', docs)).toEqual(['both', 'one']);
  });

  it('matches partial words as prefixes', () => {
    expect(ids('pref')).toEqual(['editor']);
    expect(ids('veget')).toEqual(['food']);
    expect(ids('Lisb')).toEqual(['home']);
  });

  it('tolerates a typo in a longer word', () => {
    expect(ids('vegetrian')).toEqual(['food']);
    expect(ids('Lisbn')).toEqual(['home']);
    expect(ids('mountians')[0]).toBe('hike');
  });

  it(`does not fuzz words shorter than ${LEXICAL_FUZZY_MIN_TERM_CHARS} letters (one edit makes another word)`, () => {
    expect(ids('dot')).toEqual([]);
    expect(ids('fog')).toEqual([]);
  });

  it('folds inflections that neither prefix nor typo matching reach', () => {
    expect(ids('hiking')).toEqual(['hike']);
    expect(ids('allergies')).toEqual(['allergy']);
    expect(ids('dogs')).toEqual(['dog']);
    expect(ids('preferred')).toEqual(['editor']);
  });

  it('returns [] when nothing matches, for an empty or function-word-only query, and for no candidates', () => {
    expect(rankLexically('quantum chromodynamics', MEMORIES)).toEqual([]);
    expect(rankLexically('', MEMORIES)).toEqual([]);
    expect(rankLexically('   ', MEMORIES)).toEqual([]);
    expect(rankLexically('what is it', MEMORIES)).toEqual([]);
    expect(rankLexically('dog', [])).toEqual([]);
  });

  it('normalises scores to (0, 1], best first', () => {
    const ranked = rankLexically('user dog mountains', MEMORIES);
    expect(ranked.length).toBe(MEMORIES.length);
    expect(ranked[0]?.score).toBe(1);
    for (const [i, hit] of ranked.entries()) {
      expect(hit.score).toBeGreaterThan(0);
      expect(hit.score).toBeLessThanOrEqual(1);
      if (i > 0) expect(hit.score).toBeLessThanOrEqual(ranked[i - 1]?.score ?? Infinity);
    }
  });

  it('keeps input order among equal scores', () => {
    const docs: RankDoc[] = [
      { id: 'c', text: 'User likes tea' },
      { id: 'x', text: 'User owns a bicycle' },
      { id: 'a', text: 'User likes tea' },
      { id: 'b', text: 'User likes tea' },
    ];
    expect(rankLexically('tea', docs)).toEqual([
      { id: 'c', score: 1 },
      { id: 'a', score: 1 },
      { id: 'b', score: 1 },
    ]);
    expect(ids('tea', [...docs].reverse())).toEqual(['b', 'a', 'c']);
  });

  it('does not depend on ids being unique', () => {
    expect(
      rankLexically('tea', [
        { id: 'same', text: 'tea' },
        { id: 'same', text: 'green tea and more tea' },
      ]).length,
    ).toBe(2);
  });
});

describe('memorySearchText', () => {
  it("uses the inner string of LangMem's default memory value", () => {
    expect(memorySearchText({ kind: 'Memory', content: { content: 'User has a dog named Fido' } })).toBe('User has a dog named Fido');
  });

  it('collects every string and number leaf of a custom schema, in key order', () => {
    const profile = {
      kind: 'UserProfile',
      content: { name: 'Ada', age: 36, preferences: ['green tea', { topic: 'chess', level: 2 }], verified: true, nickname: null },
    };
    expect(memorySearchText(profile)).toBe('UserProfile Ada 36 green tea chess 2');
  });

  it('treats a content object with more than the one string field as a custom schema', () => {
    expect(memorySearchText({ kind: 'Episode', content: { content: 'went hiking', outcome: 'sunburn' } })).toBe('Episode went hiking sunburn');
  });

  it(`reads leaves down to ${MEMORY_TEXT_MAX_DEPTH} levels below the value, no deeper`, () => {
    /** A value whose only leaf, `text`, sits `levels` keys below the root. */
    function leafAt(levels: number, text: string): Record<string, unknown> {
      return levels === 1 ? { leaf: text } : { nested: leafAt(levels - 1, text) };
    }
    expect(memorySearchText(leafAt(MEMORY_TEXT_MAX_DEPTH, 'deepest kept'))).toBe('deepest kept');
    expect(memorySearchText(leafAt(MEMORY_TEXT_MAX_DEPTH + 1, 'too deep'))).toBe('');
  });

  it('makes custom schemas searchable', () => {
    const values: Record<string, Record<string, unknown>> = {
      memory: { kind: 'Memory', content: { content: 'User works remotely from Porto' } },
      profile: { kind: 'UserProfile', content: { name: 'Ada', preferences: ['green tea', 'chess openings'] } },
    };
    const docs = Object.entries(values).map(([id, value]) => ({ id, text: memorySearchText(value) }));
    expect(ids('which openings does she play', docs)).toEqual(['profile']);
    expect(ids('Porto', docs)).toEqual(['memory']);
  });
});

describe('english terms', () => {
  it.each([
    ['allergies', 'allergy'],
    ['boxes', 'box'],
    ['classes', 'class'],
    ['class', 'class'],
    ['virus', 'virus'],
    ['hiking', 'hik'],
    ['hiked', 'hik'],
    ['hikes', 'hik'],
    ['hike', 'hik'],
    ['running', 'run'],
    ['called', 'call'],
    ['need', 'need'],
    ['string', 'string'],
    ['thing', 'thing'],
    ['dog', 'dog'],
    ['2024s', '2024s'],
  ])('stripSuffix(%s) = %s', (word, stem) => {
    expect(stripSuffix(word)).toBe(stem);
  });

  it('lower-cases, and drops function words and contraction fragments', () => {
    expect(englishTerm('Dogs')).toBe('dog');
    expect(englishTerm('What')).toBeNull();
    expect(englishTerm('s')).toBeNull();
    expect(englishTerm('May')).toBe('may');
  });
});
