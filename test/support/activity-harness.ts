/** The extraction activity wired to DynamoDB Local and the fake Messages API, run without a worker. */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { ExtractionRequest, ExtractionResult } from '../../src/contract';
import { FakeMessagesApi } from '../../src/local/fake-messages-api';
import { createAnthropicClient } from '../../src/model/anthropic-client';
import { ClaudeExtractor } from '../../src/model/claude-extractor';
import { BatchWriter } from '../../src/store/batch-writer';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { freshTable, uniqueId, useHarness } from './test-env';

export interface ActivityHarness {
  fake: FakeMessagesApi;
  store: DynamoMemoryStore;
  run(request: ExtractionRequest): Promise<ExtractionResult>;
  /** Runs the activity expecting it to fail (optionally against another model URL); returns its ApplicationFailure. */
  runFailing(request: ExtractionRequest, modelBaseURL?: string): Promise<ApplicationFailure>;
  stop(): Promise<void>;
}

export async function startActivityHarness(name: string): Promise<ActivityHarness> {
  const fake = await FakeMessagesApi.start();
  const dynamo = await freshTable(name);
  const store = new DynamoMemoryStore(dynamo.doc, dynamo.tableName);
  const batches = new BatchWriter(dynamo.doc, dynamo.tableName);
  const run = (request: ExtractionRequest, baseURL = fake.baseURL) => {
    const extractor = new ClaudeExtractor(createAnthropicClient({ apiKey: 'test-key', baseURL }), {
      model: 'claude-test-model',
    });
    const { extractMemories } = createActivities({ store, batches, extractor });
    return new MockActivityEnvironment().run<[ExtractionRequest], ExtractionResult, typeof extractMemories>(
      extractMemories,
      request,
    );
  };
  return {
    fake,
    store,
    run: (request) => run(request),
    async runFailing(request, modelBaseURL) {
      const error: unknown = await run(request, modelBaseURL).then(
        () => new Error('expected the activity to fail'),
        (err: unknown) => err,
      );
      if (!(error instanceof ApplicationFailure)) throw error;
      return error;
    },
    async stop() {
      await fake.close();
      dynamo.client.destroy();
    },
  };
}

/** A one-message extraction request with fresh ids. */
export function extractionRequest(content: string, namespace = ['memories', uniqueId('ns')]): ExtractionRequest {
  return {
    threadId: uniqueId('thread'),
    batchId: uniqueId('batch'),
    namespace,
    messages: [{ id: uniqueId('m'), role: 'user', content, timestamp: '2026-11-26T10:00:00.000Z' }],
  };
}

/** One activity harness per test file, with the hooks of `useHarness`. */
export function useActivityHarness(name: string): ActivityHarness {
  return useHarness(() => startActivityHarness(name));
}
