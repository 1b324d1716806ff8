/**
 * The models the evaluation asks in plain text: one answers each question from its retrieved memories, one judges
 * the answer. Both go through the Messages API (Anthropic's, or the fake one with `--fake`).
 */
import Anthropic from '@anthropic-ai/sdk';
import type { TokenUsage } from '../contract';
import { costUsd } from '../model/model-pricing';

/** Retries of an answer or judge call: outside Temporal, the SDK owns them (backoff, retry-after). */
export const EVAL_MODEL_MAX_RETRIES = 6;
/** One answer or judge request may take this long before the SDK gives up on it. */
export const EVAL_MODEL_TIMEOUT_MS = 120_000;

/** One completed prompt. */
export interface TextReply {
  text: string;
  usage: TokenUsage;
  model: string;
  /** Estimated USD (model-pricing.ts), when the model's prices are known. */
  costUsd?: number;
}

/** A model that completes a prompt with text. */
export interface TextModel {
  readonly model: string;
  complete(prompt: string, maxTokens: number): Promise<TextReply>;
}

/**
 * A `TextModel` over the Messages API. The published judges ran at temperature 0; this SDK's Messages API takes no
 * temperature, so the model's default applies (docs/evaluation.md).
 */
export class MessagesTextModel implements TextModel {
  private readonly client: Anthropic;

  constructor(
    options: { apiKey: string; baseURL?: string },
    readonly model: string,
  ) {
    this.client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: EVAL_MODEL_MAX_RETRIES, timeout: EVAL_MODEL_TIMEOUT_MS });
  }

  async complete(prompt: string, maxTokens: number): Promise<TextReply> {
    const response = await this.client.messages.create({
      model: this.model,
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: prompt }],
    });
    const text = response.content
      .flatMap((block) => (block.type === 'text' ? [block.text] : []))
      .join('')
      .trim();
    const usage = { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens };
    const cost = costUsd(response.model || this.model, usage);
    return { text, usage, model: response.model || this.model, ...(cost !== undefined ? { costUsd: cost } : {}) };
  }
}
