/**
 * Replays committed workflow histories (recorded by `npm run record-history`) through the current
 * workflow code with no server: a change that breaks determinism fails here before it reaches production.
 * Every history ever committed stays here and must keep replaying.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';

const { EventType } = temporal.api.enums.v1;

function loadHistory(name: string) {
  return historyFromJSON(JSON.parse(readFileSync(join(__dirname, 'histories', name), 'utf8')));
}

/** Each committed history, with the scenario it must contain (so a wrong recording can't pass unnoticed). */
const HISTORIES = [
  { file: 'thread-two-extractions.json', signals: 3, completed: 2, failed: 0 },
  { file: 'thread-failure-and-retry.json', signals: 6, completed: 4, failed: 1 },
];

describe.each(HISTORIES)('$file', ({ file, signals, completed, failed }) => {
  const history = loadHistory(file);
  const count = (type: temporal.api.enums.v1.EventType) =>
    (history.events ?? []).filter((event) => event.eventType === type).length;

  test('holds the recorded scenario: signals, debounce timers, completed and failed extractions', () => {
    expect(count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBe(signals);
    expect(count(EventType.EVENT_TYPE_TIMER_FIRED)).toBeGreaterThanOrEqual(2);
    expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(completed);
    expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)).toBe(failed);
  });

  test('replays through the current workflow code', async () => {
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history)).resolves.toBeUndefined();
  });

  test('fails replay with a determinism error through a deliberately changed workflow', async () => {
    const changed = require.resolve('./fixtures/changed-workflow');
    await expect(Worker.runReplayHistory({ workflowsPath: changed }, history)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
