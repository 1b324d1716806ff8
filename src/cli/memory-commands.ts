/** `memory-ops memories search | show | restore | forget`: reading memories, their history, undoing, erasing. */
import type { Command } from 'commander';
import { DEFAULT_RESTORE_ACTOR, DEFAULT_SEARCH_LIMIT } from '../defaults';
import type { ForgetReport } from '../operator/operator-types';
import type { MemoryChange, MemoryItem, SearchItem } from '../store/memory-types';
import { NotFoundError, UsageError } from './cli-errors';
import type { CommandRunner } from './command-runner';
import { NAMESPACE_ARG_SYNTAX, NAMESPACE_SYNTAX, parseNamespace, parsePositiveInteger } from './parse-args';
import { CONTENT_MAX_CHARS, MESSAGE_IDS_MAX_CHARS, NONE, count, fields, namespaceText, section, table, time, valueText } from './render';

/** Registers the `memories` command group on the program. */
export function registerMemoryCommands(program: Command, runner: CommandRunner): void {
  const memories = program
    .command('memories')
    .description('Stored memories: search, show one with its history, restore a version, forget a namespace prefix.')
    .addHelpText('after', `\n${NAMESPACE_SYNTAX}`);

  memories
    .command('search')
    .description('Memories under a namespace prefix, newest first, or ranked by --query.')
    .argument('<namespace>', `namespace prefix: ${NAMESPACE_ARG_SYNTAX}`, parseNamespace)
    .option('--query <text>', 'rank by relevance to this text')
    .option('--limit <n>', `most memories shown (default ${DEFAULT_SEARCH_LIMIT})`, parsePositiveInteger)
    .action(
      runner.action<[string[]], { query?: string; limit?: number }>(async (ctx, [prefix], options) => {
        const items = await ctx.memory.search(prefix, {
          ...(options.query !== undefined ? { query: options.query } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
        });
        return { json: { items }, text: `${renderSearch(items)}\n\n${count(items.length, 'memory', 'memories')}` };
      }),
    );

  memories
    .command('show')
    .description('One memory and its history, oldest first, with provenance (thread, batch, model, message ids).')
    .argument('<namespace>', `the memory's namespace: ${NAMESPACE_ARG_SYNTAX}`, parseNamespace)
    .argument('<key>', 'the memory key')
    .action(
      runner.action<[string[], string]>(async (ctx, [namespace, key]) => {
        const [memory, history] = await Promise.all([ctx.memory.get(namespace, key), ctx.memory.history(namespace, key)]);
        if (!memory && history.length === 0) throw new NotFoundError(`memory ${namespaceText(namespace)} ${JSON.stringify(key)}: no such memory`);
        return { json: { memory, history }, text: renderMemory(namespace, key, memory, history) };
      }),
    );

  memories
    .command('restore')
    .description('Make a memory what it was at <version> (undo a wrong update, bring back a deleted memory).')
    .argument('<namespace>', `the memory's namespace: ${NAMESPACE_ARG_SYNTAX}`, parseNamespace)
    .argument('<key>', 'the memory key')
    .argument('<version>', 'the version to restore (from memories show)', parsePositiveInteger)
    .option('--actor <label>', 'who the history records as making the change', DEFAULT_RESTORE_ACTOR)
    .action(
      runner.action<[string[], string, number], { actor: string }>(async (ctx, [namespace, key, version], options) => {
        const history = await ctx.memory.history(namespace, key);
        if (history.length === 0) throw new NotFoundError(`memory ${namespaceText(namespace)} ${JSON.stringify(key)}: no such memory`);
        const memory = await ctx.memory.restore(namespace, key, version, { actor: options.actor });
        const text = memory
          ? `Restored ${namespaceText(namespace)} ${key} to version ${version}; it is now version ${memory.version}:\n  ${valueText(memory.value)}`
          : `Restored ${namespaceText(namespace)} ${key} to version ${version}, which was a delete: the memory is deleted.`;
        return { json: { restoredVersion: version, memory }, text };
      }),
    );

  memories
    .command('forget')
    .description(
      'Erase everything stored under a namespace prefix: memories, their history, the messages submitted there, dead letters and bookkeeping. ' +
        'Refused without --yes unless --dry-run.',
    )
    .argument('<prefix>', `namespace prefix: ${NAMESPACE_ARG_SYNTAX}`, parseNamespace)
    .option('--dry-run', 'count what would be removed, remove nothing')
    .option('--yes', 'really remove it (cannot be undone)')
    .action(
      runner.action<[string[]], { dryRun?: boolean; yes?: boolean }>(async (ctx, [prefix], options) => {
        const dryRun = options.dryRun === true;
        if (!dryRun && options.yes !== true) {
          throw new UsageError(
            `--yes: required to forget ${namespaceText(prefix)} (it cannot be undone); run with --dry-run first to see what would be removed`,
          );
        }
        const report = await ctx.operator.forget(prefix, { dryRun });
        return { json: report, text: renderForget(report) };
      }),
    );
}

/** `memories search` rows. */
export function renderSearch(items: readonly SearchItem[]): string {
  const scored = items.some((i) => i.score !== undefined);
  return table(
    items,
    [
      { header: 'namespace', value: (i) => namespaceText(i.namespace) },
      { header: 'key', value: (i) => i.key },
      { header: 'ver', value: (i) => String(i.version), align: 'right' },
      { header: 'updated', value: (i) => time(i.updatedAt) },
      ...(scored ? [{ header: 'score', value: (i: SearchItem) => (i.score === undefined ? NONE : i.score.toFixed(3)), align: 'right' as const }] : []),
      { header: 'content', value: (i) => valueText(i.value), max: CONTENT_MAX_CHARS },
    ],
    'no memories under this prefix',
  );
}

function provenance(change: MemoryChange): string {
  const by = change.by;
  if (by.kind === 'restore') return `restore of version ${by.fromVersion ?? NONE}${by.actor ? ` by ${by.actor}` : ''}`;
  if (by.kind === 'api') return `client call${by.actor ? ` by ${by.actor}` : ''}`;
  // A manager with phases: the passes that made the change (docs/design.md "Phases and steps").
  if (by.phase) return `${by.kind} (${(by.phases ?? [by.phase]).join(' → ')})`;
  return by.kind;
}

/** `memories show`: the memory as it is, then every change. */
export function renderMemory(namespace: readonly string[], key: string, memory: MemoryItem | null, history: readonly MemoryChange[]): string {
  const now = memory
    ? fields([
        ['namespace', namespaceText(memory.namespace)],
        ['key', memory.key],
        ['version', String(memory.version)],
        ['created', time(memory.createdAt)],
        ['updated', time(memory.updatedAt)],
        ['value', valueText(memory.value)],
      ])
    : fields([
        ['namespace', namespaceText(namespace)],
        ['key', key],
        ['value', '(deleted: restore a version from the history to bring it back)'],
      ]);
  const changes = table(history, [
    { header: 'ver', value: (c) => String(c.version), align: 'right' },
    { header: 'action', value: (c) => c.action },
    { header: 'at', value: (c) => time(c.at) },
    { header: 'by', value: provenance },
    { header: 'thread', value: (c) => c.by.threadId ?? '' },
    { header: 'batch', value: (c) => c.by.batchId ?? '' },
    { header: 'model', value: (c) => c.by.model ?? '' },
    { header: 'messages', value: (c) => (c.by.messageIds ?? []).join(' '), max: MESSAGE_IDS_MAX_CHARS },
    { header: 'value', value: (c) => valueText(c.value), max: CONTENT_MAX_CHARS },
  ]);
  return `${now}\n${section(`\nHistory (oldest first): ${count(history.length, 'change')}`, changes)}`;
}

/** What `memories forget` removed, or would remove. */
export function renderForget(report: ForgetReport): string {
  const verb = report.dryRun ? 'Would remove' : 'Removed';
  const summary = fields([
    ['memories', String(report.memories)],
    ['history records', String(report.historyRecords)],
    ['messages', String(report.messages)],
    ['dead letters', String(report.deadLetters)],
    ['bookkeeping items', String(report.bookkeeping)],
    ['namespaces', report.namespaces.map(namespaceText).join('  ')],
    ['threads', report.threads.join('  ')],
  ]).replace(/^/gm, '  ');
  const tail = report.dryRun ? '\n\nNothing was removed (dry run). Run again with --yes to remove it.' : '';
  return `${verb} under ${namespaceText(report.prefix)}:\n${summary}${tail}`;
}
