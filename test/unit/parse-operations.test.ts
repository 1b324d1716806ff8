import type Anthropic from '@anthropic-ai/sdk';
import type { ThreadMessage } from '../../src/contract';
import { MAX_OPERATIONS_PER_EXTRACTION } from '../../src/defaults';
import { InvalidModelOutputError } from '../../src/errors';
import { parseOperations } from '../../src/model/claude-extractor';
import { MEMORY_TOOL, MEMORY_TOOL_NAME, buildExtractionPrompt } from '../../src/model/memory-prompt';
import { memoryText, memoryValue, type MemoryItem } from '../../src/store/memory-types';

function memory(key: string, content: string): MemoryItem {
  const at = '2025-01-01T00:00:00.000Z';
  return { namespace: ['memories'], key, value: memoryValue(content), createdAt: at, updatedAt: at, version: 1 };
}

const EXISTING = [memory('mem-1', 'User likes dogs'), memory('mem-2', 'User lives in Paris')];

function toolUse(input: unknown, name = MEMORY_TOOL_NAME, id = 'toolu_1'): Anthropic.ToolUseBlock {
  return { type: 'tool_use', id, name, input, caller: { type: 'direct' } };
}

/** One reply carrying a `manage_memories` call per input (what disable_parallel_tool_use should prevent). */
function calls(...inputs: unknown[]): Anthropic.Message {
  return reply(inputs.map((input, i) => toolUse(input, MEMORY_TOOL_NAME, `toolu_${i}`)));
}

function text(value: string): Anthropic.TextBlock {
  return { type: 'text', text: value, citations: null };
}

/** A complete Messages API reply with the given content blocks. */
function reply(content: Anthropic.ContentBlock[], stopReason: Anthropic.StopReason = 'tool_use'): Anthropic.Message {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content,
    container: null,
    diagnostics: null,
    stop_details: null,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation: null,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: null,
      speed: null,
    },
  };
}

function parseInput(input: unknown): ReturnType<typeof parseOperations> {
  return parseOperations(reply([toolUse(input)]), EXISTING);
}

/** The InvalidModelOutputError parseOperations throws for a reply. */
function rejection(response: Anthropic.Message): InvalidModelOutputError {
  try {
    parseOperations(response, EXISTING);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidModelOutputError);
    return err as InvalidModelOutputError;
  }
  throw new Error('expected parseOperations to throw');
}

function inputRejection(input: unknown): string {
  return rejection(reply([toolUse(input)])).message;
}

describe('parseOperations', () => {
  it('returns valid insert, update and delete operations', () => {
    const operations = [
      { action: 'insert', content: 'User has a cat named Tom' },
      { action: 'update', id: 'mem-1', content: 'User likes dogs and cats' },
      { action: 'delete', id: 'mem-2' },
    ];
    expect(parseInput({ operations })).toEqual(operations);
  });

  it('accepts an empty operations list', () => {
    expect(parseInput({ operations: [] })).toEqual([]);
  });

  it('finds the tool call after a text block', () => {
    const response = reply([text('Let me record that.'), toolUse({ operations: [{ action: 'delete', id: 'mem-1' }] })]);
    expect(parseOperations(response, EXISTING)).toEqual([{ action: 'delete', id: 'mem-1' }]);
  });

  it('trims memory content', () => {
    expect(parseInput({ operations: [{ action: 'insert', content: '  User is vegan \n' }] })).toEqual([
      { action: 'insert', content: 'User is vegan' },
    ]);
  });

  it('rejects a reply without the tool call, naming the stop reason', () => {
    const message = rejection(reply([text('Nothing to remember.')], 'end_turn')).message;
    expect(message).toContain(MEMORY_TOOL_NAME);
    expect(message).toContain('stop_reason: end_turn');
  });

  it('rejects a call to another tool', () => {
    expect(rejection(reply([toolUse({ operations: [] }, 'other_tool')], 'max_tokens')).message).toContain(
      'stop_reason: max_tokens',
    );
  });

  it.each<[string, unknown, string]>([
    ['no operations field', {}, 'operations'],
    ['an insert without content', { operations: [{ action: 'insert' }] }, 'operations.0.content'],
    ['blank content', { operations: [{ action: 'insert', content: '   ' }] }, 'operations.0.content'],
    ['an unknown action', { operations: [{ action: 'upsert', content: 'x' }] }, 'operations.0.action'],
    ['an update without id', { operations: [{ action: 'update', content: 'x' }] }, 'operations.0.id'],
  ])('rejects %s', (_label, input, field) => {
    expect(inputRejection(input)).toContain(field);
  });

  it.each([
    ['update', { action: 'update', id: 'mem-404', content: 'x' }],
    ['delete', { action: 'delete', id: 'mem-404' }],
  ])('rejects a %s of an id that is not an existing memory', (_action, op) => {
    const message = inputRejection({ operations: [{ action: 'insert', content: 'fine' }, op] });
    expect(message).toContain('operations.1.id');
    expect(message).toContain('mem-404');
  });

  it('rejects touching the same memory twice', () => {
    const operations = [
      { action: 'update', id: 'mem-1', content: 'a' },
      { action: 'update', id: 'mem-1', content: 'b' },
    ];
    expect(inputRejection({ operations })).toContain('at most once');
  });

  it('rejects updating and deleting the same memory', () => {
    const operations = [
      { action: 'update', id: 'mem-1', content: 'a' },
      { action: 'delete', id: 'mem-1' },
    ];
    expect(inputRejection({ operations })).toContain('at most once');
  });

  it('accepts MAX_OPERATIONS_PER_EXTRACTION operations and rejects one more', () => {
    const inserts = (n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ action: 'insert', content: `fact ${i}` }));
    expect(parseInput({ operations: inserts(MAX_OPERATIONS_PER_EXTRACTION) })).toHaveLength(MAX_OPERATIONS_PER_EXTRACTION);
    expect(inputRejection({ operations: inserts(MAX_OPERATIONS_PER_EXTRACTION + 1) })).toContain(`<=${MAX_OPERATIONS_PER_EXTRACTION} items`);
  });
});

