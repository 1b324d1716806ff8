/**
 * The merge rules of a batch of several passes (phases) and rounds (maxSteps): what each reply is checked
 * against, what the batch commits (one net operation per memory), which passes are named, what the caps count.
 */
import { MAX_OPERATIONS_PER_EXTRACTION } from '../../src/defaults';
import { InvalidModelOutputError, ReviewRequiredError } from '../../src/errors';
import { DEFAULT_MANAGER, resolveManager, type MemoryManagerDefinition } from '../../src/managers/memory-manager';
import { checkBatchCaps, validateToolInputs } from '../../src/model/memory-tool';
import { PassMerge } from '../../src/model/pass-merge';
import { memoryValue, type MemoryItem } from '../../src/store/memory-types';

const at = '2026-11-26T10:00:00.000Z';
const stored = (key: string, text = `memory ${key}`): MemoryItem => ({
  namespace: ['memories'],
  key,
  value: memoryValue(text),
  createdAt: at,
  updatedAt: at,
  version: 3,
});
const manager = (overrides: Partial<MemoryManagerDefinition> = {}) => resolveManager({ ...DEFAULT_MANAGER, enableDeletes: true, ...overrides });
const memory = (content: string) => ({ kind: 'Memory', content: { content } });

/** Validates one reply against the merge's current view (as the extractor does) and applies it as `pass`. */
function reply(merge: PassMerge, pass: string, operations: unknown[], m = manager()) {
  return merge.apply(validateToolInputs([{ operations }], m, merge.view()), pass);
}

describe('what a batch of several passes commits', () => {
  it('a later pass updating a memory an earlier pass inserted changes what gets inserted, naming both passes', () => {
    const merge = new PassMerge([], { recordPhases: true });
    expect(reply(merge, 'extract', [{ action: 'insert', content: 'User has a dog' }])).toEqual([{ action: 'insert', id: 'new-1' }]);
    reply(merge, 'consolidate', [{ action: 'update', id: 'new-1', content: 'User has a dog called Fido' }]);
    expect(merge.operations()).toEqual([
      { action: 'insert', ...memory('User has a dog called Fido'), phase: 'consolidate', phases: ['extract', 'consolidate'] },
    ]);
  });

  it('two inserted memories merged by a consolidation pass: one insert of the merged text, the other never written', () => {
    const merge = new PassMerge([], { recordPhases: true });
    reply(merge, 'extract', [
      { action: 'insert', content: 'User likes tea' },
      { action: 'insert', content: 'User drinks green tea' },
      { action: 'insert', content: 'User lives in Porto' },
    ]);
    reply(merge, 'consolidate', [
      { action: 'update', id: 'new-1', content: 'User likes tea, green tea above all' },
      { action: 'delete', id: 'new-2' },
    ]);
    expect(merge.operations()).toEqual([
      { action: 'insert', ...memory('User likes tea, green tea above all'), phase: 'consolidate', phases: ['extract', 'consolidate'] },
      { action: 'insert', ...memory('User lives in Porto'), phase: 'extract' },
    ]);
    // Nothing stored was touched: the caps count nothing.
    expect(merge.counts()).toEqual({ updates: 0, deletes: 0 });
  });

  it('a stored memory updated by two passes gets one update with the last content (its version goes up once)', () => {
    const merge = new PassMerge([stored('k1')], { recordPhases: true });
    reply(merge, 'extract', [{ action: 'update', id: 'k1', content: 'first' }]);
    reply(merge, 'consolidate', [{ action: 'update', id: 'k1', content: 'second' }]);
    expect(merge.operations()).toEqual([{ action: 'update', id: 'k1', ...memory('second'), phase: 'consolidate', phases: ['extract', 'consolidate'] }]);
    expect(merge.counts()).toEqual({ updates: 1, deletes: 0 });
  });

  it('a stored memory updated and then deleted is one delete, counted as a delete only', () => {
    const merge = new PassMerge([stored('k1'), stored('k2')], { recordPhases: true });
    reply(merge, 'extract', [{ action: 'update', id: 'k1', content: 'changed' }]);
    reply(merge, 'consolidate', [{ action: 'delete', id: 'k1' }]);
    expect(merge.operations()).toEqual([{ action: 'delete', id: 'k1', phase: 'consolidate', phases: ['extract', 'consolidate'] }]);
    expect(merge.counts()).toEqual({ updates: 0, deletes: 1 });
  });

  it('several rounds of one pass name that pass once', () => {
    const merge = new PassMerge([], { recordPhases: true });
    reply(merge, 'extract', [{ action: 'insert', content: 'draft' }]);
    reply(merge, 'extract', [{ action: 'update', id: 'new-1', content: 'final' }]);
    expect(merge.operations()).toEqual([{ action: 'insert', ...memory('final'), phase: 'extract' }]);
  });

  it('without phases the operations are exactly a single reply’s (no pass named), in the order first changed', () => {
    const merge = new PassMerge([stored('a'), stored('b')]);
    reply(merge, 'extract', [
      { action: 'update', id: 'b', content: 'b2' },
      { action: 'insert', content: 'new fact' },
      { action: 'delete', id: 'a' },
    ]);
    expect(merge.operations()).toEqual([
      { action: 'update', id: 'b', ...memory('b2') },
      { action: 'insert', ...memory('new fact') },
      { action: 'delete', id: 'a' },
    ]);
  });
});

