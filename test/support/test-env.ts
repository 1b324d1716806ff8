/** Connections to the servers globalSetup started, and small helpers shared by test files. */
import { randomUUID } from 'node:crypto';
import type { MemoryClient } from '../../src/client/memory-client';
import { ensureTable } from '../../src/store/ensure-table';
import { createDynamoClients, type DynamoClients } from '../../src/store/dynamo-clients';

/** History length at which the test dev server suggests continue-as-new (production default: 4,096). */
export const TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS = 40;

export function temporalAddress(): string {
  const address = process.env['TEST_TEMPORAL_ADDRESS'];
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS unset: run tests through jest (globalSetup starts the servers)');
  return address;
}

export function dynamoEndpoint(): string {
  const endpoint = process.env['TEST_DYNAMODB_ENDPOINT'];
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT unset: run tests through jest (globalSetup starts the servers)');
  return endpoint;
}

/** A fresh table on DynamoDB Local, so test files never see each other's items. */
export async function freshTable(prefix: string): Promise<DynamoClients & { tableName: string }> {
  const clients = createDynamoClients({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(clients.client, tableName);
  return { ...clients, tableName };
}

/** A unique id for a test's thread, namespace or task queue. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls `read` until `done` holds or the timeout passes; returns the last value read. */
export async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, { timeoutMs = 30_000, intervalMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await read();
  }
  return value;
}

/** What `useHarness` needs of a harness: the fake model to check, and a way to stop. */
interface Harness {
  fake: { unexpected: unknown[]; reset(): void };
  stop(): Promise<void>;
}

/**
 * Registers jest hooks that start one harness for the file, check after each test that the fake model
 * was not called more than scripted, and stop it at the end. The returned object is filled in by
 * `beforeAll`, so tests use it directly.
 */
export function useHarness<T extends Harness>(start: () => Promise<T>): T {
  const harness = {} as T;
  beforeAll(async () => {
    Object.assign(harness, await start());
  });
  afterAll(async () => {
    await (harness.stop as T['stop'] | undefined)?.();
  });
  afterEach(() => {
    expect(harness.fake.unexpected).toEqual([]);
    harness.fake.reset();
  });
  return harness;
}

/** Waits until a thread has completed exactly `extractions` extractions and has nothing pending. */
export function settled(memory: MemoryClient, threadId: string, extractions: number) {
  return eventually(
    () => memory.state(threadId),
    (s) => s !== null && s.totals.extractionsCompleted === extractions && s.pendingCount === 0,
  );
}
