/**
 * The contract between callers (Lambda handlers, the client) and the thread workflow: its type name,
 * signals, query, update, task queue and payload types. Both sides import this one module.
 *
 * Conversation content never travels through Temporal: `submit` writes messages to the thread's inbox in
 * DynamoDB, then signals only references (sequence numbers and counts). Activities read the content.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { THREAD_WORKFLOW_ID_PREFIX } from './defaults';
import type { MessageRole } from './schemas';

export { DEFAULT_TASK_QUEUE } from './defaults';

/** Registered name of the thread workflow; clients start it by name so they never load workflow code. */
export const THREAD_WORKFLOW_TYPE = 'threadWorkflow';

/** A message as stored in the inbox and shown to the model: every field filled in and validated by the client. */
export interface ThreadMessage {
  id: string;
  role: MessageRole;
  content: string;
  /** ISO-8601 time the message was said. */
  timestamp: string;
}

/** Per-thread settings, fixed when the thread's workflow starts (from `MemoryClient` options). */
export interface ThreadSettings {
  /** A thread with nothing pending for this long completes; the next submit starts it again. @default DEFAULT_IDLE_CLOSE_SECONDS */
  idleCloseSeconds: number;
  /** How long one batch is retried before it becomes a dead letter. @default DEFAULT_RETRY_WINDOW_SECONDS */
  retryWindowSeconds: number;
}

/** Input of the thread workflow; `carried` is set only by continue-as-new. */
export interface ThreadWorkflowInput {
  threadId: string;
  settings?: Partial<ThreadSettings>;
  carried?: CarriedThreadState;
}

/**
 * Payload of {@link messagesAddedSignal}: references to messages already written to the thread's inbox.
 * No content, no namespace: a signal sent around the client can only wake the thread, never inject text.
 */
export interface MessagesAddedPayload {
  /** Highest inbox sequence number among the submitted messages (new or already stored). */
  lastSeq: number;
  /** Messages this submit stored for the first time. */
  newMessages: number;
  /** Messages this submit found already stored (same namespace and id): not extracted again. */
  duplicates: number;
  /** Quiet period after this submit (s); the latest submit's value wins, as in LangMem's executor. */
  afterSeconds: number;
  /** Longest a message waits for the thread to go quiet (s); the latest submit's value wins. */
  maxWaitSeconds: number;
  /**
   * When the submit stored its messages (the caller's clock, ms since the epoch). Since
   * QUIET_FROM_SUBMIT_PATCH the quiet period counts from it rather than from when the thread hears of the
   * signal — never later than that, and at most QUIET_HEAD_START_MAX_MS earlier, so a caller's clock that
   * is off cannot move the due time further. Absent from clients before issue 15.
   */
  submittedAtMs?: number;
}

/** Token usage of extractions, as reported by the model. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * One batch: the messages of one namespace in an inbox range, or a dead letter being re-driven. Its id is
 * derived from what it contains (thread, inbox epoch, namespace, sequence range and message ids), so a
 * reset, a replay or a re-created thread can never be answered by another batch's receipt.
 */
export interface BatchRef {
  kind: 'inbox' | 'redrive';
  threadId: string;
  batchId: string;
  namespace: string[];
  /** The namespace cursor this batch starts after; committing moves the cursor to `toSeq` only from here. */
  afterSeq: number;
  /** Inbox sequence numbers of the batch's first and last message. */
  fromSeq: number;
  toSeq: number;
  messageCount: number;
  /** Serialized size of the batch's messages as the prompt carries them (bytes). */
  bytes: number;
  /** Hash of the batch's message ids, checked against the inbox before extracting. */
  idsDigest: string;
  /** For re-drives: the dead letter and which re-drive round this is. */
  redrive?: { deadLetterBatchId: string; round: number };
  /** The memory manager whose namespace this is (the default manager when absent). */
  manager?: string;
}

/** Input of the planning step: the next batch among messages signalled up to `upToSeq`, re-drives first. */
export interface PlanRequest {
  threadId: string;
  upToSeq: number;
}

/** What the planning step found. */
export interface PlanResult {
  /** The next batch, or null when nothing is left up to `upToSeq` and no re-drive is asked for. */
  ref: BatchRef | null;
  /** The last sequence number the thread's inbox has handed out (0 for an empty inbox). */
  headSeq: number;
}

/**
 * What the planning extraction (`extractNext`) did: planned the thread's next batch up to `upToSeq` and
 * extracted it in the same activity, or found nothing to plan. Its request is a {@link PlanRequest}.
 */
