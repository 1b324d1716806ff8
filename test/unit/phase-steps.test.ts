/**
 * The extractor's passes and rounds against a scripted in-memory Messages client: how a pass of several rounds
 * ends (done, an answer without a tool call, maxSteps, the prompt budget), what the model is told between
 * rounds, repair within a later round, caps over rounds, and what a phase is shown.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ThreadMessage } from '../../src/contract';
import { MAX_OPERATIONS_PER_EXTRACTION } from '../../src/defaults';
import { InvalidModelOutputError, ModelRefusalError, ReviewRequiredError } from '../../src/errors';
import { DEFAULT_MANAGER, resolveManager, type MemoryManagerDefinition } from '../../src/managers/memory-manager';
import { ClaudeExtractor, type MessagesClient } from '../../src/model/claude-extractor';
import { estimateTokens, extractionData, systemPrompt } from '../../src/model/memory-prompt';
import { DONE_TOOL, DONE_TOOL_NAME, MEMORY_TOOL_NAME, toolFor } from '../../src/model/memory-tool';
import { memoryValue, type MemoryItem } from '../../src/store/memory-types';

type Body = Anthropic.MessageCreateParamsNonStreaming;

/** A Messages client that answers from a script and keeps a copy of every request; it throws when the script runs out. */
class ScriptedClient implements MessagesClient {
  readonly requests: Body[] = [];
  private counter = 0;
  constructor(private readonly replies: (Anthropic.ContentBlock[] | 'refusal')[]) {}
  readonly messages = {
    create: (body: Body): Promise<Anthropic.Message> => {
      this.requests.push(structuredClone(body));
      const reply = this.replies.shift();
      if (!reply) return Promise.reject(new Error('scripted client: script exhausted'));
      const content: Anthropic.ContentBlock[] = reply === 'refusal' ? [{ type: 'text', text: 'no', citations: null }] : reply;
      const stop = reply === 'refusal' ? 'refusal' : content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
      return Promise.resolve({
        id: `msg_${++this.counter}`,
        type: 'message',
        role: 'assistant',
        model: 'claude-test-model',
        content,
        stop_reason: stop,
        stop_sequence: null,
        usage: { input_tokens: 100, output_tokens: 10 },
      } as unknown as Anthropic.Message);
    },
  };
}

let uses = 0;
const call = (name: string, input: unknown): Anthropic.ContentBlock => ({ type: 'tool_use', id: `toolu_${++uses}`, name, input }) as Anthropic.ContentBlock;
const ops = (...operations: unknown[]) => [call(MEMORY_TOOL_NAME, { operations })];
const done = () => [call(DONE_TOOL_NAME, {})];
const text = (t: string): Anthropic.ContentBlock[] => [{ type: 'text', text: t, citations: null }];

const at = '2026-11-26T10:00:00.000Z';
const messages: ThreadMessage[] = [{ id: 'm1', role: 'user', content: 'I have a dog called Fido and I like green tea.', timestamp: at }];
const stored = (key: string, text = `memory ${key}`): MemoryItem => ({
  namespace: ['memories'],
  key,
  value: memoryValue(text),
  createdAt: at,
  updatedAt: at,
  version: 1,
});
const manager = (overrides: Partial<MemoryManagerDefinition>) => resolveManager({ ...DEFAULT_MANAGER, ...overrides });

function run(client: ScriptedClient, overrides: Partial<MemoryManagerDefinition>, existing: MemoryItem[] = [], maxPromptTokens?: number) {
  const extractor = new ClaudeExtractor(client, { model: 'claude-test-model', ...(maxPromptTokens !== undefined ? { maxPromptTokens } : {}) });
  return extractor.extract({ manager: manager(overrides), messages, existing });
}

/** A request's system prompt (the extractor sends it as one string). */
const systemOf = (body: Body | undefined): string => body?.system as string;

/** The last user turn of a request: the tool results of the reply before it. */
function toolResults(body: Body | undefined): { tool_use_id: string; content: string; is_error?: boolean }[] {
  return (body?.messages.at(-1)?.content ?? []) as { tool_use_id: string; content: string; is_error?: boolean }[];
}

