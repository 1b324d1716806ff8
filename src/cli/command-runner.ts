/**
 * Runs one command: opens the operator context (configuration from the environment), calls the action,
 * prints its result as text or, with `--json`, as exactly one JSON document on stdout, closes the context,
 * and records the exit code. Errors go to stderr (`{error: {type, message}}` with `--json`) with the exit
 * code `failureOf` gives them.
 */
import type { Command } from 'commander';
import type { OperatorContext } from '../operator/operator-context';
import { EXIT_CODES, failureOf, type ExitCode, type ServiceTargets } from './exit-codes';
import { printable } from './render';

/** Where the CLI writes, and the environment it is configured from. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

/** What an action returns: the machine and the human form of one result. */
export interface CommandOutcome {
  /** Printed with `--json`. */
  json: unknown;
  /** Printed without it. */
  text: string;
  /** @default EXIT_CODES.ok */
  exitCode?: ExitCode;
  /** The action wrote its output itself (a stream such as an export's JSON Lines): print nothing more. */
  printed?: boolean;
}

/** An action: the operator context, the command's parsed arguments and its options. */
export type CommandAction<A extends unknown[], O> = (ctx: OperatorContext, args: A, options: O) => Promise<CommandOutcome>;

/** Opens the operator context; tests substitute it, the CLI uses `createOperatorContext`. */
export type ContextFactory = (env: NodeJS.ProcessEnv) => Promise<OperatorContext>;

/**
 * @example
 * const runner = new CommandRunner(io, json, createOperatorContext);
 * program.command('doctor').action(runner.action(async (ctx) => ({ json: {}, text: 'ok' })));
 */
export class CommandRunner {
  /** The process's exit code once the command has run. */
  exitCode: number = EXIT_CODES.ok;

  constructor(
    private readonly io: CliIo,
    /** Whether `--json` is on the command line (known before commander parses, so parse errors are JSON too). */
    readonly json: boolean,
    private readonly createContext: ContextFactory,
  ) {}

  /** Wraps an action for commander's `.action()`: commander passes the arguments, the options, then the command. */
  action<A extends unknown[], O = Record<string, never>>(run: CommandAction<A, O>): (...raw: unknown[]) => Promise<void> {
    return async (...raw: unknown[]) => {
      const command = raw[raw.length - 1] as Command;
      let ctx: OperatorContext | undefined;
      try {
        ctx = await this.createContext(this.io.env);
        const outcome = await run(ctx, command.processedArgs as A, command.opts() as O);
        if (!outcome.printed) this.io.out(this.json ? `${jsonText(outcome.json, 2)}\n` : `${printable(outcome.text.trimEnd(), { keepNewlines: true })}\n`);
        this.exitCode = outcome.exitCode ?? EXIT_CODES.ok;
      } catch (err) {
        this.fail(err, ctx && targetsOf(ctx));
      } finally {
        // A failed close (a connection already gone) must not hide the command's own result.
        await ctx?.close().catch(() => undefined);
      }
    };
  }

  /** Reports an error on stderr and records its exit code. */
  fail(err: unknown, targets?: ServiceTargets): void {
    const failure = failureOf(err, targets);
    this.exitCode = failure.exitCode;
    this.io.err(
      this.json
        ? `${jsonText({ error: { type: failure.type, message: failure.message } })}\n`
        : `error: ${printable(failure.message, { keepNewlines: true })}\n`,
    );
  }
}

/**
 * `JSON.stringify`, with the control characters it leaves raw (DEL, C1, bidirectional overrides) escaped
 * too: the same document, safe to look at in a terminal. Outside strings JSON has no such characters.
 */
function jsonText(value: unknown, indent?: number): string {
  return printable(JSON.stringify(value, null, indent), { keepNewlines: true });
}

function targetsOf(ctx: OperatorContext): ServiceTargets {
  return {
    temporal: `${ctx.config.temporalAddress} (namespace ${ctx.config.temporalNamespace})`,
    dynamodb: ctx.config.dynamodbEndpoint ?? `${ctx.config.awsRegion} (AWS)`,
  };
}
