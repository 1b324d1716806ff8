/**
 * The connections the operator tools (CLI, web console) use, from the same environment as the worker:
 * Temporal (address, namespace, API key or mTLS through `@temporalio/envconfig`), DynamoDB (endpoint or
 * the AWS chain), the table and task queue. Nothing connects until first used, so `doctor` can report a
 * server that is down instead of failing to start.
 */
import type { Client, Connection } from '@temporalio/client';
import { MemoryClient } from '../client/memory-client';
import { loadConfig, type AppConfig } from '../config';
import { HANDLER_TEMPORAL_ATTEMPTS, OPERATOR_DYNAMODB_TIMEOUT_MS } from '../defaults';
import { ConfigurationError } from '../errors';
import { loadManagers } from '../managers/load-managers';
import { createDynamoClients, type DynamoClients } from '../store/dynamo-clients';
import { DynamoMemoryStore } from '../store/memory-store';
import { temporalConnectOptions, waitingCallerClient, type TemporalConnectOptions } from '../temporal-connect-options';
import { MemoryOperator } from './memory-operator';

export interface OperatorContext {
  config: AppConfig;
  /** The caller API (flush, state, dead letters, re-drive, memories). */
  memory: MemoryClient;
  /** The operator API over the same client (listThreads, timeline, forget). */
  operator: MemoryOperator;
  temporal: Client;
  connection: Connection;
  temporalTarget: TemporalConnectOptions;
  dynamo: DynamoClients;
  /** The Temporal Web UI (TEMPORAL_UI_URL, e.g. http://127.0.0.1:8233 for `temporal server start-dev`), or null. */
  temporalUiUrl: string | null;
  close(): Promise<void>;
}

function uiUrl(env: NodeJS.ProcessEnv): string | null {
  const value = env['TEMPORAL_UI_URL']?.trim();
  if (!value) return null;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return value.replace(/\/+$/, '');
  } catch {
    throw new ConfigurationError(`invalid configuration: TEMPORAL_UI_URL: must be an http(s) URL, e.g. http://127.0.0.1:8233`);
  }
}

/** Builds the operator's clients; throws `ConfigurationError` naming a bad variable. Connects lazily. */
// eslint-disable-next-line @typescript-eslint/require-await -- async so a bad variable is a rejected promise, like every other failure here
export async function createOperatorContext(env: NodeJS.ProcessEnv = process.env): Promise<OperatorContext> {
  const config = loadConfig(env);
  const temporalTarget = temporalConnectOptions(env);
  const temporalUiUrl = uiUrl(env);
  // An operator is waiting: a few quick attempts, then a clear "unavailable".
  const { connection, client: temporal } = waitingCallerClient(temporalTarget, { maxAttempts: HANDLER_TEMPORAL_ATTEMPTS });
  // A DynamoDB that accepts connections but never answers must not hang an operator's command.
  const dynamo = createDynamoClients({ endpoint: config.dynamodbEndpoint, region: config.awsRegion, requestTimeoutMs: OPERATOR_DYNAMODB_TIMEOUT_MS });
  const memory = new MemoryClient({
    temporal,
    store: new DynamoMemoryStore(dynamo.doc, config.tableName),
    taskQueue: config.taskQueue,
    managers: loadManagers(config),
  });
  return {
    config,
    memory,
    operator: new MemoryOperator(memory),
    temporal,
    connection,
    temporalTarget,
    dynamo,
    temporalUiUrl,
    async close() {
      await connection.close();
      dynamo.client.destroy();
    },
  };
}
