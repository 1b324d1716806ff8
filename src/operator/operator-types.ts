/**
 * What the operator views return: the thread list, a thread's timeline, a forget report and the doctor's
 * checks. The CLI (`src/cli`) and the web console (`src/console`) print these; both get them from the
 * same `MemoryOperator` methods, so there is one implementation of every query. Shapes the store owns (a
 * batch log entry, a forget report) are the store's, re-exported here under the views' names.
 */
import type { ThreadStatus } from '../client/memory-client';
import type { FailureRecord } from '../contract';
import type { BatchLogEntry } from '../store/batch-log';
import type { DeadLetter } from '../store/dead-letters';

export type { ForgetReport } from '../store/forget-prefix';

/** One row of `listThreads`. Fields the thread's workflow answers are null when it is closed or did not answer. */
export interface ThreadSummary {
  /** The thread id as the caller knows it (without the tenant prefix). */
  threadId: string;
  /** The Temporal workflow id (for the Temporal UI link). */
  workflowId: string;
  /** Temporal's status: `RUNNING`, `COMPLETED` (idle close), `FAILED`, `TERMINATED`, … */
  workflowStatus: string;
  /** ISO-8601 start time of the current run. */
  startedAt: string | null;
  /** ISO-8601 close time, or null while running. */
  closedAt: string | null;
  /** Messages signalled and not yet through a batch. */
  pendingCount: number | null;
  nextExtractionAt: string | null;
  lastExtractionAt: string | null;
  extractionsCompleted: number | null;
  /** Batches of the current run that became dead letters. */
  batchesDeadLettered: number | null;
  /** The current batch's attempt number when it is retrying (> 1), else null. */
  retryingAttempt: number | null;
  lastFailure: FailureRecord | null;
  /** Open (not re-driven) dead letters in DynamoDB, whatever the run. */
  openDeadLetters: number;
  /**
   * Why a running thread's live fields are null: its workflow did not answer in time (no worker polling?)
   * or Temporal failed. Null when they were read (or the thread is closed).
   */
  stateError: string | null;
}

/** Options of `listThreads`. */
export interface ListThreadsOptions {
  /** Most threads returned, newest first. @default DEFAULT_LIST_THREADS_LIMIT */
  limit?: number;
  /** Only running (`open`) or only closed threads. @default all */
  status?: 'open' | 'closed';
}

/** A stored message as the timeline shows it. */
export interface TimelineMessage {
  seq: number;
  id: string;
  role: string;
  content: string;
  namespace: string[];
  /** ISO-8601 time the inbox stored it. */
  storedAt: string;
  /** The batch that processed it (committed or dead-lettered), when the batch log or a dead letter names it. */
  batchId: string | null;
  /** Through a batch (its namespace's cursor is past it), even when no log entry names the batch (e.g. batches from before the log). */
  processed: boolean;
}

/** One committed batch of a thread, as the batch log keeps it (inserted/updated/deleted are memory keys). */
export type TimelineBatch = BatchLogEntry;

/** A thread's story: messages received → batches → operations applied, plus dead letters and live state. */
export interface ThreadTimeline {
  threadId: string;
  workflowId: string;
  /** Live state from the workflow, or null when it is closed, never ran, or did not answer (see `stateError`). */
  state: ThreadStatus | null;
  /** Why `state` is null although the thread may be running: no answer in time, or Temporal failed; else null. */
  stateError: string | null;
  messages: TimelineMessage[];
  batches: TimelineBatch[];
  deadLetters: DeadLetter[];
  /** True when more than `limit` messages exist; the newest `limit` are shown. */
  truncated: boolean;
}

/** One check of `doctor`. */
export interface DoctorCheck {
  name: 'temporal' | 'worker' | 'dynamodb' | 'table' | 'model';
  ok: boolean;
  /** What was found. */
  detail: string;
  /** How to fix it, when not ok. */
  fix?: string;
}
