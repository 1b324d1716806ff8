/**
 * The embedded local stack: the Temporal dev server and DynamoDB Local, each started here unless an
 * existing one is configured (TEMPORAL_ADDRESS, DYNAMODB_ENDPOINT).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDynamoDbLocal } from './dynamodb-local';
import { startTemporalDevServer } from './temporal-dev-server';

export interface LocalStack {
  temporalAddress: string;
  dynamodbEndpoint: string;
  /** The Temporal Web UI, when the dev server was started here with `temporalUi` (null otherwise). */
  temporalUiUrl: string | null;
  /** What was started here (empty when both were configured). */
  started: string[];
  stop(): Promise<void>;
}

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Keep data on disk under this folder (Temporal SQLite + DynamoDB Local files); in-memory when unset. */
  dataDir?: string;
  /** Use this Temporal server instead of starting one. */
  temporalAddress?: string;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  /** Serve the Temporal Web UI from the dev server started here. @default false */
  temporalUi?: boolean;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const [temporal, dynamo] = await Promise.all([
    options.temporalAddress
      ? undefined
      : startTemporalDevServer({ dbFile: options.dataDir ? join(options.dataDir, 'temporal.sqlite') : undefined, ui: options.temporalUi ?? false }),
    options.dynamodbEndpoint ? undefined : startDynamoDbLocal({ dataDir: options.dataDir ? join(options.dataDir, 'dynamodb') : undefined }),
  ]);
  return {
    temporalAddress: options.temporalAddress ?? (temporal?.address as string),
    dynamodbEndpoint: options.dynamodbEndpoint ?? (dynamo?.endpoint as string),
    temporalUiUrl: temporal?.uiAddress ?? null,
    started: [
      temporal ? `Temporal dev server at ${temporal.address}${temporal.uiAddress ? ` (Web UI ${temporal.uiAddress})` : ''}` : '',
      dynamo ? `DynamoDB Local at ${dynamo.endpoint}` : '',
    ].filter(Boolean),
    async stop() {
      await Promise.all([temporal?.stop(), dynamo?.stop()]);
    },
  };
}