describe('a pass of several rounds', () => {
  it('ends when the model calls done; each round’s result goes back with the ids its inserts got', async () => {
    const client = new ScriptedClient([
      ops({ action: 'insert', content: 'User has a dog' }),
      ops({ action: 'update', id: 'new-1', content: 'User has a dog called Fido' }, { action: 'insert', content: 'User likes green tea' }),
      done(),
    ]);
    const proposal = await run(client, { maxSteps: 4 });
    expect(proposal.operations).toEqual([
      { action: 'insert', kind: 'Memory', content: { content: 'User has a dog called Fido' } },
      { action: 'insert', kind: 'Memory', content: { content: 'User likes green tea' } },
    ]);
    expect(proposal.passes).toEqual([{ name: 'extract', steps: 2, ended: 'done' }]);
    // Tokens and requests sum over the rounds.
    expect(proposal).toMatchObject({ requests: 3, usage: { inputTokens: 300, outputTokens: 30 } });
    const [first, second, third] = client.requests;
    // The first round is the forced call; later rounds may call either tool, or none.
    expect(first?.tool_choice).toEqual({ type: 'tool', name: MEMORY_TOOL_NAME, disable_parallel_tool_use: true });
    expect(second?.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(first?.tools?.map((t) => (t as Anthropic.Tool).name)).toEqual([MEMORY_TOOL_NAME, DONE_TOOL_NAME]);
    expect(systemOf(first)).toContain(`in up to 4 rounds`);
    const [result] = toolResults(second);
    expect(JSON.parse(result?.content.split('\n')[0] ?? '')).toEqual({ applied: [{ action: 'insert', id: 'new-1' }], rounds_left: 3 });
    expect(JSON.parse(toolResults(third)[0]?.content.split('\n')[0] ?? '')).toEqual({
      applied: [
        { action: 'update', id: 'new-1' },
        { action: 'insert', id: 'new-2' },
      ],
      rounds_left: 2,
    });
  });

  it('ends when the model answers without a tool call', async () => {
    const client = new ScriptedClient([ops({ action: 'insert', content: 'User has a dog' }), text('That is all.')]);
    const proposal = await run(client, { maxSteps: 3 });
    expect(proposal.passes).toEqual([{ name: 'extract', steps: 1, ended: 'answered' }]);
    expect(proposal.operations).toHaveLength(1);
  });

  it('ends at maxSteps, keeping every round’s operations, without asking again', async () => {
    const client = new ScriptedClient([ops({ action: 'insert', content: 'one' }), ops({ action: 'insert', content: 'two' })]);
    const proposal = await run(client, { maxSteps: 2 });
    expect(proposal.passes).toEqual([{ name: 'extract', steps: 2, ended: 'max-steps' }]);
    expect(proposal.operations.map((op) => (op.action === 'insert' ? op.content['content'] : ''))).toEqual(['one', 'two']);
    expect(client.requests).toHaveLength(2);
  });

  it('ends when the next round would not fit the prompt budget', async () => {
    const m = manager({ maxSteps: 5 });
    const fixed = systemPrompt(m, { maxSteps: 5 }) + JSON.stringify([toolFor(m), DONE_TOOL]);
    // Room for the first request, not for the first reply on top of it.
    const budget = estimateTokens(fixed) + estimateTokens(extractionData(messages, [])) + 20;
    const client = new ScriptedClient([ops({ action: 'insert', content: `User ${'writes at length '.repeat(20)}` })]);
    const proposal = await run(client, { maxSteps: 5 }, [], budget);
    expect(proposal.passes).toEqual([{ name: 'extract', steps: 1, ended: 'budget' }]);
    expect(proposal.operations).toHaveLength(1);
    expect(client.requests).toHaveLength(1);
  });

  it('an invalid reply in a later round gets its own repair round, then the pass goes on', async () => {
    const client = new ScriptedClient([
      ops({ action: 'insert', content: 'User has a dog' }),
      ops({ action: 'update', id: 'nope', content: 'x' }),
      ops({ action: 'update', id: 'new-1', content: 'User has a dog called Fido' }),
      done(),
    ]);
    const proposal = await run(client, { maxSteps: 3 });
    expect(proposal.operations).toEqual([{ action: 'insert', kind: 'Memory', content: { content: 'User has a dog called Fido' } }]);
    const [repair] = toolResults(client.requests[2]);
    expect(repair).toMatchObject({ is_error: true, content: expect.stringContaining('operations.0.id: no existing memory "nope"') as string });
  });

  it('a second invalid reply in the same round fails the extraction', async () => {
    const client = new ScriptedClient([
      ops({ action: 'insert', content: 'a' }),
      ops({ action: 'update', id: 'nope', content: 'x' }),
      ops({ action: 'delete', id: 'new-1' }),
    ]);
    await expect(run(client, { maxSteps: 3 })).rejects.toThrow(InvalidModelOutputError);
  });

  it('counts the caps over all rounds: a delete in each of two rounds is two deletes', async () => {
    const client = new ScriptedClient([ops({ action: 'delete', id: 'a' }), ops({ action: 'delete', id: 'b' })]);
    const failure = run(client, { maxSteps: 3, enableDeletes: true, maxDeletesPerBatch: 1 }, [stored('a'), stored('b')]);
    await expect(failure).rejects.toThrow(ReviewRequiredError);
    await expect(failure).rejects.toThrow('the proposal of all passes and rounds so far deletes 2 and updates 0 memories');
  });

  it('leaves room for what the caller writes beside the model (a seeded default): the cap is one lower', async () => {
    const inserts = Array.from({ length: MAX_OPERATIONS_PER_EXTRACTION }, (_, i) => ({ action: 'insert', content: `fact ${i}` }));
    const extractor = new ClaudeExtractor(new ScriptedClient([ops(...inserts), ops(...inserts)]), { model: 'claude-test-model' });
    await expect(extractor.extract({ manager: manager({}), messages, existing: [], reservedOperations: 1 })).rejects.toThrow(
      `one batch changes at most ${MAX_OPERATIONS_PER_EXTRACTION - 1} memories`,
    );
    const unreserved = new ClaudeExtractor(new ScriptedClient([ops(...inserts)]), { model: 'claude-test-model' });
    expect((await unreserved.extract({ manager: manager({}), messages, existing: [] })).operations).toHaveLength(MAX_OPERATIONS_PER_EXTRACTION);
  });

  it('a manager of one round keeps today’s request: one forced tool, no done tool, no rounds in the prompt', async () => {
    const client = new ScriptedClient([ops({ action: 'insert', content: 'a' })]);
    const proposal = await run(client, {});
    expect(client.requests[0]?.tools?.map((t) => (t as Anthropic.Tool).name)).toEqual([MEMORY_TOOL_NAME]);
    expect(systemOf(client.requests[0])).toBe(systemPrompt(manager({})));
    expect(systemOf(client.requests[0])).not.toContain('rounds');
    expect(proposal.passes).toBeUndefined();
  });
});

describe('phases', () => {
  const consolidate = {
    name: 'consolidate',
    instructions: 'Merge memories that say the same thing; delete the duplicates.',
    enableDeletes: true,
    enableInserts: false,
  };

  it('a phase sees the memories as the first pass left them (proposed ones marked), not the messages, with its own switches', async () => {
    const client = new ScriptedClient([
      ops(
        { action: 'insert', content: 'User likes tea' },
        { action: 'insert', content: 'User likes green tea' },
        { action: 'update', id: 'k', content: 'User has a dog, Fido' },
      ),
      ops({ action: 'update', id: 'new-1', content: 'User likes tea, green tea above all' }, { action: 'delete', id: 'new-2' }),
    ]);
    const proposal = await run(client, { phases: [consolidate] }, [stored('k', 'User has a dog'), stored('old', 'User likes jazz')]);
    expect(proposal.operations).toEqual([
      {
        action: 'insert',
        kind: 'Memory',
        content: { content: 'User likes tea, green tea above all' },
        phase: 'consolidate',
        phases: ['extract', 'consolidate'],
      },
      { action: 'update', id: 'k', kind: 'Memory', content: { content: 'User has a dog, Fido' }, phase: 'extract' },
    ]);
    expect(proposal.passes).toEqual([
      { name: 'extract', steps: 1, ended: 'max-steps' },
      { name: 'consolidate', steps: 1, ended: 'max-steps' },
    ]);
    const phaseRequest = client.requests[1];
    const data = JSON.parse(phaseRequest?.messages[0]?.content as string) as {
      existing_memories: { id: string; proposed?: boolean; content: unknown }[];
      new_messages: unknown[];
    };
    expect(data.new_messages).toEqual([]);
    expect(data.existing_memories).toEqual([
      { id: 'new-1', kind: 'Memory', content: { content: 'User likes tea' }, proposed: true },
      { id: 'new-2', kind: 'Memory', content: { content: 'User likes green tea' }, proposed: true },
      { id: 'k', kind: 'Memory', content: { content: 'User has a dog, Fido' }, updated_at: at },
      { id: 'old', kind: 'Memory', content: { content: 'User likes jazz' }, updated_at: at },
    ]);
    expect(systemOf(phaseRequest)).toContain('This is the "consolidate" pass');
    expect(systemOf(phaseRequest)).toContain(consolidate.instructions);
    // Its switches: no inserts offered, deletes offered (the manager's own deletes are off).
    const tool = JSON.stringify(phaseRequest?.tools);
    expect(tool).not.toContain('"insert"');
    expect(tool).toContain('"delete"');
  });

  it('a phase’s disabled operation is refused naming the phase', async () => {
    const client = new ScriptedClient([
      ops({ action: 'insert', content: 'a' }),
      ops({ action: 'insert', content: 'b' }),
      ops({ action: 'insert', content: 'c' }),
    ]);
    const failure = run(client, { phases: [consolidate] });
    await expect(failure).rejects.toThrow(InvalidModelOutputError);
    await expect(failure).rejects.toMatchObject({
      detail: { invalidOutput: { problems: ['operations.0.action: inserts are disabled for phase consolidate of memory manager memories'] } },
    });
  });

  it('a phase with nothing to look at is skipped without a request', async () => {
    const client = new ScriptedClient([ops()]);
    const proposal = await run(client, { phases: [consolidate] });
    expect(proposal.passes).toEqual([
      { name: 'extract', steps: 1, ended: 'max-steps' },
      { name: 'consolidate', steps: 0, ended: 'skipped' },
    ]);
    expect(client.requests).toHaveLength(1);
  });

  it('a refusal in a phase fails the extraction as a refusal', async () => {
    const client = new ScriptedClient([ops({ action: 'insert', content: 'a' }), 'refusal']);
    await expect(run(client, { phases: [consolidate] })).rejects.toThrow(ModelRefusalError);
  });
});
