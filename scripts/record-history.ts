/**
 * Records the thread workflow's history for replay tests: runs a real scenario on a fresh dev server,
 * DynamoDB Local and the fake Messages API (a burst of two messages and one extraction; a message whose
 * first activity attempt gets a 529 and its retry succeeds; a message whose batch fails all attempts, then
 * is retried with the same batch id when the next message arrives, followed by that message's own batch;
 * one malformed signal), then writes the history as JSON under test/replay/histories/.
 * Keep older histories: every committed history must keep replaying (guard changes with `patched()`).
 *
 *   npm run record-history
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addMessagesSignal, threadWorkflowId, type AddMessagesPayload } from '../src/contract';
import { RECORDED_SEED_REPLY } from '../src/demo/recorded-reply';
import { startDynamoDbLocal } from '../src/local/dynamodb-local';
import { projectRoot } from '../src/local/project-paths';
import { startTemporalDevServer } from '../src/local/temporal-dev-server';
import { startMemoryHarness } from '../test/support/memory-harness';
import { eventually, settled } from '../test/support/test-env';

export const RECORDED_THREAD_ID = 'replay-thread';

async function main(): Promise<void> {
  const [temporal, dynamo] = await Promise.all([startTemporalDevServer(), startDynamoDbLocal()]);
  process.env['TEST_TEMPORAL_ADDRESS'] = temporal.address;
  process.env['TEST_DYNAMODB_ENDPOINT'] = dynamo.endpoint;
  const h = await startMemoryHarness('record');
  try {
    const namespace = ['memories', 'replay'];
    const options = { afterSeconds: 0.5, namespace };
    const state = (n: number) => settled(h.memory, RECORDED_THREAD_ID, n);
    h.fake.script(RECORDED_SEED_REPLY);
    await h.memory.submit(RECORDED_THREAD_ID, [{ id: 'm1', role: 'user', content: 'I like dogs.' }], options);
    await h.memory.submit(RECORDED_THREAD_ID, [{ id: 'm2', role: 'user', content: "My dog's name is Fido." }], options);
    await state(1);
    h.fake.script(
      { kind: 'status', status: 529, message: 'overloaded' },
      { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User lives in Lisbon' }] } },
    );
    await h.memory.submit(RECORDED_THREAD_ID, [{ id: 'm3', role: 'user', content: 'I moved to Lisbon.' }], options);
    await state(2);
    const invalid = { kind: 'tool', input: { operations: [{ action: 'insert' }] } } as const;
    h.fake.script(invalid, invalid, invalid);
    await h.memory.submit(RECORDED_THREAD_ID, [{ id: 'm4', role: 'user', content: 'My cat is Tom.' }], options);
    await eventually(
      () => h.memory.state(RECORDED_THREAD_ID),
      (s) => s !== null && s.totals.extractionsFailed === 1,
    );
    await h.temporal.workflow.getHandle(threadWorkflowId(RECORDED_THREAD_ID)).signal(addMessagesSignal, {
      malformed: true,
    } as unknown as AddMessagesPayload);
    h.fake.script(
      { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User has a cat named Tom' }] } },
      { kind: 'tool', input: { operations: [] } },
    );
    await h.memory.submit(RECORDED_THREAD_ID, [{ id: 'm5', role: 'user', content: 'Nice weather.' }], options);
    await state(4);
    const history = await h.temporal.workflow.getHandle(threadWorkflowId(RECORDED_THREAD_ID)).fetchHistory();
    const file = join(projectRoot(), 'test', 'replay', 'histories', 'thread-failure-and-retry.json');
    writeFileSync(file, historyToJSON(history));
    console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
  } finally {
    await h.stop();
    await Promise.all([temporal.stop(), dynamo.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
