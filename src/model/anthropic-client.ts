/** Builds the client that talks to Claude: Anthropic's API, or Amazon Bedrock with the same Messages API. */
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { MODEL_REQUEST_TIMEOUT_MS } from '../defaults';
import { isLoopback } from '../store/dynamo-clients';
import type { MessagesClient } from './claude-extractor';

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

/**
 * Claude on Amazon Bedrock (IAM credentials from the usual AWS chain; model ids like
 * `anthropic.claude-sonnet-…`), with the same settings. A loopback `baseURL` (the fake endpoint in tests)
 * gets placeholder credentials.
 */
export function createBedrockClient(options: { region: string; baseURL?: string }): MessagesClient {
  const common = { awsRegion: options.region, baseURL: options.baseURL, maxRetries: 0, timeout: MODEL_REQUEST_TIMEOUT_MS };
  const local = options.baseURL !== undefined && isLoopback(options.baseURL);
  const client = local ? new AnthropicBedrock({ ...common, awsAccessKey: 'local', awsSecretKey: 'local' }) : new AnthropicBedrock(common);
  return client;
}
