/** The tool a memory manager offers the model, the validation of its replies, and the managers' own validation. */
import { z } from 'zod';
import { MAX_OPERATIONS_PER_EXTRACTION } from '../../src/defaults';
import {
  ConfigurationError,
  InvalidInputError,
  InvalidModelOutputError,
  ManagerUnavailableError,
  MemoryManagerError,
  ReviewRequiredError,
  toApplicationFailure,
} from '../../src/errors';
import { ManagerRegistry } from '../../src/managers/manager-registry';
import {
  DEFAULT_MANAGER,
  DEFAULT_MANAGER_NAME,
  DEFAULT_MEMORY_SCHEMA,
  resolveManager,
  type MemoryManagerDefinition,
  type MemorySchemaDefinition,
} from '../../src/managers/memory-manager';
import { MEMORY_TOOL_NAME, PROFILE_KEY, PROFILE_TOOL_NAME, parseToolInputs, toolFor } from '../../src/model/memory-tool';
import type { MemoryOperation } from '../../src/store/memory-operation';
import { memoryValue, type MemoryItem, type MemoryValue } from '../../src/store/memory-types';

const EPISODE: MemorySchemaDefinition = {
  kind: 'Episode',
  description: 'Something that happened, and what came of it.',
  schema: z.object({ observation: z.string().trim().min(1), outcome: z.string().optional() }),
};

/** A JSON Schema (not zod) kind, as LangGraph users write them. */
const PREFERENCE: MemorySchemaDefinition = {
  kind: 'Preference',
  schema: {
    type: 'object',
    properties: { topic: { type: 'string', minLength: 1 }, likes: { type: 'boolean' } },
    required: ['topic', 'likes'],
  },
};

const PROFILE: MemorySchemaDefinition = {
  kind: 'UserProfile',
  schema: z.object({ name: z.string().optional(), city: z.string().optional(), languages: z.array(z.string()).optional() }),
};

/** A recursive zod kind: its JSON Schema refers to itself (`$ref: "#"`). */
const TREE: z.ZodType = z.object({
  name: z.string(),
  get children() {
    return z.array(TREE).optional();
  },
});

const manager = (overrides: Partial<MemoryManagerDefinition> = {}) => resolveManager({ ...DEFAULT_MANAGER, ...overrides });
const defaultManager = manager();
const withDeletes = manager({ enableDeletes: true });
const twoKinds = manager({ name: 'two-kinds', schemas: [DEFAULT_MEMORY_SCHEMA, EPISODE] });
const profileManager = manager({ name: 'profile', schemas: [PROFILE], profile: true });

function item(key: string, value: MemoryValue = memoryValue(`memory ${key}`)): MemoryItem {
  const at = '2026-11-26T10:00:00.000Z';
  return { namespace: ['memories'], key, value, createdAt: at, updatedAt: at, version: 1 };
}

/** The operation variants the tool offers, as `<action> <kind>`. */
function variants(tool: ReturnType<typeof toolFor>): string[] {
  const schema = tool.input_schema as { properties: { operations: { items: { anyOf: { properties: Record<string, { const?: string }> }[] } } } };
  return schema.properties.operations.items.anyOf.map((v) => [v.properties['action']?.const, v.properties['kind']?.const].filter(Boolean).join(' '));
}

function variant(tool: ReturnType<typeof toolFor>, index: number): { properties: Record<string, unknown>; required: string[] } {
  const schema = tool.input_schema as { properties: { operations: { items: { anyOf: { properties: Record<string, unknown>; required: string[] }[] } } } };
  const found = schema.properties.operations.items.anyOf[index];
  if (!found) throw new Error(`no variant ${index}`);
  return found;
}

/** The error parseToolInputs throws. */
/**
 * The error refusing a reply, with `message` extended by what it keeps in `detail` (the problems, which go
 * back to the model in the repair round, or the proposal a reviewer judges), so tests read both at once.
 * The error's own message never holds them: see "keeps the model's text out of the message".
 */
function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

