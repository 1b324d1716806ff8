/**
 * How the operations of several passes (a manager's phases) and rounds (its `maxSteps`) over one batch become
 * the one set of operations the batch commits. Pure: the extractor feeds it each validated reply in order.
 *
 * The merge rules (docs/design.md "Phases and steps"):
 * - Every reply is checked against the memories as the replies before it left them: the stored memories shown
 *   (less those deleted) and the memories proposed so far, which the model sees under working ids (`new-1`, …).
 * - What is committed is each memory's net change, one operation per memory: a proposed memory later updated is
 *   inserted with its last content; a proposed memory later deleted is not written at all; a stored memory
 *   updated several times gets one update with its last content; updated and then deleted, one delete. So a
 *   memory's version goes up by one per batch, as with a single pass.
 * - With phases, each operation names the pass whose result it carries (`phase`) and, when several passes
 *   shaped it, all of them (`phases`); the batch writer records them in the memory's history.
 * - The per-batch caps count the net changes to stored memories (updates, deletes) over all passes and rounds;
 *   changes to memories proposed in the same batch touch nothing stored and are not counted.
 * - A batch changes at most MAX_OPERATIONS_PER_EXTRACTION memories (one DynamoDB transaction; one fewer when a
 *   default document is seeded with the batch): a reply that would take it past that is refused as invalid
 *   output, and nothing of it is kept.
 */
import { MAX_OPERATIONS_PER_EXTRACTION } from '../defaults';
import { InvalidModelOutputError } from '../errors';
import type { MemoryOperation } from '../store/memory-operation';
import type { MemoryItem } from '../store/memory-types';

/** What one operation of a reply did, as the model is told in a tool result. */
export interface AppliedOperation {
  action: 'insert' | 'update' | 'delete';
  /** The memory's id: a stored key, or the working id given to a memory proposed in this batch. */
  id: string;
}

interface Entry {
  id: string;
  /** The stored memory as shown; absent for a memory proposed in this batch. */
  stored?: MemoryItem;
  /** Its kind and content now (for a stored memory, meaningful once changed). */
  kind: string;
  content: Record<string, unknown>;
  deleted: boolean;
  /** Passes that changed it, in order, each once. */
  passes: string[];
  /** Position of its first change: net operations come out in the order memories were first touched. */
  order: number;
  /** A profile document's fixed key and version (its insert carries them). */
  key?: string;
  version?: number;
}

const WORKING_ID_PREFIX = 'new-';

/**
 * The memories of one batch as its passes leave them.
 * @example
 * const merge = new PassMerge(shown, { recordPhases: true });
 * merge.apply(validateToolInputs(inputs, manager, merge.view()), 'extract');
 * const operations = merge.operations();
 */
export class PassMerge {
  private entries = new Map<string, Entry>();
  private touched = 0;
  private proposedCount = 0;

  /**
   * @param shown the stored memories the first pass was shown, most relevant first
   * @param options.recordPhases mark each operation with the passes that made it (a manager with phases)
   * @param options.maxChanged most memories the batch may change: less than MAX_OPERATIONS_PER_EXTRACTION when
   *   the caller writes more with the batch (a default document seeded beside the model's operations)
   */
  constructor(
    shown: readonly MemoryItem[],
    private readonly options: { recordPhases: boolean; maxChanged?: number } = { recordPhases: false },
  ) {
    for (const item of shown) {
      this.entries.set(item.key, {
        id: item.key,
        stored: item,
        kind: String(item.value['kind']),
        content: (item.value['content'] ?? {}) as Record<string, unknown>,
        deleted: false,
        passes: [],
        order: Number.POSITIVE_INFINITY,
      });
    }
  }

  /**
   * The memories as they are now, for the next reply to be checked against and shown: those proposed in this
   * batch first (as items keyed by their working ids, version 0), then the stored ones in the order shown —
   * a prompt budget drops from the end.
   */
  view(): MemoryItem[] {
    const alive = [...this.entries.values()].filter((e) => !e.deleted);
    return [...alive.filter((e) => !e.stored), ...alive.filter((e) => e.stored)].map((e) => this.asItem(e));
  }

  /** The working ids of the memories proposed in this batch and still alive. */
  proposedIds(): Set<string> {
    return new Set([...this.entries.values()].filter((e) => !e.stored && !e.deleted).map((e) => e.id));
  }

