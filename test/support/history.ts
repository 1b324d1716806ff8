/** Reading a thread's workflow histories in tests: every run of a continue-as-new chain, and event counts. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { threadWorkflowId } from '../../src/contract';

const { EventType } = temporal.api.enums.v1;
type History = temporal.api.history.v1.IHistory;

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
