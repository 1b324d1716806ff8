/** Public surface of the client side: what Lambda handlers and applications import. */
export { MemoryClient, type MemoryClientOptions, type SubmitReceipt, type ThreadStatus, type RetryInfo, type RedriveReceipt } from './memory-client';
export { prepareSubmission, resolveNamespace, type PreparedSubmission } from './prepare-submission';
export { DynamoMemoryStore, type SearchOptions } from '../store/memory-store';
export type { DeadLetter, DeadLetterStatus } from '../store/dead-letters';
export type { MemoryItem, MemoryValue } from '../store/memory-types';
export type { ThreadStateView, ThreadMessage, FlushResult, FlushRequest, BatchOutcome, ThreadSettings } from '../contract';
export type { MessageInput, SubmitOptionsInput, ThreadSettingsInput } from '../schemas';
export { InvalidInputError, ConfigurationError, InboxConflictError } from '../errors';
