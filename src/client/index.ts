/** Public surface of the client side: what Lambda handlers and applications import. */
export { MemoryClient, type MemoryClientOptions, type SubmitReceipt, type SubmitTargetReceipt, type ThreadStatus, type RetryInfo, type RedriveReceipt } from './memory-client';
export { prepareSubmission, resolveNamespace, type PreparedSubmission } from './prepare-submission';
export { DynamoMemoryStore, type SearchOptions, type ListNamespacesOptions, type WriteOptions, type MemoryStoreOptions } from '../store/memory-store';
export { createEmbedder } from '../store/search/create-embedder';
export type { EmbedderConfig } from '../store/search/embedder-config';
export type { Embedder } from '../store/search/embedder';
export type { DeadLetter, DeadLetterStatus } from '../store/dead-letters';
export type { MemoryItem, MemoryValue, SearchItem, MemoryChange, ChangeSource } from '../store/memory-types';
export type { ThreadStateView, ThreadMessage, FlushResult, FlushRequest, BatchOutcome, ThreadSettings } from '../contract';
export type { MessageInput, SubmitOptionsInput, ThreadSettingsInput } from '../schemas';
export { InvalidInputError, ConfigurationError, InboxConflictError, TenantAccessError } from '../errors';
