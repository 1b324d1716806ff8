/** `memory-ops threads list | show | flush`: the thread workflows, one thread's timeline, extracting now. */
import { Option, type Command } from 'commander';
import type { ListThreadsOptions, ThreadSummary } from '../operator/operator-types';
import type { FlushResult } from '../contract';
import { DEFAULT_LIST_THREADS_LIMIT, OPERATOR_QUERY_TIMEOUT_MS } from '../defaults';
import { DEFAULT_FLUSH_WAIT_SECONDS } from '../workflows/replay-constants';
import type { OperatorContext } from '../operator/operator-context';
import { NotFoundError } from './cli-errors';
import type { CommandRunner } from './command-runner';
import { EXIT_CODES } from './exit-codes';
import { parsePositiveInteger, parseSeconds } from './parse-args';
import { CONTENT_MAX_CHARS, ERROR_MAX_CHARS, count, fields, namespaceText, num, table, time } from './render';
import { renderTimeline, temporalUiLink } from './timeline-render';

/** Registers the `threads` command group on the program. */
export function registerThreadCommands(program: Command, runner: CommandRunner): void {
  const threads = program.command('threads').description("Thread workflows: list them, show one thread's timeline, flush one now.");

  threads
    .command('list')
    .description('Threads, newest first: pending messages, next extraction due, last extraction, failures, open dead letters.')
    .addOption(new Option('--status <status>', 'only running (open) or only closed threads').choices(['open', 'closed']))
    .option('--limit <n>', `most threads shown (default ${DEFAULT_LIST_THREADS_LIMIT})`, parsePositiveInteger)
    .action(
      runner.action<[], ListThreadsOptions>(async (ctx, _args, options) => {
        const list = await ctx.operator.listThreads({
          ...(options.status ? { status: options.status } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
        });
        return { json: { threads: list }, text: renderThreadList(list) };
      }),
    );

  threads
    .command('show')
    .description("One thread's timeline: messages received → batches → memory operations (with tokens), dead letters, live state.")
    .argument('<threadId>', 'the thread id (as submitted; a tenant\'s threads are ["memories","alice"]/<id>)')
    .option('--limit <n>', "newest messages and batches shown (default: the client's)", parsePositiveInteger)
    .action(
      runner.action<[string], { limit?: number }>(async (ctx, [threadId], options) => {
        const timeline = await ctx.operator.timeline(threadId, options.limit !== undefined ? { limit: options.limit } : {});
        // A thread whose state could not be read may exist all the same: shown, not "no such thread".
        const empty =
          timeline.state === null &&
          timeline.stateError === null &&
          timeline.messages.length === 0 &&
          timeline.batches.length === 0 &&
          timeline.deadLetters.length === 0;
        if (empty) throw new NotFoundError(`thread ${JSON.stringify(threadId)}: no such thread (nothing was ever submitted to it)`);
        const temporalUi = temporalUiLink(ctx, timeline.workflowId);
        return { json: { ...timeline, temporalUi }, text: renderTimeline(timeline, temporalUi) };
      }),
    );

  threads
    .command('flush')
    .description('Extract everything submitted to the thread now, and show what changed. Exit code 1 when it did not finish in time.')
    .argument('<threadId>', 'the thread id')
    .option('--timeout <seconds>', `longest wait for the extractions (default: the client's, ${DEFAULT_FLUSH_WAIT_SECONDS} s)`, parseSeconds)
    .action(
      runner.action<[string], { timeout?: number }>(async (ctx, [threadId], options) => {
        await assertThreadExists(ctx, threadId);
        const result = await ctx.memory.flush(threadId, options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {});
        return { json: result, text: renderFlush(threadId, result), exitCode: result.complete ? EXIT_CODES.ok : EXIT_CODES.problems };
      }),
    );
}

/**
 * `NotFoundError` unless the thread's workflow exists (running or closed), asked through the client so its
 * thread naming (a tenant's prefix) applies. A state query that does not answer in time (a closed thread with
 * no worker to replay it answers only after ~30 s) proves nothing either way: `flush` then decides itself.
 */
async function assertThreadExists(ctx: OperatorContext, threadId: string): Promise<void> {
  let state: Awaited<ReturnType<typeof ctx.memory.state>>;
  try {
    state = await ctx.temporal.withDeadline(Date.now() + OPERATOR_QUERY_TIMEOUT_MS, () => ctx.memory.state(threadId));
  } catch {
    return;
  }
  if (state === null) throw new NotFoundError(`thread ${JSON.stringify(threadId)}: no such thread (nothing was ever submitted to it)`);
}

/** Shown in a live column of a thread whose state could not be read (it may be running: not "-"). */
const UNKNOWN = '?';

/** A live column's text: `?` when the thread's state could not be read. */
function live(t: ThreadSummary, text: string): string {
  return t.stateError !== null ? UNKNOWN : text;
}

/** The `threads list` table. */
export function renderThreadList(threads: readonly ThreadSummary[]): string {
  const rows = table(
    threads,
    [
      { header: 'thread', value: (t) => t.threadId },
      { header: 'status', value: (t) => t.workflowStatus },
      { header: 'pending', value: (t) => live(t, num(t.pendingCount)), align: 'right' },
      { header: 'next extraction', value: (t) => live(t, time(t.nextExtractionAt)) },
      { header: 'last extraction', value: (t) => live(t, time(t.lastExtractionAt)) },
      { header: 'extractions', value: (t) => live(t, num(t.extractionsCompleted)), align: 'right' },
      { header: 'retrying', value: (t) => live(t, t.retryingAttempt ? `attempt ${t.retryingAttempt}` : '') },
      { header: 'dead letters', value: (t) => String(t.openDeadLetters), align: 'right' },
      {
        header: 'last failure',
        value: (t) =>
          t.stateError !== null ? `live state unavailable: ${t.stateError}` : t.lastFailure ? `${t.lastFailure.type}: ${t.lastFailure.message}` : '',
        max: CONTENT_MAX_CHARS,
      },
    ],
    'no threads',
  );
  const unknown = threads.filter((t) => t.stateError !== null).length;
  const note = unknown === 0 ? '' : ` (${count(unknown, 'thread')} did not answer: "?" is unknown, not none; see threads show or doctor)`;
  return `${rows}\n\n${count(threads.length, 'thread')}${note}`;
}

/** What `threads flush` prints. */
export function renderFlush(threadId: string, result: FlushResult): string {
  const summary = fields([
    ['thread', threadId],
    ['complete', result.complete ? 'yes' : 'no: extraction goes on in the background; run flush again or look at threads show'],
    ['batches', String(result.batchCount)],
    ['messages', `${result.messagesProcessed} processed, ${result.messagesDeadLettered} dead-lettered`],
    ['memories', `${result.inserted} inserted, ${result.updated} updated, ${result.deleted} deleted`],
  ]);
  const batches = table(
    result.batches,
    [
      { header: 'batch', value: (b) => b.batchId },
      { header: 'status', value: (b) => b.status },
      { header: 'namespace', value: (b) => namespaceText(b.namespace) },
      { header: 'messages', value: (b) => String(b.messageCount), align: 'right' },
      { header: 'ins/upd/del', value: (b) => `${b.inserted.length}/${b.updated.length}/${b.deleted.length}` },
      { header: 'error', value: (b) => (b.error ? `${b.error.type}: ${b.error.message}` : ''), max: ERROR_MAX_CHARS },
    ],
    'nothing was pending',
  );
  return `${summary}\n\n${batches}`;
}
