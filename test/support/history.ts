/** Reading a thread's workflow histories in tests: every run of a continue-as-new chain, and event counts. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { threadWorkflowId } from '../../src/contract';

const { EventType } = temporal.api.enums.v1;
type History = temporal.api.history.v1.IHistory;
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The events of the histories (the runs of a chain), in order. */
export function eventsOf(histories: History[]): HistoryEvent[] {
  return histories.flatMap((h) => h.events ?? []);
}

/** The ActivityTaskScheduled events, in order. */
export function scheduledActivities(events: HistoryEvent[]): HistoryEvent[] {
  return events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
}

/** Names of the activities scheduled, in order. */
export function activityNames(events: HistoryEvent[]): string[] {
  return scheduledActivities(events).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
}

/** The SDK's marker events of one kind: `core_patch` (a `patched()` call) or `core_local_activity` (a local activity's result). */
export function markers(events: HistoryEvent[], name: 'core_patch' | 'core_local_activity'): HistoryEvent[] {
  return events.filter((e) => e.markerRecordedEventAttributes?.markerName === name);
}

/** Ids of the `patched()` markers recorded, in order. */
export function patchIds(events: HistoryEvent[]): string[] {
  return markers(events, 'core_patch')
    .flatMap((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? [])
    .map((payload) => (JSON.parse(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8')) as { id: string }).id);
}

/** An event's server time (ms since the epoch). */
export function eventTimeMs(e: HistoryEvent | undefined): number {
  return Number(e?.eventTime?.seconds ?? 0) * 1000 + Math.floor((e?.eventTime?.nanos ?? 0) / 1e6);
}

/** The histories of every run of a thread's workflow, starting from `firstRunId` and following continue-as-new. */
export async function chainHistories(client: Client, threadId: string, firstRunId: string): Promise<History[]> {
  const histories: History[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(threadWorkflowId(threadId), runId).fetchHistory();
    histories.push(history);
    const continued = history.events?.find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
    runId = continued?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return histories;
}

/** How many events of a type the histories hold. */
export function countEvents(histories: History[], type: temporal.api.enums.v1.EventType): number {
  return histories.reduce((sum, h) => sum + (h.events ?? []).filter((e) => e.eventType === type).length, 0);
}

const { WorkflowTaskFailedCause } = temporal.api.enums.v1;

/**
 * Workflow task failures across the histories: tasks the worker could not complete. Not counted:
 * `UNHANDLED_COMMAND`, the server refusing to close a run (continue-as-new) because a signal arrived
 * meanwhile — Temporal's own guard against losing that signal; the task runs again with it.
 */
export function workflowTaskFailures(histories: History[]): number {
  return histories
    .flatMap((h) => h.events ?? [])
    .filter((e) => e.workflowTaskFailedEventAttributes)
    .filter((e) => e.workflowTaskFailedEventAttributes?.cause !== WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND).length;
}

/** Every payload in the histories, decoded as text, for "what does Temporal store" checks. */
export function payloadTexts(histories: History[]): string[] {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (value instanceof Uint8Array) {
      texts.push(Buffer.from(value).toString('utf8'));
      return;
    }
    for (const child of Object.values(value as Record<string, unknown>)) visit(child);
  };
  for (const history of histories) visit(history.events);
  return texts;
}

export { EventType };