describe('what each reply sees and may address', () => {
  it('the view holds the proposed memories first, then the stored ones shown; deleted ones are gone', () => {
    const merge = new PassMerge([stored('a'), stored('b')]);
    reply(merge, 'extract', [
      { action: 'insert', content: 'new fact' },
      { action: 'delete', id: 'a' },
    ]);
    expect(merge.view().map((i) => i.key)).toEqual(['new-1', 'b']);
    expect([...merge.proposedIds()]).toEqual(['new-1']);
    // A deleted memory is no longer there to address.
    expect(() => reply(merge, 'consolidate', [{ action: 'update', id: 'a', content: 'back' }])).toThrow(InvalidModelOutputError);
  });

  it('a memory proposed and then deleted frees nothing: its working id is never given again', () => {
    const merge = new PassMerge([]);
    reply(merge, 'extract', [{ action: 'insert', content: 'one' }]);
    reply(merge, 'consolidate', [{ action: 'delete', id: 'new-1' }]);
    expect(reply(merge, 'consolidate', [{ action: 'insert', content: 'two' }])).toEqual([{ action: 'insert', id: 'new-2' }]);
    expect(merge.operations()).toEqual([{ action: 'insert', ...memory('two') }]);
  });

  it('working ids never take the key of a stored memory shown', () => {
    const merge = new PassMerge([stored('new-1')]);
    expect(reply(merge, 'extract', [{ action: 'insert', content: 'x' }])).toEqual([{ action: 'insert', id: 'new-2' }]);
  });

  it('an update keeps the kind of a proposed memory, as of a stored one', () => {
    const twoKinds = manager({
      schemas: [
        { kind: 'Memory', schema: { type: 'object', properties: { content: { type: 'string' } }, required: ['content'] } },
        { kind: 'Episode', schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] } },
      ],
    });
    const merge = new PassMerge([]);
    reply(merge, 'extract', [{ action: 'insert', kind: 'Memory', content: 'x' }], twoKinds);
    let refused: unknown;
    try {
      reply(merge, 'consolidate', [{ action: 'update', id: 'new-1', kind: 'Episode', summary: 'y' }], twoKinds);
    } catch (err) {
      refused = err;
    }
    expect((refused as InvalidModelOutputError).detail?.invalidOutput?.problems).toEqual([
      'operations.0.kind: memory new-1 is a Memory; an update cannot change its kind',
    ]);
  });
});

describe('bounds over all passes and rounds', () => {
  it('a reply that would take the batch past the transaction’s operation cap is refused whole, keeping what came before', () => {
    const merge = new PassMerge([]);
    const inserts = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ action: 'insert', content: `${tag} ${i}` }));
    reply(merge, 'extract', inserts(40, 'first'));
    let refused: unknown;
    try {
      reply(merge, 'extract', inserts(10, 'second'));
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(InvalidModelOutputError);
    expect((refused as InvalidModelOutputError).detail?.invalidOutput?.problems).toEqual([
      `operations: one batch changes at most ${MAX_OPERATIONS_PER_EXTRACTION} memories; with this reply it would change 50`,
    ]);
    expect(merge.operations()).toHaveLength(40);
    expect(merge.view()).toHaveLength(40);
    // What is refused leaves no gap in the working ids either.
    expect(reply(merge, 'extract', inserts(1, 'third'))).toEqual([{ action: 'insert', id: 'new-41' }]);
  });

  it('a batch that writes more beside the model (a seeded default document) caps the model one lower', () => {
    const merge = new PassMerge([], { recordPhases: false, maxChanged: MAX_OPERATIONS_PER_EXTRACTION - 1 });
    const inserts = (n: number) => Array.from({ length: n }, (_, i) => ({ action: 'insert', content: `fact ${i}` }));
    expect(() => reply(merge, 'extract', inserts(MAX_OPERATIONS_PER_EXTRACTION))).toThrow(
      `operations: one batch changes at most ${MAX_OPERATIONS_PER_EXTRACTION - 1} memories; with this reply it would change ${MAX_OPERATIONS_PER_EXTRACTION}`,
    );
    expect(reply(merge, 'extract', inserts(MAX_OPERATIONS_PER_EXTRACTION - 1))).toHaveLength(MAX_OPERATIONS_PER_EXTRACTION - 1);
  });

  it('the delete cap counts the net deletes of stored memories over all passes: one each is two', () => {
    const strict = manager({ maxDeletesPerBatch: 1 });
    const merge = new PassMerge([stored('a'), stored('b'), stored('c')], { recordPhases: true });
    reply(merge, 'extract', [{ action: 'delete', id: 'a' }], strict);
    expect(() => checkBatchCaps(strict, merge.counts(), merge.operations())).not.toThrow();
    reply(merge, 'consolidate', [{ action: 'delete', id: 'b' }], strict);
    let review: unknown;
    try {
      checkBatchCaps(strict, merge.counts(), merge.operations(), 'the proposal of all passes and rounds so far');
    } catch (err) {
      review = err;
    }
    expect(review).toBeInstanceOf(ReviewRequiredError);
    expect((review as ReviewRequiredError).message).toBe(
      'the proposal of all passes and rounds so far deletes 2 and updates 0 memories; manager memories applies at most 1 deletes and 25 updates per batch without review',
    );
    expect((review as ReviewRequiredError).detail?.proposedOperations).toEqual([
      { action: 'delete', id: 'a', phase: 'extract' },
      { action: 'delete', id: 'b', phase: 'consolidate' },
    ]);
  });

  it('the update cap does not count changes to memories proposed in the same batch', () => {
    const strict = manager({ maxUpdatesPerBatch: 0 });
    const merge = new PassMerge([]);
    reply(merge, 'extract', [{ action: 'insert', content: 'x' }], strict);
    reply(merge, 'consolidate', [{ action: 'update', id: 'new-1', content: 'y' }], strict);
    expect(() => checkBatchCaps(strict, merge.counts(), merge.operations())).not.toThrow();
  });
});
