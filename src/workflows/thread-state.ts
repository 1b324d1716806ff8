/**
 * The state of one thread, as a pure class: no Temporal APIs, no clock of its own (callers pass `nowMs`),
 * so it is unit-tested without a server and deterministic inside the workflow sandbox.
 *
 * It holds references and counters only, never message content: a fixed size whatever the backlog. The
 * messages themselves wait in the thread's inbox in DynamoDB, numbered by a per-thread sequence; the
 * thread remembers how far it has been signalled (`signalledSeq`) and how far it has drained
 * (`drainedSeq`). Which messages are processed is decided by the namespace cursors in DynamoDB, moved in
 * the same transaction that writes a batch's memories — the one place that decides it.
 */
import type {
  BatchOutcome,
  BatchRef,
  CarriedThreadState,
  DeadLetterResult,
  ExtractionResult,
  FailureInfo,
  HeldSignals,
  MessagesAddedPayload,
  ThreadSettings,
  ThreadStateView,
  ThreadTotals,
} from '../contract';
import { DEFAULT_AFTER_SECONDS, DEFAULT_MAX_WAIT_FACTOR, MAX_FAILURE_MESSAGE_CHARS } from './replay-constants';
import { isMessagesAddedPayload } from './signal-payload';

/** What {@link ThreadState.receive} made of a signal. */
export type ReceiveOutcome = 'accepted' | 'duplicate' | 'invalid';

/**
 * Whether a signal that a running drain's cutoff claims is held until the drain ends (true) or counted as
 * taken by that drain at once (false, the behaviour before patch `drain-holds-late-signals`). Asked only
 * when such a signal arrives, so the workflow records the patch marker only where it makes a difference.
 */
export type HoldLateSignals = () => boolean;

const neverHold: HoldLateSignals = () => false;

