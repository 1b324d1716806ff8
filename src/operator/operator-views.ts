/**
 * The operator views behind `MemoryOperator.listThreads` and `MemoryOperator.timeline`: which threads exist
 * (Temporal's visibility list), what each is waiting for (its state query, bounded in time), and a thread's
 * story from DynamoDB (its messages, its batch log, its dead letters). Read-only.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { ThreadStatus } from '../client/memory-client';
import { THREAD_WORKFLOW_TYPE, threadWorkflowId } from '../contract';
import {
  DEFAULT_LIST_THREADS_LIMIT,
  DEFAULT_TIMELINE_LIMIT,
  LIST_THREADS_QUERY_CONCURRENCY,
  MAX_LIST_THREADS_LIMIT,
  MAX_TIMELINE_LIMIT,
  OPERATOR_QUERY_TIMEOUT_MS,
  THREAD_WORKFLOW_ID_PREFIX,
} from '../defaults';
import { InvalidInputError } from '../errors';
import type { BatchLog } from '../store/batch-log';
import type { DeadLetter, DeadLetterStore } from '../store/dead-letters';
import type { MessageInbox } from '../store/message-inbox';
import type { ListThreadsOptions, ThreadSummary, ThreadTimeline, TimelineBatch, TimelineMessage } from './operator-types';

/** What the views need from the caller's client: its connections and how it names threads. */
export interface OperatorViewSources {
  temporal: Client;
  /** The task queue whose threads are listed (the client's and its workers'). */
  taskQueue: string;
  inbox: MessageInbox;
  deadLetters: DeadLetterStore;
  batchLog: BatchLog;
  /** The stored thread id (tenant-prefixed) of a caller's thread id. */
  threadKey(threadId: string): string;
  /** The caller's thread id of a stored one, or null when it is outside the client's tenant. */
  callerThreadId(threadKey: string): string | null;
  /** The thread's live state, or null. */
  state(threadId: string): Promise<ThreadStatus | null>;
}

function checkLimit(value: number | undefined, fallback: number, max: number, field: string): number {
  const limit = value ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new InvalidInputError(`${field}: must be an integer from 1 to ${max}`);
  return limit;
}

/** Runs `fn` over `items`, at most `concurrency` at a time, keeping the order. */
async function mapLimited<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** A thread's live state, or why it could not be read by `deadline` (no worker answering, Temporal failing). */
async function stateBy(sources: OperatorViewSources, threadId: string, deadline: number): Promise<{ state: ThreadStatus | null; stateError: string | null }> {
  if (Date.now() >= deadline) return { state: null, stateError: 'not asked: the time for state queries ran out' };
  try {
    return { state: await sources.temporal.withDeadline(deadline, () => sources.state(threadId)), stateError: null };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { state: null, stateError: `no answer from the thread's workflow (is a worker polling its task queue?): ${reason}` };
  }
}

/**
 * Threads newest first, from Temporal's visibility store: every thread workflow of the client's task queue
 * still within the Temporal namespace's retention, open or closed; one row per thread (its newest run).
 * Running threads are asked for their state, all within one OPERATOR_QUERY_TIMEOUT_MS, so a list where no
 * worker answers still comes back in time (with `stateError` on those rows); closed ones show what
 * DynamoDB keeps (open dead letters).
 */