describe('parseOperations with several manage_memories calls in one reply', () => {
  const inserts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ action: 'insert', content: `${prefix} ${i}` }));

  it('merges them into one list, in reply order', () => {
    const response = calls(
      { operations: [{ action: 'insert', content: 'User is called Ana' }] },
      { operations: [{ action: 'update', id: 'mem-1', content: 'User likes dogs and cats' }] },
      { operations: [{ action: 'delete', id: 'mem-2' }, { action: 'insert', content: 'User plays the cello' }] },
    );
    expect(parseOperations(response, EXISTING)).toEqual([
      { action: 'insert', content: 'User is called Ana' },
      { action: 'update', id: 'mem-1', content: 'User likes dogs and cats' },
      { action: 'delete', id: 'mem-2' },
      { action: 'insert', content: 'User plays the cello' },
    ]);
  });

  it('ignores calls to other tools among them', () => {
    const response = reply([
      toolUse({ operations: [{ action: 'insert', content: 'kept' }] }, MEMORY_TOOL_NAME, 'toolu_a'),
      toolUse({ operations: [{ action: 'insert', content: 'ignored' }] }, 'other_tool', 'toolu_b'),
      toolUse({ operations: [] }, MEMORY_TOOL_NAME, 'toolu_c'),
    ]);
    expect(parseOperations(response, EXISTING)).toEqual([{ action: 'insert', content: 'kept' }]);
  });

  it('rejects the same memory touched in two calls, though each call alone is valid', () => {
    const message = rejection(
      calls({ operations: [{ action: 'update', id: 'mem-1', content: 'a' }] }, { operations: [{ action: 'delete', id: 'mem-1' }] }),
    ).message;
    expect(message).toContain('at most once');
  });

  it('applies the operation cap to the merged list', () => {
    const half = Math.ceil((MAX_OPERATIONS_PER_EXTRACTION + 1) / 2);
    expect(half).toBeLessThanOrEqual(MAX_OPERATIONS_PER_EXTRACTION);
    expect(rejection(calls({ operations: inserts('a', half) }, { operations: inserts('b', half) })).message).toContain(
      `operations: Too big: expected array to have <=${MAX_OPERATIONS_PER_EXTRACTION} items`,
    );
    const fits = calls({ operations: inserts('a', MAX_OPERATIONS_PER_EXTRACTION - 1) }, { operations: inserts('b', 1) });
    expect(parseOperations(fits, EXISTING)).toHaveLength(MAX_OPERATIONS_PER_EXTRACTION);
  });

  it('rejects the whole reply when one call is invalid, naming its position in the merged list', () => {
    const message = rejection(
      calls({ operations: [{ action: 'insert', content: 'fine' }] }, { operations: [{ action: 'insert', content: '  ' }] }),
    ).message;
    expect(message).toContain('operations.1.content');
  });

  it('rejects the whole reply when one call has no operations list', () => {
    for (const input of [{}, null, { operations: 'none' }]) {
      const message = rejection(calls({ operations: [{ action: 'insert', content: 'fine' }] }, input)).message;
      expect(message).toContain('operations.1');
    }
  });

  it('names unknown ids by their position in the merged list', () => {
    const message = rejection(
      calls({ operations: [{ action: 'insert', content: 'fine' }] }, { operations: [{ action: 'delete', id: 'mem-404' }] }),
    ).message;
    expect(message).toContain('operations.1.id: no existing memory "mem-404"');
  });
});

describe('buildExtractionPrompt', () => {
  const messages: ThreadMessage[] = [
    { id: 'm1', role: 'user', content: 'I adopted a cat called Tom.', timestamp: '2025-01-02T10:00:00.000Z' },
    { id: 'm2', role: 'assistant', content: 'Congratulations on Tom!', timestamp: '2025-01-02T10:00:05.000Z' },
  ];

  it('shows every existing memory with its id and content', () => {
    const prompt = buildExtractionPrompt(messages, EXISTING);
    for (const item of EXISTING) {
      expect(prompt).toContain(`"id": "${item.key}"`);
      expect(prompt).toContain(`"content": "${memoryText(item.value)}"`);
    }
  });

  it('shows every new message with its role and timestamp', () => {
    const prompt = buildExtractionPrompt(messages, EXISTING);
    for (const m of messages) expect(prompt).toContain(`[${m.timestamp}] ${m.role}: ${m.content}`);
  });

  it('shows an empty memory list when there are none', () => {
    expect(buildExtractionPrompt(messages, [])).toContain('<existing_memories>\n[]\n</existing_memories>');
  });
});

describe('MEMORY_TOOL', () => {
  it('is named manage_memories and takes an object with operations', () => {
    expect(MEMORY_TOOL.name).toBe(MEMORY_TOOL_NAME);
    const schema = MEMORY_TOOL.input_schema;
    expect(schema.type).toBe('object');
    expect(schema.properties).toHaveProperty('operations');
    expect(schema).not.toHaveProperty('$schema');
  });
});
