/**
 * The operator views every tool shares (MemoryOperator.listThreads / timeline / forget), against the real
 * dev server and DynamoDB Local: what a thread is waiting for, its story from message to memory, the batch
 * log that survives a worker dying before writing it, and an erasure that leaves nothing under a prefix.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { MemoryClient } from '../../src/client/memory-client';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../dev/demo/recorded-reply';
import type { ScriptedReply } from '../../src/testing/fake-messages-api';
import { TenantAccessError } from '../../src/errors';
import { MemoryOperator } from '../../src/operator/memory-operator';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const h = useMemoryHarness('operator-views');
/** The operator API over the harness's client. */
const ops = () => new MemoryOperator(h.memory);

const tea: ScriptedReply = {
  kind: 'tool',
  input: { operations: [{ action: 'insert', content: 'User drinks tea' }] },
  usage: { input_tokens: 100, output_tokens: 20 },
};

async function submit(threadId: string, namespace: string[], content: string, id?: string) {
  await h.memory.submit(threadId, [{ role: 'user', content, ...(id ? { id } : {}) }], { afterSeconds: 0.2, namespace });
}

/** Every item of the harness's table (small: one test file's data). */
async function allItems(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await h.store.doc.send(new ScanCommand({ TableName: h.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Items that mention a label anywhere (keys, namespace, values): what an erasure must leave none of. */
function mentioning(items: Record<string, unknown>[], label: string): Record<string, unknown>[] {
  const pattern = new RegExp(`(^|[^a-z0-9])${label}([^a-z0-9]|$)`);
  return items.filter((item) => pattern.test(JSON.stringify(item)));
}

test('the timeline tells a thread from message to memory: messages, the batch with its keys and tokens, the live state', async () => {
  const threadId = uniqueId('timeline');
  h.fake.script(RECORDED_SEED_REPLY);
  await submit(threadId, ['memories'], SEED_MESSAGE, 'm-1');
  await settled(h.memory, threadId, 1);

  const timeline = await ops().timeline(threadId);
  expect(timeline.messages).toEqual([
    expect.objectContaining({
      seq: 1,
      id: 'm-1',
      role: 'user',
      content: SEED_MESSAGE,
      namespace: ['memories'],
      batchId: expect.any(String) as unknown,
      processed: true,
    }),
  ]);
  expect(timeline.batches).toHaveLength(1);
  const [batch] = timeline.batches;
  expect(batch).toMatchObject({ batchId: timeline.messages[0]?.batchId, kind: 'inbox', namespace: ['memories'], fromSeq: 1, toSeq: 1, messageCount: 1 });
  expect(batch?.inserted).toHaveLength(2);
  expect(batch?.usage).toMatchObject({ inputTokens: 412, outputTokens: 71 });
  expect(batch?.model).toBe('claude-test-model');
  // The keys in the log are the memories the search finds.
  const found = await h.memory.search(['memories']);
  expect(found.map((item) => item.key).sort()).toEqual([...(batch?.inserted ?? [])].sort());
  expect(timeline.state).toMatchObject({ pendingCount: 0, totals: { extractionsCompleted: 1 } });
  expect(timeline.workflowId).toContain(threadId);
  expect(timeline.truncated).toBe(false);
  expect(timeline.stateError).toBeNull();
});

test('listThreads shows what each thread of the task queue is waiting for: pending, next due, last extraction, failures', async () => {
  const quiet = uniqueId('list-done');
  const failing = uniqueId('list-dead');
  const waiting = uniqueId('list-waiting');
  h.fake.script(tea);
  await submit(quiet, ['memories', quiet], 'I drink tea.');
  await settled(h.memory, quiet, 1);
  h.fake.script({ kind: 'status', status: 400, message: 'max_tokens: too large' });
  await submit(failing, ['memories', failing], 'I drink coffee.');
  await eventually(
    () => h.memory.state(failing),
    (s) => s?.totals.batchesDeadLettered === 1,
  );
  // A long quiet period: the message waits, due in about a minute.
  await h.memory.submit(waiting, [{ role: 'user', content: 'Later.' }], { afterSeconds: 60, namespace: ['memories', waiting] });

  // Temporal's visibility list is eventually consistent: a workflow started a moment ago can be missing
  // from it for a short while (seen in CI), so wait until all three threads are listed.
  const rows = await eventually(
    () => ops().listThreads(),
    (list) => [quiet, failing, waiting].every((id) => list.some((r) => r.threadId === id)),
  );
  const row = (id: string) => rows.find((r) => r.threadId === id);
  expect(row(quiet)).toMatchObject({
    workflowStatus: 'RUNNING',
    pendingCount: 0,
    extractionsCompleted: 1,
    batchesDeadLettered: 0,
    openDeadLetters: 0,
    lastFailure: null,
  });
  expect(row(quiet)?.lastExtractionAt).toEqual(expect.any(String));
  expect(row(failing)).toMatchObject({ pendingCount: 0, batchesDeadLettered: 1, openDeadLetters: 1, lastFailure: { type: 'ModelRequestError' } });
  expect(row(waiting)).toMatchObject({ pendingCount: 1, extractionsCompleted: 0 });
  const due = Date.parse(row(waiting)?.nextExtractionAt ?? '');
  expect(due - Date.now()).toBeGreaterThan(30_000);
  // Newest first, and only this task queue's threads (the dev server is shared with other test files).
  expect(rows.map((r) => r.threadId).indexOf(waiting)).toBeLessThan(rows.map((r) => r.threadId).indexOf(quiet));
  expect(rows.every((r) => r.workflowId.startsWith('memory-thread:'))).toBe(true);
  expect(await ops().listThreads({ limit: 1 })).toHaveLength(1);
  expect((await ops().listThreads({ status: 'closed' })).map((r) => r.threadId)).not.toContain(quiet);
  await expect(ops().listThreads({ limit: 0 })).rejects.toThrow(/limit/);
  // Extract the waiting message now, so no retry outlives this test.
  h.fake.script(tea);
  expect(await h.memory.flush(waiting)).toMatchObject({ complete: true, messagesProcessed: 1 });
});

test("a tenant-bound client lists and reads only its tenant's threads", async () => {
  const tenantA = new MemoryClient({ temporal: h.temporal, store: h.store, taskQueue: h.taskQueue, tenant: ['memories', 'tenant-a'] });
  const tenantB = new MemoryClient({ temporal: h.temporal, store: h.store, taskQueue: h.taskQueue, tenant: ['memories', 'tenant-b'] });
  const threadId = uniqueId('shared-name');
  h.fake.script(tea);
  await tenantA.submit(threadId, [{ role: 'user', content: 'I drink tea.' }], { afterSeconds: 0.2, namespace: ['memories', 'tenant-a'] });
  await settled(tenantA, threadId, 1);
  // Visibility lags a new workflow by a moment (see the listThreads test).
  const listed = await eventually(
    () => new MemoryOperator(tenantA).listThreads(),
    (rows) => rows.length > 0,
  );
  expect(listed.map((r) => r.threadId)).toEqual([threadId]);
  expect(await new MemoryOperator(tenantB).listThreads()).toEqual([]);
  expect((await new MemoryOperator(tenantA).timeline(threadId)).messages).toHaveLength(1);
  // The same thread id under tenant B is another (empty) thread.
  expect((await new MemoryOperator(tenantB).timeline(threadId)).messages).toEqual([]);
  await expect(new MemoryOperator(tenantB).forget(['memories', 'tenant-a'])).rejects.toBeInstanceOf(TenantAccessError);
});

test('forget removes everything under a prefix (memories, history, messages, dead letters, bookkeeping) and nothing else', async () => {
  const alice = ['memories', 'alice'];
  const aliceTwo = ['memories', 'alice2'];
  const bob = ['memories', 'bob'];
  const t1 = uniqueId('forget-1');
  const t2 = uniqueId('forget-2');
  // Alice: two extractions on one thread (memories, history, batch log, receipts), a dead letter on another.
  h.fake.script(tea, { kind: 'tool', input: { operations: [{ action: 'insert', content: 'Alice walks Fido' }] } });
  await submit(t1, alice, 'I drink tea.');
  await settled(h.memory, t1, 1);
  await submit(t1, alice, 'I walk Fido.');
  await settled(h.memory, t1, 2);
  const [aliceKey] = (await h.memory.search(alice)).map((i) => i.key);
  await h.memory.store.put(alice, aliceKey ?? 'k', { kind: 'Memory', content: { content: 'User drinks green tea' } });
  h.fake.script({ kind: 'status', status: 400, message: 'bad' });
  await submit(t2, alice, 'My address is 1 Main St.');
  await eventually(
    () => h.memory.state(t2),
    (s) => s?.totals.batchesDeadLettered === 1,
  );
  // Neighbours that must survive: a label that starts the same, and another user on the same thread.
  h.fake.script(tea, tea);
  await submit(t1, aliceTwo, 'I drink tea too.');
  await settled(h.memory, t1, 3);
  await submit(t2, bob, 'Bob drinks tea.');
  await settled(h.memory, t2, 1);

  const before = await allItems();
  expect(mentioning(before, 'alice').length).toBeGreaterThan(10);
  const survivors = before.length - mentioning(before, 'alice').length;

  const dry = await ops().forget(alice, { dryRun: true });
  expect(dry).toMatchObject({ dryRun: true, memories: 2, deadLetters: 1 });
  expect(dry.messages).toBe(3);
  expect(dry.historyRecords).toBe(3);
  expect((await allItems()).length).toBe(before.length);

  const report = await ops().forget(alice);
  expect(report).toMatchObject({ dryRun: false, prefix: alice, memories: 2, historyRecords: 3, messages: 3, deadLetters: 1 });
  expect(report.threads.sort()).toEqual([t1, t2].sort());
  expect(report.namespaces).toEqual([alice]);
  const after = await allItems();
  expect(mentioning(after, 'alice')).toEqual([]);
  expect(mentioning(after, 'alice2').length).toBeGreaterThan(0);
  expect(after.length).toBe(survivors);
  expect(await h.memory.search(alice)).toEqual([]);
  expect(await h.memory.deadLetters(t2)).toEqual([]);
  expect((await h.memory.search(bob)).length).toBe(1);
  expect((await h.memory.search(aliceTwo)).length).toBe(1);
  const listed = (await h.memory.listNamespaces({ prefix: ['memories'] })).map((ns) => ns.join('/'));
  expect(listed).toEqual(expect.arrayContaining(['memories/alice2', 'memories/bob']));
  expect(listed).not.toContain('memories/alice');

  // t1 has continued as new by now (the test server suggests it at 40 events): its old runs are history, not
  // closed threads, and it is listed once, as running.
  let continued = 0;
  for await (const run of h.temporal.workflow.list({ query: `WorkflowId = 'memory-thread:${t1}' AND ExecutionStatus = 'ContinuedAsNew'` }))
    continued += run ? 1 : 0;
  expect(continued).toBeGreaterThan(0);
  expect((await ops().listThreads({ status: 'closed' })).map((r) => r.threadId)).not.toContain(t1);
  const t1Rows = await eventually(
    async () => (await ops().listThreads()).filter((r) => r.threadId === t1),
    (rows) => rows.length > 0,
  );
  expect(t1Rows).toMatchObject([{ workflowStatus: 'RUNNING' }]);

  // The threads go on: a new message under the forgotten prefix is extracted as on a fresh start.
  h.fake.script(tea);
  await submit(t1, alice, 'I still drink tea.');
  await eventually(
    () => h.memory.search(alice),
    (items) => items.length === 1,
  );
  expect(await ops().forget(['memories', 'nobody'])).toMatchObject({ memories: 0, messages: 0, threads: [] });
  await expect(ops().forget([])).rejects.toThrow(/prefix/);
}, 60_000);

test('a timeline of large messages follows DynamoDB pages: none is dropped, and a limit says it truncated', async () => {
  const threadId = uniqueId('big');
  const ns = ['memories', threadId];
  // 40 messages of 30,000 characters: 1.2 MB, more than one Query page. A long quiet period keeps them pending.
  const messages = Array.from({ length: 40 }, (_, i) => ({ id: `big-${i + 1}`, role: 'user' as const, content: `${i + 1} ${'x'.repeat(29_990)}` }));
  for (let i = 0; i < messages.length; i += 8) await h.memory.submit(threadId, messages.slice(i, i + 8), { afterSeconds: 3_600, namespace: ns });
  const whole = await ops().timeline(threadId);
  expect(whole.messages.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  expect(whole.truncated).toBe(false);
  expect(whole.messages.every((m) => !m.processed && m.batchId === null)).toBe(true);
  const newest = await ops().timeline(threadId, { limit: 10 });
  expect(newest.messages.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 31));
  expect(newest.truncated).toBe(true);
});

test('threads no worker answers come back running with stateError, not as closed', async () => {
  const taskQueue = uniqueId('no-worker');
  const orphan = new MemoryClient({ temporal: h.temporal, store: h.store, taskQueue });
  const ids = Array.from({ length: 20 }, () => uniqueId('orphan'));
  for (const id of ids) await orphan.submit(id, [{ role: 'user', content: 'Anyone there?' }], { afterSeconds: 60, namespace: ['memories', id] });
  try {
    // Temporal's visibility (what listThreads reads) catches up with new workflows a little later.
    await eventually(
      () => h.temporal.workflow.count(`TaskQueue = "${taskQueue}"`),
      ({ count }) => count === 20,
    );
    const rows = await new MemoryOperator(orphan).listThreads();
    expect(rows).toHaveLength(20);
    for (const row of rows) expect(row).toMatchObject({ workflowStatus: 'RUNNING', pendingCount: null, stateError: expect.any(String) as unknown });
    const timeline = await new MemoryOperator(orphan).timeline(ids[0] as string);
    expect(timeline.state).toBeNull();
    expect(timeline.stateError).toMatch(/worker/);
    expect(timeline.messages).toHaveLength(1);
  } finally {
    await Promise.all(ids.map((id) => h.temporal.workflow.getHandle(`memory-thread:${id}`).terminate('test cleanup')));
  }
}, 60_000);
