/**
 * Cost of an extraction from its token usage. The built-in prices are per model family and are
 * assumptions to be checked against the provider's price list (they change, and Bedrock's differ by
 * region): set MODEL_PRICE_PER_MTOK (`"<input>,<output>"` USD per million tokens) to record exact costs.
 */
import type { TokenUsage } from '../contract';

/** USD per million input and output tokens. */
export interface ModelPrices {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** Assumed list prices by model family (USD per million tokens). */
const FAMILY_PRICES: readonly [RegExp, ModelPrices][] = [
  [/opus/i, { inputPerMTok: 15, outputPerMTok: 75 }],
  [/sonnet/i, { inputPerMTok: 3, outputPerMTok: 15 }],
  [/haiku/i, { inputPerMTok: 1, outputPerMTok: 5 }],
];

/** Estimated USD of `usage` on `model`, or undefined when the model's prices are unknown. */
export function costUsd(model: string, usage: TokenUsage, prices?: ModelPrices): number | undefined {
  const p = prices ?? FAMILY_PRICES.find(([family]) => family.test(model))?.[1];
  if (!p) return undefined;
  return Math.round(((usage.inputTokens * p.inputPerMTok + usage.outputTokens * p.outputPerMTok) / 1_000_000) * 1e6) / 1e6;
}
