/**
 * Issue 16's manager options end to end (dev server, DynamoDB Local, the fake Messages API): a default
 * document seeded for a profile manager and for an update-only manager, LangMem's search windows, and a
 * query model writing the searches — what the model was shown, what was written, and the history records.
 */
import { z } from 'zod';
import { threadWorkflowId } from '../../src/contract';
import type { MemoryManagerDefinition } from '../../src/managers/memory-manager';
import { promptData, promptText, type RecordedRequest, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { memoryValue } from '../../src/store/memory-types';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const QUERY_MODEL = 'claude-haiku-test';
const factoryCalls: string[][] = [];

const MANAGERS: MemoryManagerDefinition[] = [
  {
    name: 'seeded-profile',
    namespace: ['profiles', '{user_id}'],
    profile: true,
    schemas: [{ kind: 'UserProfile', schema: z.object({ name: z.string().optional(), pets: z.array(z.string()) }) }],
    default: { pets: [] },
  },
  {
    // LangMem's profile style without profile mode: one schema, inserts off, updates on.
    name: 'drinks',
    namespace: ['drinks', '{user_id}'],
    schemas: [{ kind: 'Drinks', schema: z.object({ likes: z.array(z.string()) }) }],
    enableInserts: false,
    defaultFactory: ({ namespace }) => {
      factoryCalls.push([...namespace]);
      return { likes: [] };
    },
  },
  { name: 'windows', namespace: ['windows', '{user_id}'], retrieval: 'windows', queryLimit: 2, newestShown: 0 },
  { name: 'batch', namespace: ['batch', '{user_id}'], queryLimit: 2, newestShown: 0 },
  { name: 'queries', namespace: ['queries', '{user_id}'], queryModel: QUERY_MODEL, queryLimit: 1, newestShown: 0 },
];

const h = useMemoryHarness('manager-options', undefined, { managers: MANAGERS });

const tool = (input: unknown, usage?: { input_tokens: number; output_tokens: number }): ScriptedReply => ({ kind: 'tool', input, ...(usage ? { usage } : {}) });
const options = (userId: string, manager: string) => ({ afterSeconds: 0.2, managers: [manager], config: { configurable: { user_id: userId } } });
const shownIds = (request: RecordedRequest | undefined) => (request ? promptData(request).existing_memories.map((m) => m.id) : []);

/** Memories no message below is about: a search that finds them found the wrong thing. */
async function seedNamespace(namespace: string[]) {
  await h.store.put(namespace, 'fido', memoryValue('User has a dog named Fido'));
  await h.store.put(namespace, 'porto', memoryValue('User lives in Porto'));
  for (const [key, content] of [
    ['bike', 'User owns a red bicycle'],
    ['piano', 'User plays the piano on weekends'],
    ['chess', 'User enjoys chess puzzles'],
  ] as const) {
    await h.store.put(namespace, key, memoryValue(content));
  }
}

// Over MAX_QUERY_CHARS (2,000) of words no memory holds: a single search on the batch's text is cut before the last message.
const LONG_PREAMBLE = Array.from({ length: 400 }, (_, i) => `lorem${i % 7}`).join(' ');

describe('default documents', () => {
  test('a profile manager starts from its default: the model updates it, the history records the default as version 1', async () => {
    const userId = uniqueId('user');
    const threadId = uniqueId('seeded-profile');
    h.fake.script(tool({ name: 'Ana', pets: ['Tom'] }));
    await h.memory.submit(threadId, [{ role: 'user', content: 'I am Ana, and Tom is my cat.' }], options(userId, 'seeded-profile'));
    await settled(h.memory, threadId, 1);

    // The model was shown the default as the current document, under the profile's key.
    expect(promptData(h.fake.requests[0] as RecordedRequest).existing_memories).toEqual([
      expect.objectContaining({ id: 'profile', kind: 'UserProfile', content: { pets: [] } }),
    ]);
    const [item] = await h.memory.search(['profiles', userId]);
    expect(item).toMatchObject({ key: 'profile', version: 2, value: { kind: 'UserProfile', content: { name: 'Ana', pets: ['Tom'] } } });
    const history = await h.memory.history(['profiles', userId], 'profile');
    expect(history.map((c) => [c.version, c.action, c.value])).toEqual([
      [1, 'insert', { kind: 'UserProfile', content: { pets: [] } }],
      [2, 'update', { kind: 'UserProfile', content: { name: 'Ana', pets: ['Tom'] } }],
    ]);
    // Both written by the same batch, in one transaction.
    expect(history[0]?.by).toMatchObject({ kind: 'extraction', threadId: expect.stringContaining(threadId) as string });
    expect(history[1]?.by.batchId).toBe(history[0]?.by.batchId);

    // The next batch updates the stored document: no second default.
    h.fake.script(tool({ name: 'Ana', pets: ['Tom', 'Rex'] }));
    await h.memory.submit(threadId, [{ role: 'user', content: 'We adopted Rex too.' }], options(userId, 'seeded-profile'));
    await settled(h.memory, threadId, 2);
    expect(promptData(h.fake.requests[1] as RecordedRequest).existing_memories).toEqual([
      expect.objectContaining({ id: 'profile', content: { name: 'Ana', pets: ['Tom'] } }),
    ]);
    expect((await h.memory.history(['profiles', userId], 'profile')).map((c) => c.action)).toEqual(['insert', 'update', 'update']);
  });

  test('an update-only manager gets its default written when the model changes nothing, and updates it later', async () => {
    const userId = uniqueId('user');
    const threadId = uniqueId('drinks');
    h.fake.script(tool({ operations: [] }));
    await h.memory.submit(threadId, [{ role: 'user', content: 'Hello there.' }], options(userId, 'drinks'));
    await settled(h.memory, threadId, 1);
    expect(factoryCalls).toContainEqual(['drinks', userId]);
    expect(shownIds(h.fake.requests[0])).toEqual(['default']);
    // The tool offers updates only: the default document is what the model can change.
    expect(JSON.stringify(h.fake.requests[0]?.tools)).not.toContain('"insert"');
    expect((await h.memory.search(['drinks', userId])).map((i) => [i.key, i.version, i.value])).toEqual([
      ['default', 1, { kind: 'Drinks', content: { likes: [] } }],
    ]);

    h.fake.script(tool({ operations: [{ action: 'update', id: 'default', likes: ['green tea'] }] }));
    await h.memory.submit(threadId, [{ role: 'user', content: 'I love green tea.' }], options(userId, 'drinks'));
    await settled(h.memory, threadId, 2);
    expect(shownIds(h.fake.requests[1])).toEqual(['default']);
    const history = await h.memory.history(['drinks', userId], 'default');
    expect(history.map((c) => [c.version, c.action, c.value?.content])).toEqual([
      [1, 'insert', { likes: [] }],
      [2, 'update', { likes: ['green tea'] }],
    ]);
    expect(history.every((c) => c.by.kind === 'extraction')).toBe(true);
  });
});

describe('search windows', () => {
  const batch = () => [
    { role: 'user' as const, content: LONG_PREAMBLE },
    { role: 'user' as const, content: 'Fido chewed my shoes again, that dog.' },
  ];

  test('windows of the latest messages find what a single search on a long batch misses', async () => {
    const userId = uniqueId('user');
    await seedNamespace(['windows', userId]);
    await seedNamespace(['batch', userId]);
    const reply = tool({ operations: [{ action: 'update', id: 'fido', content: 'User has a dog named Fido who chews shoes' }] });
    h.fake.script(reply, tool({ operations: [] }));

    const windowed = uniqueId('windows');
    await h.memory.submit(windowed, batch(), options(userId, 'windows'));
    await settled(h.memory, windowed, 1);
    // The latest message's window found the dog; nothing else matches, so nothing else was shown.
    expect(shownIds(h.fake.requests[0])).toEqual(['fido']);
    const history = await h.memory.history(['windows', userId], 'fido');
    expect(history.map((c) => [c.action, c.by.kind])).toEqual([
      ['insert', 'api'],
      ['update', 'extraction'],
    ]);

    // The same batch for a manager with the default single search: its query is cut before "Fido".
    const single = uniqueId('batch');
    await h.memory.submit(single, batch(), options(userId, 'batch'));
    await settled(h.memory, single, 1);
    expect(shownIds(h.fake.requests[1])).toEqual([]);
  });

  test('the merged results are bounded by queryLimit, each memory once', async () => {
    const userId = uniqueId('user');
    await seedNamespace(['windows', userId]);
    h.fake.script(tool({ operations: [] }));
    const threadId = uniqueId('windows-bound');
    await h.memory.submit(
      threadId,
      [
        { role: 'user', content: 'I moved to Porto last spring.' },
        { role: 'user', content: 'Fido loves the beach there.' },
        { role: 'user', content: 'My red bicycle got a flat tyre.' },
        { role: 'user', content: 'Fido and I ride along the river.' },
      ],
      options(userId, 'windows'),
    );
    await settled(h.memory, threadId, 1);
    // Three memories are related (Porto, Fido, the bicycle); the windows' merged results show the best two, once each.
    const shown = shownIds(h.fake.requests[0]);
    expect(shown).toHaveLength(2);
    expect(new Set(shown).size).toBe(2);
    expect(shown.every((id) => ['porto', 'fido', 'bike'].includes(id))).toBe(true);
  });
});

describe('query model', () => {
  test('a query model writes the searches: its request, the memories found by its queries, and its tokens in the totals', async () => {
    const userId = uniqueId('user');
    await seedNamespace(['queries', userId]);
    h.fake.script(
      tool({ queries: ['where the user lives'] }, { input_tokens: 50, output_tokens: 7 }),
      tool({ operations: [{ action: 'update', id: 'porto', content: 'User lives in Lisbon (moved from Porto)' }] }),
    );
    const threadId = uniqueId('queries');
    await h.memory.submit(threadId, [{ role: 'user', content: 'We finally moved house, Lisbon now!' }], options(userId, 'queries'));
    const state = await settled(h.memory, threadId, 1);

    const [asked, extraction] = h.fake.requests;
    expect(asked?.model).toBe(QUERY_MODEL);
    expect(asked?.tool_choice).toEqual({ type: 'tool', name: 'search_memories', disable_parallel_tool_use: true });
    expect(promptText(asked as RecordedRequest)).toContain('Lisbon now!');
    expect(extraction?.model).toBe('claude-test-model');
    // "lives" matched only Porto's memory; queryLimit 1 shows one.
    expect(shownIds(extraction)).toEqual(['porto']);
    expect(state?.totals.usage).toEqual({ inputTokens: 150, outputTokens: 27 });
    expect((await h.memory.history(['queries', userId], 'porto')).map((c) => [c.action, c.value?.content])).toEqual([
      ['insert', { content: 'User lives in Porto' }],
      ['update', { content: 'User lives in Lisbon (moved from Porto)' }],
    ]);
  });

  test('a failing query model fails the attempt like an extraction: a 529 is retried, then the batch goes through', async () => {
    const userId = uniqueId('user');
    await seedNamespace(['queries', userId]);
    h.fake.script(
      { kind: 'status', status: 529, message: 'Overloaded' },
      tool({ queries: ['dog'] }),
      tool({ operations: [{ action: 'update', id: 'fido', content: 'User has an old dog named Fido' }] }),
    );
    const threadId = uniqueId('queries-retry');
    await h.memory.submit(threadId, [{ role: 'user', content: 'Fido turned twelve.' }], options(userId, 'queries'));
    await settled(h.memory, threadId, 1);
    expect(h.fake.requests.map((r) => r.model)).toEqual([QUERY_MODEL, QUERY_MODEL, 'claude-test-model']);
    expect(shownIds(h.fake.requests[2])).toEqual(['fido']);
    expect((await h.memory.history(['queries', userId], 'fido')).map((c) => c.action)).toEqual(['insert', 'update']);
  });

  test('a query model answer the API rejects (400) makes a dead letter at once, its error type recorded, no extraction asked', async () => {
    const userId = uniqueId('user');
    h.fake.script({ kind: 'status', status: 400, message: 'max_tokens: too large' });
    const threadId = uniqueId('queries-400');
    await h.memory.submit(threadId, [{ role: 'user', content: 'Something to remember.' }], options(userId, 'queries'));
    await eventually(
      () => h.memory.state(threadId),
      (s) => s?.totals.batchesDeadLettered === 1,
    );
    expect(h.fake.requests.map((r) => r.model)).toEqual([QUERY_MODEL]);
    const [letter] = await h.memory.deadLetters(threadId);
    expect(letter).toMatchObject({ status: 'open', messageCount: 1, error: { type: 'ModelRequestError', reason: 'non-retryable' } });
  });

  test('a query model reply without usable queries is retried as invalid output, and its text stays out of Temporal', async () => {
    const userId = uniqueId('user');
    await seedNamespace(['queries', userId]);
    const marker = `marker-${uniqueId('q')}`;
    h.fake.script(
      tool({ queries: `${marker} is not a list` }),
      tool({ queries: ['dog'] }),
      tool({ operations: [{ action: 'update', id: 'fido', content: 'User has a dog named Fido' }] }),
    );
    const threadId = uniqueId('queries-invalid');
    await h.memory.submit(threadId, [{ role: 'user', content: `Fido met ${marker} today.` }], options(userId, 'queries'));
    await settled(h.memory, threadId, 1);
    expect(h.fake.requests.map((r) => r.model)).toEqual([QUERY_MODEL, QUERY_MODEL, 'claude-test-model']);
    // Every string of the thread's history (failure messages and stack traces included), payload bytes decoded.
    const history = await h.temporal.workflow.getHandle(threadWorkflowId(threadId)).fetchHistory();
    // The batch's first attempt (`extractNext`) failed with it; the retry (`extractBatch`) succeeded.
    const failed = (history.events ?? []).flatMap((e) => (e.activityTaskFailedEventAttributes ? [e.activityTaskFailedEventAttributes] : []));
    expect(failed.map((a) => a.failure?.applicationFailureInfo?.type)).toEqual(['InvalidModelOutputError']);
    const texts: string[] = [];
    const visit = (value: unknown): void => {
      if (typeof value === 'string') texts.push(value);
      else if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
      else if (value !== null && typeof value === 'object') for (const child of Object.values(value as Record<string, unknown>)) visit(child);
    };
    visit(history);
    expect(texts.join('\n')).not.toContain(marker);
  });
});
