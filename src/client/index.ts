/** Public surface of the client side: what Lambda handlers and applications import. */
export { MemoryClient, type MemoryClientOptions, type SubmitReceipt } from './memory-client';
export { prepareSubmission, resolveNamespace, type PreparedSubmission } from './prepare-submission';
export { DynamoMemoryStore, type SearchOptions } from '../store/memory-store';
export type { MemoryItem, MemoryValue } from '../store/memory-types';
export type { ThreadStateView, ThreadMessage, AddMessagesPayload } from '../contract';
export type { MessageInput, SubmitOptionsInput } from '../schemas';
export { InvalidInputError, ConfigurationError } from '../errors';
