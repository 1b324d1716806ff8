/**
 * Replays committed workflow histories (recorded by `npm run record-history`) through the current
 * workflow code with no server: a change that breaks determinism fails here before it reaches production.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';

function loadHistory(name: string) {
  return historyFromJSON(JSON.parse(readFileSync(join(__dirname, 'histories', name), 'utf8')));
}

const history = loadHistory('thread-two-extractions.json');

test('the recorded history holds the scenario it claims: signals, timers, retried and completed extractions', () => {
  const { EventType } = temporal.api.enums.v1;
  const count = (type: temporal.api.enums.v1.EventType) =>
    (history.events ?? []).filter((event) => event.eventType === type).length;
  expect(count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBe(3);
  expect(count(EventType.EVENT_TYPE_TIMER_FIRED)).toBeGreaterThanOrEqual(2);
  // The 529 was retried by the activity's retry policy inside one activity, so two were scheduled.
  expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(2);
  expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(2);
});

test('the current workflow code replays the recorded history', async () => {
  await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history)).resolves.toBeUndefined();
});

test('a deliberately changed workflow fails replay with a determinism error', async () => {
  const changed = require.resolve('./fixtures/changed-workflow');
  await expect(Worker.runReplayHistory({ workflowsPath: changed }, history)).rejects.toBeInstanceOf(
    DeterminismViolationError,
  );
});
