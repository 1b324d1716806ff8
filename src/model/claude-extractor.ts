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
 * A manager may ask for more than that one forced call (docs/design.md "Phases and steps"): `maxSteps` rounds
 * per pass, each reply's result going back as a tool result until the model calls `done`, and `phases`,
 * further passes over the memories as the earlier passes left them. Every reply is merged into one proposal
 * (pass-merge.ts) that the batch commits whole; the per-batch caps count it as a whole; each request's
 * prompt stays within the budget (a round that would not fit ends its pass); tokens sum over all requests.
 * The client must be built with `maxRetries: 0`: Temporal's retry policy owns retries, so they don't
 * multiply and every attempt is visible in the workflow history.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ThreadMessage, TokenUsage } from '../contract';
import { DEFAULT_MAX_OUTPUT_TOKENS, MAX_OPERATIONS_PER_EXTRACTION, MAX_OUTPUT_TOKENS_CEILING, MAX_PROMPT_TOKENS } from '../defaults';
import { InvalidModelOutputError, ModelRefusalError } from '../errors';
import { FIRST_PASS_NAME, type ResolvedManager, type ResolvedPhase } from '../managers/memory-manager';
import type { MemoryItem } from '../store/memory-types';
import { estimateTokens, extractionData, systemPrompt } from './memory-prompt';
import type { MemoryOperation } from '../store/memory-operation';
import { checkBatchCaps, DONE_TOOL, DONE_TOOL_NAME, invalidOutputProblems, toolFor, validateToolInputs } from './memory-tool';
import { PassMerge, type AppliedOperation } from './pass-merge';
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
  /** Messages API requests made (a truncated reply, a repair round, a further round or phase adds one). */
  requests: number;
  /** How each pass ended (the first, then the manager's phases), for a manager with phases or `maxSteps` > 1. */
  passes?: PassSummary[];
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
  /**
   * Memories the caller writes in the batch's transaction beside the model's (a default document seeded
   * with the batch: its insert, or the extra history record of its update): the model's changes are capped
   * at MAX_OPERATIONS_PER_EXTRACTION less these, so the transaction stays within DynamoDB's 100 items. @default 0
   */
  reservedOperations?: number;
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

/** How one pass of an extraction ended. */
export interface PassSummary {
  /** `extract` for the first pass, else the phase's name. */
  name: string;
  /** Valid replies applied (tool rounds). */
  steps: number;
  /**
   * `done`: the model called done; `answered`: it answered without a tool call; `max-steps`: the manager's
   * maxSteps was reached; `budget`: the next round's prompt would not fit the prompt budget; `skipped`: a
   * phase with no memories (nor messages) to look at.
   */
  ended: 'done' | 'answered' | 'max-steps' | 'budget' | 'skipped';
}

/** What one pass is asked with: the manager with the pass's switches, its prompt and tools. */
interface PassPlan {
  name: string;
  manager: ResolvedManager;
  system: string;
  tools: Anthropic.Tool[];
  /** Who the switches belong to, in problems. */
  scope: string;
}

/** What an extraction's requests share and sum up. */
interface RequestState {
  model: string;
  responseModel: string;
  usage: TokenUsage;
  requests: number;
  maxTokens: number;
  signal: AbortSignal | undefined;
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

  async extract({ manager, messages, existing, signal, profileVersion, reservedOperations = 0 }: ExtractionInput): Promise<ExtractionProposal> {
    const model = manager.model ?? this.options.model;
    const state: RequestState = {
      model,
      responseModel: model,
      usage: { inputTokens: 0, outputTokens: 0 },
      requests: 0,
      maxTokens: this.options.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      signal,
    };
    const first = planPass(manager);
    // A profile manager's one document is never left out: without it the model would write a second one.
    const shown = manager.profile ? [...existing] : this.withinBudget(fixedPart(first), messages, existing);
    const merge = new PassMerge(shown, { recordPhases: manager.phases.length > 0, maxChanged: MAX_OPERATIONS_PER_EXTRACTION - reservedOperations });
    const passes = [await this.runPass(state, manager, first, messages, shown, merge, profileVersion)];
    for (const phase of manager.phases) {
      const plan = planPass(manager, phase);
      const phaseMessages = phase.includeMessages ? messages : [];
      const view = merge.view();
      if (view.length === 0 && phaseMessages.length === 0) {
        passes.push({ name: phase.name, steps: 0, ended: 'skipped' });
        continue;
      }
      passes.push(await this.runPass(state, manager, plan, phaseMessages, this.withinBudget(fixedPart(plan), phaseMessages, view), merge, undefined));
    }
    const cost = costUsd(state.responseModel, state.usage, this.options.prices);
    return {
      operations: merge.operations(),
      usage: state.usage,
      model: state.responseModel,
      memoriesShown: shown.length,
      requests: state.requests,
      // Only for a manager of several passes or rounds: a single pass's one forced call says nothing new.
      ...(manager.phases.length > 0 || manager.maxSteps > 1 ? { passes } : {}),
      ...(cost !== undefined ? { costUsd: cost } : {}),
    };
  }

