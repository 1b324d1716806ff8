/**
 * Asks Claude for a manager's memory operations through forced tool use, and handles the replies that are
 * not simply right:
 * - a prompt over the token budget sheds its least relevant memories first (the messages always fit: the
 *   batch planner caps them), so an oversized batch is never a permanent failure;
 * - `stop_reason: max_tokens` (a truncated reply) is asked again with twice the output budget, up to
 *   MAX_OUTPUT_TOKENS_CEILING;
 * - `stop_reason: refusal` is final (`ModelRefusalError`, with the model's reason);
 * - an invalid tool input gets one repair round: the error goes back to the model as a tool result, once,
 *   before it counts as `InvalidModelOutputError`.
 * The client must be built with `maxRetries: 0`: Temporal's retry policy owns retries, so they don't
 * multiply and every attempt is visible in the workflow history.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ThreadMessage, TokenUsage } from '../contract';
import { DEFAULT_MAX_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS_CEILING, MAX_PROMPT_TOKENS } from '../defaults';
import { InvalidModelOutputError, ModelRefusalError } from '../errors';
import type { ResolvedManager } from '../managers/memory-manager';
import type { MemoryItem } from '../store/memory-types';
import { estimateTokens, extractionData, systemPrompt } from './memory-prompt';
import type { MemoryOperation } from '../store/memory-operation';
import { invalidOutputProblems, parseToolInputs, toolFor } from './memory-tool';
import { mapModelError } from './model-errors';
import { costUsd, type ModelPrices } from './model-pricing';

/** What an extractor returns: validated operations and what they cost. */
export interface ExtractionProposal {
  operations: MemoryOperation[];
  usage: TokenUsage;
  /** Estimated cost in USD from the model's list prices, when they are known. */
  costUsd?: number;
  model: string;
  /** Existing memories the prompt carried (after the token budget). */
  memoriesShown: number;
  /** Messages API requests made (a truncated reply or a repair round adds one). */
  requests: number;
}

/** One extraction's input. */
export interface ExtractionInput {
  manager: ResolvedManager;
  messages: readonly ThreadMessage[];
  /** The memories to show, most relevant first (the budget drops from the end). */
  existing: readonly MemoryItem[];
  /** Aborts the model call (the activity's cancellation signal). */
  signal?: AbortSignal;
  /** For a profile manager whose document is absent: the version a new one gets (after a deleted one). @default 1 */
  profileVersion?: number;
}

/** Anything that turns messages plus existing memories into operations; Claude in production. */
export interface MemoryExtractor {
  extract(input: ExtractionInput): Promise<ExtractionProposal>;
}

/** The part of the Anthropic client the extractor uses: Anthropic's own client or `AnthropicBedrock`. */
export interface MessagesClient {
  messages: { create(body: Anthropic.MessageCreateParamsNonStreaming, options?: { signal?: AbortSignal }): Promise<Anthropic.Message> };
}

/** Options of {@link ClaudeExtractor}. */
export interface ClaudeExtractorOptions {
  /** Used when the manager names none. @default DEFAULT_MODEL */
  model: string;
  /** First output budget (tokens). @default DEFAULT_MAX_OUTPUT_TOKENS */
  maxTokens?: number;
  /** Prompt budget (estimated tokens). @default MAX_PROMPT_TOKENS */
  maxPromptTokens?: number;
  /** USD per million input and output tokens, overriding the built-in list prices. */
  prices?: ModelPrices;
}

/**
 * The production extractor.
 * @example
 * const extractor = new ClaudeExtractor(createModelClient(config), { model: 'claude-sonnet-5-5' });
 * const { operations, usage } = await extractor.extract({ manager, messages, existing });
 */
export class ClaudeExtractor implements MemoryExtractor {
  constructor(
    private readonly client: MessagesClient,
    private readonly options: ClaudeExtractorOptions,
  ) {}

