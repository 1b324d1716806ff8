/**
 * Everything a workflow test needs, all real: a worker on the Temporal dev server, DynamoDB Local, the
 * real Anthropic SDK pointed at the fake Messages API, and a MemoryClient. One per test file.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { MemoryClient } from '../../src/client/memory-client';
import { FakeMessagesApi } from '../../src/local/fake-messages-api';
import { createAnthropicClient } from '../../src/model/anthropic-client';
import { ClaudeExtractor } from '../../src/model/claude-extractor';
import { BatchWriter } from '../../src/store/batch-writer';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { createMemoryWorker } from '../../src/worker/create-worker';
import { freshTable, temporalAddress, uniqueId, useHarness } from './test-env';

export interface MemoryHarness {
  fake: FakeMessagesApi;
  memory: MemoryClient;
  store: DynamoMemoryStore;
  temporal: Client;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** Servers to use instead of the dev server globalSetup started (e.g. a time-skipping environment's). */
export interface HarnessTemporal {
  nativeConnection: NativeConnection;
  client: Client;
}

export async function startMemoryHarness(name: string, existing?: HarnessTemporal): Promise<MemoryHarness> {
  const fake = await FakeMessagesApi.start();
  const dynamo = await freshTable(name);
  const store = new DynamoMemoryStore(dynamo.doc, dynamo.tableName);
  const extractor = new ClaudeExtractor(createAnthropicClient({ apiKey: 'test-key', baseURL: fake.baseURL }), {
    model: 'claude-test-model',
  });
  const nativeConnection = existing?.nativeConnection ?? (await NativeConnection.connect({ address: temporalAddress() }));
  const taskQueue = uniqueId(name);
  const worker = await createMemoryWorker({
    connection: nativeConnection,
    taskQueue,
    store,
    batches: new BatchWriter(dynamo.doc, dynamo.tableName),
    extractor,
    shutdownGraceTimeMs: 1000,
  });
  const running = worker.run();
  const temporal = existing?.client ?? new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  const memory = new MemoryClient({ temporal, store, taskQueue });
  return {
    fake,
    memory,
    store,
    temporal,
    taskQueue,
    worker,
    async stop() {
      worker.shutdown();
      await running;
      if (!existing) {
        await temporal.connection.close();
        await nativeConnection.close();
      }
      await fake.close();
      dynamo.client.destroy();
    },
  };
}

/** One harness per test file, with the hooks of `useHarness`. */
export function useMemoryHarness(name: string, existing?: () => HarnessTemporal): MemoryHarness {
  return useHarness(() => startMemoryHarness(name, existing?.()));
}
