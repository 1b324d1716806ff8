/**
 * The caller-facing API, the TypeScript twin of LangMem's `ReflectionExecutor.submit` plus store search:
 * `submit` stores messages in the thread's inbox and signals (or starts) the thread's workflow; `flush`
 * extracts now; `state` reads a thread; `deadLetters` / `redrive` handle batches that failed for good;
 * `search` reads memories. The operator API over the same parts (listThreads, timeline, forget, doctor)
 * is `src/operator/`, which builds on this client; nothing here imports it.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  DEFAULT_TASK_QUEUE,
  THREAD_WORKFLOW_TYPE,
  flushUpdate,
  messagesAddedSignal,
  redriveRequestedSignal,
  threadStateQuery,
  threadWorkflowId,
  type FlushRequest,
  type FlushResult,
  type MessagesAddedPayload,
  type ThreadSettings,
  type ThreadStateView,
  type ThreadWorkflowInput,
} from '../contract';
import { InvalidInputError, NotFoundError } from '../errors';
import {
  describeZodError,
  flushRequestSchema,
  threadIdSchema,
  threadSettingsSchema,
  type MessageInput,
  type SubmitOptionsInput,
  type ThreadSettingsInput,
} from '../schemas';
import { DeadLetterStore, type DeadLetter, type DeadLetterStatus } from '../store/dead-letters';
import { MessageInbox } from '../store/message-inbox';
import type { DynamoMemoryStore, ListNamespacesOptions, SearchOptions, WriteOptions } from '../store/memory-store';
import type { MemoryChange, MemoryItem, SearchItem } from '../store/memory-types';
import { tenantThreadKey } from '../store/tenancy';
import { ManagerRegistry } from '../managers/manager-registry';
import { prepareSubmission } from './prepare-submission';

/** Options of {@link MemoryClient}. */
export interface MemoryClientOptions {
  /** A connected Temporal client (create one per process, not per call). */
  temporal: Client;
  /** The memory store; the thread inboxes and dead letters live in the same table. */
  store: DynamoMemoryStore;
  /** @default DEFAULT_TASK_QUEUE */
  taskQueue?: string;
  /** Settings of the threads this client starts (idle close, retry window); running threads keep theirs. */
  thread?: ThreadSettingsInput;
  /**
   * Binds the client to a tenant's namespace prefix (e.g. from a JWT's claims): submits, searches and
   * every memory call outside it are refused with `TenantAccessError`, and thread ids are scoped to it
   * (two tenants' `thread-1` are different threads). See docs/design.md "Tenancy".
   */
  tenant?: readonly string[];
  /** The memory managers submits may name (give the worker the same ones). @default the default manager only */
  managers?: ManagerRegistry;
}

/** What `submit` did. */
export interface SubmitReceipt {
  workflowId: string;
  /** Run id of the workflow that received the signal. */
  runId: string;
  /**
   * Ids of the submitted messages, filled-in ones included: derived from `options.idempotencyKey` when
   * given, else random. Pass stable ids or a key to make retries dedupe.
   */
  messageIds: string[];
  /**
   * Messages stored for the first time, counted per (manager, message): a submit to two managers stores
   * each message twice, once in each manager's namespace.
   */
  newMessages: number;
  /** Messages already stored under the same namespace and id, per (manager, message): not extracted again. */
  duplicates: number;
  /** Each manager the messages went to, with its namespace and counts. */
  targets: SubmitTargetReceipt[];
}

/** What one submit stored for one memory manager. */
export interface SubmitTargetReceipt {
  manager: string;
  namespace: string[];
  newMessages: number;
  duplicates: number;
}

/** An extraction attempt that failed and will be retried, as Temporal reports it. */
export interface RetryInfo {
  attempt: number;
  lastFailure: { type: string; message: string } | null;
  /** ISO-8601 time of the next attempt, when Temporal knows it. */
  nextAttemptAt: string | null;
}

/** A thread as `state()` reports it: the workflow's view plus what Temporal knows about retries. */
export interface ThreadStatus extends ThreadStateView {
  /** Temporal's status of the thread's workflow: `RUNNING`, or `COMPLETED` after an idle close. */
  workflowStatus: string;
  /** The current batch's retrying extraction, or null. */
  retrying: RetryInfo | null;
}

