/**
 * The extraction activity: check the batch is still due, with its messages (from this worker's planning
 * step, or the inbox) and the namespace's relevant memories read alongside → ask the model → commit
 * operations, receipt and progress in one transaction.
 * It heartbeats throughout, so a killed worker's attempt is retried elsewhere within the heartbeat
 * timeout, and it aborts the model call when Temporal cancels it.
 */
import { Context, log } from '@temporalio/activity';
import type { BatchRef, ExtractBatchOptions, ExtractionResult, PlannedBatchNote } from '../contract';
import { EXTRACTION_HEARTBEAT_INTERVAL_MS } from '../defaults';
import { BatchIdentityError, toApplicationFailure } from '../errors';
import { idsDigest } from '../store/batch-planner';
import { ManagerRegistry } from '../managers/manager-registry';
import { PROFILE_KEY } from '../model/memory-tool';
import { readRelated, relatedMemories, withDefaultDocument, withQueryUsage, type RelatedReads } from '../managers/related-memories';
import type { MemoryOperation } from '../store/memory-operation';
import type { StoredMessage } from '../store/message-inbox';
import { joinNamespace } from '../store/table-keys';
import { failureDetailsRef } from '../store/failure-details';
import { memorySearchText } from '../store/search/lexical-ranker';
import { countExtraction, countExtractionFailure } from './activity-metrics';
import type { ActivityDependencies } from './dependencies';

const EMPTY = { inserted: [], updated: [], deleted: [], usage: { inputTokens: 0, outputTokens: 0 }, model: '' };

/**
 * Whether the batch still needs extracting: `pending`, or the answer to return without calling the model —
 * the recorded result when it already committed, `stale` when its inbox position moved on without it.
 */
async function progressOf(deps: ActivityDependencies, ref: BatchRef): Promise<'pending' | ExtractionResult> {
  const stale: ExtractionResult = { ...EMPTY, batchId: ref.batchId, status: 'stale' };
  let committed: boolean;
  if (ref.kind === 'redrive' && ref.redrive) {
    const letter = await deps.deadLetters.get(ref.threadId, ref.fromSeq, ref.redrive.deadLetterBatchId);
    if (letter?.status === 'redrive-requested' && letter.redrives === ref.redrive.round) return 'pending';
    committed = letter?.status === 'redriven' && letter.redriveBatchId === ref.batchId;
  } else {
    const cursor = await deps.inbox.cursor(ref.threadId, ref.namespace);
    if (cursor?.doneSeq === ref.afterSeq) return 'pending';
    committed = cursor !== null && cursor.doneSeq >= ref.toSeq;
  }
  // Past this batch: committed by an earlier attempt (or run), or dead-lettered; only a receipt says which.
  return (committed ? await deps.batches.findReceipt(ref) : null) ?? stale;
}

/** Embeddings of the contents an extraction writes, when the store has an embedder (one request for all). */
async function embedContents(deps: ActivityDependencies, operations: readonly MemoryOperation[]) {
  const embedder = deps.store.embedder;
  const written = operations.flatMap((op, index) =>
    op.action === 'delete' ? [] : [{ index, text: memorySearchText({ kind: op.kind, content: op.content }) }],
  );
  if (!embedder || written.length === 0) return undefined;
  const vectors = await embedder.embed(
    written.map((w) => w.text),
    'document',
  );
  return { model: embedder.model, vectors: new Map(written.map((w, i) => [w.index, vectors[i] ?? []])) };
}

/**
 * The store reads that finding a batch's related memories needs (see `readRelated`), started at once so they
 * go beside the cursor check and the messages: none of them depends on the batch's text. Resolves to
 * undefined when they cannot start (a manager this worker lacks) or fail: the extraction then reads them
 * after the check, where a persistent error fails the attempt as before. On a batch the check finds
 * already done, they were read for nothing (a retry's rare case; the first attempt is the common one).
 */
function relatedReadsAhead(deps: ActivityDependencies, managers: ManagerRegistry, cursor: { namespace: string[]; manager?: string }) {
  let manager;
  try {
    manager = managers.forBatch(cursor.manager);
  } catch {
    return Promise.resolve(undefined);
  }
  return readRelated(deps, manager, cursor.namespace).catch(() => undefined);
}

/** Related-memory reads started ahead for one namespace and manager (see {@link relatedReadsAhead}). */
export interface ReadsAhead {
  namespace: readonly string[];
  manager?: string;
  reads: Promise<RelatedReads | undefined>;
}

