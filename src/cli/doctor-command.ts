/** `memory-ops doctor`: is everything the memory manager needs reachable and set up? Exit code 1 when not. */
import type { Command } from 'commander';
import type { DoctorCheck } from '../operator/operator-types';
import { DOCTOR_CHECK_TIMEOUT_MS } from '../defaults';
import { runDoctor } from '../operator/doctor';
import type { CommandRunner } from './command-runner';
import { EXIT_CODES } from './exit-codes';
import { parseSeconds } from './parse-args';
import { count, table } from './render';

/** Registers `doctor` on the program. */
export function registerDoctorCommand(program: Command, runner: CommandRunner): void {
  program
    .command('doctor')
    .description('Check Temporal, a worker polling the task queue, DynamoDB, the table and its indexes, and the model; say how to fix what fails.')
    .option('--timeout <seconds>', `time limit of each check (default ${DOCTOR_CHECK_TIMEOUT_MS / 1000} s)`, parseSeconds)
    .action(
      runner.action<[], { timeout?: number }>(async (ctx, _args, options) => {
        const checks = await runDoctor(ctx, options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {});
        const ok = checks.every((c) => c.ok);
        return { json: { ok, checks }, text: renderDoctor(checks), exitCode: ok ? EXIT_CODES.ok : EXIT_CODES.problems };
      }),
    );
}

/** The checks as a table, then how to fix each failing one. */
export function renderDoctor(checks: readonly DoctorCheck[]): string {
  const rows = table(checks, [
    { header: 'check', value: (c) => c.name },
    { header: 'status', value: (c) => (c.ok ? 'ok' : 'FAIL') },
    { header: 'detail', value: (c) => c.detail },
  ]);
  const failing = checks.filter((c) => !c.ok);
  if (failing.length === 0) return `${rows}\n\nAll ${count(checks.length, 'check')} passed.`;
  const fixes = failing.map((c) => `  ${c.name}: ${c.fix ?? 'see the detail above'}`).join('\n');
  return `${rows}\n\nHow to fix:\n${fixes}\n\n${count(failing.length, 'check')} of ${checks.length} failed.`;
}
