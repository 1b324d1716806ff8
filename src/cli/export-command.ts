/**
 * `memory-ops export <tenant-or-namespace> [--out file]`: everything held under a namespace prefix as JSON
 * Lines (src/store/export-prefix.ts). Without `--out` the lines go to stdout; with it, to a new file
 * readable by its owner only (it holds conversation text), never over an existing one.
 */
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { toJsonLines } from '../store/export-prefix';
import { UsageError } from './cli-errors';
import type { CommandRunner } from './command-runner';
import { NAMESPACE_ARG_SYNTAX, parseNamespace } from './parse-args';
import { fields, namespaceText, printable } from './render';

/** Registers `export` on the program; `write` is stdout (tests substitute it). */
export function registerExportCommand(program: Command, runner: CommandRunner, write: (text: string) => void): void {
  program
    .command('export')
    .description(
      'Write everything held under a tenant or namespace prefix as JSON Lines: messages, memories and every version, dead letters, ' +
        'and the bookkeeping that names them (the same items forget would erase).',
    )
    .argument('<prefix>', `the tenant's or namespace's prefix: ${NAMESPACE_ARG_SYNTAX}`, parseNamespace)
    .option('--out <file>', 'write to this new file (mode 600; refused if it exists) instead of stdout')
    .action(
      runner.action<[string[]], { out?: string }>(async (ctx, [prefix], options) => {
        const lines = toJsonLines(ctx.operator.export(prefix));
        if (options.out === undefined) {
          // JSON escapes C0 controls; printable escapes the rest a terminal would act on (same JSON values).
          for await (const line of lines) write(printable(line, { keepNewlines: true }));
          return { json: null, text: '', printed: true };
        }
        const file = await open(options.out, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'EEXIST') throw new UsageError(`--out: ${options.out} already exists (an export never overwrites a file)`);
          throw err;
        });
        let count = 0;
        try {
          for await (const line of lines) {
            await file.write(line);
            count++;
          }
        } finally {
          await file.close();
        }
        const summary = { out: options.out, prefix, lines: count };
        return { json: summary, text: `Exported ${namespaceText(prefix)} to ${options.out}:\n${fields([['lines', String(count)]]).replace(/^/gm, '  ')}` };
      }),
    );
}
