/**
 * Hands a planned batch's messages from the planning step to the extraction on the same worker, so the
 * extraction need not read them from the inbox again (one DynamoDB round trip less on the path from the
 * end of a quiet period to the memories). Planning runs as a local activity on the worker that holds the
 * thread; the extraction usually runs there too. When it runs elsewhere, is retried, or finds nothing
 * here, it reads the inbox as before — the handoff is only a shortcut, never a source of truth: the
 * extraction still checks the cursor first and the ids digest of what it uses.
 *
 * The text stays in this worker's memory only: never in Temporal (the plan returns the batch's reference
 * alone). Bounded by count, bytes and age, so batches no one takes (extracted by another worker) leave
 * soon; a message erased meanwhile is never extracted from here, because the erasure removes the cursor
 * the extraction checks first.
 */
import type { BatchRef } from '../contract';
import { PLANNED_BATCH_BYTES_KEPT, PLANNED_BATCH_MAX_AGE_MS, PLANNED_BATCHES_KEPT } from '../defaults';
import type { StoredMessage } from '../store/message-inbox';

/** Bounds of {@link PlannedBatches}. */
export interface PlannedBatchesOptions {
  /** Batches kept at most. @default PLANNED_BATCHES_KEPT (64) */
  maxBatches?: number;
  /** Bytes of message content kept at most (as the planner counts them). @default PLANNED_BATCH_BYTES_KEPT (16 MB) */
  maxBytes?: number;
  /** How long a batch is kept (ms). @default PLANNED_BATCH_MAX_AGE_MS (60 s) */
  maxAgeMs?: number;
}

interface Entry {
  messages: readonly StoredMessage[];
  bytes: number;
  keptAt: number;
}

/**
 * @example
 * handoff.keep(ref, messages);          // in the planning step
 * const messages = handoff.take(ref);   // in the extraction: the messages, or undefined → read the inbox
 */
export class PlannedBatches {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxBatches: number;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;

  constructor(
    options: PlannedBatchesOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxBatches = options.maxBatches ?? PLANNED_BATCHES_KEPT;
    this.maxBytes = options.maxBytes ?? PLANNED_BATCH_BYTES_KEPT;
    this.maxAgeMs = options.maxAgeMs ?? PLANNED_BATCH_MAX_AGE_MS;
  }

  /** Batches held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Keeps the messages of a batch just planned (replacing what an earlier plan of the same batch kept). */
  keep(ref: BatchRef, messages: readonly StoredMessage[]): void {
    const bytes = messages.reduce((sum, m) => sum + m.bytes, 0);
    this.drop(ref.batchId);
    if (messages.length === 0 || bytes > this.maxBytes) return;
    this.entries.set(ref.batchId, { messages, bytes, keptAt: this.now() });
    this.bytes += bytes;
    // Oldest first (a Map iterates in insertion order).
    for (const [batchId, entry] of this.entries) {
      if (this.entries.size <= this.maxBatches && this.bytes <= this.maxBytes && this.now() - entry.keptAt <= this.maxAgeMs) break;
      this.drop(batchId);
    }
  }

  /** The messages kept for this batch (and forgets them), when they are still fresh and are exactly its range. */
  take(ref: BatchRef): readonly StoredMessage[] | undefined {
    const entry = this.entries.get(ref.batchId);
    if (!entry) return undefined;
    this.drop(ref.batchId);
    if (this.now() - entry.keptAt > this.maxAgeMs) return undefined;
    const { messages } = entry;
    if (messages.length !== ref.messageCount || messages[0]?.seq !== ref.fromSeq || messages.at(-1)?.seq !== ref.toSeq) return undefined;
    return messages;
  }

  private drop(batchId: string): void {
    const entry = this.entries.get(batchId);
    if (!entry) return;
    this.entries.delete(batchId);
    this.bytes -= entry.bytes;
  }
}