export async function listThreads(sources: OperatorViewSources, options: ListThreadsOptions = {}): Promise<ThreadSummary[]> {
  const limit = checkLimit(options.limit, DEFAULT_LIST_THREADS_LIMIT, MAX_LIST_THREADS_LIMIT, 'limit');
  if (options.status !== undefined && options.status !== 'open' && options.status !== 'closed') {
    throw new InvalidInputError('status: must be "open" or "closed"');
  }
  // Runs that continued as new are history, not threads. The status filter is applied to each thread's
  // newest run below: a thread restarted after an idle close also has an older completed run.
  const query = [
    `WorkflowType = '${THREAD_WORKFLOW_TYPE}'`,
    `TaskQueue = '${sources.taskQueue.replace(/'/g, "\\'")}'`,
    `ExecutionStatus != 'ContinuedAsNew'`,
  ].join(' AND ');
  const found: { info: WorkflowExecutionInfo; threadId: string }[] = [];
  const seen = new Set<string>();
  for await (const info of sources.temporal.workflow.list({ query })) {
    if (seen.has(info.workflowId) || !info.workflowId.startsWith(THREAD_WORKFLOW_ID_PREFIX)) continue;
    seen.add(info.workflowId);
    const running = info.status.name === 'RUNNING';
    if ((options.status === 'open' && !running) || (options.status === 'closed' && running)) continue;
    const threadId = sources.callerThreadId(info.workflowId.slice(THREAD_WORKFLOW_ID_PREFIX.length));
    if (threadId === null) continue;
    found.push({ info, threadId });
    if (found.length >= limit) break;
  }
  const deadline = Date.now() + OPERATOR_QUERY_TIMEOUT_MS;
  return mapLimited(found, LIST_THREADS_QUERY_CONCURRENCY, async ({ info, threadId }) => {
    const running = info.status.name === 'RUNNING';
    const [{ state, stateError }, open] = await Promise.all([
      running ? stateBy(sources, threadId, deadline) : Promise.resolve({ state: null, stateError: null }),
      sources.deadLetters.list(sources.threadKey(threadId), 'open'),
    ]);
    return {
      threadId,
      workflowId: info.workflowId,
      workflowStatus: info.status.name,
      startedAt: info.startTime.toISOString(),
      closedAt: info.closeTime?.toISOString() ?? null,
      pendingCount: state?.pendingCount ?? null,
      nextExtractionAt: state?.nextExtractionAt ?? null,
      lastExtractionAt: state?.lastExtractionAt ?? null,
      extractionsCompleted: state?.totals.extractionsCompleted ?? null,
      batchesDeadLettered: state?.totals.batchesDeadLettered ?? null,
      retryingAttempt: state?.retrying?.attempt ?? null,
      lastFailure: state?.lastFailure ?? null,
      openDeadLetters: open.length,
      stateError,
    };
  });
}

/** The batch (committed or dead-lettered) whose range holds a message, if any. */
function batchOf(
  message: { seq: number; namespace: string[] },
  ranges: { batchId: string; namespace: string[]; fromSeq: number; toSeq: number }[],
): string | null {
  const ns = JSON.stringify(message.namespace);
  const hit = ranges.find((r) => r.fromSeq <= message.seq && message.seq <= r.toSeq && JSON.stringify(r.namespace) === ns);
  return hit?.batchId ?? null;
}

/**
 * A thread's story: its newest `limit` messages (every namespace), the batches that processed them with
 * the memory keys each changed and its tokens, its dead letters, and its live state. Reads are bounded:
 * one Query per namespace for messages, one for the batch log, one each for dead letters and their failure details.
 */
export async function threadTimeline(sources: OperatorViewSources, threadId: string, options: { limit?: number } = {}): Promise<ThreadTimeline> {
  const limit = checkLimit(options.limit, DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT, 'limit');
  const key = sources.threadKey(threadId);
  const [cursors, batches, deadLetters, { state, stateError }] = await Promise.all([
    sources.inbox.cursors(key),
    sources.batchLog.list(key, limit),
    sources.deadLetters.list(key, undefined, { details: true }),
    stateBy(sources, threadId, Date.now() + OPERATOR_QUERY_TIMEOUT_MS),
  ]);
  const perNamespace = await Promise.all(cursors.map((cursor) => sources.inbox.newest(key, cursor.namespace, limit)));
  const all = perNamespace.flatMap((page) => page.messages).sort((a, b) => b.seq - a.seq);
  const doneSeq = new Map(cursors.map((cursor) => [JSON.stringify(cursor.namespace), cursor.doneSeq]));
  const ranges: { batchId: string; namespace: string[]; fromSeq: number; toSeq: number }[] = [
    ...batches.filter((b: TimelineBatch) => b.kind === 'inbox'),
    ...deadLetters.map((d: DeadLetter) => ({ batchId: d.batchId, namespace: d.namespace, fromSeq: d.fromSeq, toSeq: d.toSeq })),
  ];
  const messages: TimelineMessage[] = all
    .slice(0, limit)
    .reverse()
    .map((m) => ({
      seq: m.seq,
      id: m.id,
      role: m.role,
      content: m.content,
      namespace: m.namespace,
      storedAt: m.storedAt ?? '',
      batchId: batchOf(m, ranges),
      processed: m.seq <= (doneSeq.get(JSON.stringify(m.namespace)) ?? 0),
    }));
  return {
    threadId,
    workflowId: threadWorkflowId(key),
    state,
    stateError,
    messages,
    batches,
    deadLetters: deadLetters.map((d) => ({ ...d, threadId })),
    truncated: all.length > limit || perNamespace.some((page) => page.more),
  };
}
