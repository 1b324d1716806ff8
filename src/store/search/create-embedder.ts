/**
 * Picks the embeddings provider for memory search from configuration, validated with zod so a bad value
 * fails at startup naming its field. `provider: 'none'` turns embeddings off (search stays lexical).
 */
import { z } from 'zod';
import { DEFAULT_AWS_REGION } from '../../defaults';
import { ConfigurationError } from '../../errors';
import { describeZodError } from '../../schemas';
import { BedrockEmbedder, createBedrockRuntimeClient } from './bedrock-embedder';
import type { Embedder } from './embedder';
import { VoyageEmbedder } from './voyage-embedder';

/** `localhost:8000` parses as a URL with scheme `localhost:`; insist on http(s) so that mistake fails here. */
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });

/** Sizes Titan Text Embeddings v2 accepts (the only Bedrock body this package speaks). */
const TITAN_V2_DIMENSIONS = [256, 512, 1024] as const;
/** `output_dimension`s Voyage's current models (3.5, 3.5-lite, 3-large, code-3) accept. */
const VOYAGE_DIMENSIONS = [256, 512, 1024, 2048] as const;

function oneOf(sizes: readonly number[]) {
  return z
    .number()
    .int()
    .refine((n) => sizes.includes(n), `must be one of ${sizes.join(', ')}`);
}

/**
 * The options of {@link createEmbedder}. Provider objects are strict: a misspelt key (`baseUrl`) fails
 * instead of being dropped (which would send test traffic and keys to the real API).
 */
export const embedderConfigSchema = z.discriminatedUnion('provider', [
  /** Embeddings off; other keys are ignored, so switching a deployment off needs one change. */
  z.object({ provider: z.literal('none') }),
  z.strictObject({
    provider: z.literal('bedrock'),
    /** @default DEFAULT_BEDROCK_EMBEDDING_MODEL */
    model: z.string().min(1).optional(),
    /** Overrides Bedrock's regional endpoint (tests: the fake). */
    endpoint: httpUrl.optional(),
    /** @default DEFAULT_AWS_REGION */
    region: z.string().min(1).optional(),
    /** @default DEFAULT_EMBEDDING_DIMENSIONS */
    dimensions: oneOf(TITAN_V2_DIMENSIONS).optional(),
  }),
  z.strictObject({
    provider: z.literal('voyage'),
    apiKey: z.string({ error: 'required when provider is "voyage"' }).trim().min(1, 'required when provider is "voyage"'),
    /** @default DEFAULT_VOYAGE_EMBEDDING_MODEL */
    model: z.string().min(1).optional(),
    /** API root without `/v1`. @default DEFAULT_VOYAGE_BASE_URL */
    baseURL: httpUrl.optional(),
    /** Sent as `output_dimension`; the model's default size when unset. */
    dimensions: oneOf(VOYAGE_DIMENSIONS).optional(),
  }),
]);

/** What callers pass to {@link createEmbedder}. */
export type EmbedderConfig = z.input<typeof embedderConfigSchema>;

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
    case 'bedrock':
      return new BedrockEmbedder({
        client: createBedrockRuntimeClient({ region: options.region ?? DEFAULT_AWS_REGION, endpoint: options.endpoint }),
        model: options.model,
        dimensions: options.dimensions,
      });
    case 'voyage':
      return new VoyageEmbedder({ apiKey: options.apiKey, baseURL: options.baseURL, model: options.model, dimensions: options.dimensions });
  }
}