function refusal(inputs: unknown[], resolved = defaultManager, existing: MemoryItem[] = []): Error {
  try {
    parseToolInputs(inputs, resolved, existing);
  } catch (err) {
    expect(err).toBeInstanceOf(MemoryManagerError);
    const { detail, message } = err as MemoryManagerError;
    const kept = [
      ...(detail?.invalidOutput?.problems ?? []),
      ...(detail?.proposedOperations ? [`Proposed: ${JSON.stringify(detail.proposedOperations)}`] : []),
    ];
    return Object.assign(Object.create(err as Error) as Error, { message: [message, ...kept].join('; ') });
  }
  throw new Error('expected parseToolInputs to refuse the reply');
}

const ops = (...operations: unknown[]) => [{ operations }];

describe('toolFor', () => {
  it('offers the default manager insert and update of a Memory, and no delete (deletes are off by default)', () => {
    const tool = toolFor(defaultManager);
    expect(tool.name).toBe(MEMORY_TOOL_NAME);
    expect(variants(tool)).toEqual(['insert Memory', 'update Memory']);
    expect(JSON.stringify(tool)).not.toContain('"delete"');
    expect(tool.input_schema).toMatchObject({
      required: ['operations'],
      properties: { operations: { type: 'array', maxItems: MAX_OPERATIONS_PER_EXTRACTION } },
    });
  });

  it('inlines the kind’s fields; with one kind, kind is not required', () => {
    const tool = toolFor(defaultManager);
    const insert = variant(tool, 0);
    expect(insert.properties).toMatchObject({ action: { const: 'insert' }, kind: { const: 'Memory' }, content: { type: 'string', minLength: 1 } });
    expect(insert.properties).not.toHaveProperty('id');
    expect(insert.required).toEqual(['action', 'content']);
    const update = variant(tool, 1);
    expect(update.properties).toMatchObject({ action: { const: 'update' }, id: { type: 'string' } });
    expect(update.required).toEqual(['action', 'id', 'content']);
  });

  it('adds a delete variant when deletes are enabled', () => {
    const tool = toolFor(withDeletes);
    expect(variants(tool)).toEqual(['insert Memory', 'update Memory', 'delete']);
    expect(variant(tool, 2)).toMatchObject({ properties: { action: { const: 'delete' }, id: { type: 'string' } }, required: ['action', 'id'] });
  });

  it('offers only the enabled operations, and describes only those', () => {
    expect(toolFor(defaultManager).description).toMatch(/^Insert, update long-term memories/);
    expect(toolFor(manager({ enableInserts: false, enableDeletes: true })).description).toMatch(/^Update, delete long-term memories/);
    expect(variants(toolFor(manager({ enableInserts: false, default: { content: 'nothing known yet' } })))).toEqual(['update Memory']);
    expect(variants(toolFor(manager({ enableUpdates: false, enableDeletes: true })))).toEqual(['insert Memory', 'delete']);
  });

  it('with two kinds, offers each kind’s operations and requires kind', () => {
    const tool = toolFor(twoKinds);
    expect(variants(tool)).toEqual(['insert Memory', 'update Memory', 'insert Episode', 'update Episode']);
    const insertEpisode = variant(tool, 2);
    expect(insertEpisode.required).toEqual(['action', 'kind', 'observation']);
    expect(insertEpisode.properties).toHaveProperty('outcome');
    expect(variant(tool, 3).required).toEqual(['action', 'id', 'kind', 'observation']);
  });

  it('gives a profile manager one tool whose input is the whole document', () => {
    const tool = toolFor(profileManager);
    expect(tool.name).toBe(PROFILE_TOOL_NAME);
    expect(tool.description).toContain('UserProfile');
    expect(tool.input_schema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, city: { type: 'string' }, languages: { type: 'array' } },
    });
    expect(tool.input_schema).not.toHaveProperty('$schema');
  });
});

