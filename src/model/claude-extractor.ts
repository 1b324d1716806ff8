/**
 * Asks Claude for memory operations through forced tool use and validates the reply with zod.
 * The Anthropic client must be built with `maxRetries: 0`: Temporal's retry policy owns retries, so they
 * don't multiply (SDK retries × activity attempts) and every attempt is visible in the workflow history.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ThreadMessage, TokenUsage } from '../contract';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../defaults';
import { InvalidModelOutputError } from '../errors';
import { describeZodError, memoryToolInputSchema, type MemoryOperation } from '../schemas';
import type { MemoryItem } from '../store/memory-types';
import { MEMORY_SYSTEM_PROMPT, MEMORY_TOOL, MEMORY_TOOL_NAME, buildExtractionPrompt } from './memory-prompt';
import { mapModelError } from './model-errors';

/** What an extractor returns: validated operations and the tokens they cost. */
export interface ExtractionProposal {
  operations: MemoryOperation[];
  usage: TokenUsage;
  model: string;
}

/** Anything that turns messages plus existing memories into operations; Claude in production. */
export interface MemoryExtractor {
  extract(messages: readonly ThreadMessage[], existing: readonly MemoryItem[], options?: ExtractOptions): Promise<ExtractionProposal>;
}

/** Per-call options of {@link MemoryExtractor.extract}. */
export interface ExtractOptions {
  /** Aborts the model call (the activity's cancellation signal). */
  signal?: AbortSignal;
}

/** Options of {@link ClaudeExtractor}. */
export interface ClaudeExtractorOptions {
  /** @default DEFAULT_MODEL */
  model: string;
  /** @default DEFAULT_MAX_OUTPUT_TOKENS */
  maxTokens?: number;
}

/**
 * The production extractor: one Messages API call with the `manage_memories` tool forced.
 * @example
 * const extractor = new ClaudeExtractor(createAnthropicClient({ apiKey }), { model: 'claude-sonnet-5-5' });
 * const { operations, usage } = await extractor.extract(messages, existingMemories);
 */
export class ClaudeExtractor implements MemoryExtractor {
  constructor(
    private readonly anthropic: Anthropic,
    private readonly options: ClaudeExtractorOptions,
  ) {}

  async extract(messages: readonly ThreadMessage[], existing: readonly MemoryItem[], options: ExtractOptions = {}): Promise<ExtractionProposal> {
    let response: Anthropic.Message;
    try {
      response = await this.anthropic.messages.create(
        {
          model: this.options.model,
          max_tokens: this.options.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
          system: MEMORY_SYSTEM_PROMPT,
          tools: [MEMORY_TOOL],
          // One call per reply: a reply is applied whole or not at all (see parseOperations for the rest).
          tool_choice: { type: 'tool', name: MEMORY_TOOL_NAME, disable_parallel_tool_use: true },
          messages: [{ role: 'user', content: buildExtractionPrompt(messages, existing) }],
        },
        { signal: options.signal },
      );
    } catch (err) {
      throw mapModelError(err);
    }
    const usage = { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens };
    return { operations: parseOperations(response, existing), usage, model: response.model };
  }
}

/**
 * Finds the tool call, validates its input and checks every referenced id is a memory the model was shown.
 * The request disables parallel tool use, but a reply that still carries several `manage_memories` calls
 * is merged into one list and validated as one (operation cap, no memory touched twice): it is applied
 * whole or fails whole, never partly.
 */
export function parseOperations(response: Anthropic.Message, existing: readonly MemoryItem[]): MemoryOperation[] {
  const calls = response.content.filter(
    (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === MEMORY_TOOL_NAME,
  );
  if (calls.length === 0) {
    throw new InvalidModelOutputError(
      `model reply has no ${MEMORY_TOOL_NAME} tool call (stop_reason: ${response.stop_reason ?? 'none'})`,
    );
  }
  const merged = calls.length === 1 ? calls[0]?.input : { operations: calls.flatMap((call) => operationsOf(call.input)) };
  const parsed = memoryToolInputSchema.safeParse(merged);
  if (!parsed.success) {
    throw new InvalidModelOutputError(`invalid ${MEMORY_TOOL_NAME} input: ${describeZodError(parsed.error)}`);
  }
  const known = new Set(existing.map((item) => item.key));
  const unknown = parsed.data.operations.flatMap((op, i) =>
    op.action !== 'insert' && !known.has(op.id) ? [`operations.${i}.id: no existing memory "${op.id}"`] : [],
  );
  if (unknown.length > 0) throw new InvalidModelOutputError(`invalid ${MEMORY_TOOL_NAME} input: ${unknown.join('; ')}`);
  return parsed.data.operations;
}

/** The `operations` of one tool call's input, or a marker that fails validation when the input has none. */
function operationsOf(input: unknown): unknown[] {
  const operations = (input as { operations?: unknown } | null)?.operations;
  return Array.isArray(operations) ? (operations as unknown[]) : [{ invalid: `a ${MEMORY_TOOL_NAME} call without an operations list` }];
}
