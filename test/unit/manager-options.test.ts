/**
 * The manager options of LangMem's store manager that issue 16 adds: default documents (`default`,
 * `defaultFactory`, and the refusal of an update-only manager without one), search windows and the query
 * model — their parsing and refusals, and the pure parts of retrieval (windows, merging by score, the
 * default document's operations, the query model's usage).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { ThreadMessage } from '../../src/contract';
import { ConfigurationError } from '../../src/errors';
import { loadManagers } from '../../src/managers/load-managers';
import { resolveManager, type MemoryManagerDefinition } from '../../src/managers/memory-manager';
import { searchWindows, withDefaultDocument, withQueryUsage, type RelatedMemories } from '../../src/managers/related-memories';
import type { MemoryItem, SearchItem } from '../../src/store/memory-types';
import { rankLexically, rankLexicallyEach } from '../../src/store/search/lexical-ranker';
import { mergeByScore } from '../../src/store/search/merge-by-score';

const profileSchema = z.object({ name: z.string().optional(), pets: z.array(z.string()) });
const updateOnly: MemoryManagerDefinition = {
  name: 'prefs',
  namespace: ['prefs', '{user_id}'],
  schemas: [{ kind: 'Preferences', schema: profileSchema }],
  enableInserts: false,
};

function refusal(definition: MemoryManagerDefinition): string {
  try {
    resolveManager(definition);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return (err as Error).message;
  }
  throw new Error(`manager ${definition.name} was accepted`);
}

describe('default documents', () => {
  it('refuses an update-only manager without a default, saying what to do', () => {
    expect(refusal(updateOnly)).toBe(
      'managers.prefs: updates only (inserts and deletes off), so it can never create a memory to update; give it a `default` (or `defaultFactory`) document, or set enableInserts: true',
    );
  });

  it('accepts an update-only manager with a default, and gives each namespace its own copy', () => {
    const manager = resolveManager({ ...updateOnly, default: { pets: [] } });
    const first = manager.defaultDocument?.({ namespace: ['prefs', 'ana'] });
    expect(first).toEqual({ pets: [] });
    (first?.['pets'] as string[]).push('Tom');
    expect(manager.defaultDocument?.({ namespace: ['prefs', 'bo'] })).toEqual({ pets: [] });
  });

  it('refuses a default that does not match the schema, naming the field', () => {
    expect(refusal({ ...updateOnly, default: { pets: 'none' } })).toMatch(/^managers\.prefs\.default: does not match schema Preferences: pets: /);
  });

  it('refuses a default with several schemas, with deletes on, with updates off, or beside a defaultFactory', () => {
    const two = { ...updateOnly, enableInserts: true, schemas: [...(updateOnly.schemas ?? []), { kind: 'Note', schema: z.object({ text: z.string() }) }] };
    expect(refusal({ ...two, default: { pets: [] } })).toBe('managers.prefs.default: a manager with a default document has exactly one schema');
    expect(refusal({ ...updateOnly, enableDeletes: true, default: { pets: [] } })).toBe(
      'managers.prefs.default: a default document is kept, not deleted; set enableDeletes: false',
    );
    expect(refusal({ ...updateOnly, enableInserts: true, enableUpdates: false, default: { pets: [] } })).toBe(
      'managers.prefs.default: a default document is there to be updated; enableUpdates must be on',
    );
    expect(refusal({ ...updateOnly, default: { pets: [] }, defaultFactory: () => ({ pets: [] }) })).toBe(
      'managers.prefs: give either default or defaultFactory, not both',
    );
  });

  it('refuses a phase that turns deletes on beside a default document, naming the phase', () => {
    const phases = [
      { name: 'tidy', instructions: 'Tidy up.' },
      { name: 'prune', instructions: 'Drop what is stale.', enableDeletes: true },
    ];
    expect(refusal({ ...updateOnly, default: { pets: [] }, phases })).toBe(
      'managers.prefs.phases.1.enableDeletes: a default document is kept, not deleted; remove it (deletes stay off)',
    );
    expect(resolveManager({ ...updateOnly, default: { pets: [] }, phases: phases.slice(0, 1) }).phases).toHaveLength(1);
  });

  it('refuses a defaultFactory that is not a function (a JSON managers file can only give `default`)', () => {
    expect(refusal({ ...updateOnly, defaultFactory: { pets: [] } as unknown as () => Record<string, unknown> })).toMatch(/defaultFactory: must be a function/);
  });

  it('checks what a defaultFactory returns each time, and turns its exceptions into a ConfigurationError', () => {
    const seen: (readonly string[])[] = [];
    const manager = resolveManager({
      ...updateOnly,
      defaultFactory: ({ namespace }) => {
        seen.push(namespace);
        return namespace[1] === 'bad' ? { pets: 3 } : { name: namespace[1] ?? '', pets: [] };
      },
    });
    expect(manager.defaultDocument?.({ namespace: ['prefs', 'ana'] })).toEqual({ name: 'ana', pets: [] });
    expect(seen).toEqual([['prefs', 'ana']]);
    expect(() => manager.defaultDocument?.({ namespace: ['prefs', 'bad'] })).toThrow(/^managers\.prefs\.defaultFactory: does not match schema Preferences/);
    const throwing = resolveManager({
      ...updateOnly,
      defaultFactory: () => {
        throw new RangeError('boom');
      },
    });
    expect(() => throwing.defaultDocument?.({ namespace: ['prefs', 'ana'] })).toThrow(/^managers\.prefs\.defaultFactory: threw RangeError$/);
  });

  it('seeds a profile manager too; without a default a profile still writes its first version itself', () => {
    const profile = { name: 'profile', namespace: ['profiles', '{user_id}'], schemas: updateOnly.schemas, profile: true } as MemoryManagerDefinition;
    expect(resolveManager(profile).defaultDocument).toBeUndefined();
    expect(resolveManager({ ...profile, default: { pets: ['none yet'] } }).defaultDocument?.({ namespace: ['profiles', 'a'] })).toEqual({ pets: ['none yet'] });
  });

  it('is read from a JSON managers file (MEMORY_MANAGERS_MODULE), default included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'managers-'));
    const path = join(dir, 'managers.json');
    const prefs = { type: 'object', properties: { pets: { type: 'array', items: { type: 'string' } } }, required: ['pets'] };
    writeFileSync(
      path,
      JSON.stringify({ managers: [{ ...updateOnly, schemas: [{ kind: 'Preferences', schema: prefs }], default: { pets: [] }, retrieval: 'windows' }] }),
    );
    const manager = loadManagers({ managersModule: path }).forBatch('prefs');
    expect(manager).toMatchObject({ enableInserts: false, retrieval: 'windows', queryModel: undefined });
    expect(manager.defaultDocument?.({ namespace: ['prefs', 'a'] })).toEqual({ pets: [] });
    const refused = join(dir, 'refused.json');
    writeFileSync(refused, JSON.stringify({ managers: [{ ...updateOnly, schemas: [{ kind: 'Preferences', schema: prefs }] }] }));
    expect(() => loadManagers({ managersModule: refused })).toThrow(/give it a `default` \(or `defaultFactory`\) document, or set enableInserts: true/);
  });
});

describe('retrieval options', () => {
  const base: MemoryManagerDefinition = { name: 'facts', namespace: ['facts'] };

  it('defaults to one search on the batch and no query model', () => {
    expect(resolveManager(base)).toMatchObject({ retrieval: 'batch', queryModel: undefined, defaultDocument: undefined });
  });

  it('names the field of a bad value', () => {
    expect(refusal({ ...base, retrieval: 'everything' as 'batch' })).toMatch(/^invalid memory manager "facts": retrieval: /);
    expect(refusal({ ...base, queryModel: '' })).toMatch(/^invalid memory manager "facts": queryModel: /);
  });

  it('refuses windows beside a query model, and either on a profile manager', () => {
    expect(refusal({ ...base, retrieval: 'windows', queryModel: 'claude-haiku-5-5' })).toBe(
      "managers.facts.queryModel: the query model writes the searches; remove retrieval: 'windows' (or the query model)",
    );
    const profile = { ...base, profile: true, schemas: updateOnly.schemas };
    expect(refusal({ ...profile, queryModel: 'claude-haiku-5-5' })).toBe(
      'managers.facts.profile: a profile manager shows its one document, it searches nothing; remove retrieval and queryModel',
    );
    expect(refusal({ ...profile, retrieval: 'windows' })).toMatch(/^managers\.facts\.profile: /);
  });
});

describe('search windows', () => {
  const messages = (n: number): ThreadMessage[] =>
    Array.from({ length: n }, (_, i) => ({ id: `m${i + 1}`, role: 'user', content: `message ${i + 1}`, timestamp: '2026-01-01T00:00:00Z' }));

  it('searches the latest 1, 2, 4, … messages and the whole batch, newest window first', () => {
    expect(searchWindows(messages(1))).toEqual(['message 1']);
    expect(searchWindows(messages(4))).toEqual(['message 4', 'message 3\nmessage 4', 'message 1\nmessage 2\nmessage 3\nmessage 4']);
    expect(searchWindows(messages(5)).map((w) => w.split('\n').length)).toEqual([1, 2, 4, 5]);
    expect(searchWindows([])).toEqual([]);
  });

  it('is bounded: a long batch gets at most the cap, the whole batch always last', () => {
    expect(searchWindows(messages(300), 4).map((w) => w.split('\n').length)).toEqual([1, 2, 4, 300]);
    expect(searchWindows(messages(300)).map((w) => w.split('\n').length)).toEqual([1, 2, 4, 8, 16, 32, 64, 300]);
  });
});

describe('merging searches by score', () => {
  const item = (key: string, score?: number): SearchItem => ({
    namespace: ['n'],
    key,
    value: { kind: 'Memory', content: { content: key } },
    createdAt: '',
    updatedAt: '',
    version: 1,
    ...(score !== undefined ? { score } : {}),
  });

  it('keeps each memory once at its best score, best first, up to the limit', () => {
    const merged = mergeByScore(
      [
        [item('a', 0.9), item('b', 0.2)],
        [item('b', 0.95), item('c', 0.5), item('d')],
      ],
      3,
    );
    expect(merged.map((i) => [i.key, i.score])).toEqual([
      ['b', 0.95],
      ['a', 0.9],
      ['c', 0.5],
    ]);
    expect(mergeByScore([[item('a', 1)], []], 0)).toEqual([]);
  });
});

describe('ranking several queries over one index', () => {
  const docs = [
    { id: 'dog', text: 'User has a dog named Fido' },
    { id: 'city', text: 'User lives in Lisbon' },
    { id: 'jazz', text: 'User likes jazz and dogs' },
  ];

  it('gives each query the ranking it gets alone, in the queries’ order, empty for an empty query', () => {
    const queries = ['my dog Fido', 'where do I live', '', 'what is it'];
    expect(rankLexicallyEach(queries, docs)).toEqual(queries.map((q) => rankLexically(q, docs)));
    expect(rankLexicallyEach(queries, docs)[0]?.[0]).toEqual({ id: 'dog', score: 1 });
    expect(rankLexicallyEach(['dog'], [])).toEqual([[]]);
  });
});

describe("a default document's operations", () => {
  const seed: MemoryItem = {
    namespace: ['p'],
    key: 'profile',
    value: { kind: 'UserProfile', content: { pets: [] } },
    createdAt: '',
    updatedAt: '',
    version: 3,
  };

  it('turns the update of the seed into its insert, seeded at its version, after the other operations', () => {
    const operations = withDefaultDocument(
      [
        { action: 'update', id: 'profile', kind: 'UserProfile', content: { pets: ['Tom'] } },
        { action: 'insert', kind: 'UserProfile', content: { pets: ['x'] } },
      ],
      seed,
    );
    expect(operations).toEqual([
      { action: 'insert', kind: 'UserProfile', content: { pets: ['x'] } },
      { action: 'insert', kind: 'UserProfile', content: { pets: ['Tom'] }, key: 'profile', version: 4, seeded: { content: { pets: [] }, version: 3 } },
    ]);
  });

  it('keeps the passes that updated the seed (a manager with phases), so its history names them', () => {
    const operations = withDefaultDocument(
      [{ action: 'update', id: 'profile', kind: 'UserProfile', content: { pets: ['Tom'] }, phase: 'consolidate', phases: ['extract', 'consolidate'] }],
      seed,
    );
    expect(operations).toEqual([
      {
        action: 'insert',
        kind: 'UserProfile',
        content: { pets: ['Tom'] },
        key: 'profile',
        version: 4,
        seeded: { content: { pets: [] }, version: 3 },
        phase: 'consolidate',
        phases: ['extract', 'consolidate'],
      },
    ]);
  });

  it('writes the default as it is when the model left it unchanged, and nothing more without a seed', () => {
    expect(withDefaultDocument([], seed)).toEqual([{ action: 'insert', kind: 'UserProfile', content: { pets: [] }, key: 'profile', version: 3 }]);
    expect(withDefaultDocument([{ action: 'delete', id: 'x' }], undefined)).toEqual([{ action: 'delete', id: 'x' }]);
  });
});

describe("the query model's usage", () => {
  const related = (costUsd?: number): RelatedMemories => ({
    items: [],
    searches: 2,
    queryUsage: { usage: { inputTokens: 300, outputTokens: 40 }, model: 'claude-haiku-5-5', ...(costUsd !== undefined ? { costUsd } : {}) },
  });

  it('is added to the extraction’s tokens and cost', () => {
    expect(withQueryUsage({ usage: { inputTokens: 1000, outputTokens: 100 }, costUsd: 0.0045, model: 'm' }, related(0.0005))).toEqual({
      usage: { inputTokens: 1300, outputTokens: 140 },
      costUsd: 0.005,
      model: 'm',
    });
  });

  it('leaves the cost out when either part has no price (half a sum would read as the whole)', () => {
    expect(withQueryUsage({ usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0.1 }, related())).toEqual({ usage: { inputTokens: 301, outputTokens: 41 } });
    expect(withQueryUsage({ usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0.1 }, { items: [], searches: 1 })).toEqual({
      usage: { inputTokens: 1, outputTokens: 1 },
      costUsd: 0.1,
    });
  });
});
