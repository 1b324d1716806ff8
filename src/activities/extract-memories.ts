/**
 * The extraction activity: receipt check → load the namespace's memories → ask the model → write the
 * operations and a receipt in one DynamoDB transaction. Built by a factory that receives its clients, so
 * tests pass DynamoDB Local and a Claude client pointed at the fake Messages API.
 */
import { log } from '@temporalio/activity';
import type { ExtractionRequest, ExtractionResult } from '../contract';
import { MAX_EXISTING_MEMORIES } from '../defaults';
import { toApplicationFailure } from '../errors';
import type { MemoryExtractor } from '../model/claude-extractor';
import type { BatchWriter } from '../store/batch-writer';
import type { DynamoMemoryStore } from '../store/memory-store';
import { newestFirst } from '../store/memory-types';

/** The clients the activities need. */
export interface ActivityDependencies {
  store: DynamoMemoryStore;
  batches: BatchWriter;
  extractor: MemoryExtractor;
  /** Most existing memories shown to the model. @default MAX_EXISTING_MEMORIES */
  maxExistingMemories?: number;
}

/**
 * Creates the activity functions the worker registers.
 * @example
 * const worker = await Worker.create({ taskQueue, workflowsPath, activities: createActivities({ store, batches, extractor }) });
 */
export function createActivities(deps: ActivityDependencies) {
  const maxExisting = deps.maxExistingMemories ?? MAX_EXISTING_MEMORIES;

  /** Extracts memories from one batch of a thread's messages and upserts them; idempotent per `batchId`. */
  async function extractMemories(request: ExtractionRequest): Promise<ExtractionResult> {
    try {
      const earlier = await deps.batches.findReceipt(request.batchId);
      if (earlier) {
        log.info('batch already applied by an earlier attempt', { batchId: request.batchId });
        return earlier;
      }
      const existing = (await deps.store.queryNamespace(request.namespace)).sort(newestFirst).slice(0, maxExisting);
      const proposal = await deps.extractor.extract(request.messages, existing);
      const result = await deps.batches.apply({
        batchId: request.batchId,
        threadId: request.threadId,
        namespace: request.namespace,
        operations: proposal.operations,
        existing: new Map(existing.map((item) => [item.key, item])),
        usage: proposal.usage,
        model: proposal.model,
      });
      log.info('memories extracted', {
        batchId: request.batchId,
        messages: request.messages.length,
        inserted: result.inserted.length,
        updated: result.updated.length,
        deleted: result.deleted.length,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
      });
      return result;
    } catch (err) {
      throw toApplicationFailure(err);
    }
  }

  return { extractMemories };
}
