/**
 * `memory-ops`, the operator CLI: threads, dead letters, memories, export, a doctor, the web console and `eval`, over the same
 * `MemoryClient` the API uses, configured from the same environment as the worker. `--json` anywhere on
 * the command line prints exactly one JSON document on stdout (errors: `{error: {type, message}}` on
 * stderr); the exit code says what happened (see `exit-codes.ts`).
 *
 * @example
 * // npm run ops -- threads list --status open
 * // node bin/memory-ops.js memories search memories,alice --query dogs --json
 */
import { Command, CommanderError } from 'commander';
import { createOperatorContext } from '../operator/operator-context';
import { CommandRunner, type CliIo, type ContextFactory } from './command-runner';
import { registerConsoleCommand } from './console-command';
import { registerDeadLetterCommands } from './dead-letter-commands';
import { registerDoctorCommand } from './doctor-command';
import { registerEvalCommand } from './eval-command';
import { registerExportCommand } from './export-command';
import { EXIT_CODES } from './exit-codes';
import { registerMemoryCommands } from './memory-commands';
import { NAMESPACE_SYNTAX } from './parse-args';
import { printable } from './render';
import { registerThreadCommands } from './threads-commands';

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  the command ran and found problems (a doctor check failed, a flush did not finish in time, an eval was interrupted)
  2  usage, invalid input or configuration (the message names the argument, option or variable)
  3  not found (thread, memory, dead letter)
  4  a backing service is unavailable (Temporal, DynamoDB)
  5  unexpected error

${NAMESPACE_SYNTAX}
Configuration comes from the worker's environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
TEMPORAL_API_KEY / TEMPORAL_TLS_*, DYNAMODB_ENDPOINT, AWS_REGION, MEMORY_TABLE_NAME, ANTHROPIC_*, TEMPORAL_UI_URL.`;

/** Whether `--json` is on the command line (before a `--`, which ends options). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The program with every command group registered; actions run through `runner`. */
export function buildProgram(runner: CommandRunner, io: CliIo): Command {
  const program = new Command('memory-ops')
    .description('Operate the durable memory manager: threads, dead letters, memories, health.')
    .option('--json', 'print exactly one JSON document on stdout (errors as {"error":{"type","message"}} on stderr)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      // With --json, stderr carries only the JSON error the catch in `runCli` prints.
      writeErr: (text) => (runner.json ? undefined : io.err(printable(text, { keepNewlines: true }))),
    })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError(false);
  // Subcommands copy these settings when created, so register them after configuring the program.
  registerThreadCommands(program, runner);
  registerDeadLetterCommands(program, runner);
  registerMemoryCommands(program, runner);
  registerExportCommand(program, runner, (text) => io.out(text));
  registerDoctorCommand(program, runner);
  registerConsoleCommand(program, runner, io.env);
  registerEvalCommand(program, runner, io);
  return program;
}

/**
 * Parses `argv` (without node and the script) and runs the command; resolves to the exit code.
 * Never throws: every error is printed and becomes an exit code.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo(), createContext: ContextFactory = createOperatorContext): Promise<number> {
  const runner = new CommandRunner(io, wantsJson(argv), createContext);
  const program = buildProgram(runner, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return runner.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version print and succeed; a group without its subcommand prints help and fails.
      if (err.exitCode === 0) return EXIT_CODES.ok;
      if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') {
        runner.fail(new CommanderError(EXIT_CODES.usage, err.code, 'a command is required (see --help)'));
        return runner.exitCode;
      }
      if (runner.json) runner.fail(err);
      return EXIT_CODES.usage;
    }
    runner.fail(err);
    return runner.exitCode;
  }
}

function processIo(): CliIo {
  return { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text), env: process.env };
}

/** Waits until a stream has handed everything written so far to the OS (pipes may be asynchronous). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** The process entry point: runs the command line and exits with its code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await runCli(argv);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  // Exit explicitly: an SDK's idle keep-alive socket must not hold a finished command open.
  process.exit(code);
}

if (require.main === module) void main();
