/**
 * The exit codes of `memory-ops`, one meaning each, so scripts can branch on them without parsing output.
 * docs/operations.md "Operator CLI (`memory-ops`)" lists the same table.
 */
import { CommanderError } from 'commander';
import { ConfigurationError, InvalidInputError, isUnavailable, ManagerUnavailableError, TenantAccessError } from '../errors';
import { NotFoundError, UsageError } from './cli-errors';

/** What each exit code means. */
export const EXIT_CODES = {
  /** The command did what was asked. */
  ok: 0,
  /** The command ran, and found problems: a failing doctor check, a flush that did not finish in time. */
  problems: 1,
  /** Bad usage, invalid input or configuration; the message names the argument, option or variable. */
  usage: 2,
  /** The thread, memory or dead letter named does not exist. */
  notFound: 3,
  /** A backing service (Temporal, DynamoDB) did not answer. */
  unavailable: 4,
  /** Anything else: a bug or a surprise; the message says what was thrown. */
  unexpected: 5,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** How a failed command reports itself: its exit code and the error type shown in `{error: {type, message}}`. */
export interface Failure {
  exitCode: ExitCode;
  type: string;
  message: string;
}

/** Whether an error says a service is unreachable (a manager no worker knows counts too: nothing runs it). */
function unreachable(err: unknown): boolean {
  return isUnavailable(err) || err instanceof ManagerUnavailableError;
}

/** Where the CLI was pointed, to name the service that did not answer. */
export interface ServiceTargets {
  temporal: string;
  dynamodb: string;
}

/** Which service an error came from: AWS SDK errors carry `$metadata`; Temporal's are `ServiceError`s or gRPC codes. */
function serviceOf(err: unknown): 'Temporal' | 'DynamoDB' | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if ('$metadata' in e) return 'DynamoDB';
    if (e.name === 'ServiceError' || typeof (e as Error & { code?: unknown }).code === 'number') return 'Temporal';
  }
  return null;
}

/** The innermost message of an error chain: the one that says what actually happened (e.g. `connect ECONNREFUSED`). */
function rootMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err instanceof Error ? err.cause : undefined, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (e.message) message = e.message;
  }
  if (!message && err instanceof AggregateError) message = err.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  return message.replace(/\s*Resolution note:\s*$/, '') || 'no connection';
}

/** Maps an error thrown while parsing or running a command to its exit code; `targets` name an unreachable service. */
export function failureOf(err: unknown, targets?: ServiceTargets): Failure {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CommanderError) return { exitCode: EXIT_CODES.usage, type: 'UsageError', message: message.replace(/^error: /, '') };
  if (err instanceof UsageError || err instanceof InvalidInputError || err instanceof TenantAccessError || err instanceof ConfigurationError) {
    return { exitCode: EXIT_CODES.usage, type: err.name, message };
  }
  if (err instanceof NotFoundError) return { exitCode: EXIT_CODES.notFound, type: err.name, message };
  if (unreachable(err)) {
    const service = serviceOf(err);
    const where = service && targets ? ` at ${service === 'Temporal' ? targets.temporal : targets.dynamodb}` : '';
    return {
      exitCode: EXIT_CODES.unavailable,
      type: 'ServiceUnavailable',
      message: `${service ?? 'a backing service'}${where} is unavailable: ${rootMessage(err)} (run \`memory-ops doctor\` for what to fix)`,
    };
  }
  return { exitCode: EXIT_CODES.unexpected, type: err instanceof Error ? err.name : 'Error', message };
}
