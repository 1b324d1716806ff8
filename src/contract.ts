/**
 * The contract between callers (Lambda handlers, the client) and the thread workflow: its type name,
 * signal, query, task queue and payload types. Both sides import this one module.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MessageRole } from './schemas';
import { THREAD_WORKFLOW_ID_PREFIX } from './defaults';

export { DEFAULT_TASK_QUEUE } from './defaults';

/** Registered name of the thread workflow; clients start it by name so they never load workflow code. */
export const THREAD_WORKFLOW_TYPE = 'threadWorkflow';

/** A message as the workflow keeps it: every field filled in and validated by the client. */
export interface ThreadMessage {
  id: string;
  role: MessageRole;
  content: string;
  /** ISO-8601 time the message was said. */
  timestamp: string;
}

/** Payload of {@link addMessagesSignal}: new messages plus the options of the `submit` call that sent them. */
export interface AddMessagesPayload {
  messages: ThreadMessage[];
  /** Quiet period after this submit; the latest submit's value wins, as in LangMem's executor. */
  afterSeconds: number;
  /** Resolved namespace (templates already filled in) the memories of these messages go to. */
  namespace: string[];
}

/** Input of the thread workflow; `carried` is set only by continue-as-new. */
export interface ThreadWorkflowInput {
  threadId: string;
  carried?: CarriedThreadState;
}

/** A message waiting for extraction, with the namespace its memories belong to. */
export interface PendingMessage extends ThreadMessage {
  namespace: string[];
}

/** Token usage of extractions, as reported by the model. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Running totals of a thread. */
export interface ThreadTotals {
  messagesReceived: number;
  duplicateMessagesIgnored: number;
  messagesProcessed: number;
  extractionsCompleted: number;
  extractionsFailed: number;
  memoriesInserted: number;
  memoriesUpdated: number;
  memoriesDeleted: number;
  /** Messages of parked batches (see {@link ParkedBatchInfo}). */
  messagesParked: number;
  /** Signals dropped because their payload was malformed (sent around the client). */
  invalidSignalsIgnored: number;
  usage: TokenUsage;
}

/** The last failed extraction, kept until the next success so failures are visible, never swallowed. */
export interface ExtractionFailureInfo {
  batchId: string;
  /** ISO-8601 time the failure was recorded. */
  at: string;
  /** Error type, e.g. `InvalidModelOutputError`. */
  type: string;
  message: string;
  messageCount: number;
  /** How many times this batch has failed (each time after all activity attempts). */
  failures: number;
}

/**
 * A batch given up on after MAX_BATCH_FAILURES failures: its messages left the queue so later ones flow
 * again. The ids are the dead-letter record: the caller still holds the messages and can re-submit them
 * with new ids.
 */
export interface ParkedBatchInfo {
  batchId: string;
  /** ISO-8601 time the batch was parked. */
  at: string;
  messageIds: string[];
  type: string;
  message: string;
}

/** A batch that failed and will be retried with the same id and messages, so a commit is never repeated. */
export interface FailedBatchRecord {
  batchId: string;
  messageIds: string[];
  failures: number;
}

/** Plain-JSON state carried across continue-as-new (no Map or Set: they don't survive the JSON converter). */
export interface CarriedThreadState {
  pending: PendingMessage[];
  processedIds: string[];
  totals: ThreadTotals;
  nextBatchSeq: number;
  afterSeconds: number;
  lastMessageAtMs: number | null;
  lastFailure: ExtractionFailureInfo | null;
  lastFailureAtMs: number | null;
  failedBatch: FailedBatchRecord | null;
  lastParked: ParkedBatchInfo | null;
  lastExtractionAt: string | null;
}

/** What {@link threadStateQuery} returns. */
export interface ThreadStateView {
  threadId: string;
  pendingCount: number;
  /** ISO-8601 time the next extraction is due, or null when nothing is pending. */
  nextExtractionAt: string | null;
  /** True while an extraction activity is running. */
  extracting: boolean;
  afterSeconds: number;
  lastExtractionAt: string | null;
  lastFailure: ExtractionFailureInfo | null;
  /** The most recently parked batch, if any (kept until the thread's state is reset). */
  lastParked: ParkedBatchInfo | null;
  totals: ThreadTotals;
}

/** Input of the extraction activity. */
export interface ExtractionRequest {
  threadId: string;
  /** Stable across retries of this extraction and unique across the thread's history: the idempotency key. */
  batchId: string;
  namespace: string[];
  messages: ThreadMessage[];
}

/** What one extraction changed. */
export interface ExtractionResult {
  batchId: string;
  inserted: string[];
  updated: string[];
  deleted: string[];
  usage: TokenUsage;
  model: string;
  /** True when this batch had already been applied by an earlier attempt and nothing was written again. */
  alreadyApplied: boolean;
}

/** Signal carrying new messages; each one restarts the thread's quiet-period timer. */
export const addMessagesSignal = defineSignal<[AddMessagesPayload]>('addMessages');

/** Query returning the thread's {@link ThreadStateView}. */
export const threadStateQuery = defineQuery<ThreadStateView>('threadState');

/** Workflow id of a thread: one workflow per thread id. */
export function threadWorkflowId(threadId: string): string {
  return `${THREAD_WORKFLOW_ID_PREFIX}${threadId}`;
}
