/**
 * A workflow reset, the standard remedy after a bad deploy, on the real dev server (issue: "reset → new
 * messages never extracted"). Batch identity comes from the batch's content and processed-ness from the
 * namespace cursor in DynamoDB, so the reset run re-extracts nothing and a new message reaches the model.
 */
import { randomUUID } from 'node:crypto';
import { threadWorkflowId } from '../../src/contract';
import { promptText, type RecordedRequest } from '../../src/testing/fake-messages-api';
import { memoryText } from '../../src/store/memory-types';
import { EventType } from '../support/history';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const h = useMemoryHarness('reset');

test('reset to the first workflow task after two batches, then a new message: it reaches the model and its memory is written', async () => {
  const threadId = uniqueId('reset');
  const namespace = ['memories', threadId];
  const options = { afterSeconds: 0.3, namespace };
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User likes dogs' }] } });
  const first = await h.memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I like dogs.' }], options);
  await settled(h.memory, threadId, 1);
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User has a dog named Fido' }] } });
  await h.memory.submit(threadId, [{ id: 'm2', role: 'user', content: "My dog's name is Fido." }], options);
  await settled(h.memory, threadId, 2);
  expect(h.fake.requests).toHaveLength(2);

  // Reset the thread's first run to its first completed workflow task.
  const handle = h.temporal.workflow.getHandle(threadWorkflowId(threadId), first.runId);
  const history = await handle.fetchHistory();
  const firstTask = history.events?.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const reset = await h.temporal.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: threadWorkflowId(threadId), runId: first.runId },
    workflowTaskFinishEventId: firstTask?.eventId,
    requestId: randomUUID(),
    reason: 'test: reset after a bad deploy',
  });
  expect(reset.runId).toBeTruthy();

  // The reset run replays the thread's signals; both batches are found done in DynamoDB, none re-extracted.
  await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null && s.pendingCount === 0 && s.extracting === null && s.nextExtractionAt === null,
  );
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User walks Fido daily' }] } });
  await h.memory.submit(threadId, [{ id: 'm3', role: 'user', content: 'I walk Fido every day.' }], options);
  await eventually(
    () => h.memory.search(namespace),
    (items) => items.length === 3,
  );
  expect(h.fake.requests).toHaveLength(3);
  expect(promptText(h.fake.requests[2] as RecordedRequest)).toContain('I walk Fido every day.');
  expect(promptText(h.fake.requests[2] as RecordedRequest)).not.toContain('I like dogs.');
  expect((await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort()).toEqual([
    'User has a dog named Fido',
    'User likes dogs',
    'User walks Fido daily',
  ]);
  const described = await h.temporal.workflow.getHandle(threadWorkflowId(threadId)).describe();
  expect(described.runId).not.toBe(first.runId);
});