/** The reads started ahead, when they are this batch's (its namespace and manager). */
function aheadFor(ref: BatchRef, ahead: ReadsAhead | undefined): Promise<RelatedReads | undefined> | undefined {
  if (!ahead || ahead.manager !== ref.manager || joinNamespace(ahead.namespace) !== joinNamespace(ref.namespace)) return undefined;
  return ahead.reads;
}

/**
 * Stores what a failed attempt's error holds for a reviewer (its message, the proposal, refusal or error body)
 * in DynamoDB, under the reference its Temporal failure names. Best effort: the failure itself is what the
 * thread acts on; without this item its dead letter shows the code and counts only.
 */
async function recordFailureDetails(deps: ActivityDependencies, ref: BatchRef, err: unknown, attempt: number): Promise<void> {
  try {
    await deps.deadLetters.details.record(ref, err, attempt);
  } catch (writeError) {
    log.warn('failure details not stored', { batchId: ref.batchId, errorType: writeError instanceof Error ? writeError.name : 'Error' });
  }
}

/**
 * Records a committed batch in its thread's log, best effort: the commit is what counts, so a failed log
 * write is a warning, not a failed extraction (the timeline still shows the messages as processed, from the
 * cursor; any later attempt that finds the batch committed writes the entry).
 */
async function logBatch(deps: ActivityDependencies, ref: BatchRef, result: ExtractionResult): Promise<void> {
  try {
    await deps.batches.log.record(ref, result);
  } catch (err) {
    log.warn('batch committed, but its log entry was not written', { batchId: ref.batchId, errorType: err instanceof Error ? err.name : 'Error' });
  }
}

/**
 * The messages of a batch already at hand: planned in this very attempt (`fresh`: the cursor was read a
 * moment ago, so the extraction does not read it again — the commit's condition on the cursor still makes
 * a concurrent commit of the same batch fail), or handed over by this worker's planning step.
 */
export interface MessagesAtHand {
  messages: readonly StoredMessage[];
  fresh: boolean;
}

/** How one extraction of a batch is asked for (see {@link batchExtraction}). */
export interface ExtractionCall {
  /** The batch's attempt number, counting a failed `extractNext` attempt before an `extractBatch` one. */
  attempt: number;
  /** The batch's messages, when already read. */
  atHand?: MessagesAtHand;
  /** Related-memory reads already started (by `extractNext`, beside its plan's read of the messages). */
  ahead?: ReadsAhead;
  /** This attempt planned the batch itself (`extractNext`): its failure names the batch, for the thread's retry. */
  planned?: boolean;
}

/**
 * Sends a heartbeat now and every EXTRACTION_HEARTBEAT_INTERVAL_MS until the returned function is called;
 * each carries `details` (the last one sent is what a heartbeat timeout reports).
 */
export function keepHeartbeating(ctx: Context, details?: unknown): () => void {
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), EXTRACTION_HEARTBEAT_INTERVAL_MS);
  return () => clearInterval(timer);
}

/**
 * One batch's extraction, shared by `extractBatch` (a planned batch) and `extractNext` (plans, then
 * extracts): check the batch is still due, read what the model needs, call it, commit. Failures come out
 * as Temporal failures carrying a code, counts and a reference — their text goes to DynamoDB.
 */