export type PlannedExtraction =
  | { ref: null; headSeq: number }
  | {
      ref: BatchRef;
      headSeq: number;
      result: ExtractionResult;
      /** Nothing else waits up to `upToSeq` by the reads that planned this batch: the drain ends without another plan. */
      lastOfDrain: boolean;
    };

/**
 * Where a failed or timed-out `extractNext` attempt says which batch it had planned: the last element of
 * its failure's details, and its heartbeat details. References only (ids, sequence numbers, a digest).
 */
export interface PlannedBatchNote {
  plannedBatch: BatchRef;
  /** How long the failure asks to wait before the next attempt (a model's retry-after), in ms. */
  retryAfterMs?: number;
}

/** Second argument of the `extractBatch` activity (absent from threads before PLAN_IN_EXTRACTION_PATCH). */
export interface ExtractBatchOptions {
  /** Attempts the batch had before this activity: 1 after a failed `extractNext`. */
  priorAttempts?: number;
}

/** What one extraction activity did. */
export interface ExtractionResult {
  batchId: string;
  /**
   * `extracted`: this attempt called the model and committed. `already-applied`: an earlier attempt (or an
   * earlier run, before a reset) committed this batch; its receipt's result is returned. `stale`: the inbox
   * moved on since the batch was planned; nothing was done and the thread plans again.
   */
  status: 'extracted' | 'already-applied' | 'stale';
  inserted: string[];
  updated: string[];
  deleted: string[];
  usage: TokenUsage;
  model: string;
  /** Estimated USD of the extraction (from the model's prices), when known. */
  costUsd?: number;
}

/** A failure as the thread records it. */
export interface FailureInfo {
  /** Error type of the last attempt, e.g. `ModelAccessError`, `ActivityTimeout`. */
  type: string;
  message: string;
  /** Why no further attempt was made: the error is final, or the next attempt would start after the retry window. */
  reason?: 'non-retryable' | 'retry-window-used-up';
}

/** Input of the dead-letter step. */
export interface DeadLetterRequest {
  ref: BatchRef;
  failure: FailureInfo;
  /** ISO-8601 times (workflow time) of the batch's first attempt and of its failure for good. */
  firstAttemptAt: string;
  deadAt: string;
}

/**
 * What the dead-letter step did: `dead-lettered` (recorded, the inbox cursor moved past the batch),
 * `already-applied` (the batch had committed after all), `reopened` (a re-drive failed; its dead letter is
 * open again), `stale` (the inbox moved on since the batch was planned; the thread plans again).
 */
export interface DeadLetterResult {
  status: 'dead-lettered' | 'already-applied' | 'reopened' | 'stale';
  /** For `already-applied`: the committed batch's recorded result. */
  result?: ExtractionResult;
}

/** One batch as the thread saw it end. */
export interface BatchOutcome {
  batchId: string;
  kind: BatchRef['kind'];
  namespace: string[];
  messageCount: number;
  status: 'extracted' | 'already-applied' | 'dead-lettered' | 'reopened';
  inserted: string[];
  updated: string[];
  deleted: string[];
  /** ISO-8601 time the batch ended. */
  at: string;
  error?: FailureInfo;
}

/** The last batch that failed for good, kept until a later batch succeeds. */
export interface FailureRecord extends FailureInfo {
  batchId: string;
  /** ISO-8601 time. */
  at: string;
  messageCount: number;
}

/** Running totals of a thread (since its workflow last started; an idle close starts them again). */
export interface ThreadTotals {
  messagesReceived: number;
  duplicateMessagesIgnored: number;
  /** Inbox messages whose batch committed. */
  messagesProcessed: number;
  /** Inbox messages whose batch became a dead letter. */
  messagesDeadLettered: number;
  /** Messages of dead letters that were re-driven successfully. */
  messagesRedriven: number;
  extractionsCompleted: number;
  batchesDeadLettered: number;
  memoriesInserted: number;
  memoriesUpdated: number;
  memoriesDeleted: number;
  /** Signals dropped because their payload broke the contract (sent around the client). */
  invalidSignalsIgnored: number;
  usage: TokenUsage;
}