  /**
   * Applies one reply's validated operations (checked against {@link view}) as made by `pass`; returns what
   * each did, with the working ids given to inserts. Throws InvalidModelOutputError, keeping nothing of the
   * reply, when it would take the batch past MAX_OPERATIONS_PER_EXTRACTION changed memories.
   */
  apply(operations: readonly MemoryOperation[], pass: string): AppliedOperation[] {
    const before = this.entries;
    const beforeTouched = this.touched;
    const beforeProposed = this.proposedCount;
    this.entries = new Map([...before].map(([id, e]) => [id, { ...e, passes: [...e.passes] }]));
    const applied = operations.map((op) => this.applyOne(op, pass));
    const changed = this.operations().length;
    const max = this.options.maxChanged ?? MAX_OPERATIONS_PER_EXTRACTION;
    if (changed > max) {
      this.entries = before;
      this.touched = beforeTouched;
      this.proposedCount = beforeProposed;
      const problem = `operations: one batch changes at most ${max} memories; with this reply it would change ${changed}`;
      throw new InvalidModelOutputError(`invalid reply: ${problem}`, {
        counts: { changed, max },
        detail: { invalidOutput: { problems: [problem], toolInputs: [...operations] } },
      });
    }
    return applied;
  }

  /** Net changes to stored memories so far: what the per-batch caps count. */
  counts(): { updates: number; deletes: number } {
    let updates = 0;
    let deletes = 0;
    for (const e of this.entries.values()) {
      if (!e.stored || e.passes.length === 0) continue;
      if (e.deleted) deletes++;
      else updates++;
    }
    return { updates, deletes };
  }

  /** The batch's net operations, one per changed memory, in the order memories were first changed. */
  operations(): MemoryOperation[] {
    const changed = [...this.entries.values()].filter((e) => e.passes.length > 0).sort((a, b) => a.order - b.order);
    const operations: MemoryOperation[] = [];
    for (const e of changed) {
      const phases = this.phasesOf(e);
      if (e.stored) {
        operations.push(e.deleted ? { action: 'delete', id: e.id, ...phases } : { action: 'update', id: e.id, kind: e.kind, content: e.content, ...phases });
      } else if (!e.deleted) {
        operations.push({
          action: 'insert',
          kind: e.kind,
          content: e.content,
          ...(e.key !== undefined ? { key: e.key } : {}),
          ...(e.version !== undefined ? { version: e.version } : {}),
          ...phases,
        });
      }
    }
    return operations;
  }

  private applyOne(op: MemoryOperation, pass: string): AppliedOperation {
    if (op.action === 'insert') {
      const id = this.nextWorkingId();
      this.entries.set(id, {
        id,
        kind: op.kind,
        content: op.content,
        deleted: false,
        passes: [pass],
        order: this.touched++,
        ...(op.key !== undefined ? { key: op.key } : {}),
        ...(op.version !== undefined ? { version: op.version } : {}),
      });
      return { action: 'insert', id };
    }
    const entry = this.entries.get(op.id);
    // Validation checked the id against view(): reaching this is a bug in the caller, not the model's output.
    if (!entry || entry.deleted) throw new Error(`PassMerge: ${op.action} of memory ${op.id}, which is not in the view`);
    if (entry.passes.length === 0) entry.order = this.touched++;
    if (!entry.passes.includes(pass)) entry.passes.push(pass);
    if (op.action === 'delete') entry.deleted = true;
    else {
      entry.kind = op.kind;
      entry.content = op.content;
    }
    return { action: op.action, id: op.id };
  }

  private phasesOf(e: Entry): { phase?: string; phases?: string[] } {
    const last = e.passes.at(-1);
    if (!this.options.recordPhases || last === undefined) return {};
    return { phase: last, ...(e.passes.length > 1 ? { phases: [...e.passes] } : {}) };
  }

  /** `new-1`, `new-2`, …, never the key of a memory shown. */
  private nextWorkingId(): string {
    let id: string;
    do id = `${WORKING_ID_PREFIX}${++this.proposedCount}`;
    while (this.entries.has(id));
    return id;
  }

  private asItem(e: Entry): MemoryItem {
    if (e.stored) return e.passes.length === 0 ? e.stored : { ...e.stored, value: { ...e.stored.value, kind: e.kind, content: e.content } };
    return { namespace: [], key: e.id, value: { kind: e.kind, content: e.content }, createdAt: '', updatedAt: '', version: 0 };
  }
}
