/**
 * The caller-facing API, the TypeScript twin of LangMem's `ReflectionExecutor.submit` plus store search:
 * `submit` signals (or starts) the thread's workflow, `search` reads memories, `state` queries a thread.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  DEFAULT_TASK_QUEUE,
  THREAD_WORKFLOW_TYPE,
  addMessagesSignal,
  threadStateQuery,
  threadWorkflowId,
  type ThreadStateView,
  type ThreadWorkflowInput,
} from '../contract';
import type { MessageInput, SubmitOptionsInput } from '../schemas';
import type { DynamoMemoryStore, SearchOptions } from '../store/memory-store';
import type { MemoryItem } from '../store/memory-types';
import { prepareSubmission } from './prepare-submission';

/** Options of {@link MemoryClient}. */
export interface MemoryClientOptions {
  /** A connected Temporal client (create one per process, not per call). */
  temporal: Client;
  store: DynamoMemoryStore;
  /** @default DEFAULT_TASK_QUEUE */
  taskQueue?: string;
}

/** What `submit` did. */
export interface SubmitReceipt {
  workflowId: string;
  /** Run id of the workflow that received the signal. */
  runId: string;
  /** Ids of the submitted messages (generated ones included); pass stable ids to make retries dedupe. */
  messageIds: string[];
}

/**
 * @example
 * const memory = new MemoryClient({ temporal, store });
 * await memory.submit('thread-1', [{ role: 'user', content: "I like dogs. My dog's name is Fido." }], {
 *   afterSeconds: 0.5,
 *   namespace: ['memories'],
 * });
 * const memories = await memory.search(['memories']);
 */
export class MemoryClient {
  private readonly taskQueue: string;

  constructor(private readonly options: MemoryClientOptions) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  }

  /**
   * Adds messages to a thread and restarts its quiet-period timer; starts the thread's workflow when it
   * isn't running. Returns once the signal is durably recorded by Temporal, not after extraction.
   */
  async submit(threadId: string, messages: readonly MessageInput[], options?: SubmitOptionsInput): Promise<SubmitReceipt> {
    const prepared = prepareSubmission(threadId, messages, options);
    const handle = await this.options.temporal.workflow.signalWithStart<
      (input: ThreadWorkflowInput) => Promise<void>,
      [typeof prepared.payload]
    >(THREAD_WORKFLOW_TYPE, {
      workflowId: prepared.workflowId,
      taskQueue: this.taskQueue,
      args: [{ threadId: prepared.threadId }],
      signal: addMessagesSignal,
      signalArgs: [prepared.payload],
    });
    return {
      workflowId: prepared.workflowId,
      runId: handle.signaledRunId,
      messageIds: prepared.payload.messages.map((m) => m.id),
    };
  }

  /** Memories under a namespace prefix, newest first (LangGraph `store.search`). */
  async search(namespacePrefix: readonly string[], options?: SearchOptions): Promise<MemoryItem[]> {
    return this.options.store.search(namespacePrefix, options);
  }

  /** The thread's debounce state and totals, or null when the thread has never been submitted. */
  async state(threadId: string): Promise<ThreadStateView | null> {
    try {
      return await this.options.temporal.workflow.getHandle(threadWorkflowId(threadId)).query(threadStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }
}
