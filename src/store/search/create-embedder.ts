/**
 * Picks the embeddings provider for memory search from configuration, validated with zod so a bad value
 * fails at startup naming its field. `provider: 'none'` turns embeddings off (search stays lexical).
 */
import { DEFAULT_AWS_REGION } from '../../defaults';
import { ConfigurationError } from '../../errors';
import { describeZodError } from '../../schemas';
import type { Embedder } from './embedder';
import { embedderConfigSchema, type EmbedderConfig } from './embedder-config';
import { VoyageEmbedder } from './voyage-embedder';

/**
 * Builds the configured embedder, or `null` for `provider: 'none'`. Throws a `ConfigurationError` naming
 * each bad field (`provider`, `apiKey`, `dimensions`, ...).
 *
 * @example
 * const embedder = createEmbedder({ provider: 'voyage', apiKey: process.env.VOYAGE_API_KEY });
 * const embedder = createEmbedder({ provider: 'bedrock', region: 'eu-west-1', dimensions: 512 });
 */
export function createEmbedder(config: EmbedderConfig): Embedder | null {
  const parsed = embedderConfigSchema.safeParse(config);
  if (!parsed.success) throw new ConfigurationError(`invalid embeddings configuration: ${describeZodError(parsed.error)}`);
  const options = parsed.data;
  switch (options.provider) {
    case 'none':
      return null;
    case 'bedrock': {
      // Required here, not at import: the AWS Bedrock client takes ~60 ms to load, which a worker without
      // Bedrock embeddings should not spend at start-up (docs/benchmarks.md "Worker cold start").
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
      const { BedrockEmbedder, createBedrockRuntimeClient } = require('./bedrock-embedder') as typeof import('./bedrock-embedder');
      return new BedrockEmbedder({
        client: createBedrockRuntimeClient({ region: options.region ?? DEFAULT_AWS_REGION, endpoint: options.endpoint }),
        model: options.model,
        dimensions: options.dimensions,
      });
    }
    case 'voyage':
      return new VoyageEmbedder({ apiKey: options.apiKey, baseURL: options.baseURL, model: options.model, dimensions: options.dimensions });
  }
}