  /**
   * One pass: a forced call of the memory tool, then (maxSteps > 1) further rounds, each reply checked against
   * the memories this pass sees and merged into `merge`, until the model calls done or answers without a tool
   * call, maxSteps is reached, or the next round would not fit the prompt budget.
   */
  private async runPass(
    state: RequestState,
    manager: ResolvedManager,
    plan: PassPlan,
    messages: readonly ThreadMessage[],
    shown: readonly MemoryItem[],
    merge: PassMerge,
    profileVersion: number | undefined,
  ): Promise<PassSummary> {
    const conversation: Anthropic.MessageParam[] = [{ role: 'user', content: extractionData(messages, shown, merge.proposedIds()) }];
    // What this pass may address: what it was shown, and what it inserts itself (operations never reach further).
    const visible = new Set(shown.map((item) => item.key));
    const toolName = plan.tools[0]?.name as string;
    const several = manager.phases.length > 0 || manager.maxSteps > 1;
    let steps = 0;
    let repaired = false;
    for (;;) {
      if (steps > 0 && estimateTokens(fixedPart(plan) + JSON.stringify(conversation)) > (this.options.maxPromptTokens ?? MAX_PROMPT_TOKENS)) {
        return { name: plan.name, steps, ended: 'budget' };
      }
      const response = await this.request(
        {
          model: state.model,
          max_tokens: state.maxTokens,
          system: plan.system,
          tools: plan.tools,
          tool_choice: steps === 0 ? { type: 'tool', name: toolName, disable_parallel_tool_use: true } : { type: 'auto', disable_parallel_tool_use: true },
          messages: conversation,
        },
        state,
      );
      if (response.stop_reason === 'refusal') {
        const reason = response.content
          .flatMap((b) => (b.type === 'text' ? [b.text] : []))
          .join(' ')
          .trim();
        // The reason is the model's text about the conversation: detail only (stored with the dead letter).
        throw new ModelRefusalError('the model refused to extract memories from this batch', { detail: { refusal: reason } });
      }
      if (response.stop_reason === 'max_tokens') {
        if (state.maxTokens >= MAX_OUTPUT_TOKENS_CEILING)
          throw new InvalidModelOutputError(`reply truncated at the ${state.maxTokens}-token output ceiling`, { counts: { maxTokens: state.maxTokens } });
        state.maxTokens = Math.min(state.maxTokens * 2, MAX_OUTPUT_TOKENS_CEILING);
        continue;
      }
      const uses = response.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      const calls = uses.filter((b) => b.name === toolName);
      const done = uses.some((b) => b.name === DONE_TOOL_NAME);
      if (calls.length === 0 && steps > 0) return { name: plan.name, steps, ended: done ? 'done' : 'answered' };
      let applied: AppliedOperation[];
      try {
        if (calls.length === 0) {
          const text = response.content.flatMap((b) => (b.type === 'text' ? [b.text] : []));
          throw new InvalidModelOutputError(`model reply has no ${toolName} tool call (stop_reason: ${response.stop_reason ?? 'none'})`, {
            detail: { invalidOutput: { problems: [`no ${toolName} tool call`], toolInputs: text } },
          });
        }
        const operations = validateToolInputs(
          calls.map((c) => c.input),
          plan.manager,
          merge.view().filter((item) => visible.has(item.key)),
          { profileVersion, scope: plan.scope },
        );
        applied = merge.apply(operations, plan.name);
        checkBatchCaps(manager, merge.counts(), merge.operations(), several ? 'the proposal of all passes and rounds so far' : 'the reply');
      } catch (err) {
        if (!(err instanceof InvalidModelOutputError) || repaired || calls.length === 0) throw err;
        // One repair round per round: the model sees exactly what was wrong and answers again.
        repaired = true;
        const problems = `${invalidOutputProblems(err).join('; ')}\nCall ${toolName} again, once, with the whole corrected input.`;
        conversation.push({ role: 'assistant', content: response.content }, { role: 'user', content: toolResults(uses, toolName, () => problems, true) });
        continue;
      }
      steps++;
      repaired = false;
      for (const op of applied) if (op.action === 'insert') visible.add(op.id);
      if (done) return { name: plan.name, steps, ended: 'done' };
      if (steps >= manager.maxSteps) return { name: plan.name, steps, ended: 'max-steps' };
      const slices = resultSlices(calls, applied, manager.maxSteps - steps, toolName);
      conversation.push(
        { role: 'assistant', content: response.content },
        { role: 'user', content: toolResults(uses, toolName, (i) => slices[i] ?? '', false) },
      );
    }
  }

