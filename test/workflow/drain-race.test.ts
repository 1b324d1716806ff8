/**
 * A drain never forgets a message signalled while it runs, whatever sequence number another signal
 * claimed (issue 14, item 6). A `messagesAdded` signal sent around the client with a made-up `lastSeq`
 * (2^53−1) and no quiet period starts a drain whose cutoff is that number; a real submit follows. Every
 * real message must be extracted within seconds: the thread's idle close — the only other way it would be
 * found — is an hour away.
 *
 * The race is between the drain's planning step (DynamoDB reads in a local activity) and the submit's
 * write and signal. On a quiet machine the reads take a few milliseconds and the race is rarely lost, so
 * the worker here plans through an inbox whose reads DynamoDB answers slowly, as a loaded table does.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { MemoryClient } from '../../src/client/memory-client';
import { messagesAddedSignal, threadWorkflowId } from '../../src/contract';
import { createAnthropicClient } from '../../src/model/anthropic-client';
import { ClaudeExtractor } from '../../src/model/claude-extractor';
import { BatchPlanner } from '../../src/store/batch-planner';
import { MessageInbox, type InboxHead, type NamespaceCursor } from '../../src/store/message-inbox';
import { memoryText } from '../../src/store/memory-types';
import { FakeMessagesApi, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { createMemoryWorker } from '../../src/worker/create-worker';
import { createStores } from '../../src/worker/dependencies';
import { eventually, freshTable, settled, temporalAddress, uniqueId } from '../support/test-env';

const insert = (content: string): ScriptedReply => ({ kind: 'tool', input: { operations: [{ action: 'insert', content }] } });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An inbox whose reads DynamoDB answers late, by as much as the test says (0 by default). */
class SlowInbox extends MessageInbox {
  /** Delay before the inbox head is read (ms): the request waits in a slow network path. */
  headSentAfterMs = 0;
  /** Delay after the cursors were read before the answer arrives (ms): a slow response. */
  cursorsAnsweredAfterMs = 0;

  override async head(threadId: string): Promise<InboxHead | null> {
    await pause(this.headSentAfterMs);
    return super.head(threadId);
  }

  override async cursors(threadId: string): Promise<NamespaceCursor[]> {
    const cursors = await super.cursors(threadId);
    await pause(this.cursorsAnsweredAfterMs);
    return cursors;
  }
}

let fake: FakeMessagesApi;
let memory: MemoryClient;
let temporal: Client;
let slow: SlowInbox;
let worker: Worker;
let running: Promise<void>;
let nativeConnection: NativeConnection;

beforeAll(async () => {
  fake = await FakeMessagesApi.start();
  const dynamo = await freshTable('drain-race');
  const stores = createStores(dynamo, dynamo.tableName);
  slow = new SlowInbox(dynamo.doc, dynamo.tableName);
  nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
  const taskQueue = uniqueId('drain-race');
  worker = await createMemoryWorker({
    connection: nativeConnection,
    taskQueue,
    ...stores,
    planner: new BatchPlanner(slow, stores.deadLetters),
    extractor: new ClaudeExtractor(createAnthropicClient({ apiKey: 'test-key', baseURL: fake.baseURL }), { model: 'claude-test-model' }),
    shutdownGraceTimeMs: 1000,
  });
  running = worker.run();
  temporal = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  // Idle close an hour away: a message the drain forgot would be found only then, long after the tests end.
  memory = new MemoryClient({ temporal, store: stores.store, taskQueue, thread: { idleCloseSeconds: 3600 } });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await temporal?.connection.close();
  await nativeConnection?.close();
  await fake?.close();
});

afterEach(() => {
  expect(fake.unexpected).toEqual([]);
  fake.reset();
  slow.headSentAfterMs = 0;
  slow.cursorsAnsweredAfterMs = 0;
});

/** A signal sent around the client: one message, a sequence number the inbox never handed out, no quiet period. */
function bogusSignal(threadId: string) {
  const payload = { lastSeq: Number.MAX_SAFE_INTEGER, newMessages: 1, duplicates: 0, afterSeconds: 0, maxWaitSeconds: 0 };
  return temporal.workflow.getHandle(threadWorkflowId(threadId)).signal(messagesAddedSignal, payload);
}

/** A thread with one message extracted, waiting for more. */
async function startedThread(prefix: string): Promise<{ threadId: string; namespace: string[] }> {
  const threadId = uniqueId(prefix);
  const namespace = ['memories', threadId];
  fake.script(insert('fact 0'));
  await memory.submit(threadId, [{ id: 'm0', role: 'user', content: 'fact 0' }], { afterSeconds: 0.2, namespace });
  await settled(memory, threadId, 1);
  return { threadId, namespace };
}

/** Waits (far less than the idle close) until the namespace holds `count` memories, `fact 0` to `fact <count-1>`. */
async function expectFacts(threadId: string, namespace: string[], count: number, timeoutMs = 15_000): Promise<void> {
  const items = await eventually(
    () => memory.search(namespace),
    (found) => found.length >= count,
    { timeoutMs },
  ).catch(async (err: unknown) => {
    throw new Error(`${String(err)}; state: ${JSON.stringify(await memory.state(threadId))}`);
  });
  expect(items.map((item) => memoryText(item.value)).sort()).toEqual(Array.from({ length: count }, (_, i) => `fact ${i}`).sort());
}

const OFFSETS_MS = [0, 50, 100, 200, 400];
const REPEATS = 3;

test.each(OFFSETS_MS)('a bogus lastSeq signal, then a real submit %i ms later: every real message is extracted', async (offsetMs) => {
  const { threadId, namespace } = await startedThread(`race-${offsetMs}`);
  // The planner's read of the inbox head reaches DynamoDB 300 ms late; the cursor read does not.
  slow.headSentAfterMs = 300;
  for (let round = 1; round <= REPEATS; round++) {
    fake.script(insert(`fact ${round}`));
    await bogusSignal(threadId);
    await pause(offsetMs);
    await memory.submit(threadId, [{ id: `m${round}`, role: 'user', content: `fact ${round}` }], { afterSeconds: 0.2, namespace });
    await expectFacts(threadId, namespace, round + 1);
  }
  const state = await eventually(
    () => memory.state(threadId),
    (s) => s !== null && s.pendingCount === 0 && s.nextExtractionAt === null,
  );
  expect(state?.totals.messagesProcessed).toBe(REPEATS + 1);
  expect(fake.requests).toHaveLength(REPEATS + 1);
});

test('a real signal handled while the drain waits for a slow plan (longer than a workflow task) is not taken by that drain', async () => {
  const { threadId, namespace } = await startedThread('slow-plan');
  // The plan's cursor read answers 12 s late: the local activity outlives the workflow task (10 s), so
  // Temporal delivers the real submit's signal to the workflow while the drain's plan is still running.
  slow.cursorsAnsweredAfterMs = 12_000;
  fake.script(insert('fact 1'));
  await bogusSignal(threadId);
  await pause(50);
  await memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'fact 1' }], { afterSeconds: 0.2, namespace });
  await pause(500);
  slow.cursorsAnsweredAfterMs = 0; // later plans answer at once
  await expectFacts(threadId, namespace, 2, 30_000);
  const state = await eventually(
    () => memory.state(threadId),
    (s) => s !== null && s.pendingCount === 0 && s.nextExtractionAt === null,
  );
  expect(state?.totals.messagesProcessed).toBe(2);
});
