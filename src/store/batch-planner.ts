/**
 * Decides the next batch of a thread, and its identity — the one place that does either.
 *
 * Re-drives come first (oldest dead letter marked for re-drive). Otherwise the namespace that is furthest
 * behind gets a batch: its unprocessed messages in inbox order, up to MAX_BATCH_MESSAGES and
 * MAX_BATCH_BYTES (measured as the prompt carries them), never past `upToSeq` (what the thread has been
 * signalled, so a message still waiting for its own quiet period is not swept in early).
 *
 * A batch id is derived from what the batch holds: thread, inbox epoch, namespace, sequence range and a
 * digest of the message ids. The same messages always get the same id (a retry, a replay after a reset);
 * different messages never do (even after a reset re-runs the thread's history).
 */
import { createHash } from 'node:crypto';
import type { BatchRef, PlanResult } from '../contract';
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES } from '../defaults';
import type { DeadLetter, DeadLetterStore } from './dead-letters';
import type { MessageInbox, NamespaceCursor, StoredMessage } from './message-inbox';
import { joinNamespace } from './table-keys';

/** Digest of a batch's message ids, in order. */
export function idsDigest(messageIds: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(messageIds)).digest('hex').slice(0, 32);
}

/** The content-derived id of an inbox batch. */
export function inboxBatchId(threadId: string, epoch: string, namespace: readonly string[], messages: readonly StoredMessage[]): string {
  const fromSeq = messages[0]?.seq ?? 0;
  const toSeq = messages.at(-1)?.seq ?? 0;
  const digest = createHash('sha256')
    .update(JSON.stringify([threadId, epoch, joinNamespace(namespace), fromSeq, toSeq, idsDigest(messages.map((m) => m.id))]))
    .digest('hex')
    .slice(0, 24);
  return `b-${fromSeq}-${toSeq}-${digest}`;
}

/** The id of the n-th re-drive of a dead letter. */
export function redriveBatchId(deadLetterBatchId: string, round: number): string {
  return `${deadLetterBatchId}~r${round}`;
}

/** Options of {@link BatchPlanner}. */
export interface BatchPlannerOptions {
  /** @default MAX_BATCH_MESSAGES */
  maxMessages?: number;
  /** @default MAX_BATCH_BYTES */
  maxBytes?: number;
}

/**
 * @example
 * const planner = new BatchPlanner(inbox, deadLetters);
 * const ref = await planner.next('thread-1', 42); // null when nothing is left up to sequence 42
 */
export class BatchPlanner {
  private readonly maxMessages: number;
  private readonly maxBytes: number;

  constructor(
    private readonly inbox: MessageInbox,
    private readonly deadLetters: DeadLetterStore,
    options: BatchPlannerOptions = {},
  ) {
    this.maxMessages = options.maxMessages ?? MAX_BATCH_MESSAGES;
    this.maxBytes = options.maxBytes ?? MAX_BATCH_BYTES;
  }

  /** The next batch of the thread, or null when nothing is waiting up to `upToSeq` and no re-drive is asked for. */
  async next(threadId: string, upToSeq: number): Promise<BatchRef | null> {
    return (await this.plan(threadId, upToSeq)).ref;
  }

  /** The next batch (as {@link next}) and the inbox head, which tells the thread what exists beyond its signals. */
  async plan(threadId: string, upToSeq: number): Promise<PlanResult> {
    return (await this.planWithMessages(threadId, upToSeq)).plan;
  }