describe('parseToolInputs', () => {
  it('returns valid operations, filling in the kind and keeping the existing memory’s key', () => {
    const existing = [item('pet'), item('car')];
    const operations = parseToolInputs(
      ops({ action: 'insert', content: 'User likes tea' }, { action: 'update', id: 'pet', content: 'User prefers cats' }, { action: 'delete', id: 'car' }),
      withDeletes,
      existing,
    );
    expect(operations).toEqual<MemoryOperation[]>([
      { action: 'insert', kind: 'Memory', content: { content: 'User likes tea' } },
      { action: 'update', id: 'pet', kind: 'Memory', content: { content: 'User prefers cats' } },
      { action: 'delete', id: 'car' },
    ]);
  });

  it('accepts an empty operations list (nothing worth remembering)', () => {
    expect(parseToolInputs(ops(), defaultManager, [])).toEqual([]);
  });

  it('validates and trims content with the kind’s zod schema, and drops reserved and unknown fields from it', () => {
    const [operation] = parseToolInputs(ops({ action: 'insert', kind: 'Memory', content: '  User likes tea \n', id: 'x', extra: 1 }), defaultManager, []);
    expect(operation).toEqual({ action: 'insert', kind: 'Memory', content: { content: 'User likes tea' } });
  });

  it('names every bad field as operations.<i>.<field>', () => {
    const message = refusal(
      ops({ action: 'insert', content: 'fine' }, { action: 'insert', content: '   ' }, { action: 'upsert' }, { action: 'insert' }, 'text'),
    ).message;
    expect(message).toContain(`invalid ${MEMORY_TOOL_NAME} input`);
    expect(message).toContain('operations.1.content');
    expect(message).toContain('operations.2.action: must be "insert", "update"');
    expect(message).toContain('operations.3.content');
    expect(message).toContain('operations.4: must be an object');
    expect(message).not.toContain('operations.0');
  });

  it('refuses a tool call without an operations list', () => {
    expect(refusal([{ memories: [] }])).toBeInstanceOf(InvalidModelOutputError);
  });

  it('refuses a delete when deletes are disabled, naming operations.<i>.action', () => {
    const error = refusal(ops({ action: 'insert', content: 'User likes tea' }, { action: 'delete', id: 'car' }), defaultManager, [item('car')]);
    expect(error).toBeInstanceOf(InvalidModelOutputError);
    expect(error.message).toContain(`operations.1.action: deletes are disabled for memory manager ${DEFAULT_MANAGER_NAME}`);
  });

  it('refuses inserts and updates a manager disabled', () => {
    expect(refusal(ops({ action: 'insert', content: 'x' }), manager({ enableInserts: false, default: { content: 'nothing known yet' } })).message).toContain(
      'operations.0.action: inserts are disabled',
    );
    expect(refusal(ops({ action: 'update', id: 'a', content: 'x' }), manager({ enableUpdates: false }), [item('a')]).message).toContain(
      'operations.0.action: updates are disabled',
    );
  });

  it('refuses an id the model was not shown', () => {
    const error = refusal(ops({ action: 'update', id: 'ghost', content: 'x' }, { action: 'delete', id: 'gone' }, { action: 'delete' }), withDeletes, [
      item('pet'),
    ]);
    expect(error.message).toContain('operations.0.id: no existing memory "ghost"');
    expect(error.message).toContain('operations.1.id: no existing memory "gone"');
    expect(error.message).toContain('operations.2.id: required (the id of an existing memory)');
  });

  it('refuses changing the same memory twice in one reply', () => {
    const error = refusal(ops({ action: 'update', id: 'pet', content: 'User likes cats' }, { action: 'delete', id: 'pet' }), withDeletes, [item('pet')]);
    expect(error.message).toContain('operations.1.id: memory pet is changed twice in one reply');
  });

  it('merges several tool calls into one list', () => {
    const operations = parseToolInputs(
      [{ operations: [{ action: 'insert', content: 'a' }] }, { operations: [{ action: 'insert', content: 'b' }] }],
      defaultManager,
      [],
    );
    expect(operations.map((op) => (op.action === 'insert' ? op.content['content'] : op.action))).toEqual(['a', 'b']);
  });

  it('refuses the whole reply when one of several calls is invalid, with indexes across the merged list', () => {
    const error = refusal([{ operations: [{ action: 'insert', content: 'a' }] }, { operations: [{ action: 'insert', content: '' }] }]);
    expect(error).toBeInstanceOf(InvalidModelOutputError);
    expect(error.message).toContain('operations.1.content');
  });

  it('refuses the whole reply when one call has no operations list', () => {
    expect(refusal([{ operations: [{ action: 'insert', content: 'a' }] }, {}])).toBeInstanceOf(InvalidModelOutputError);
  });

  it(`refuses more than MAX_OPERATIONS_PER_EXTRACTION (${MAX_OPERATIONS_PER_EXTRACTION}) operations`, () => {
    const many = Array.from({ length: MAX_OPERATIONS_PER_EXTRACTION + 1 }, (_, i) => ({ action: 'insert', content: `fact ${i}` }));
    expect(refusal([{ operations: many }]).message).toContain(
      `operations: at most ${MAX_OPERATIONS_PER_EXTRACTION} per reply, got ${MAX_OPERATIONS_PER_EXTRACTION + 1}`,
    );
    expect(parseToolInputs([{ operations: many.slice(1) }], defaultManager, [])).toHaveLength(MAX_OPERATIONS_PER_EXTRACTION);
  });

  it('asks for review (ReviewRequiredError, with the proposal) over maxDeletesPerBatch', () => {
    const strict = manager({ enableDeletes: true, maxDeletesPerBatch: 1 });
    const existing = [item('a'), item('b')];
    expect(parseToolInputs(ops({ action: 'delete', id: 'a' }), strict, existing)).toHaveLength(1);
    const error = refusal(ops({ action: 'delete', id: 'a' }, { action: 'delete', id: 'b' }), strict, existing);
    expect(error).toBeInstanceOf(ReviewRequiredError);
    expect(error.message).toContain('deletes 2 and updates 0');
    expect(error.message).toContain('at most 1 deletes');
    expect(error.message).toContain('Proposed: [{"action":"delete","id":"a"},{"action":"delete","id":"b"}]');
  });

  it('asks for review over maxUpdatesPerBatch', () => {
    const strict = manager({ maxUpdatesPerBatch: 1 });
    const error = refusal(ops({ action: 'update', id: 'a', content: 'A' }, { action: 'update', id: 'b', content: 'B' }), strict, [item('a'), item('b')]);
    expect(error).toBeInstanceOf(ReviewRequiredError);
    expect(error.message).toContain('updates 2');
    expect(error.message).toContain('"content":{"content":"B"}');
  });

  it("keeps the model's text out of the message: the proposal and the problems are in detail, the message counts them", () => {
    const marker = 'MARKER-from-the-model';
    const strict = manager({ maxUpdatesPerBatch: 0 });
    const review = catchError(() => parseToolInputs(ops({ action: 'update', id: 'a', content: marker }), strict, [item('a')])) as ReviewRequiredError;
    expect(review.message).not.toContain(marker);
    expect(review.stack).not.toContain(marker);
    expect(review.counts).toEqual({ deletes: 0, updates: 1, maxDeletes: 5, maxUpdates: 0, operations: 1 });
    expect(JSON.stringify(review.detail?.proposedOperations)).toContain(marker);
    const invalid = catchError(() => parseToolInputs(ops({ action: 'update', id: marker, content: 'x' }), strict, [item('a')])) as InvalidModelOutputError;
    expect(invalid.message).toBe(`invalid ${MEMORY_TOOL_NAME} input: 1 problem`);
    expect(invalid.stack).not.toContain(marker);
    expect(invalid.detail?.invalidOutput?.problems).toEqual([`operations.0.id: no existing memory "${marker}"`]);
  });

  it('refuses an invalid reply as invalid, not for review, even when it is also over the caps', () => {
    const strict = manager({ enableDeletes: true, maxDeletesPerBatch: 0 });
    expect(refusal(ops({ action: 'delete', id: 'a' }, { action: 'insert', content: '' }), strict, [item('a')])).toBeInstanceOf(InvalidModelOutputError);
  });

  describe('with two kinds', () => {
    it('requires kind on an insert', () => {
      const error = refusal(ops({ action: 'insert', observation: 'User missed the train' }), twoKinds);
      expect(error.message).toContain('operations.0.kind: must be one of Memory, Episode');
    });

    it('validates each operation with its kind’s schema', () => {
      const operations = parseToolInputs(
        ops(
          { action: 'insert', kind: 'Episode', observation: ' User missed the train ', outcome: 'took a taxi' },
          { action: 'insert', kind: 'Memory', content: 'User commutes' },
        ),
        twoKinds,
        [],
      );
      expect(operations).toEqual([
        { action: 'insert', kind: 'Episode', content: { observation: 'User missed the train', outcome: 'took a taxi' } },
        { action: 'insert', kind: 'Memory', content: { content: 'User commutes' } },
      ]);
      expect(refusal(ops({ action: 'insert', kind: 'Episode', content: 'wrong fields' }), twoKinds).message).toContain('operations.0.observation');
      expect(refusal(ops({ action: 'insert', kind: 'Fact', content: 'x' }), twoKinds).message).toContain('operations.0.kind: must be one of');
    });

    it('refuses an update that would change a memory’s kind', () => {
      const episode = item('e1', { kind: 'Episode', content: { observation: 'User missed the train' } });
      const error = refusal(ops({ action: 'update', id: 'e1', kind: 'Memory', content: 'User commutes' }), twoKinds, [episode]);
      expect(error).toBeInstanceOf(InvalidModelOutputError);
      expect(error.message).toContain('operations.0.kind: memory e1 is a Episode; an update cannot change its kind');
    });

    it('refuses an update of a memory whose kind the manager does not write', () => {
      const note = item('n1', { kind: 'Note', content: { text: 'written by another manager' } });
      expect(refusal(ops({ action: 'update', id: 'n1', content: 'x' }), defaultManager, [note]).message).toContain(
        'operations.0.id: memory n1 is a Note, not a kind manager memories writes',
      );
    });

    it('takes an update’s kind from the existing memory when the reply leaves it out', () => {
      const episode = item('e1', { kind: 'Episode', content: { observation: 'User missed the train' } });
      const [operation] = parseToolInputs(ops({ action: 'update', id: 'e1', observation: 'User missed two trains' }), twoKinds, [episode]);
      expect(operation).toEqual({ action: 'update', id: 'e1', kind: 'Episode', content: { observation: 'User missed two trains' } });
    });
  });

  it('keeps only the fields a JSON Schema kind declares (JSON Schema lets unknown fields through)', () => {
    const json = manager({ name: 'prefs', schemas: [PREFERENCE] });
    expect(parseToolInputs(ops({ action: 'insert', topic: 'tea', likes: true, note: 'smuggled', score: 9 }), json, [])).toEqual([
      { action: 'insert', kind: 'Preference', content: { topic: 'tea', likes: true } },
    ]);
  });

  it('validates a JSON Schema (not zod) kind with its own rules', () => {
    const json = manager({ name: 'prefs', schemas: [PREFERENCE] });
    expect(toolFor(json).input_schema).toMatchObject({
      properties: { operations: { items: { anyOf: [{ required: ['action', 'topic', 'likes'] }, expect.anything()] } } },
    });
    expect(parseToolInputs(ops({ action: 'insert', topic: 'tea', likes: true }), json, [])).toEqual([
      { action: 'insert', kind: 'Preference', content: { topic: 'tea', likes: true } },
    ]);
    const message = refusal(ops({ action: 'insert', topic: '', likes: 'yes' }, { action: 'insert', likes: false }), json).message;
    expect(message).toContain('operations.0.topic');
    expect(message).toContain('operations.0.likes');
    expect(message).toContain('operations.1.topic');
  });

  describe('a profile manager', () => {
    it('inserts the document under PROFILE_KEY when there is none', () => {
      expect(parseToolInputs([{ name: 'Ana', city: 'Porto' }], profileManager, [])).toEqual([
        { action: 'insert', kind: 'UserProfile', content: { name: 'Ana', city: 'Porto' }, key: PROFILE_KEY, version: 1 },
      ]);
    });

    it('re-creates a deleted document at the version after its last', () => {
      expect(parseToolInputs([{ name: 'Ana' }], profileManager, [], { profileVersion: 4 })).toEqual([
        { action: 'insert', kind: 'UserProfile', content: { name: 'Ana' }, key: PROFILE_KEY, version: 4 },
      ]);
    });

    it('updates the document when it exists', () => {
      const current = item(PROFILE_KEY, { kind: 'UserProfile', content: { name: 'Ana' } });
      expect(parseToolInputs([{ name: 'Ana', city: 'Lisbon' }], profileManager, [current])).toEqual([
        { action: 'update', id: PROFILE_KEY, kind: 'UserProfile', content: { name: 'Ana', city: 'Lisbon' } },
      ]);
    });

    it('validates the document against its schema and wants exactly one call', () => {
      const error = refusal([{ name: 'Ana', languages: 'Portuguese' }], profileManager);
      expect(error).toBeInstanceOf(InvalidModelOutputError);
      expect(error.message).toContain(`invalid ${PROFILE_TOOL_NAME} input: 1 problem; languages: `);
      expect(refusal([{ name: 'Ana' }, { name: 'Bia' }], profileManager).message).toContain(`expected one ${PROFILE_TOOL_NAME} call, got 2`);
    });
  });
});

