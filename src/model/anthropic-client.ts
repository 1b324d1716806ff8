/** Builds the Anthropic client for extraction activities. */
import Anthropic from '@anthropic-ai/sdk';
import { MODEL_REQUEST_TIMEOUT_MS } from '../defaults';

/** The Anthropic client with SDK retries off (Temporal retries) and a request timeout below the activity's. */
export function createAnthropicClient(options: { apiKey: string; baseURL?: string }): Anthropic {
  return new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    // Temporal's activity retry policy owns retries; SDK retries would multiply them and hide attempts.
    maxRetries: 0,
    timeout: MODEL_REQUEST_TIMEOUT_MS,
  });
}