  /**
   * The plan, and the messages of its batch as read to plan it (empty for a re-drive or no batch), so the
   * extraction on this worker need not read them again (`src/activities/planned-batches.ts`).
   *
   * The re-drive marker, the inbox head and the cursors are read side by side. A submit moves the head and
   * its namespace's cursor in one transaction, but two reads are not one snapshot: cursors read before a
   * submit that the head read sees would miss its message. That can only make a batch smaller (the next
   * plan takes the rest) — except when it makes "no batch" look true, which the thread would take as
   * "drained up to the head". So "no batch" is only answered from cursors that account for the head (their
   * newest message is the head's, or newer); otherwise the cursors are read again, after the head.
   *
   * `lastOfDrain`: by the same reads, once this batch commits nothing else waits up to `upToSeq` (no
   * re-drive, no other namespace behind, the batch reaches its namespace's end or the cutoff), so the
   * thread can end its drain without asking again. False whenever unsure: the thread then plans once more.
   *
   * `beside`: called with the cursor of the namespace furthest behind just before its messages are read —
   * almost always the batch's — so the caller can read what the batch needs from that namespace in the same
   * round trip (the caller checks the batch's namespace is the one it was told).
   */
  async planWithMessages(
    threadId: string,
    upToSeq: number,
    beside?: (cursor: NamespaceCursor) => void,
  ): Promise<{ plan: PlanResult; messages: readonly StoredMessage[]; lastOfDrain: boolean }> {
    const [letter, head, firstCursors] = await Promise.all([this.deadLetters.nextRedrive(threadId), this.inbox.head(threadId), this.inbox.cursors(threadId)]);
    const headSeq = head?.lastSeq ?? 0;
    if (letter) return { plan: { ref: this.redriveRef(threadId, letter), headSeq }, messages: [], lastOfDrain: false };
    if (!head) return { plan: { ref: null, headSeq }, messages: [], lastOfDrain: false };
    let cursors = firstCursors;
    let planned = await this.inboxRef(threadId, head.epoch, cursors, upToSeq, beside);
    const accountsForHead = (read: NamespaceCursor[]) => Math.max(0, ...read.map((c) => c.lastSeq)) >= headSeq;
    if (!planned && !accountsForHead(cursors)) {
      cursors = await this.inbox.cursors(threadId);
      planned = await this.inboxRef(threadId, head.epoch, cursors, upToSeq, beside);
    }
    return {
      plan: { ref: planned?.ref ?? null, headSeq },
      messages: planned?.messages ?? [],
      lastOfDrain: planned !== null && planned.leavesNothing && accountsForHead(cursors),
    };
  }

  private redriveRef(threadId: string, letter: DeadLetter): BatchRef {
    return {
      kind: 'redrive',
      threadId,
      batchId: redriveBatchId(letter.batchId, letter.redrives),
      namespace: letter.namespace,
      afterSeq: letter.fromSeq - 1,
      fromSeq: letter.fromSeq,
      toSeq: letter.toSeq,
      messageCount: letter.messageCount,
      bytes: letter.bytes,
      idsDigest: letter.idsDigest,
      redrive: { deadLetterBatchId: letter.batchId, round: letter.redrives },
      ...(letter.manager ? { manager: letter.manager } : {}),
    };
  }

  private async inboxRef(
    threadId: string,
    epoch: string,
    cursors: NamespaceCursor[],
    upToSeq: number,
    beside?: (cursor: NamespaceCursor) => void,
  ): Promise<{ ref: BatchRef; messages: StoredMessage[]; leavesNothing: boolean } | null> {
    const behind = cursors
      .filter((c) => c.doneSeq < Math.min(c.lastSeq, upToSeq))
      .sort((a, b) => a.doneSeq - b.doneSeq || joinNamespace(a.namespace).localeCompare(joinNamespace(b.namespace)));
    for (const [index, cursor] of behind.entries()) {
      // Only the first: a namespace behind whose range turns out empty (a rare anomaly) costs one wasted read, not one per namespace.
      if (index === 0) beside?.(cursor);
      const messages = await this.inbox.readRange(threadId, cursor.namespace, cursor.doneSeq, Math.min(cursor.lastSeq, upToSeq), {
        maxMessages: this.maxMessages,
        maxBytes: this.maxBytes,
      });
      const first = messages[0];
      const last = messages.at(-1);
      if (!first || !last) continue;
      const ref: BatchRef = {
        kind: 'inbox',
        threadId,
        batchId: inboxBatchId(threadId, epoch, cursor.namespace, messages),
        namespace: cursor.namespace,
        afterSeq: cursor.doneSeq,
        fromSeq: first.seq,
        toSeq: last.seq,
        messageCount: messages.length,
        bytes: messages.reduce((sum, m) => sum + m.bytes, 0),
        idsDigest: idsDigest(messages.map((m) => m.id)),
        ...(cursor.manager ? { manager: cursor.manager } : {}),
      };
      // Nothing after it: it reaches its namespace's end (or the cutoff), and no namespace behind comes later
      // (the ones before it were empty, as the next plan would find them too).
      const leavesNothing = last.seq >= Math.min(cursor.lastSeq, upToSeq) && index === behind.length - 1;
      return { ref, messages, leavesNothing };
    }
    return null;
  }
}
