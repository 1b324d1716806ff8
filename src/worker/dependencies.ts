/** Wires the activities' clients (DynamoDB, Claude) from configuration. */
import type { ActivityDependencies } from '../activities';
import type { AppConfig } from '../config';
import { ConfigurationError } from '../errors';
import { loadManagers } from '../managers/load-managers';
import type { ManagerRegistry } from '../managers/manager-registry';
import { ClaudeExtractor, type MessagesClient } from '../model/claude-extractor';
import { ClaudeQueryWriter } from '../model/query-writer';
import { lazyMessagesClient } from '../model/lazy-messages-client';
import { BatchPlanner } from '../store/batch-planner';
import { BatchWriter } from '../store/batch-writer';
import { DeadLetterStore } from '../store/dead-letters';
import { createDynamoClients, type DynamoClients } from '../store/dynamo-clients';
import { MessageInbox } from '../store/message-inbox';
import { DynamoMemoryStore } from '../store/memory-store';
import type { RetentionSettings } from '../store/retention';
import { createEmbedder } from '../store/search/create-embedder';
import type { Embedder } from '../store/search/embedder';

/** The activities' dependencies plus the raw clients, for callers that also need them (e.g. ensureTable). */
export interface WiredDependencies extends ActivityDependencies {
  dynamo: DynamoClients;
  model: MessagesClient;
  managers: ManagerRegistry;
}

/**
 * The Claude client configuration names; `ConfigurationError` when the Anthropic API has no key. The
 * configuration is checked now, the SDK loaded at the first request (`lazyMessagesClient`), so a worker
 * starts polling without it.
 */
export function createModelClient(config: AppConfig): MessagesClient {
  const apiKey = config.anthropicApiKey;
  if (config.modelProvider !== 'bedrock' && !apiKey) {
    throw new ConfigurationError('ANTHROPIC_API_KEY: required by the worker to call Claude (or set MODEL_PROVIDER=bedrock)');
  }
  return lazyMessagesClient(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at the first extraction, not at start-up
    const sdk = require('../model/anthropic-client') as typeof import('../model/anthropic-client');
    return config.modelProvider === 'bedrock' || !apiKey
      ? sdk.createBedrockClient({ region: config.awsRegion, baseURL: config.anthropicBaseUrl })
      : sdk.createAnthropicClient({ apiKey, baseURL: config.anthropicBaseUrl });
  });
}

/** Builds DynamoDB and Claude clients from configuration; throws `ConfigurationError` for a missing key. */
export function createDependencies(config: AppConfig): WiredDependencies {
  const dynamo = createDynamoClients({ endpoint: config.dynamodbEndpoint, region: config.awsRegion });
  const model = createModelClient(config);
  const managers = loadManagers(config);
  return {
    dynamo,
    model,
    managers,
    ...createStores(dynamo, config.tableName, createEmbedder(config.embeddings), config.retention),
    extractor: new ClaudeExtractor(model, { model: config.model, ...(config.modelPrices ? { prices: config.modelPrices } : {}) }),
    queryWriter: new ClaudeQueryWriter(model, config.modelPrices ? { prices: config.modelPrices } : {}),
  };
}

/** The DynamoDB-backed parts of the activities' dependencies, over one table. */
export function createStores(
  dynamo: Pick<DynamoClients, 'doc'>,
  tableName: string,
  embedder: Embedder | null = null,
  retention: Partial<RetentionSettings> = {},
): Omit<ActivityDependencies, 'extractor'> {
  const inbox = new MessageInbox(dynamo.doc, tableName);
  const deadLetters = new DeadLetterStore(dynamo.doc, tableName);
  return {
    store: new DynamoMemoryStore(dynamo.doc, tableName, { embedder }),
    inbox,
    deadLetters,
    planner: new BatchPlanner(inbox, deadLetters),
    batches: new BatchWriter(dynamo.doc, tableName, undefined, retention),
  };
}
