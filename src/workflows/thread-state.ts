/**
 * The debounce state of one thread, as a pure class: no Temporal APIs, no clock of its own (callers pass
 * `nowMs`), so it is unit-tested without a server and deterministic inside the workflow sandbox.
 */
import type {
  CarriedThreadState,
  ExtractionRequest,
  ExtractionResult,
  PendingMessage,
  ThreadStateView,
  ThreadTotals,
} from '../contract';
import {
  DEFAULT_AFTER_SECONDS,
  FAILED_EXTRACTION_RETRY_AFTER_SECONDS,
  MAX_BATCH_BYTES,
  MAX_BATCH_FAILURES,
  PROCESSED_MESSAGE_IDS_KEPT,
} from '../defaults';
import { isAddMessagesPayload, utf8Bytes } from './signal-payload';

/** A batch handed to the extraction activity; its messages stay pending until the batch succeeds. */
export interface PendingBatch extends ExtractionRequest {
  messageIds: string[];
}

function emptyTotals(): ThreadTotals {
  return {
    messagesReceived: 0,
    duplicateMessagesIgnored: 0,
    messagesProcessed: 0,
    extractionsCompleted: 0,
    extractionsFailed: 0,
    memoriesInserted: 0,
    memoriesUpdated: 0,
    memoriesDeleted: 0,
    messagesParked: 0,
    invalidSignalsIgnored: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}

function freshState(): CarriedThreadState {
  return {
    pending: [],
    processedIds: [],
    totals: emptyTotals(),
    nextBatchSeq: 1,
    afterSeconds: DEFAULT_AFTER_SECONDS,
    lastMessageAtMs: null,
    lastFailure: null,
    lastFailureAtMs: null,
    failedBatch: null,
    lastParked: null,
    lastExtractionAt: null,
  };
}

function sameNamespace(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((label, i) => label === b[i]);
}

/** Text size of messages, as counted against {@link MAX_BATCH_BYTES}. */
function textBytes(messages: readonly PendingMessage[]): number {
  return messages.reduce((sum, m) => sum + utf8Bytes(m.content), 0);
}

/**
 * One thread's pending messages, debounce clock, failure record and totals.
 * @example
 * const state = new ThreadState('thread-1');
 * state.receive({ messages, afterSeconds: 30, namespace: ['memories'] }, Date.now());
 * const due = state.dueAtMs(); // 30 s after the last message
 */
export class ThreadState {
  private readonly state: CarriedThreadState;
  private inFlight: PendingBatch | null = null;
  /** Bumped on every accepted message, so a waiting loop can tell "a message arrived" from "time passed". */
  generation = 0;

  constructor(
    readonly threadId: string,
    carried?: CarriedThreadState,
  ) {
    // Spread over a fresh state so fields added since the carried state was written get their defaults.
    const fresh = freshState();
    this.state = carried
      ? { ...fresh, ...structuredCloneJson(carried), totals: { ...fresh.totals, ...structuredCloneJson(carried.totals) } }
      : fresh;
  }

  /**
   * Records new messages and restarts the quiet period. Messages whose id is already pending or was
   * recently processed are ignored, so a re-delivered signal (a retried Lambda) is not extracted twice.
   * A malformed payload is dropped and counted in `totals.invalidSignalsIgnored`.
   * @returns how many messages were accepted, or null when the payload was malformed
   */
  receive(payload: unknown, nowMs: number): number | null {
    if (!isAddMessagesPayload(payload)) {
      this.state.totals.invalidSignalsIgnored += 1;
      return null;
    }
    const known = new Set([...this.state.pending.map((m) => m.id), ...this.state.processedIds]);
    let accepted = 0;
    for (const message of payload.messages) {
      if (known.has(message.id)) {
        this.state.totals.duplicateMessagesIgnored += 1;
        continue;
      }
      known.add(message.id);
      this.state.pending.push({ ...message, namespace: [...payload.namespace] });
      accepted += 1;
    }
    this.state.totals.messagesReceived += accepted;
    if (accepted > 0) {
      this.state.afterSeconds = payload.afterSeconds;
      this.state.lastMessageAtMs = nowMs;
      this.generation += 1;
    }
    return accepted;
  }

  /** True when messages wait for extraction. */
  hasPending(): boolean {
    return this.state.pending.length > 0;
  }

  /**
   * When the next extraction is due:
   * - `afterSeconds` after the last message (the debounce);
   * - at the last message, without waiting for quiet, once more than {@link MAX_BATCH_BYTES} are pending;
   * - when only a failed batch's messages are pending, {@link FAILED_EXTRACTION_RETRY_AFTER_SECONDS} after
   *   the failure (any other pending message brings the retry forward to its own due time).
   */
  dueAtMs(): number | null {
    const { pending, lastMessageAtMs, lastFailureAtMs, failedBatch, afterSeconds } = this.state;
    if (pending.length === 0 || lastMessageAtMs === null) return null;
    if (failedBatch && lastFailureAtMs !== null) {
      const failedIds = new Set(failedBatch.messageIds);
      if (pending.every((m) => failedIds.has(m.id))) {
        return lastFailureAtMs + FAILED_EXTRACTION_RETRY_AFTER_SECONDS * 1000;
      }
    }
    if (textBytes(pending) > MAX_BATCH_BYTES) return lastMessageAtMs;
    return lastMessageAtMs + afterSeconds * 1000;
  }

  /**
   * Picks the next batch; its messages stay pending (and visible in queries) until {@link recordSuccess}.
   * A failed batch is retried first with the same id and the same messages, so that an attempt which
   * committed but failed to report is answered by its receipt rather than extracted again. Otherwise the
   * batch is the oldest pending messages of one namespace, up to {@link MAX_BATCH_BYTES} (at least one).
   * `batchScope` makes batch ids unique across workflow executions of the same thread id.
   */
  startBatch(batchScope: string): PendingBatch | null {
    const failed = this.state.failedBatch;
    if (failed) {
      const ids = new Set(failed.messageIds);
      const retry = this.state.pending.filter((m) => ids.has(m.id));
      if (retry.length > 0) return this.setInFlight(failed.batchId, retry);
      this.state.failedBatch = null;
    }
    const first = this.state.pending[0];
    if (!first) return null;
    const messages: PendingMessage[] = [];
    let bytes = 0;
    for (const m of this.state.pending) {
      if (!sameNamespace(m.namespace, first.namespace)) continue;
      const size = utf8Bytes(m.content);
      if (messages.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      messages.push(m);
      bytes += size;
    }
    const seq = this.state.nextBatchSeq;
    this.state.nextBatchSeq += 1;
    return this.setInFlight(`${batchScope}/${seq}`, messages);
  }

  private setInFlight(batchId: string, messages: PendingMessage[]): PendingBatch {
    const namespace = messages[0]?.namespace ?? [];
    this.inFlight = {
      threadId: this.threadId,
      batchId,
      namespace: [...namespace],
      messages: messages.map(({ id, role, content, timestamp }) => ({ id, role, content, timestamp })),
      messageIds: messages.map((m) => m.id),
    };
    return this.inFlight;
  }

  /** Marks a batch's messages processed and adds its result to the totals. */
  recordSuccess(batch: PendingBatch, result: ExtractionResult, nowMs: number): void {
    this.removeFromQueue(batch.messageIds);
    const totals = this.state.totals;
    totals.messagesProcessed += batch.messageIds.length;
    totals.extractionsCompleted += 1;
    totals.memoriesInserted += result.inserted.length;
    totals.memoriesUpdated += result.updated.length;
    totals.memoriesDeleted += result.deleted.length;
    totals.usage.inputTokens += result.usage.inputTokens;
    totals.usage.outputTokens += result.usage.outputTokens;
    this.state.lastExtractionAt = new Date(nowMs).toISOString();
    this.state.lastFailure = null;
    this.state.lastFailureAtMs = null;
    this.state.failedBatch = null;
    this.inFlight = null;
  }

  /**
   * Records a failed batch where queries can see it and keeps its messages pending for a retry with the
   * same batch id. After {@link MAX_BATCH_FAILURES} failures the batch is parked instead.
   * @returns true when the batch was parked
   */
  recordFailure(batch: PendingBatch, failure: { type: string; message: string }, nowMs: number): boolean {
    const previous = this.state.failedBatch;
    const failures = (previous?.batchId === batch.batchId ? previous.failures : 0) + 1;
    const at = new Date(nowMs).toISOString();
    this.state.totals.extractionsFailed += 1;
    this.state.lastFailure = { batchId: batch.batchId, at, ...failure, messageCount: batch.messageIds.length, failures };
    this.state.lastFailureAtMs = nowMs;
    this.inFlight = null;
    if (failures < MAX_BATCH_FAILURES) {
      this.state.failedBatch = { batchId: batch.batchId, messageIds: [...batch.messageIds], failures };
      return false;
    }
    this.removeFromQueue(batch.messageIds);
    this.state.totals.messagesParked += batch.messageIds.length;
    this.state.lastParked = { batchId: batch.batchId, at, messageIds: [...batch.messageIds], ...failure };
    this.state.failedBatch = null;
    return true;
  }

  /** Takes messages out of the queue and remembers their ids, so re-deliveries are recognised. */
  private removeFromQueue(messageIds: readonly string[]): void {
    const done = new Set(messageIds);
    this.state.pending = this.state.pending.filter((m) => !done.has(m.id));
    this.state.processedIds = [...this.state.processedIds, ...messageIds].slice(-PROCESSED_MESSAGE_IDS_KEPT);
  }

  /** The query view. */
  view(): ThreadStateView {
    const due = this.dueAtMs();
    return {
      threadId: this.threadId,
      pendingCount: this.state.pending.length,
      nextExtractionAt: due === null ? null : new Date(due).toISOString(),
      extracting: this.inFlight !== null,
      afterSeconds: this.state.afterSeconds,
      lastExtractionAt: this.state.lastExtractionAt,
      lastFailure: structuredCloneJson(this.state.lastFailure),
      lastParked: structuredCloneJson(this.state.lastParked),
      totals: structuredCloneJson(this.state.totals),
    };
  }

  /** Plain JSON for continue-as-new. */
  toCarried(): CarriedThreadState {
    return structuredCloneJson(this.state);
  }
}

function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
