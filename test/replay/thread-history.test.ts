/**
 * Replays committed workflow histories (recorded by `npm run record-history`) through the current
 * workflow code with no server: a change that breaks determinism fails here before it reaches production.
 * Every history ever committed stays here and must keep replaying; each released workflow version adds
 * its own (`v1-*` is the first shipped version). See docs/versioning.md.
 *
 * The workflow code is bundled once for the file (and the deliberately changed one once), as a worker
 * bundles it once at start; every history replays through that same bundle.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';
import { DRAIN_HOLDS_LATE_SIGNALS_PATCH, PLAN_IN_EXTRACTION_PATCH, QUIET_FROM_SUBMIT_PATCH } from '../../src/workflows/replay-constants';
import { activityNames, countEvents, eventsOf, patchIds } from '../support/history';

const { EventType } = temporal.api.enums.v1;
type History = ReturnType<typeof historyFromJSON>;

const folder = join(__dirname, 'histories');
const files = readdirSync(folder)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string): History {
  return historyFromJSON(JSON.parse(readFileSync(join(folder, file), 'utf8')));
}

/** Recordings from v3 on plan and extract in one activity (`extractNext`, PLAN_IN_EXTRACTION_PATCH). */
const plansInExtraction = (version: number) => version >= 3;

/**
 * What each recorded scenario must contain (over all its runs), so a wrong recording can't pass unnoticed;
 * `version` is the recording's (`v3-…` → 3), for what a workflow change made different.
 */
const SCENARIOS: Record<string, (histories: History[], version: number) => void> = {
  'burst-debounce': (hs) => {
    expect(countEvents(hs, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBeGreaterThanOrEqual(4);
    expect(countEvents(hs, EventType.EVENT_TYPE_TIMER_FIRED)).toBeGreaterThanOrEqual(2);
    expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(2);
  },
  flush: (hs) => {
    expect(countEvents(hs, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)).toBe(2);
    expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(1);
    expect(countEvents(hs, EventType.EVENT_TYPE_TIMER_FIRED)).toBe(0);
  },
  'continue-as-new': (hs, version) => {
    expect(countEvents(hs, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)).toBe(hs.length - 1);
    expect(hs.length).toBeGreaterThanOrEqual(3);
    if (plansInExtraction(version)) {
      // A batch's first attempt is never cancelled for continue-as-new (the thread could not carry a batch it
      // does not know yet): the slow extraction finishes in its run, which continues as new after it.
      expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED)).toBe(0);
      expect(activityNames(eventsOf(hs)).filter((name) => name === 'extractNext').length).toBeGreaterThanOrEqual(3);
      return;
    }
    // An extraction cancelled for continue-as-new, carried into the next run.
    expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED)).toBeGreaterThanOrEqual(1);
  },
  'retry-dead-letter': (hs, version) => {
    if (plansInExtraction(version)) {
      // The 529 fails the first attempt (`extractNext`), the batch it names is retried by `extractBatch`;
      // the 400 fails the next batch's first attempt for good: no retry. Then the re-drive.
      expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)).toBe(2);
      expect(activityNames(eventsOf(hs)).slice(0, 3)).toEqual(['extractNext', 'extractBatch', 'extractNext']);
      expect(patchIds(eventsOf(hs))).toEqual(expect.arrayContaining([PLAN_IN_EXTRACTION_PATCH, QUIET_FROM_SUBMIT_PATCH]));
      return;
    }
    expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)).toBe(1);
    expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(2);
    const retried = hs.flatMap((h) => h.events ?? []).some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried).toBe(true);
  },
  'idle-close': (hs) => {
    expect(countEvents(hs, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).toBe(1);
  },
  'drain-held-signal': (hs, version) => {
    // A signal held by a drain behind a made-up cutoff (patch marker), carried across continue-as-new.
    if (plansInExtraction(version)) expect(patchIds(eventsOf(hs))).toEqual(expect.arrayContaining([DRAIN_HOLDS_LATE_SIGNALS_PATCH, PLAN_IN_EXTRACTION_PATCH]));
    else expect(patchIds(eventsOf(hs))).toEqual([DRAIN_HOLDS_LATE_SIGNALS_PATCH]);
    expect(countEvents(hs, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBe(4);
    expect(countEvents(hs, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(3);
  },
};

let current: WorkflowBundle;
let changed: WorkflowBundle;
beforeAll(async () => {
  [current, changed] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/changed-workflow') }),
  ]);
});

/** One recording: a scenario as one workflow version recorded it (`v2-retry-dead-letter`), all its runs. */
const byRecording = new Map<string, string[]>();
for (const file of files) {
  const recording = file.replace(/(-run\d+)?\.json$/, '');
  byRecording.set(recording, [...(byRecording.get(recording) ?? []), file]);
}
const scenarioOf = (recording: string) => recording.replace(/^v\d+-/, '');

test('every scenario has recorded histories, and every history belongs to a scenario', () => {
  expect([...new Set([...byRecording.keys()].map(scenarioOf))].sort()).toEqual(Object.keys(SCENARIOS).sort());
});

describe.each([...byRecording.entries()])('%s', (recording, scenarioFiles) => {
  const histories = scenarioFiles.map(load);

  test('holds the recorded scenario', () => {
    SCENARIOS[scenarioOf(recording)]?.(histories, Number(/^v(\d+)-/.exec(recording)?.[1]));
  });

  test.each(scenarioFiles)('%s replays through the current workflow code', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: current }, load(file))).resolves.toBeUndefined();
  });

  test('its first run fails replay with a determinism error through a deliberately changed workflow', async () => {
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, histories[0] as History)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
