/**
 * `memory-ops dead-letters list | show | redrive`: batches that failed for good, what the reviewer needs to
 * judge one (its failure details from DynamoDB: the proposed operations, the refusal, the error body), and
 * sending them through again.
 */
import { Option, type Command } from 'commander';
import type { DeadLetter, DeadLetterStatus } from '../store/dead-letters';
import type { FailureDetails } from '../store/failure-details';
import { NotFoundError } from './cli-errors';
import type { CommandRunner } from './command-runner';
import { ERROR_MAX_CHARS, count, namespaceText, printable, table, time } from './render';

const STATUSES: DeadLetterStatus[] = ['open', 'redrive-requested', 'redriven'];

/** Registers the `dead-letters` command group on the program. */
export function registerDeadLetterCommands(program: Command, runner: CommandRunner): void {
  const letters = program.command('dead-letters').description('Batches whose extraction failed for good: list them, re-drive them.');

  letters
    .command('list')
    .description("A thread's dead letters in inbox order: batch id, status, messages, the error.")
    .argument('<threadId>', 'the thread id')
    .addOption(new Option('--status <status>', 'only dead letters with this status').choices(STATUSES))
    .action(
      runner.action<[string], { status?: DeadLetterStatus }>(async (ctx, [threadId], options) => {
        const list = await ctx.memory.deadLetters(threadId, options.status);
        return { json: { deadLetters: list }, text: `${renderDeadLetters(list)}\n\n${count(list.length, 'dead letter')}` };
      }),
    );

  letters
    .command('show')
    .description('One dead letter with its failure details: the error, and the proposed operations, refusal, model error or output a reviewer judges.')
    .argument('<threadId>', 'the thread id')
    .argument('<batchId>', "the dead letter's batch id (from dead-letters list)")
    .action(
      runner.action<[string, string], Record<string, never>>(async (ctx, [threadId, batchId]) => {
        const letter = (await ctx.memory.deadLetters(threadId)).find((d) => d.batchId === batchId);
        if (!letter) throw new NotFoundError(`dead letter ${JSON.stringify(batchId)}: thread ${JSON.stringify(threadId)} has no such dead letter`);
        return { json: { deadLetter: letter }, text: renderDeadLetter(letter) };
      }),
    );

  letters
    .command('redrive')
    .description("Extract a thread's open dead letters again (all, or one with --batch), against the memories as they are now.")
    .argument('<threadId>', 'the thread id')
    .option('--batch <batchId>', 'only this dead letter (its batch id, from dead-letters list)')
    .action(
      runner.action<[string], { batch?: string }>(async (ctx, [threadId], options) => {
        if (options.batch !== undefined) {
          const known = (await ctx.memory.deadLetters(threadId)).some((letter) => letter.batchId === options.batch);
          if (!known) throw new NotFoundError(`dead letter ${JSON.stringify(options.batch)}: thread ${JSON.stringify(threadId)} has no such dead letter`);
        }
        const receipt = await ctx.memory.redrive(threadId, options.batch);
        const text =
          receipt.requested.length === 0
            ? 'Nothing to re-drive: no open dead letters (already requested or re-driven ones are left alone).'
            : `Re-drive requested for ${count(receipt.requested.length, 'dead letter')}; the thread extracts them next.\n\n${renderDeadLetters(receipt.requested)}`;
        return { json: receipt, text };
      }),
    );
}

/** Dead letters as a table. */
export function renderDeadLetters(letters: readonly DeadLetter[]): string {
  return table(
    letters,
    [
      { header: 'batch', value: (d) => d.batchId },
      { header: 'status', value: (d) => d.status },
      { header: 'namespace', value: (d) => namespaceText(d.namespace) },
      { header: 'seq', value: (d) => (d.fromSeq === d.toSeq ? String(d.fromSeq) : `${d.fromSeq}-${d.toSeq}`) },
      { header: 'msgs', value: (d) => String(d.messageCount), align: 'right' },
      { header: 'redrives', value: (d) => String(d.redrives), align: 'right' },
      { header: 'dead at', value: (d) => time(d.deadAt) },
      { header: 'error', value: (d) => `${d.error.type}: ${d.details?.summary ?? d.error.message}`, max: ERROR_MAX_CHARS },
    ],
    'no dead letters',
  );
}

function detailsText(label: string, details: FailureDetails | undefined): string[] {
  if (!details) return [`${label}: none recorded`];
  const body = details.detail ? JSON.stringify(details.detail, null, 2) : details.clippedDetailJson ? `${details.clippedDetailJson} (clipped)` : '(none)';
  return [`${label} (attempt ${details.attempt}, ${time(details.recordedAt)}): ${printable(details.summary)}`, printable(body, { keepNewlines: true })];
}

/** One dead letter with its failure details, for review. */
export function renderDeadLetter(letter: DeadLetter): string {
  return [
    renderDeadLetters([letter]),
    '',
    `error: ${letter.error.type}: ${letter.error.message}${letter.error.reason ? ` (${letter.error.reason})` : ''}`,
    ...detailsText('details', letter.details),
    ...(letter.lastRedriveError
      ? [
          '',
          `last re-drive error: ${letter.lastRedriveError.type}: ${letter.lastRedriveError.message}`,
          ...detailsText('re-drive details', letter.lastRedriveDetails),
        ]
      : []),
  ].join('\n');
}
