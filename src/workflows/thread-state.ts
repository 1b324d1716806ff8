/**
 * The debounce state of one thread, as a pure class: no Temporal APIs, no clock of its own (callers pass
 * `nowMs`), so it is unit-tested without a server and deterministic inside the workflow sandbox.
 */
import type {
  AddMessagesPayload,
  CarriedThreadState,
  ExtractionRequest,
  ExtractionResult,
  ThreadStateView,
  ThreadTotals,
} from '../contract';
import {
  DEFAULT_AFTER_SECONDS,
  FAILED_EXTRACTION_RETRY_AFTER_SECONDS,
  MAX_PENDING_CHARS,
  PROCESSED_MESSAGE_IDS_KEPT,
} from '../defaults';

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
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}

function sameNamespace(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((label, i) => label === b[i]);
}

export class ThreadState {
  private readonly state: CarriedThreadState;
  private inFlight: PendingBatch | null = null;
  /** Bumped on every accepted message, so a waiting loop can tell "a message arrived" from "time passed". */
  generation = 0;

  constructor(
    readonly threadId: string,
    carried?: CarriedThreadState,
  ) {
    this.state = carried
      ? structuredCloneJson(carried)
      : {
          pending: [],
          processedIds: [],
          totals: emptyTotals(),
          nextBatchSeq: 1,
          afterSeconds: DEFAULT_AFTER_SECONDS,
          lastMessageAtMs: null,
          lastFailure: null,
          lastFailureAtMs: null,
          lastExtractionAt: null,
        };
  }

  /**
   * Records new messages and restarts the quiet period. Messages whose id is already pending or was
   * recently processed are ignored, so a re-delivered signal (a retried Lambda) is not extracted twice.
   * @returns how many messages were accepted
   */
  receive(payload: AddMessagesPayload, nowMs: number): number {
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
   * When the next extraction is due: `afterSeconds` after the last message; after a failed extraction with
   * no newer message, {@link FAILED_EXTRACTION_RETRY_AFTER_SECONDS} after the failure; at the last message
   * (without waiting for quiet) once more than {@link MAX_PENDING_CHARS} of text is pending.
   */
  dueAtMs(): number | null {
    const { pending, lastMessageAtMs, lastFailureAtMs, afterSeconds } = this.state;
    if (pending.length === 0 || lastMessageAtMs === null) return null;
    if (lastFailureAtMs !== null && lastMessageAtMs <= lastFailureAtMs) {
      return lastFailureAtMs + FAILED_EXTRACTION_RETRY_AFTER_SECONDS * 1000;
    }
    if (this.pendingChars() > MAX_PENDING_CHARS) return lastMessageAtMs;
    return lastMessageAtMs + afterSeconds * 1000;
  }

  private pendingChars(): number {
    return this.state.pending.reduce((sum, message) => sum + message.content.length, 0);
  }

  /**
   * Takes the oldest pending messages sharing one namespace as the next batch. They stay pending (and
   * visible in queries) until {@link recordSuccess}. `batchScope` makes batch ids unique across workflow
   * executions of the same thread id.
   */
  startBatch(batchScope: string): PendingBatch | null {
    const first = this.state.pending[0];
    if (!first) return null;
    const messages = this.state.pending.filter((m) => sameNamespace(m.namespace, first.namespace));
    const seq = this.state.nextBatchSeq;
    this.state.nextBatchSeq += 1;
    this.inFlight = {
      threadId: this.threadId,
      batchId: `${batchScope}/${seq}`,
      namespace: [...first.namespace],
      messages: messages.map(({ id, role, content, timestamp }) => ({ id, role, content, timestamp })),
      messageIds: messages.map((m) => m.id),
    };
    return this.inFlight;
  }

  /** Marks a batch's messages processed and adds its result to the totals. */
  recordSuccess(batch: PendingBatch, result: ExtractionResult, nowMs: number): void {
    const done = new Set(batch.messageIds);
    this.state.pending = this.state.pending.filter((m) => !done.has(m.id));
    this.state.processedIds = [...this.state.processedIds, ...batch.messageIds].slice(-PROCESSED_MESSAGE_IDS_KEPT);
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
    this.inFlight = null;
  }

  /** Keeps a failed batch's messages pending and records the failure where queries can see it. */
  recordFailure(batch: PendingBatch, failure: { type: string; message: string }, nowMs: number): void {
    this.state.totals.extractionsFailed += 1;
    this.state.lastFailure = {
      batchId: batch.batchId,
      at: new Date(nowMs).toISOString(),
      type: failure.type,
      message: failure.message,
      messageCount: batch.messageIds.length,
    };
    this.state.lastFailureAtMs = nowMs;
    this.inFlight = null;
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
      lastFailure: this.state.lastFailure,
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
