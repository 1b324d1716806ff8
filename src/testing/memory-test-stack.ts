/**
 * The whole memory manager in one process, for an app's own tests and examples: the embedded Temporal
 * dev server and DynamoDB Local (in memory), a table, a worker running the thread workflows and extraction
 * activities, the fake Messages API in place of Claude (unless a key or base URL is given), and a
 * `MemoryClient` wired to all of it. What we test with, packaged so users test their code the same way.
 *
 * Everything it starts listens on 127.0.0.1 (DynamoDB Local on every interface: see docs/testing) and
 * holds throwaway data; it is not a way to run the manager in production.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { MemoryClient } from '../client/memory-client';
import { ConfigurationError } from '../errors';
import { DEFAULT_MODEL } from '../defaults';
import { startDynamoDbLocal } from './dynamodb-local';
import { hostOfAddress, hostOfEndpoint, isLoopbackHost } from './loopback';
import { FakeMessagesApi } from './fake-messages-api';
import { startTemporalDevServer } from './temporal-dev-server';
import { createAnthropicClient } from '../model/anthropic-client';
import { ClaudeExtractor } from '../model/claude-extractor';
import { ClaudeQueryWriter } from '../model/query-writer';
import type { ThreadSettingsInput } from '../schemas';
import { createDynamoClients } from '../store/dynamo-clients';
import { ensureTable } from '../store/ensure-table';
import type { DynamoMemoryStore } from '../store/memory-store';
import { createMemoryWorker } from '../worker/create-worker';
import { createStores } from '../worker/dependencies';

/** A test stack's worker drains in-flight activities this long on stop: tests want a quick stop, not a graceful deploy. */
export const TEST_STACK_SHUTDOWN_GRACE_MS = 1_000;

/** The API key the SDK sends to the fake Messages API (which checks none); never a real credential. */
const FAKE_API_KEY = 'fake-key-for-the-local-fake-messages-api';

/** Options of {@link startMemoryTestStack}. */
export interface MemoryTestStackOptions {
  /** Use this Temporal server (`host:port`) instead of starting the embedded dev server. @default starts one */
  temporalAddress?: string;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local in memory. @default starts one */
  dynamodbEndpoint?: string;
  /** A real Anthropic API key: the worker asks Claude. @default none, so the fake Messages API answers */
  anthropicApiKey?: string;
  /** Messages API base URL (a proxy, or a fake of your own); with it, no fake is started. @default the fake's, or Anthropic's with a key */
  anthropicBaseUrl?: string;
  /** Model the worker extracts with. @default DEFAULT_MODEL */
  model?: string;
  /** Table for memories, inboxes and dead letters (created if missing). @default `memories-<random>` */
  tableName?: string;
  /** @default `memory-test-<random>`, so stacks sharing a Temporal server never take each other's tasks */
  taskQueue?: string;
  /** Settings of the threads the client starts (idle close, retry window). @default the client's defaults */
  thread?: ThreadSettingsInput;
  /**
   * Level of Temporal's worker logs, applied when this process has not set up Temporal's runtime yet
   * (the runtime is once per process; an earlier `Runtime.install` wins). @default 'WARN'
   */
  temporalLogLevel?: LogLevel;
}

/** A running stack; `stop()` it when done (also after a failed test). */
export interface MemoryTestStack {
  /** Submit, flush, state, search: the caller API, connected to the stack. */
  memory: MemoryClient;
  /** The memory store the worker writes to (give it to `DynamoLangGraphStore` or the memory tools). */
  store: DynamoMemoryStore;
  /** The fake Messages API, when no key or base URL was given: script its replies (`fake.script(...)`). */
  fake?: FakeMessagesApi;
  temporalAddress: string;
  dynamodbEndpoint: string;
  tableName: string;
  taskQueue: string;
  /** Stops everything this stack started, newest first; every step runs even when an earlier one fails. */
  stop(): Promise<void>;
}

/**
 * Starts the stack. When a step fails, what already started is stopped before the error is thrown.
 * @example
 * const stack = await startMemoryTestStack();
 * try {
 *   stack.fake?.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User has a dog named Fido' }] } });
 *   await stack.memory.submit('thread-1', [{ role: 'user', content: "My dog's name is Fido." }], { afterSeconds: 0.5 });
 *   await stack.memory.flush('thread-1');
 *   console.log(await stack.memory.search(['memories']));
 * } finally {
 *   await stack.stop();
 * }
 */
