/**
 * The shape of one memory operation of a batch: what the model's reply is validated into (`src/model/memory-tool.ts`)
 * and what the batch writer applies. It lives with the writer, below the model, so the store needs nothing from
 * `model/` to know what it writes.
 */

/** Which passes of an extraction made an operation (managers with phases; recorded in the history's `by`). */
export interface OperationPhases {
  /** The pass whose result the operation carries. */
  phase?: string;
  /** Every pass that shaped it, in order, when more than one did. */
  phases?: string[];
}

/** An operation, validated: what the batch writer applies. */
export type MemoryOperation =
  /**
   * `key` and `version` only for a manager's one document (a profile, a default document), which may follow
   * a deleted one (versions go on). `seeded`: the document starts from the manager's default, recorded in its
   * history as the insert of `seeded.version`, and this content is that default's update (one item, since a
   * transaction writes an item once).
   */
  (
    | {
        action: 'insert';
        kind: string;
        content: Record<string, unknown>;
        key?: string;
        version?: number;
        seeded?: { content: Record<string, unknown>; version: number };
      }
    | { action: 'update'; id: string; kind: string; content: Record<string, unknown> }
    | { action: 'delete'; id: string }
  ) &
    OperationPhases;
