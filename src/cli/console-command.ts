/**
 * `memory-ops console`: the web console over an existing deployment. It connects to the Temporal and
 * DynamoDB the environment names (as every other command does) and serves the console on loopback. It never
 * starts a worker, a poller, a Temporal server or a database: pointed at production it only reads and, on an
 * operator's click, flushes, re-drives or restores through the same client the API uses. (The all-in-one
 * local experience that does start servers and a worker is the dev command `npm run console`, which refuses a
 * non-local Temporal address.)
 */
import { InvalidArgumentError, type Command } from 'commander';
import { startConsoleServer } from '../console/console-server';
import { untilStopRequested } from '../console/until-stopped';
import { DEFAULT_CONSOLE_HOST, DEFAULT_CONSOLE_PORT } from '../defaults';
import { ConfigurationError } from '../errors';
import type { OperatorContext } from '../operator/operator-context';
import type { CommandRunner } from './command-runner';
import { EXIT_CODES } from './exit-codes';

/** Hosts the console may bind: it has no authentication, so loopback only. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return port;
}

/** CONSOLE_PORT, the variable the dev console reads too; a bad value is a usage error naming it. */
function portFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env['CONSOLE_PORT']?.trim();
  if (!value) return DEFAULT_CONSOLE_PORT;
  try {
    return parsePort(value);
  } catch {
    throw new ConfigurationError('CONSOLE_PORT: must be a port number from 0 to 65535');
  }
}

function parseHost(value: string): string {
  if (!LOOPBACK_HOSTS.has(value))
    throw new InvalidArgumentError(
      'the console has no authentication: bind a loopback address (127.0.0.1, ::1, localhost) and reach it through an SSH tunnel or similar',
    );
  return value;
}

/** Registers `console` on the program. */
export function registerConsoleCommand(program: Command, runner: CommandRunner, env: NodeJS.ProcessEnv): void {
  program
    .command('console')
    .description('Serve the web console over the configured deployment (connects only: starts no worker and no server but its own loopback HTTP port).')
    .option('--port <port>', `port to listen on, 0 for a free one (default CONSOLE_PORT, else ${DEFAULT_CONSOLE_PORT})`, parsePort)
    .option('--host <host>', `loopback address to listen on (default ${DEFAULT_CONSOLE_HOST})`, parseHost)
    .action(
      runner.action<[], { port?: number; host?: string }>(async (ctx: OperatorContext, _args, options) => {
        const server = await startConsoleServer({
          memory: ctx.memory,
          temporalUiUrl: ctx.temporalUiUrl,
          temporalNamespace: ctx.config.temporalNamespace,
          host: options.host ?? DEFAULT_CONSOLE_HOST,
          port: options.port ?? portFromEnv(env),
        });
        try {
          // Printed now (the runner prints the outcome only when the command ends); on stderr with --json, whose stdout holds one document.
          (runner.json ? process.stderr : process.stdout).write(
            `Console: ${server.url}   (no authentication: local use only)\n` +
              `Connected to Temporal ${ctx.config.temporalAddress} (namespace ${ctx.config.temporalNamespace}, task queue ${ctx.config.taskQueue}) ` +
              `and DynamoDB ${ctx.config.dynamodbEndpoint ?? `${ctx.config.awsRegion} (AWS)`}, table ${ctx.config.tableName}. Press Ctrl-C to stop.\n`,
          );
          await untilStopRequested(() => undefined);
        } finally {
          await server.close();
        }
        return { json: { stopped: true, url: server.url }, text: 'console stopped', exitCode: EXIT_CODES.ok };
      }),
    );
}