/** What `redrive` asked for. */
export interface RedriveReceipt {
  /** The dead letters now marked for re-drive (the thread extracts them next, without waiting for quiet). */
  requested: DeadLetter[];
}

/** The thread workflow's signature, as the contract names it (the client starts it by type name). */
type ThreadWorkflow = (input: ThreadWorkflowInput) => Promise<ThreadStateView>;

/** What a client tells a thread: new messages are in its inbox, or dead letters were marked for re-drive. */
type ThreadSignal = { kind: 'messagesAdded'; payload: MessagesAddedPayload } | { kind: 'redriveRequested' };

function parseThreadId(threadId: string): string {
  const parsed = threadIdSchema.safeParse(threadId);
  if (!parsed.success) throw new InvalidInputError(`threadId: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/**
 * @example
 * const memory = new MemoryClient({ temporal, store });
 * await memory.submit('thread-1', [{ role: 'user', content: "I like dogs. My dog's name is Fido." }], {
 *   afterSeconds: 0.5,
 *   namespace: ['memories'],
 * });
 * await memory.flush('thread-1'); // optional: extract now instead of after the quiet period
 * const memories = await memory.search(['memories']);
 */
export class MemoryClient {
  /** The task queue of the threads this client starts and signals (its workers poll it). */
  readonly taskQueue: string;
  /** The Temporal client it signals and queries threads with. */
  readonly temporal: Client;
  private readonly settings: Partial<ThreadSettings>;
  /** The thread inboxes (claim-checked message content). */
  readonly inbox: MessageInbox;
  /** Dead letters of all threads. */
  readonly deadLetterStore: DeadLetterStore;

  /** The memory store this client reads and writes (bound to the tenant, if the client is). */
  readonly store: DynamoMemoryStore;
  /** The tenant this client is bound to, if any (see `src/store/tenancy.ts`). */
  readonly tenant: readonly string[] | undefined;
  private readonly managers: ManagerRegistry;

  constructor(options: MemoryClientOptions) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.temporal = options.temporal;
    const settings = threadSettingsSchema.safeParse(options.thread ?? {});
    if (!settings.success) throw new InvalidInputError(`invalid thread settings: ${describeZodError(settings.error)}`);
    this.settings = settings.data;
    this.store = options.tenant ? options.store.forTenant(options.tenant) : options.store;
    this.tenant = options.tenant ? [...options.tenant] : undefined;
    this.managers = options.managers ?? new ManagerRegistry();
    this.inbox = new MessageInbox(options.store.doc, options.store.tableName);
    this.deadLetterStore = new DeadLetterStore(options.store.doc, options.store.tableName);
  }

  /**
   * The thread id as stored and as the workflow is named (validated; scoped to the client's tenant, so no
   * two tenants' ids can collide).
   */
  threadKey(threadId: string): string {
    return tenantThreadKey(this.tenant, parseThreadId(threadId));
  }

  /**
   * Stores messages in the thread's inbox (DynamoDB), then signals the thread's workflow with references
   * only, starting it when it isn't running. Each message restarts the thread's quiet period. Returns once
   * both are durable, not after extraction. Safe to retry when every message has an id or
   * `options.idempotencyKey` names the submit: messages already stored (same namespace and id) are reported
   * as duplicates and never extracted twice. A retried submit with neither stores its id-less messages again.
   */
  async submit(threadId: string, messages: readonly MessageInput[], options?: SubmitOptionsInput): Promise<SubmitReceipt> {
    const prepared = prepareSubmission(threadId, messages, options, undefined, this.managers);
    for (const target of prepared.targets) this.store.assertWithinTenant(target.namespace, `namespace of manager ${target.manager}`);
    const thread = this.threadKey(prepared.threadId);
    // Every target's owner is checked before any is appended to: a submit refused for one manager stores nothing.
    await Promise.all(prepared.targets.map((target) => this.inbox.owners.check(target.namespace, target.manager)));
    // One copy per manager (semantic and episodic managers, say): each namespace dedupes on its own.
    const appended = { lastSeq: 0, newMessages: 0, duplicates: 0 };
    const targets: SubmitTargetReceipt[] = [];
    const payload = (): MessagesAddedPayload => ({
      lastSeq: appended.lastSeq,
      newMessages: appended.newMessages,
      duplicates: appended.duplicates,
      afterSeconds: prepared.afterSeconds,
      maxWaitSeconds: prepared.maxWaitSeconds,
      // The quiet period counts from here (the messages are stored), not from when the thread hears of them.
      submittedAtMs: Date.now(),
    });
    try {
      for (const target of prepared.targets) {
        const result = await this.inbox.append(thread, target.namespace, prepared.messages, target.manager);
        targets.push({ ...target, newMessages: result.newMessages, duplicates: result.duplicates });
        appended.lastSeq = Math.max(appended.lastSeq, result.lastSeq);
        appended.newMessages += result.newMessages;
        appended.duplicates += result.duplicates;
      }
    } catch (err) {
      // A later target failed (a lost claim race, DynamoDB): the earlier targets' messages are stored, so the
      // thread hears of them now rather than at the caller's retry, which may never come.
      if (appended.lastSeq > 0) await this.signalWithStart(thread, { kind: 'messagesAdded', payload: payload() }).catch(() => undefined);
      throw err;
    }
    // Signalled even when every message was a duplicate: the first submit may have died before its signal.
    const handle = await this.signalWithStart(thread, { kind: 'messagesAdded', payload: payload() });
    return {
      workflowId: threadWorkflowId(thread),
      runId: handle,
      messageIds: prepared.messages.map((m) => m.id),
      newMessages: appended.newMessages,
      duplicates: appended.duplicates,
      targets,
    };
  }

  /**
   * Extracts everything submitted to the thread so far, now, and returns what changed (e.g. at the end of
   * a session). Waits at most `timeoutSeconds`; what has not finished by then is reported with
   * `complete: false` and still extracts in the background. A thread that isn't running has nothing to flush.
   */
  async flush(threadId: string, request: FlushRequest = {}): Promise<FlushResult> {
    const id = this.threadKey(threadId);
    const parsed = flushRequestSchema.safeParse(request);
    if (!parsed.success) throw new InvalidInputError(`invalid flush request: ${describeZodError(parsed.error)}`);
    const handle = this.temporal.workflow.getHandle(threadWorkflowId(id));
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return emptyFlush();
      return await handle.executeUpdate(flushUpdate, { args: [parsed.data] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return emptyFlush();
      throw err;
    }
  }

  /** The thread's state, totals and retry status, or null when the thread has never been submitted to. */
  async state(threadId: string): Promise<ThreadStatus | null> {
    const handle = this.temporal.workflow.getHandle(threadWorkflowId(this.threadKey(threadId)));
    try {
      const [view, description] = await Promise.all([handle.query(threadStateQuery), handle.describe()]);
      const pending = (description.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'extractBatch');
      const failure = pending?.lastFailure;
      // A batch first tried by `extractNext` (which plans it) had that attempt before this activity's.
      const first = view.extracting?.firstAttemptFailure;
      const attempt = (pending?.attempt ?? 1) + (first ? 1 : 0);
      // Query and describe are read at once and may straddle the attempt that succeeds: a pending activity of a
      // batch the workflow no longer extracts is stale, not a retry.
      const retrying: RetryInfo | null =
        pending && view.extracting !== null && attempt > 1
          ? {
              attempt,
              lastFailure: failure
                ? { type: failure.applicationFailureInfo?.type ?? 'Failure', message: failure.message ?? '' }
                : first
                  ? { type: first.type, message: first.message }
                  : null,
              nextAttemptAt: pending.nextAttemptScheduleTime?.seconds ? new Date(Number(pending.nextAttemptScheduleTime.seconds) * 1000).toISOString() : null,
            }
          : !pending && first && view.extracting !== null
            ? // The thread's pause between a failed first attempt and its retry (a workflow timer, not an activity's backoff).
              { attempt: 2, lastFailure: { type: first.type, message: first.message }, nextAttemptAt: null }
            : null;
      return { ...view, workflowStatus: description.status.name, retrying };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /**
   * The thread's dead letters (batches that failed for good), optionally only those with one status, each
   * with its failure details from DynamoDB (`details`: the proposed operations, the model's refusal, the model
   * API's error body — what Temporal never holds).
   */
  async deadLetters(threadId: string, status?: DeadLetterStatus): Promise<DeadLetter[]> {
    return this.deadLetterStore.list(this.threadKey(threadId), status, { details: true });
  }

  /**
   * Re-drives the thread's open dead letters (or only `batchId`): marks them in DynamoDB, then wakes the
   * thread, which extracts their original messages next. Safe to repeat. `NotFoundError` for a thread that
   * was never submitted to (no inbox, no dead letters): waking it would start a workflow for nothing.
   */
  async redrive(threadId: string, batchId?: string): Promise<RedriveReceipt> {
    const id = this.threadKey(threadId);
    const requested = await this.deadLetterStore.requestRedrive(id, batchId);
    if (requested.length === 0 && !(await this.threadExists(id))) {
      throw new NotFoundError(`thread ${JSON.stringify(threadId)}: no such thread (nothing was ever submitted to it)`);
    }
    // Woken even when nothing new was marked: an earlier request may have died before its signal.
    await this.signalWithStart(id, { kind: 'redriveRequested' });
    return { requested };
  }

  /** Memories under a namespace prefix: newest first, or ranked by `query` (LangGraph `store.search`). */
  async search(namespacePrefix: readonly string[], options?: SearchOptions): Promise<SearchItem[]> {
    return this.store.search(namespacePrefix, options);
  }

  /** One memory, or null. */
  async get(namespace: readonly string[], key: string): Promise<MemoryItem | null> {
    return this.store.get(namespace, key);
  }

  /** Every change of a memory, oldest first, with who made it (thread, batch, messages, or a client call). */
  async history(namespace: readonly string[], key: string): Promise<MemoryChange[]> {
    return this.store.history(namespace, key);
  }

  /** Makes a memory what it was at `version` (undoes a wrong update, brings back a deleted memory). */
  async restore(namespace: readonly string[], key: string, version: number, options?: WriteOptions): Promise<MemoryItem | null> {
    return this.store.restore(namespace, key, version, options);
  }

  /** Namespaces holding memories (LangGraph `store.listNamespaces`). */
  async listNamespaces(options?: ListNamespacesOptions): Promise<string[][]> {
    return this.store.listNamespaces(options);
  }

  /** Whether anything was ever stored for the thread (its inbox, or a dead letter), read from DynamoDB. */
  private async threadExists(threadKey: string): Promise<boolean> {
    const [head, letters] = await Promise.all([this.inbox.head(threadKey), this.deadLetterStore.list(threadKey)]);
    return head !== null || letters.length > 0;
  }

  /**
   * Signals the thread's workflow, starting it (with this client's settings) when it isn't running. Each
   * signal goes out through its definition in the contract with its typed arguments, so a payload that does
   * not match what the workflow's handler takes fails to compile.
   */
  private async signalWithStart(threadId: string, signal: ThreadSignal): Promise<string> {
    const input: ThreadWorkflowInput = { threadId, settings: this.settings };
    const start = { workflowId: threadWorkflowId(threadId), taskQueue: this.taskQueue, args: [input] as [ThreadWorkflowInput] };
    const workflows = this.temporal.workflow;
    const handle =
      signal.kind === 'messagesAdded'
        ? await workflows.signalWithStart<ThreadWorkflow, [MessagesAddedPayload]>(THREAD_WORKFLOW_TYPE, {
            ...start,
            signal: messagesAddedSignal,
            signalArgs: [signal.payload],
          })
        : await workflows.signalWithStart<ThreadWorkflow, []>(THREAD_WORKFLOW_TYPE, { ...start, signal: redriveRequestedSignal });
    return handle.signaledRunId;
  }
}

function emptyFlush(): FlushResult {
  return { complete: true, batches: [], batchCount: 0, messagesProcessed: 0, messagesDeadLettered: 0, inserted: 0, updated: 0, deleted: 0 };
}
