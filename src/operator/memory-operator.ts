/**
 * The operator API over the same parts as the caller's `MemoryClient`: which threads exist and what each
 * waits for (`listThreads`), a thread's story (`timeline`), the right to be forgotten (`forget`) and to a
 * copy of one's data (`export`). The CLI
 * and the web console call these; an application calls `MemoryClient` only. Built over a client, so a
 * tenant-bound client gives a tenant-bound operator (its threads only, its namespaces only).
 */
import type { MemoryClient } from '../client/memory-client';
import { InvalidInputError } from '../errors';
import { BatchLog } from '../store/batch-log';
import { exportPrefix, type ExportRecord } from '../store/export-prefix';
import { PrefixEraser, type ForgetReport } from '../store/forget-prefix';
import { scopePrefix, threadIdInTenant } from '../store/tenancy';
import { listThreads, threadTimeline, type OperatorViewSources } from './operator-views';
import type { ListThreadsOptions, ThreadSummary, ThreadTimeline } from './operator-types';

/**
 * @example
 * const operator = new MemoryOperator(new MemoryClient({ temporal, store }));
 * const waiting = await operator.listThreads({ status: 'open' });
 * const story = await operator.timeline('thread-1');
 */
export class MemoryOperator {
  /** The threads' batch logs (what each committed batch changed). */
  private readonly batchLog: BatchLog;

  constructor(readonly client: MemoryClient) {
    this.batchLog = new BatchLog(client.store.doc, client.store.tableName);
  }

  /**
   * Threads of the client's task queue, newest first (Temporal's visibility list, within the namespace's
   * retention), each with what it is waiting for: pending messages, next extraction, last extraction,
   * failures, open dead letters. A tenant-bound client's operator sees only its tenant's threads.
   */
  async listThreads(options?: ListThreadsOptions): Promise<ThreadSummary[]> {
    return listThreads(this.viewSources(), options);
  }

  /** A thread's story: messages received → batches → memory keys changed (with tokens), dead letters, live state. */
  async timeline(threadId: string, options?: { limit?: number }): Promise<ThreadTimeline> {
    const sources = this.viewSources();
    sources.threadKey(threadId); // validates the id before any read
    return threadTimeline(sources, threadId, options);
  }

  /**
   * Right to be forgotten: deletes every memory, stored message, dead letter and bookkeeping item under a
   * namespace prefix and reports what it removed (`dryRun`: only counts). Scans the table; see
   * `src/store/forget-prefix.ts` for cost and what Temporal still keeps.
   */
  async forget(prefix: readonly string[], options?: { dryRun?: boolean }): Promise<ForgetReport> {
    const store = this.client.store;
    store.assertWithinTenant(prefix, 'prefix');
    return new PrefixEraser(store.doc, store.tableName).forget(prefix, options);
  }

  /**
   * Everything held under a namespace prefix — a tenant, or one namespace — as export records for JSON
   * Lines: every message, memory, memory version and dead letter, and the bookkeeping that names them
   * (`src/store/export-prefix.ts`). The same items `forget` would erase; one Scan of the table. A
   * tenant-bound operator exports its own tenant when `prefix` is omitted, shows its own thread ids, and
   * is refused any prefix outside the tenant (`TenantAccessError`).
   * @example
   * for await (const line of toJsonLines(operator.export(['memories', 'alice']))) file.write(line);
   */
  export(prefix?: readonly string[]): AsyncGenerator<ExportRecord> {
    const { store, tenant } = this.client;
    const scoped = scopePrefix(tenant, prefix, 'prefix');
    if (scoped.includes('*')) throw new InvalidInputError(`prefix.${scoped.indexOf('*')}: an export names its labels (no "*")`);
    return exportPrefix(store.doc, store.tableName, scoped, { threadId: (key) => threadIdInTenant(tenant, key) });
  }

  private viewSources(): OperatorViewSources {
    const client = this.client;
    return {
      temporal: client.temporal,
      taskQueue: client.taskQueue,
      inbox: client.inbox,
      deadLetters: client.deadLetterStore,
      batchLog: this.batchLog,
      threadKey: (threadId) => client.threadKey(threadId),
      callerThreadId: (key) => threadIdInTenant(client.tenant, key),
      state: (threadId) => client.state(threadId),
    };
  }
}