describe('resolveManager', () => {
  /** The ConfigurationError resolveManager throws. */
  function configError(definition: MemoryManagerDefinition): string {
    try {
      resolveManager(definition);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigurationError);
      return (err as Error).message;
    }
    throw new Error('expected resolveManager to throw');
  }

  it('fills in LangMem’s defaults: one Memory kind, inserts and updates on, deletes off', () => {
    expect(resolveManager(DEFAULT_MANAGER)).toMatchObject({
      name: DEFAULT_MANAGER_NAME,
      namespace: ['memories'],
      enableInserts: true,
      enableUpdates: true,
      enableDeletes: false,
      profile: false,
      schemas: [{ kind: 'Memory' }],
    });
  });

  it.each(['action', 'id', 'kind'])('refuses a schema with the reserved field name %s', (field) => {
    const message = configError({ name: 'm', namespace: ['m'], schemas: [{ kind: 'Note', schema: z.object({ [field]: z.string(), text: z.string() }) }] });
    expect(message).toContain(`managers.m.schemas.Note: field names ${field} are reserved`);
  });

  it('refuses a reserved field in a JSON Schema kind too', () => {
    const message = configError({
      name: 'm',
      namespace: ['m'],
      schemas: [{ kind: 'Note', schema: { type: 'object', properties: { id: { type: 'string' } } } }],
    });
    expect(message).toContain('managers.m.schemas.Note: field names id are reserved');
  });

  it('refuses a schema that does not describe an object', () => {
    expect(configError({ name: 'm', namespace: ['m'], schemas: [{ kind: 'Note', schema: z.string() }] })).toContain(
      'managers.m.schemas.Note: must describe an object',
    );
  });

  it('refuses a profile manager with two schemas', () => {
    expect(configError({ name: 'p', namespace: ['p'], schemas: [PROFILE, EPISODE], profile: true })).toContain(
      'managers.p.profile: a profile manager has exactly one schema',
    );
  });

  it('refuses a manager that enables no operation', () => {
    expect(configError({ name: 'idle', namespace: ['i'], enableInserts: false, enableUpdates: false })).toContain('managers.idle: enables no operation');
    expect(resolveManager({ name: 'pruner', namespace: ['i'], enableInserts: false, enableUpdates: false, enableDeletes: true }).enableDeletes).toBe(true);
  });

  it.each<[string, Partial<MemoryManagerDefinition>]>([
    ['inserts off', { enableInserts: false }],
    ['updates off', { enableUpdates: false }],
    ['deletes on', { enableDeletes: true }],
  ])('refuses a profile manager with %s (a profile is inserted once, then updated, never deleted)', (_label, flags) => {
    expect(configError({ name: 'p', namespace: ['p'], schemas: [PROFILE], profile: true, ...flags })).toContain(
      'managers.p.profile: a profile manager inserts its document once',
    );
  });

  it.each<[string, MemorySchemaDefinition['schema']]>([
    ['a $ref', { type: 'object', properties: { home: { $ref: '#/$defs/place' } } }],
    ['$defs', { type: 'object', $defs: { place: { type: 'string' } }, properties: { home: { type: 'string' } } }],
    ['a recursive zod schema', TREE],
  ])('refuses a kind with %s: the tool inlines fields, where references would point at nothing', (_label, schema) => {
    const message = configError({ name: 'm', namespace: ['m'], schemas: [{ kind: 'Place', schema }] });
    expect(message).toContain('managers.m.schemas.Place: $ref and $defs are not supported');
  });

  it('refuses the same kind twice', () => {
    expect(configError({ name: 'm', namespace: ['m'], schemas: [EPISODE, EPISODE] })).toContain('managers.m.schemas: each kind may appear once');
  });

  it.each<[string, Partial<MemoryManagerDefinition>, string]>([
    ['a name with spaces', { name: 'my manager' }, 'name'],
    ['an empty namespace', { namespace: [] }, 'namespace'],
    ['a namespace label with "."', { namespace: ['a.b'] }, 'namespace.0'],
    ['a kind that is not an identifier', { schemas: [{ ...EPISODE, kind: 'my kind' }] }, 'schemas.0.kind'],
    ['no schemas', { schemas: [] }, 'schemas'],
    ['a negative queryLimit', { queryLimit: -1 }, 'queryLimit'],
    ['a fractional newestShown', { newestShown: 1.5 }, 'newestShown'],
    ['a maxDeletesPerBatch over the operation cap', { maxDeletesPerBatch: MAX_OPERATIONS_PER_EXTRACTION + 1 }, 'maxDeletesPerBatch'],
  ])('names the field of %s', (_label, overrides, field) => {
    const message = configError({ name: 'm', namespace: ['m'], ...overrides });
    expect(message).toContain('invalid memory manager');
    expect(message).toContain(`${field}:`);
  });
});