  async extract({ manager, messages, existing, signal, profileVersion }: ExtractionInput): Promise<ExtractionProposal> {
    const model = manager.model ?? this.options.model;
    const system = systemPrompt(manager);
    const tool = toolFor(manager);
    // A profile manager's one document is never left out: without it the model would write a second one.
    const shown = manager.profile ? [...existing] : this.withinBudget(system + JSON.stringify(tool), messages, existing);
    const conversation: Anthropic.MessageParam[] = [{ role: 'user', content: extractionData(messages, shown) }];
    const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    let maxTokens = this.options.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    let repaired = false;
    for (let requests = 1; ; requests++) {
      const response = await this.request(
        {
          model,
          max_tokens: maxTokens,
          system,
          tools: [tool],
          tool_choice: { type: 'tool', name: tool.name, disable_parallel_tool_use: true },
          messages: conversation,
        },
        signal,
      );
      usage.inputTokens += response.usage.input_tokens;
      usage.outputTokens += response.usage.output_tokens;
      if (response.stop_reason === 'refusal') {
        const reason = response.content
          .flatMap((b) => (b.type === 'text' ? [b.text] : []))
          .join(' ')
          .trim();
        // The reason is the model's text about the conversation: detail only (stored with the dead letter).
        throw new ModelRefusalError('the model refused to extract memories from this batch', { detail: { refusal: reason } });
      }
      if (response.stop_reason === 'max_tokens') {
        if (maxTokens >= MAX_OUTPUT_TOKENS_CEILING)
          throw new InvalidModelOutputError(`reply truncated at the ${maxTokens}-token output ceiling`, { counts: { maxTokens } });
        maxTokens = Math.min(maxTokens * 2, MAX_OUTPUT_TOKENS_CEILING);
        continue;
      }
      const calls = response.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === tool.name);
      try {
        if (calls.length === 0) {
          const text = response.content.flatMap((b) => (b.type === 'text' ? [b.text] : []));
          throw new InvalidModelOutputError(`model reply has no ${tool.name} tool call (stop_reason: ${response.stop_reason ?? 'none'})`, {
            detail: { invalidOutput: { problems: [`no ${tool.name} tool call`], toolInputs: text } },
          });
        }
        const operations = parseToolInputs(
          calls.map((c) => c.input),
          manager,
          shown,
          { profileVersion },
        );
        const cost = costUsd(response.model || model, usage, this.options.prices);
        return { operations, usage, model: response.model || model, memoriesShown: shown.length, requests, ...(cost !== undefined ? { costUsd: cost } : {}) };
      } catch (err) {
        if (!(err instanceof InvalidModelOutputError) || repaired || calls.length === 0) throw err;
        // One repair round: the model sees exactly what was wrong and answers again.
        repaired = true;
        conversation.push(
          { role: 'assistant', content: response.content },
          {
            role: 'user',
            content: calls.map((call) => ({
              type: 'tool_result' as const,
              tool_use_id: call.id,
              is_error: true,
              content: `${invalidOutputProblems(err).join('; ')}\nCall ${tool.name} again, once, with the whole corrected input.`,
            })),
          },
        );
      }
    }
  }

  /** The memories that fit the prompt budget with the system prompt and messages (dropping the least relevant). */
  private withinBudget(system: string, messages: readonly ThreadMessage[], existing: readonly MemoryItem[]): MemoryItem[] {
    const budget = this.options.maxPromptTokens ?? MAX_PROMPT_TOKENS;
    // Measured once for the fixed part, then memory by memory (no re-serialising the messages each time).
    let used = estimateTokens(system) + estimateTokens(extractionData(messages, []));
    const shown: MemoryItem[] = [];
    for (const item of existing) {
      const cost = estimateTokens(extractionData([], [item]));
      if (used + cost > budget) break;
      used += cost;
      shown.push(item);
    }
    return shown;
  }

  private async request(body: Anthropic.MessageCreateParamsNonStreaming, signal: AbortSignal | undefined): Promise<Anthropic.Message> {
    try {
      return await this.client.messages.create(body, { signal });
    } catch (err) {
      throw mapModelError(err);
    }
  }
}
