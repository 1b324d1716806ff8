/**
 * Everything a workflow test needs, all real: a worker on the Temporal dev server, DynamoDB Local, the
 * real Anthropic SDK pointed at the fake Messages API, and a MemoryClient. One per test file.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import type { Activities } from '../../src/activities/activity-types';
import { MemoryClient } from '../../src/client/memory-client';
import { FakeMessagesApi } from '../../src/testing/fake-messages-api';
import { createAnthropicClient } from '../../src/model/anthropic-client';
import { ClaudeExtractor } from '../../src/model/claude-extractor';
import { ClaudeQueryWriter } from '../../src/model/query-writer';
import { ManagerRegistry } from '../../src/managers/manager-registry';
import type { MemoryManagerDefinition } from '../../src/managers/memory-manager';
import type { ThreadSettingsInput } from '../../src/schemas';
import type { DynamoMemoryStore } from '../../src/store/memory-store';
import { createMemoryWorker, WORKFLOWS_PATH } from '../../src/worker/create-worker';
import type { RetentionSettings } from '../../src/store/retention';
import { createStores } from '../../src/worker/dependencies';
import { freshTable, temporalAddress, uniqueId, useHarness } from './test-env';

export interface MemoryHarness {
  fake: FakeMessagesApi;
  memory: MemoryClient;
  store: DynamoMemoryStore;
  temporal: Client;
  taskQueue: string;
  tableName: string;
  worker: Worker;
  /** A client for the same table and task queue with other thread settings. */
  clientWith(thread: ThreadSettingsInput): MemoryClient;
  stop(): Promise<void>;
}

/** Servers to use instead of the dev server globalSetup started (e.g. a time-skipping environment's). */
export interface HarnessTemporal {
  nativeConnection: NativeConnection;
  client: Client;
}

/** Options of {@link startMemoryHarness}. */
export interface HarnessOptions {
  /** Thread settings of the harness's client. */
  thread?: ThreadSettingsInput;
  /** Memory managers known to the worker and the client (the default manager is always there). */
  managers?: MemoryManagerDefinition[];
  /** The extractor's prompt budget (estimated tokens). */
  maxPromptTokens?: number;
  /** Retention of processed messages, receipts and batch logs. @default the production defaults */
  retention?: Partial<RetentionSettings>;
  /**
   * The activities the worker registers, built from the real ones (a test wraps one to fail or hang, or
   * leaves one out as an older worker would). @default the real ones, through `createMemoryWorker`
   */
  activities?: (real: Activities) => Record<string, (...args: never[]) => Promise<unknown>>;
}

export async function startMemoryHarness(name: string, existing?: HarnessTemporal, options: HarnessOptions = {}): Promise<MemoryHarness> {
  const fake = await FakeMessagesApi.start();
  const dynamo = await freshTable(name);
  const stores = createStores(dynamo, dynamo.tableName, undefined, options.retention);
  const anthropic = createAnthropicClient({ apiKey: 'test-key', baseURL: fake.baseURL });
  const extractor = new ClaudeExtractor(anthropic, {
    model: 'claude-test-model',
    ...(options.maxPromptTokens !== undefined ? { maxPromptTokens: options.maxPromptTokens } : {}),
  });
  const managers = new ManagerRegistry(options.managers ?? []);
  const nativeConnection = existing?.nativeConnection ?? (await NativeConnection.connect({ address: temporalAddress() }));
  const taskQueue = uniqueId(name);
  const dependencies = { ...stores, extractor, queryWriter: new ClaudeQueryWriter(anthropic), managers };
  const worker = options.activities
    ? await Worker.create({
        connection: nativeConnection,
        taskQueue,
        activities: options.activities(createActivities(dependencies)),
        workflowsPath: WORKFLOWS_PATH,
        shutdownGraceTime: 1000,
      })
    : await createMemoryWorker({ connection: nativeConnection, taskQueue, ...dependencies, shutdownGraceTimeMs: 1000 });
  const running = worker.run();
  const temporal = existing?.client ?? new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  const clientWith = (thread: ThreadSettingsInput) => new MemoryClient({ temporal, store: stores.store, taskQueue, thread, managers });
  return {
    fake,
    memory: clientWith(options.thread ?? {}),
    store: stores.store,
    temporal,
    taskQueue,
    tableName: dynamo.tableName,
    worker,
    clientWith,
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
export function useMemoryHarness(name: string, existing?: () => HarnessTemporal, options?: HarnessOptions): MemoryHarness {
  return useHarness(() => startMemoryHarness(name, existing?.(), options));
}