describe('ManagerRegistry', () => {
  const registry = new ManagerRegistry([
    { name: 'semantic', namespace: ['memories', '{user_id}'], enableDeletes: true },
    { name: 'profile', namespace: ['profiles', '{user_id}'], schemas: [PROFILE], profile: true },
  ]);

  it('always knows the default manager, first', () => {
    expect(registry.names()).toEqual([DEFAULT_MANAGER_NAME, 'semantic', 'profile']);
    expect(new ManagerRegistry().forBatch(undefined)).toMatchObject({ name: DEFAULT_MANAGER_NAME, enableDeletes: false });
  });

  it('lets a definition named like the default manager replace it', () => {
    const replaced = new ManagerRegistry([{ name: DEFAULT_MANAGER_NAME, namespace: ['memories'], enableDeletes: true }]);
    expect(replaced.names()).toEqual([DEFAULT_MANAGER_NAME]);
    expect(replaced.forBatch(undefined).enableDeletes).toBe(true);
  });

  it('refuses a name defined twice', () => {
    expect(
      () =>
        new ManagerRegistry([
          { name: 'a', namespace: ['a'] },
          { name: 'a', namespace: ['b'] },
        ]),
    ).toThrow(new ConfigurationError('managers: "a" is defined twice'));
  });

  it('validates every definition when built', () => {
    expect(() => new ManagerRegistry([{ name: 'idle', namespace: ['i'], enableInserts: false, enableUpdates: false }])).toThrow(ConfigurationError);
  });

  it('finds managers by name', () => {
    expect(registry.forSubmit('semantic', 'options.managers.0')).toMatchObject({ name: 'semantic', enableDeletes: true });
    expect(registry.forBatch('profile')).toMatchObject({ name: 'profile', profile: true });
  });

  it('an unknown manager on submit is the caller’s InvalidInputError naming the field', () => {
    expect(() => registry.forSubmit('episodic', 'options.managers.2')).toThrow(InvalidInputError);
    expect(() => registry.forSubmit('episodic', 'options.managers.2')).toThrow(
      'options.managers.2: no memory manager named "episodic" (known: memories, semantic, profile)',
    );
  });

  it('an unknown manager on a batch is a retryable ManagerUnavailableError (a worker not yet deployed with it)', () => {
    expect(() => registry.forBatch('episodic')).toThrow(ManagerUnavailableError);
    let thrown: unknown;
    try {
      registry.forBatch('episodic');
    } catch (err) {
      thrown = err;
    }
    expect(toApplicationFailure(thrown, 3)).toMatchObject({ type: 'ManagerUnavailableError', nonRetryable: false });
    expect(() => registry.forBatch('episodic')).toThrow('no memory manager named "episodic" on this worker');
  });
});
