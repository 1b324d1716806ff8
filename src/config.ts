/**
 * Runtime configuration from environment variables, validated with zod so a bad value fails at startup
 * with the variable's name. docs/configuration.md lists the same variables.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import {
  BATCH_RECEIPT_TTL_DAYS,
  DEFAULT_AWS_REGION,
  DEFAULT_BATCH_LOG_RETENTION_DAYS,
  DEFAULT_MESSAGE_RETENTION_DAYS,
  DEFAULT_MODEL,
  DEFAULT_TABLE_NAME,
  DEFAULT_TASK_QUEUE,
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_NAMESPACE,
  MAX_RETENTION_DAYS,
} from './defaults';
import { ConfigurationError } from './errors';
import type { RetentionDays, RetentionSettings } from './store/retention';
import type { EmbedderConfig } from './store/search/embedder-config';

/** `localhost:8000` parses as a URL with scheme `localhost:`; insist on http(s) so that mistake fails here. */
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });

/** A retention in whole days (1 to MAX_RETENTION_DAYS), or `keep` (never expires). */
const retentionDays = z.string().transform((text, ctx): RetentionDays => {
  if (text === 'keep') return 'keep';
  const days = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(days >= 1 && days <= MAX_RETENTION_DAYS)) {
    ctx.addIssue({ code: 'custom', message: `must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or "keep"` });
    return z.NEVER;
  }
  return days;
});

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default(DEFAULT_TEMPORAL_ADDRESS),
  TEMPORAL_NAMESPACE: z.string().min(1).default(DEFAULT_TEMPORAL_NAMESPACE),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  DYNAMODB_ENDPOINT: httpUrl.optional(),
  AWS_REGION: z.string().min(1).default(DEFAULT_AWS_REGION),
  MEMORY_TABLE_NAME: z.string().min(3).max(255).default(DEFAULT_TABLE_NAME),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: httpUrl.optional(),
  ANTHROPIC_MODEL: z.string().min(1).default(DEFAULT_MODEL),
  WORKFLOW_BUNDLE_PATH: z
    .string()
    .optional()
    .refine((path) => path === undefined || existsSync(path), 'no file at this path (build it with npm run build:workflow-bundle)'),
  MODEL_PROVIDER: z.enum(['anthropic', 'bedrock']).default('anthropic'),
  MODEL_PRICE_PER_MTOK: z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*,\s*\d+(\.\d+)?\s*$/, 'must be "<input USD>,<output USD>" per million tokens, e.g. "3,15"')
    .optional(),
  MEMORY_MANAGERS_MODULE: z
    .string()
    .optional()
    .refine((path) => path === undefined || existsSync(path), 'no file at this path (a module exporting `managers`)'),
  EMBEDDINGS_PROVIDER: z.enum(['none', 'bedrock', 'voyage']).default('none'),
  EMBEDDINGS_MODEL: z.string().min(1).optional(),
  EMBEDDINGS_DIMENSIONS: z.coerce.number().int().positive().optional(),
  EMBEDDINGS_ENDPOINT: httpUrl.optional(),
  VOYAGE_API_KEY: z.string().optional(),
  MESSAGE_RETENTION_DAYS: retentionDays.optional(),
  RECEIPT_RETENTION_DAYS: retentionDays.optional(),
  BATCH_LOG_RETENTION_DAYS: retentionDays.optional(),
});

function prices(text: string): { inputPerMTok: number; outputPerMTok: number } {
  const [input = 0, output = 0] = text.split(',').map((part) => Number(part.trim()));
  return { inputPerMTok: input, outputPerMTok: output };
}

/** Embeddings configuration from the environment, in `createEmbedder`'s terms (validated there, naming the variable). */
function embeddingsConfig(e: z.output<typeof envSchema>): EmbedderConfig {
  switch (e.EMBEDDINGS_PROVIDER) {
    case 'none':
      return { provider: 'none' };
    case 'bedrock':
      return { provider: 'bedrock', region: e.AWS_REGION, model: e.EMBEDDINGS_MODEL, dimensions: e.EMBEDDINGS_DIMENSIONS, endpoint: e.EMBEDDINGS_ENDPOINT };
    case 'voyage':
      return {
        provider: 'voyage',
        apiKey: e.VOYAGE_API_KEY ?? '',
        model: e.EMBEDDINGS_MODEL,
        dimensions: e.EMBEDDINGS_DIMENSIONS,
        baseURL: e.EMBEDDINGS_ENDPOINT,
      };
  }
}

/** The validated configuration. */
export interface AppConfig {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** Unset means real AWS (region and credentials from the usual AWS chain). */
  dynamodbEndpoint: string | undefined;
  awsRegion: string;
  tableName: string;
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
  model: string;
  /** Pre-built workflow bundle; the worker bundles from source when unset. */
  workflowBundlePath: string | undefined;
  /** Embeddings for memory search (`provider: 'none'`: lexical ranking only). */
  embeddings: EmbedderConfig;
  /** Where Claude runs: Anthropic's API (key) or Amazon Bedrock (IAM, Bedrock model ids). */
  modelProvider: 'anthropic' | 'bedrock';
  /** USD per million input / output tokens for cost records, when the built-in family prices don't apply. */
  modelPrices: { inputPerMTok: number; outputPerMTok: number } | undefined;
  /** A module exporting `managers` (memory manager definitions) shared by the client and the worker. */
  managersModule: string | undefined;
  /** How long processed messages, receipts and batch log entries are kept (DynamoDB TTL). */
  retention: RetentionSettings;
}

/** The variables that are set, trimmed; blank ones count as unset. */
export function presentVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .map(([name, value]) => [name, value?.trim()] as const)
      .filter((entry): entry is readonly [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

/**
 * Parses environment variables with a zod schema; throws a `ConfigurationError` naming each bad variable.
 * A variable set to a blank string means "unset" (common in .env files and CloudFormation parameters).
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.infer<T> {
  const parsed = schema.safeParse(presentVariables(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigurationError(`invalid ${what}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads and validates configuration; throws a `ConfigurationError` naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parseEnv(envSchema, env, 'configuration');
  // The default model name is Anthropic's; Bedrock knows models by its own ids and inference profiles.
  if (e.MODEL_PROVIDER === 'bedrock' && !env['ANTHROPIC_MODEL']?.trim()) {
    throw new ConfigurationError(
      'invalid configuration: ANTHROPIC_MODEL: required with MODEL_PROVIDER=bedrock (a Bedrock model id or inference profile, e.g. "us.anthropic.claude-…")',
    );
  }
  return {
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    awsRegion: e.AWS_REGION,
    tableName: e.MEMORY_TABLE_NAME,
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    model: e.ANTHROPIC_MODEL,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    embeddings: embeddingsConfig(e),
    modelProvider: e.MODEL_PROVIDER,
    modelPrices: e.MODEL_PRICE_PER_MTOK ? prices(e.MODEL_PRICE_PER_MTOK) : undefined,
    managersModule: e.MEMORY_MANAGERS_MODULE,
    retention: {
      messagesDays: e.MESSAGE_RETENTION_DAYS ?? DEFAULT_MESSAGE_RETENTION_DAYS,
      receiptsDays: e.RECEIPT_RETENTION_DAYS ?? BATCH_RECEIPT_TTL_DAYS,
      batchLogDays: e.BATCH_LOG_RETENTION_DAYS ?? DEFAULT_BATCH_LOG_RETENTION_DAYS,
    },
  };
}