export async function startMemoryTestStack(options: MemoryTestStackOptions = {}): Promise<MemoryTestStack> {
  // It runs a worker of its own: never against a deployment's Temporal or DynamoDB.
  if (options.temporalAddress !== undefined && !isLoopbackHost(hostOfAddress(options.temporalAddress))) {
    throw new ConfigurationError(`temporalAddress: ${options.temporalAddress} is not a loopback address (the test stack runs its own worker)`);
  }
  const dynamoHost = options.dynamodbEndpoint === undefined ? undefined : hostOfEndpoint(options.dynamodbEndpoint);
  if (options.dynamodbEndpoint !== undefined && (dynamoHost === undefined || !isLoopbackHost(dynamoHost))) {
    throw new ConfigurationError(`dynamodbEndpoint: ${options.dynamodbEndpoint} is not a loopback address (the test stack runs its own worker)`);
  }
  const stops: { name: string; stop: () => Promise<void> | void }[] = [];
  const stopAll = async (): Promise<void> => {
    const failures: unknown[] = [];
    for (const { name, stop } of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        failures.push(new Error(`stopping ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `memory test stack: ${failures.length} part(s) failed to stop`);
  };

  try {
    installTemporalLogs(options.temporalLogLevel ?? 'WARN');
    // Both servers start together; whichever started is registered even when the other failed.
    const [temporal, dynamo] = await Promise.allSettled([
      options.temporalAddress ? undefined : startTemporalDevServer(),
      options.dynamodbEndpoint ? undefined : startDynamoDbLocal(),
    ]);
    for (const [name, started] of [
      ['Temporal dev server', temporal],
      ['DynamoDB Local', dynamo],
    ] as const) {
      const server = started.status === 'fulfilled' ? started.value : undefined;
      if (server) stops.push({ name, stop: () => server.stop() });
    }
    for (const started of [temporal, dynamo]) {
      if (started.status === 'rejected') throw started.reason instanceof Error ? started.reason : new Error(String(started.reason));
    }
    const temporalAddress = options.temporalAddress ?? (temporal.status === 'fulfilled' ? temporal.value?.address : undefined) ?? '';
    const dynamodbEndpoint = options.dynamodbEndpoint ?? (dynamo.status === 'fulfilled' ? dynamo.value?.endpoint : undefined) ?? '';

    const live = options.anthropicApiKey !== undefined || options.anthropicBaseUrl !== undefined;
    const fake = live ? undefined : await FakeMessagesApi.start();
    if (fake) stops.push({ name: 'fake Messages API', stop: () => fake.close() });

    const tableName = options.tableName ?? `memories-${randomUUID().slice(0, 8)}`;
    const taskQueue = options.taskQueue ?? `memory-test-${randomUUID().slice(0, 8)}`;
    const clients = createDynamoClients({ endpoint: dynamodbEndpoint, region: 'us-east-1' });
    stops.push({ name: 'DynamoDB client', stop: () => clients.client.destroy() });
    await ensureTable(clients.client, tableName);
    const stores = createStores(clients, tableName);
    const anthropic = createAnthropicClient({ apiKey: options.anthropicApiKey ?? FAKE_API_KEY, baseURL: fake?.baseURL ?? options.anthropicBaseUrl });

    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    stops.push({ name: 'worker connection', stop: () => nativeConnection.close() });
    const worker = await createMemoryWorker({
      connection: nativeConnection,
      taskQueue,
      ...stores,
      extractor: new ClaudeExtractor(anthropic, { model: options.model ?? DEFAULT_MODEL }),
      queryWriter: new ClaudeQueryWriter(anthropic),
      shutdownGraceTimeMs: TEST_STACK_SHUTDOWN_GRACE_MS,
    });
    // A worker that dies early fails stop() with its error, instead of an unhandled rejection.
    let workerError: Error | undefined;
    const running = worker.run().catch((err: unknown) => {
      workerError = err instanceof Error ? err : new Error(String(err));
    });
    stops.push({
      name: 'worker',
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        if (workerError) throw workerError;
      },
    });

    const connection = await Connection.connect({ address: temporalAddress });
    stops.push({ name: 'client connection', stop: () => connection.close() });
    const memory = new MemoryClient({ temporal: new Client({ connection }), store: stores.store, taskQueue, thread: options.thread });
    return { memory, store: stores.store, fake, temporalAddress, dynamodbEndpoint, tableName, taskQueue, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => undefined); // the start failure is the error worth reporting
    throw err;
  }
}

/** Temporal's runtime is installed once per process; a caller (or a test setup) that installed it first wins. */
function installTemporalLogs(level: LogLevel): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed: keep the process's choice.
  }
}
