/**
 * A Messages API client that builds the real one at its first request. The Anthropic SDK (and the Bedrock
 * SDK with the AWS client it pulls in) takes about 0.3 s to load, a third of the worker's cold start, and no
 * workflow task needs it: the worker polls first and loads the SDK when it first extracts (see
 * docs/benchmarks.md "Worker cold start").
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { MessagesClient } from './claude-extractor';

/**
 * Wraps `load` (called at the first `messages.create`, and again only if it threw) as a {@link MessagesClient}.
 * @example
 * const model = lazyMessagesClient(() => createAnthropicClient({ apiKey }));
 */
export function lazyMessagesClient(load: () => MessagesClient): MessagesClient {
  let client: MessagesClient | undefined;
  return {
    messages: {
      // async: a loader that throws (a module that cannot load) rejects like a failed request.
      async create(body: Anthropic.MessageCreateParamsNonStreaming, options?: { signal?: AbortSignal }): Promise<Anthropic.Message> {
        client ??= load();
        return client.messages.create(body, options);
      },
    },
  };
}
