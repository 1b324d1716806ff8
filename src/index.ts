/**
 * `durable-memory-manager`: LangMem's background memory manager, made durable. Submit a conversation's
 * messages; a Temporal workflow per thread waits until the thread is quiet, Claude extracts memories, and
 * DynamoDB stores them, where `search` finds them.
 *
 * This root entry is what an application or a Lambda handler calls. Other entries: `/langgraph` (a LangGraph.js
 * store and memory tools for agents), `/worker` (the Temporal worker), `/handlers` (AWS Lambda handlers),
 * `/testing` (the embedded local stack and the fake Messages API, to test your own code as we test ours).
 *
 * @example
 * import { Client, Connection } from '@temporalio/client';
 * import { DynamoMemoryStore, MemoryClient, createDynamoClients } from 'durable-memory-manager';
 *
 * const temporal = new Client({ connection: Connection.lazy({ address: process.env.TEMPORAL_ADDRESS! }) });
 * const { doc } = createDynamoClients({ region: 'us-east-1' });
 * const memory = new MemoryClient({ temporal, store: new DynamoMemoryStore(doc, 'langmem-memories') });
 * await memory.submit('thread-42', [{ role: 'user', content: "I like dogs. My dog's name is Fido." }], {
 *   afterSeconds: 30,
 *   namespace: ['memories'],
 * });
 * const memories = await memory.search(['memories']); // [{ value: { kind: 'Memory', content: { content: 'User likes dogs' } }, … }]
 */

/** The caller API: submit, flush, state, search, dead letters, re-drive. */
export {
  MemoryClient,
  type MemoryClientOptions,
  type SubmitReceipt,
  type SubmitTargetReceipt,
  type ThreadStatus,
  type RetryInfo,
  type RedriveReceipt,
} from './client/memory-client';
/** The memory store over one DynamoDB table: versioned writes, history, restore, search, tenancy. */
export { DynamoMemoryStore, type SearchOptions, type ListNamespacesOptions, type WriteOptions, type MemoryStoreOptions } from './store/memory-store';
/** DynamoDB clients (one per process) and the table the store expects (for scripts and tests; deploy with the CDK stack). */
export { createDynamoClients, type DynamoClients } from './store/dynamo-clients';
export { ensureTable, tableDefinition } from './store/ensure-table';
/** Embeddings for semantic search (optional; lexical ranking otherwise). */
export { createEmbedder } from './store/search/create-embedder';
export type { EmbedderConfig } from './store/search/embedder-config';
export type { Embedder } from './store/search/embedder';
/** Memory managers: what to extract (LangMem's `create_memory_store_manager` options as data). */
export { ManagerRegistry } from './managers/manager-registry';
export {
  DEFAULT_MEMORY_SCHEMA,
  type DefaultDocumentContext,
  type MemoryManagerDefinition,
  type MemorySchemaDefinition,
  type JsonSchema,
  type RetrievalMode,
} from './managers/memory-manager';
/** A further pass of a manager's extraction (`phases`, e.g. consolidation). */
export type { MemoryPhaseDefinition } from './managers/memory-manager';
/** What callers read back. */
export type { DeadLetter, DeadLetterStatus } from './store/dead-letters';
export type { MemoryItem, MemoryValue, SearchItem, MemoryChange, ChangeSource } from './store/memory-types';
export type { ThreadStateView, ThreadMessage, FlushResult, FlushRequest, BatchOutcome, ThreadSettings } from './contract';
export type { MessageInput, SubmitOptionsInput, ThreadSettingsInput } from './schemas';
/** The error family: each class has a literal `name` and says whether a retry can help (`retryable`). */
export {
  MemoryManagerError,
  InvalidInputError,
  TenantAccessError,
  UnauthenticatedError,
  ConfigurationError,
  ModelUnavailableError,
  ModelAccessError,
  ModelRequestError,
  InvalidModelOutputError,
  ModelRefusalError,
  ReviewRequiredError,
  MemoryConflictError,
  MemoryWriteRejectedError,
  BatchIdentityError,
  InboxConflictError,
  ManagerUnavailableError,
  ForgetIncompleteError,
  DependencyUnavailableError,
  NotFoundError,
} from './errors';