/** Plain-JSON state carried across continue-as-new. A fixed size, whatever the backlog. */
export interface CarriedThreadState {
  /** Highest inbox sequence number signalled. */
  signalledSeq: number;
  /** Every message signalled up to here has been through a batch (committed or dead-lettered). */
  drainedSeq: number;
  /** Set while a drain is in progress: it covers messages signalled up to here. */
  drainCutoff: number | null;
  /** Messages signalled up to the drain cutoff and not yet through a batch (0 once the drain ends). */
  pendingTaken: number;
  /** Messages signalled after the last drain began. */
  pendingUntaken: number;
  afterSeconds: number;
  maxWaitSeconds: number;
  lastMessageAtMs: number | null;
  /** Arrival of the oldest message not yet taken by a drain: the max-wait clock. */
  firstUnbatchedAtMs: number | null;
  /** Drain without waiting for quiet: dead letters were marked for re-drive, or unsignalled messages were found. */
  drainRequested: boolean;
  /**
   * Signals a running drain's cutoff claimed when they arrived (since patch `drain-holds-late-signals`):
   * held until the drain ends, then counted as untaken if the inbox head the drain read does not reach
   * them. Null when none (and in runs from before the patch).
   */
  heldSignals?: HeldSignals | null;
  /** Since when the thread has had nothing to do: the idle-close clock. */
  idleSinceMs: number;
  /**
   * The batch being extracted when the run continued as new: the new run extracts it first (so a commit
   * made by the cancelled attempt is counted, from its receipt) and keeps its retry window.
   */
  /** `firstAttemptFailure`: how the batch's `extractNext` attempt failed, when it was planned by one (its retries follow). */
  currentBatch: { ref: BatchRef; firstAttemptAtMs: number; failure?: FailureInfo; firstAttemptFailure?: FailureInfo } | null;
  lastExtractionAt: string | null;
  lastBatch: BatchOutcome | null;
  lastFailure: FailureRecord | null;
  totals: ThreadTotals;
}

/** Signals that arrived during a drain with a sequence number its cutoff claimed: see `CarriedThreadState.heldSignals`. */
export interface HeldSignals {
  /** Highest sequence number they named. */
  lastSeq: number;
  /** New messages they reported. */
  newMessages: number;
  /** Arrival of the first and of the latest of them (the max-wait and quiet-period clocks if they were not covered). */
  firstAtMs: number;
  lastAtMs: number;
  /** The latest one's quiet period and max-wait (s). */
  afterSeconds: number;
  maxWaitSeconds: number;
}

/** What {@link threadStateQuery} returns. */
export interface ThreadStateView {
  threadId: string;
  /** Messages signalled and not yet through a batch. */
  pendingCount: number;
  /** ISO-8601 time the next extraction is due, or null when nothing is pending. */
  nextExtractionAt: string | null;
  /**
   * The batch being extracted (its attempts may be retrying), or null — also while the first attempt of a
   * batch plans it (`extractNext`): the thread learns which batch that is when the attempt ends.
   * `firstAttemptFailure`: how that first attempt failed, when the batch is being retried after it.
   */
  extracting: {
    batchId: string;
    kind: BatchRef['kind'];
    namespace: string[];
    messageCount: number;
    since: string;
    firstAttemptFailure?: FailureInfo;
  } | null;
  afterSeconds: number;
  maxWaitSeconds: number;
  settings: ThreadSettings;
  lastExtractionAt: string | null;
  lastBatch: BatchOutcome | null;
  lastFailure: FailureRecord | null;
  totals: ThreadTotals;
}

/** Arguments of {@link flushUpdate}. */
export interface FlushRequest {
  /** Longest wait for the extractions (s); what finished by then is returned with `complete: false`. @default DEFAULT_FLUSH_WAIT_SECONDS */
  timeoutSeconds?: number;
}

/** What a flush extracted: every batch that ended while it waited (the first FLUSH_OUTCOMES_KEPT in full). */
export interface FlushResult {
  /** True when everything submitted before the flush has been through a batch. */
  complete: boolean;
  batches: BatchOutcome[];
  batchCount: number;
  messagesProcessed: number;
  messagesDeadLettered: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/** Signal: messages were added to the thread's inbox; each one restarts the quiet-period timer. */
export const messagesAddedSignal = defineSignal<[MessagesAddedPayload]>('messagesAdded');

/** Signal: dead letters of this thread were marked for re-drive in DynamoDB; extract them now. */
export const redriveRequestedSignal = defineSignal<[]>('redriveRequested');

/** Query returning the thread's {@link ThreadStateView}. */
export const threadStateQuery = defineQuery<ThreadStateView>('threadState');

/** Update: extract everything submitted so far now, and return what changed (e.g. at session end). */
export const flushUpdate = defineUpdate<FlushResult, [FlushRequest]>('flush');

/** Workflow id of a thread: one workflow per thread id. */
export function threadWorkflowId(threadId: string): string {
  return `${THREAD_WORKFLOW_ID_PREFIX}${threadId}`;
}