  /** The memories that fit the prompt budget with the fixed part and messages (dropping from the end). */
  private withinBudget(fixed: string, messages: readonly ThreadMessage[], existing: readonly MemoryItem[]): MemoryItem[] {
    const budget = this.options.maxPromptTokens ?? MAX_PROMPT_TOKENS;
    // Measured once for the fixed part, then memory by memory (no re-serialising the messages each time).
    let used = estimateTokens(fixed) + estimateTokens(extractionData(messages, []));
    const shown: MemoryItem[] = [];
    for (const item of existing) {
      const cost = estimateTokens(extractionData([], [item]));
      if (used + cost > budget) break;
      used += cost;
      shown.push(item);
    }
    return shown;
  }

  /** One Messages API request, its usage added to the extraction's. */
  private async request(body: Anthropic.MessageCreateParamsNonStreaming, state: RequestState): Promise<Anthropic.Message> {
    let response: Anthropic.Message;
    try {
      response = await this.client.messages.create(body, { signal: state.signal });
    } catch (err) {
      throw mapModelError(err);
    }
    state.requests += 1;
    state.usage.inputTokens += response.usage.input_tokens;
    state.usage.outputTokens += response.usage.output_tokens;
    state.responseModel = response.model || state.model;
    return response;
  }
}

/** The first pass (no phase) or a phase's: the manager with the pass's switches, its prompt and tools. */
function planPass(manager: ResolvedManager, phase?: ResolvedPhase): PassPlan {
  const switches = phase ? { ...manager, enableInserts: phase.enableInserts, enableUpdates: phase.enableUpdates, enableDeletes: phase.enableDeletes } : manager;
  const tool = toolFor(switches);
  return {
    name: phase?.name ?? FIRST_PASS_NAME,
    manager: switches,
    system: systemPrompt(switches, { maxSteps: manager.maxSteps, ...(phase ? { phase } : {}) }),
    tools: manager.maxSteps > 1 ? [tool, DONE_TOOL] : [tool],
    scope: phase ? `phase ${phase.name} of memory manager ${manager.name}` : `memory manager ${manager.name}`,
  };
}

/** The part of every request of a pass that does not change: its system prompt and tools. */
function fixedPart(plan: PassPlan): string {
  return plan.system + (plan.tools.length === 1 ? JSON.stringify(plan.tools[0]) : JSON.stringify(plan.tools));
}

/** A tool result for each tool use of a reply (the Messages API wants one per use); other tools are not run. */
function toolResults(
  uses: readonly Anthropic.ToolUseBlock[],
  toolName: string,
  content: (callIndex: number) => string,
  isError: boolean,
): Anthropic.ToolResultBlockParam[] {
  let callIndex = 0;
  return uses.map((use) =>
    use.name === toolName
      ? { type: 'tool_result' as const, tool_use_id: use.id, ...(isError ? { is_error: true } : {}), content: content(callIndex++) }
      : {
          type: 'tool_result' as const,
          tool_use_id: use.id,
          is_error: true,
          content: use.name === DONE_TOOL_NAME ? `not run: correct the ${toolName} call first` : `not run: only ${toolName} and ${DONE_TOOL_NAME} exist`,
        },
  );
}

/** What each memory-tool call of a round did (its operations, in order, with the ids inserts got), as tool results. */
function resultSlices(calls: readonly Anthropic.ToolUseBlock[], applied: readonly AppliedOperation[], roundsLeft: number, toolName: string): string[] {
  let at = 0;
  return calls.map((call) => {
    const operations = (call.input as { operations?: unknown } | null)?.operations;
    const count = Array.isArray(operations) ? operations.length : 0;
    const mine = applied.slice(at, at + count);
    at += count;
    return `${JSON.stringify({ applied: mine, rounds_left: roundsLeft })}\nCall ${toolName} again to change memories further (inserted ones by the ids above), or call ${DONE_TOOL_NAME} when they need no more changes.`;
  });
}