export function batchExtraction(deps: ActivityDependencies) {
  const managers = deps.managers ?? new ManagerRegistry();

  /** Starts the related-memory reads of a namespace now, for an extraction about to be asked (see {@link relatedReadsAhead}). */
  function readAhead(cursor: { namespace: string[]; manager?: string }): ReadsAhead {
    return { namespace: cursor.namespace, ...(cursor.manager ? { manager: cursor.manager } : {}), reads: relatedReadsAhead(deps, managers, cursor) };
  }

  async function extract(ctx: Context, ref: BatchRef, call: ExtractionCall): Promise<ExtractionResult> {
    const { atHand, attempt } = call;
    try {
      // The cursor check, the messages (at hand, else read from the inbox) and the store reads for the
      // memories to show, side by side: one round trip before the model where there were three.
      const [progress, messages, reads] = await Promise.all([
        atHand?.fresh ? ('pending' as const) : progressOf(deps, ref),
        atHand?.messages ?? deps.inbox.readRange(ref.threadId, ref.namespace, ref.afterSeq, ref.toSeq),
        aheadFor(ref, call.ahead) ?? relatedReadsAhead(deps, managers, ref),
      ]);
      if (progress !== 'pending') {
        log.info('batch needs no extraction', { batchId: ref.batchId, status: progress.status });
        // A worker killed between an earlier commit and its log entry (or its messages' TTL) leaves them to this attempt.
        if (progress.status === 'already-applied') await deps.batches.markProcessed(ref);
        await logBatch(deps, ref, progress);
        return countExtraction(progress);
      }
      const digest = idsDigest(messages.map((m) => m.id));
      if (digest !== ref.idsDigest) {
        throw new BatchIdentityError(`inbox range ${ref.fromSeq}–${ref.toSeq} of batch ${ref.batchId} no longer holds its messages`);
      }
      const manager = managers.forBatch(ref.manager);
      // The manager's related memories (and its default document, when its namespace has none yet).
      const related = await relatedMemories(deps, manager, ref.namespace, messages, ctx.cancellationSignal, reads);
      const existing = related.items;
      // A profile re-created after its document was deleted continues that document's versions.
      const profileVersion = manager.profile && existing.length === 0 ? (await deps.store.lastVersion(ref.namespace, PROFILE_KEY)) + 1 : undefined;
      // A seeded default is written with the batch, beside the model's changes: it takes one of their places.
      const reservedOperations = related.seed ? 1 : 0;
      const extracted = await deps.extractor.extract({ manager, messages, existing, signal: ctx.cancellationSignal, profileVersion, reservedOperations });
      const proposal = { ...withQueryUsage(extracted, related), operations: withDefaultDocument(extracted.operations, related.seed) };
      const result = await deps.batches.apply({
        ref,
        operations: proposal.operations,
        existing: new Map(existing.map((item) => [item.key, item])),
        usage: proposal.usage,
        model: proposal.model,
        ...(proposal.costUsd !== undefined ? { costUsd: proposal.costUsd } : {}),
        messageIds: messages.map((m) => m.id),
        embeddings: await embedContents(deps, proposal.operations),
      });
      await logBatch(deps, ref, result);
      log.info('memories extracted', {
        batchId: ref.batchId,
        status: result.status,
        messages: messages.length,
        inserted: result.inserted.length,
        updated: result.updated.length,
        deleted: result.deleted.length,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        costUsd: result.costUsd,
        manager: manager.name,
        memoriesShown: proposal.memoriesShown,
        requests: proposal.requests,
        passes: proposal.passes,
        searches: related.searches,
        seededDefault: related.seed !== undefined,
      });
      return countExtraction(result);
    } catch (err) {
      // Cancelled by Temporal (continue-as-new, worker shutdown): report the cancellation, not the abort.
      if (ctx.cancellationSignal.aborted && ctx.cancellationSignal.reason instanceof Error) throw countExtractionFailure(ctx.cancellationSignal.reason);
      // The error's text goes to DynamoDB; Temporal gets its code, counts and where that text is.
      await recordFailureDetails(deps, ref, err, attempt);
      throw countExtractionFailure(toApplicationFailure(err, attempt, failureDetailsRef(ref), call.planned ? plannedBatchNote(ref) : undefined));
    }
  }

  return { extract, readAhead };
}

/** The note a failed attempt that planned `ref` itself adds to its failure: the batch, and the retry delay it asks for. */
function plannedBatchNote(ref: BatchRef) {
  return (retryAfterMs: number | undefined): PlannedBatchNote => ({ plannedBatch: ref, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

/** A count from the workflow, as a whole number of at least 0 (anything else counts as 0). */
function wholeOrZero(count: number | undefined): number {
  return Number.isInteger(count) && (count ?? 0) > 0 ? (count ?? 0) : 0;
}

export function extractBatchActivity(deps: ActivityDependencies) {
  const { extract } = batchExtraction(deps);

  /**
   * Extracts memories from one planned batch and commits them; idempotent per batch id. `options.priorAttempts`:
   * attempts the batch had before this activity (its failed `extractNext`), so an error that is final from
   * the Nth attempt stays final from the batch's Nth.
   */
  return async function extractBatch(ref: BatchRef, options?: ExtractBatchOptions): Promise<ExtractionResult> {
    const ctx = Context.current();
    const stop = keepHeartbeating(ctx);
    try {
      const handed = deps.handoff?.take(ref);
      const attempt = ctx.info.attempt + wholeOrZero(options?.priorAttempts);
      return await extract(ctx, ref, { attempt, ...(handed ? { atHand: { messages: handed, fresh: false } } : {}) });
    } finally {
      stop();
    }
  };
}
