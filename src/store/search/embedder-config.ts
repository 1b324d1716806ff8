/**
 * The shape of an embeddings configuration ({@link createEmbedder}'s options), apart from the factory so
 * configuration code (`src/config.ts`) can name the type without loading the providers' SDK clients.
 */
import { z } from 'zod';

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
 * The options of `createEmbedder`. Provider objects are strict: a misspelt key (`baseUrl`) fails
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

/** What callers pass to `createEmbedder`. */
export type EmbedderConfig = z.input<typeof embedderConfigSchema>;