function emptyTotals(): ThreadTotals {
  return {
    messagesReceived: 0,
    duplicateMessagesIgnored: 0,
    messagesProcessed: 0,
    messagesDeadLettered: 0,
    messagesRedriven: 0,
    extractionsCompleted: 0,
    batchesDeadLettered: 0,
    memoriesInserted: 0,
    memoriesUpdated: 0,
    memoriesDeleted: 0,
    invalidSignalsIgnored: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}

function freshState(nowMs: number): CarriedThreadState {
  return {
    signalledSeq: 0,
    drainedSeq: 0,
    drainCutoff: null,
    pendingTaken: 0,
    pendingUntaken: 0,
    afterSeconds: DEFAULT_AFTER_SECONDS,
    maxWaitSeconds: DEFAULT_AFTER_SECONDS * DEFAULT_MAX_WAIT_FACTOR,
    lastMessageAtMs: null,
    firstUnbatchedAtMs: null,
    drainRequested: false,
    idleSinceMs: nowMs,
    currentBatch: null,
    lastExtractionAt: null,
    lastBatch: null,
    lastFailure: null,
    totals: emptyTotals(),
  };
}

function clip(text: string): string {
  return text.length <= MAX_FAILURE_MESSAGE_CHARS ? text : `${text.slice(0, MAX_FAILURE_MESSAGE_CHARS - 1)}…`;
}

function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * One thread's debounce clock, drain progress and totals.
 * @example
 * const state = new ThreadState('thread-1', settings, undefined, Date.now());
 * state.receive({ lastSeq: 3, newMessages: 3, duplicates: 0, afterSeconds: 30, maxWaitSeconds: 300 }, Date.now());
 * const due = state.dueAtMs(); // 30 s after the last message, at most 300 s after the first
 */
export class ThreadState {
  private readonly s: CarriedThreadState;
  /** Flush updates waiting right now (not carried: continue-as-new waits until they have returned). */
  flushWaiting = 0;
  /** Highest sequence number a waiting flush needs drained (not carried, as above). */
  private flushTargetSeq = 0;
  /** The batch being extracted, for the query view. */
  private inFlight: { ref: BatchRef; sinceMs: number } | null = null;

  constructor(
    readonly threadId: string,
    readonly settings: ThreadSettings,
    carried: CarriedThreadState | undefined,
    nowMs: number,
  ) {
    // Spread over a fresh state so fields added since the carried state was written get their defaults.
    const fresh = freshState(nowMs);
    this.s = carried ? { ...fresh, ...cloneJson(carried), totals: { ...fresh.totals, ...cloneJson(carried.totals) } } : fresh;
  }

  /** When the running quiet period started (the latest message's time), or null. */
  get lastMessageAtMs(): number | null {
    return this.s.lastMessageAtMs;
  }

  /**
   * Records a messages-added signal. A payload that breaks the contract is counted and dropped. Every
   * signal that brings new messages restarts the quiet period and adopts its `afterSeconds` and
   * `maxWaitSeconds` (the latest submit wins); a signal of duplicates only changes nothing but a counter.
   *
   * A signal that arrives while a drain runs, naming a sequence number the drain's cutoff covers, is held
   * when `holdLateSignals` says so: the cutoff may be a number another signal made up, and the drain may
   * have read the inbox before this signal's messages were stored. {@link finishDrain} decides from the
   * inbox head the drain read whether it covered them.
   */
  receive(payload: unknown, nowMs: number, holdLateSignals: HoldLateSignals = neverHold): ReceiveOutcome {
    if (!isMessagesAddedPayload(payload)) {
      this.s.totals.invalidSignalsIgnored += 1;
      return 'invalid';
    }
    const totals = this.s.totals;
    totals.messagesReceived += payload.newMessages;
    totals.duplicateMessagesIgnored += payload.duplicates;
    if (payload.lastSeq <= this.takenUpTo()) {
      // Signals of concurrent submits can arrive out of order. Sequence numbers become visible in order,
      // so a drain that reached past this signal's messages has taken them already (or is taking them) —
      // unless its cutoff came from a made-up sequence number: then the drain's own reads decide (held).
      if (this.s.drainCutoff !== null && holdLateSignals()) this.hold(payload, nowMs);
      else if (this.s.drainCutoff !== null) this.s.pendingTaken += payload.newMessages;
      return payload.newMessages > 0 ? 'accepted' : 'duplicate';
    }
    // A redelivered signal whose first delivery was lost still carries news: sequence numbers never seen.
    const news = payload.newMessages > 0 || payload.lastSeq > this.s.signalledSeq;
    if (!news) return 'duplicate';
    this.s.pendingUntaken += payload.newMessages;
    this.s.signalledSeq = Math.max(this.s.signalledSeq, payload.lastSeq);
    this.s.lastMessageAtMs = nowMs;
    this.s.afterSeconds = payload.afterSeconds;
    this.s.maxWaitSeconds = payload.maxWaitSeconds;
    this.s.firstUnbatchedAtMs ??= nowMs;
    return 'accepted';
  }

  /** Keeps a signal a running drain's cutoff claims, until the drain ends (see {@link finishDrain}). */
  private hold(payload: MessagesAddedPayload, nowMs: number): void {
    const held = this.s.heldSignals;
    this.s.heldSignals = {
      lastSeq: Math.max(held?.lastSeq ?? 0, payload.lastSeq),
      newMessages: (held?.newMessages ?? 0) + payload.newMessages,
      firstAtMs: held?.firstAtMs ?? nowMs,
      lastAtMs: nowMs,
      afterSeconds: payload.afterSeconds,
      maxWaitSeconds: payload.maxWaitSeconds,
    };
  }

  /** Dead letters were marked for re-drive: extract them without waiting for quiet. */
  requestRedrive(): void {
    this.s.drainRequested = true;
  }

  /**
   * The inbox holds messages no signal named (a submit that stored them and died before signalling, with no
   * retry): adopt them up to `headSeq` and drain them without waiting for quiet.
   */
  adoptUnsignalled(headSeq: number, nowMs: number): void {
    if (headSeq <= this.s.signalledSeq) return;
    this.s.signalledSeq = headSeq;
    this.s.firstUnbatchedAtMs ??= nowMs;
    this.s.drainRequested = true;
  }

  /** A flush arrived: everything signalled so far is due now. @returns the sequence number it waits for */
  requestFlush(): number {
    this.flushTargetSeq = Math.max(this.flushTargetSeq, this.s.signalledSeq);
    return this.s.signalledSeq;
  }

  /** True once every message signalled up to `target` has been through a batch. */
  drainedThrough(target: number): boolean {
    return this.s.drainedSeq >= target;
  }

  /** True when something waits: signalled messages not yet drained, a drain to resume, or re-drives. */
  hasWork(): boolean {
    return this.s.drainCutoff !== null || this.s.drainRequested || this.s.signalledSeq > this.s.drainedSeq;
  }

  /**
   * When the next drain is due, or null with nothing to do:
   * - `afterSeconds` after the last message (the debounce), but no later than `maxWaitSeconds` after the
   *   oldest message not yet taken (so a thread that never goes quiet is still extracted);
   * - at once (0) to resume an interrupted drain, for re-drives, and for a waiting flush.
   */
  dueAtMs(): number | null {
    if (!this.hasWork()) return null;
    if (this.s.drainCutoff !== null || this.s.drainRequested || this.flushTargetSeq > this.s.drainedSeq) return 0;
    const quiet = (this.s.lastMessageAtMs ?? 0) + this.s.afterSeconds * 1000;
    const maxWait = (this.s.firstUnbatchedAtMs ?? this.s.lastMessageAtMs ?? 0) + this.s.maxWaitSeconds * 1000;
    return Math.min(quiet, maxWait);
  }

  /** When the thread may close for idleness (meaningful only while {@link hasWork} is false). */
  idleDeadlineMs(): number {
    return this.s.idleSinceMs + this.settings.idleCloseSeconds * 1000;
  }

  /**
   * Starts (or resumes) a drain: it covers every message signalled so far, in as many batches as needed,
   * without waiting for new quiet periods. Messages signalled during the drain wait for their own.
   * @returns the highest sequence number the drain covers
   */
  beginDrain(): number {
    if (this.s.drainCutoff === null) {
      this.s.drainCutoff = this.s.signalledSeq;
      this.s.firstUnbatchedAtMs = null;
      this.s.pendingTaken += this.s.pendingUntaken;
      this.s.pendingUntaken = 0;
    }
    this.s.drainRequested = false;
    return this.s.drainCutoff;
  }

  /**
   * The drain found nothing more to do; `headSeq` is the inbox head it last read (before the namespace
   * cursors, so everything up to it was planned). A signal can only name messages already stored, so a
   * cutoff beyond the head came from a signal sent around the client with a sequence number the inbox
   * never handed out: clamped, so it cannot make later messages look drained. Signals held during the
   * drain that name messages beyond that head were not covered: they become untaken, with their quiet
   * period, exactly as if they had arrived after the drain.
   */
  finishDrain(nowMs: number, headSeq: number): void {
    const cutoff = this.s.drainCutoff ?? this.s.drainedSeq;
    this.s.drainedSeq = Math.min(Math.max(this.s.drainedSeq, cutoff), headSeq);
    if (this.s.signalledSeq > headSeq && this.s.signalledSeq <= cutoff) this.s.signalledSeq = headSeq;
    this.s.drainCutoff = null;
    const held = this.s.heldSignals;
    if (held) {
      delete this.s.heldSignals;
      if (held.lastSeq > this.s.drainedSeq) this.adoptHeld(held);
    }
    // Everything up to the cutoff has been through a batch, including messages a reset run found done.
    this.s.pendingTaken = 0;
    if (!this.hasWork()) this.s.idleSinceMs = nowMs;
  }

  /** Held signals the drain did not cover: untaken from now on, as if they had arrived after it. */
  private adoptHeld(held: HeldSignals): void {
    this.s.signalledSeq = Math.max(this.s.signalledSeq, held.lastSeq);
    this.s.pendingUntaken += held.newMessages;
    if (this.s.lastMessageAtMs === null || held.lastAtMs >= this.s.lastMessageAtMs) {
      this.s.lastMessageAtMs = held.lastAtMs;
      this.s.afterSeconds = held.afterSeconds;
      this.s.maxWaitSeconds = held.maxWaitSeconds;
    }
    this.s.firstUnbatchedAtMs = Math.min(this.s.firstUnbatchedAtMs ?? held.firstAtMs, held.firstAtMs);
  }

  /**
   * A batch's extraction starts. The retry window counts from the batch's first attempt, also across
   * continue-as-new (the batch is carried, with its final failure once it has one).
   * @returns the time of the batch's first attempt, and its final failure if retries already ended
   */
  startBatch(
    ref: BatchRef,
    nowMs: number,
    firstAttemptFailure?: FailureInfo,
  ): { firstAttemptAtMs: number; failure?: FailureInfo; firstAttemptFailure?: FailureInfo } {
    if (this.s.currentBatch?.ref.batchId !== ref.batchId) {
      this.s.currentBatch = {
        ref,
        firstAttemptAtMs: nowMs,
        ...(firstAttemptFailure ? { firstAttemptFailure: { ...firstAttemptFailure, message: clip(firstAttemptFailure.message) } } : {}),
      };
    }
    this.inFlight = { ref, sinceMs: nowMs };
    const { firstAttemptAtMs, failure, firstAttemptFailure: first } = this.s.currentBatch;
    return { firstAttemptAtMs, ...(failure ? { failure } : {}), ...(first ? { firstAttemptFailure: first } : {}) };
  }

  /** The batch's retries are over; recorded so a new run dead-letters it without trying again. */
  recordFinalFailure(failure: FailureInfo): void {
    if (this.s.currentBatch) this.s.currentBatch.failure = { ...failure, message: clip(failure.message) };
  }

  /** A batch interrupted by continue-as-new, to extract before planning anything else; null if none. */
  interruptedBatch(): BatchRef | null {
    return this.inFlight === null ? (this.s.currentBatch?.ref ?? null) : null;
  }

  /** The extraction activity returned. @returns the batch's outcome, or null for a stale plan (nothing happened) */
  recordExtraction(ref: BatchRef, result: ExtractionResult, nowMs: number): BatchOutcome | null {
    this.endBatch();
    if (result.status === 'stale') return null;
    return this.recordApplied(ref, result, result.status, nowMs);
  }

  /** The batch failed for good and went through the dead-letter step. Null when the plan was stale. */
  recordDeadLetter(ref: BatchRef, failure: FailureInfo, dead: DeadLetterResult, nowMs: number): BatchOutcome | null {
    this.endBatch();
    if (dead.status === 'stale') return null;
    if (dead.status === 'already-applied') {
      const nothing = { inserted: [], updated: [], deleted: [], usage: { inputTokens: 0, outputTokens: 0 } };
      return this.recordApplied(ref, dead.result ?? nothing, 'already-applied', nowMs);
    }
    const at = new Date(nowMs).toISOString();
    const error: FailureInfo = { ...failure, message: clip(failure.message) };
    if (dead.status === 'dead-lettered' && ref.kind === 'inbox') {
      this.s.totals.messagesDeadLettered += ref.messageCount;
      this.s.totals.batchesDeadLettered += 1;
      this.s.pendingTaken = Math.max(0, this.s.pendingTaken - ref.messageCount);
    }
    this.s.lastFailure = { ...error, batchId: ref.batchId, at, messageCount: ref.messageCount };
    const outcome: BatchOutcome = {
      batchId: ref.batchId,
      kind: ref.kind,
      namespace: [...ref.namespace],
      messageCount: ref.messageCount,
      status: dead.status,
      inserted: [],
      updated: [],
      deleted: [],
      at,
      error,
    };
    this.s.lastBatch = outcome;
    return outcome;
  }

  private recordApplied(
    ref: BatchRef,
    result: Pick<ExtractionResult, 'inserted' | 'updated' | 'deleted' | 'usage'>,
    status: 'extracted' | 'already-applied',
    nowMs: number,
  ): BatchOutcome {
    const totals = this.s.totals;
    if (ref.kind === 'inbox') {
      totals.messagesProcessed += ref.messageCount;
      this.s.pendingTaken = Math.max(0, this.s.pendingTaken - ref.messageCount);
    } else {
      totals.messagesRedriven += ref.messageCount;
    }
    totals.extractionsCompleted += 1;
    totals.memoriesInserted += result.inserted.length;
    totals.memoriesUpdated += result.updated.length;
    totals.memoriesDeleted += result.deleted.length;
    totals.usage.inputTokens += result.usage.inputTokens;
    totals.usage.outputTokens += result.usage.outputTokens;
    const at = new Date(nowMs).toISOString();
    this.s.lastExtractionAt = at;
    this.s.lastFailure = null;
    const outcome: BatchOutcome = {
      batchId: ref.batchId,
      kind: ref.kind,
      namespace: [...ref.namespace],
      messageCount: ref.messageCount,
      status,
      inserted: [...result.inserted],
      updated: [...result.updated],
      deleted: [...result.deleted],
      at,
    };
    this.s.lastBatch = outcome;
    return outcome;
  }

  private endBatch(): void {
    this.s.currentBatch = null;
    this.inFlight = null;
  }

  /** Messages up to here are taken by a drain (finished or in progress). */
  private takenUpTo(): number {
    return this.s.drainCutoff ?? this.s.drainedSeq;
  }

  /** The query view. */
  view(): ThreadStateView {
    const due = this.dueAtMs();
    const totals = this.s.totals;
    const inFlight = this.inFlight;
    return {
      threadId: this.threadId,
      pendingCount: this.s.pendingTaken + this.s.pendingUntaken + (this.s.heldSignals?.newMessages ?? 0),
      nextExtractionAt: due === null ? null : new Date(due).toISOString(),
      extracting: inFlight
        ? {
            batchId: inFlight.ref.batchId,
            kind: inFlight.ref.kind,
            namespace: [...inFlight.ref.namespace],
            messageCount: inFlight.ref.messageCount,
            since: new Date(inFlight.sinceMs).toISOString(),
            ...(this.s.currentBatch?.firstAttemptFailure ? { firstAttemptFailure: { ...this.s.currentBatch.firstAttemptFailure } } : {}),
          }
        : null,
      afterSeconds: this.s.afterSeconds,
      maxWaitSeconds: this.s.maxWaitSeconds,
      settings: { ...this.settings },
      lastExtractionAt: this.s.lastExtractionAt,
      lastBatch: cloneJson(this.s.lastBatch),
      lastFailure: cloneJson(this.s.lastFailure),
      totals: cloneJson(totals),
    };
  }

  /** Plain JSON for continue-as-new. */
  toCarried(): CarriedThreadState {
    return cloneJson(this.s);
  }
}
