/**
 * Starts the real Temporal CLI dev server (`temporal server start-dev`) on a free loopback port and waits
 * until its frontend answers. The SDK's ephemeral server gives a binary only 5 s to come up, which a busy
 * 2-core machine can miss; this waits up to LOCAL_SERVER_START_TIMEOUT_MS, and starts it again after a lost
 * port race or a crash at startup (up to LOCAL_SERVER_PORT_ATTEMPTS). Without a local binary it falls
 * back to the SDK's downloading `TestWorkflowEnvironment.createLocal`.
 */
import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { DEFAULT_TEMPORAL_NAMESPACE, LOCAL_SERVER_START_TIMEOUT_MS } from '../defaults';
import { captureOutput, exitDescription, stopChild } from './child-process';
import { freePort, portWasTaken, startOnFreePort } from './free-port';
import { resolveTemporalCli, type TemporalExecutable } from './temporal-binaries';
import { waitFor } from './wait-for';

/** A running local Temporal server. */
export interface LocalTemporal {
  address: string;
  namespace: string;
  /** Web UI address, when the server serves one. */
  uiAddress?: string;
  stop(): Promise<void>;
}

/** Options of {@link startTemporalDevServer}. */
export interface TemporalDevServerOptions {
  /** SQLite file for persistence across restarts; in-memory when unset. */
  dbFile?: string;
  /** Frontend port (e.g. to restart a server where its clients expect it); a free port when unset. */
  port?: number;
  /** Serve the Web UI on a free port. @default false */
  ui?: boolean;
  /** Extra `server start-dev` arguments, e.g. dynamic config values. */
  extraArgs?: string[];
  /** @default resolveTemporalCli() */
  executable?: TemporalExecutable;
  /** @default LOCAL_SERVER_START_TIMEOUT_MS */
  startTimeoutMs?: number;
}

export async function startTemporalDevServer(options: TemporalDevServerOptions = {}): Promise<LocalTemporal> {
  const executable = options.executable ?? resolveTemporalCli();
  const namespace = DEFAULT_TEMPORAL_NAMESPACE;
  if (executable.type === 'cached-download') {
    // An optional peer, loaded only on this path (require, not import(): jest's VM has no dynamic import).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TestWorkflowEnvironment } = require('@temporalio/testing') as typeof import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { dbFilename: options.dbFile, extraArgs: options.extraArgs, ui: options.ui ?? false },
    });
    return { address: env.address, namespace, stop: () => env.teardown() };
  }

  return startOnFreePort((port) => startOnPort(executable.path, namespace, port, options), {
    port: options.port,
    retryable: (err) => portWasTaken(err) || crashedWithPanic(err),
  });
}

/**
 * Whether the dev server crashed while starting (a Go panic: "panic: …" then the goroutines' stacks), which
 * is tried again like a lost port race. A refusal (a bad flag, a locked database file) is an `Error: …` line
 * and exit 1, and fails at once. Seen twice in full-suite CI runs on a busy 2-core machine: a panic inside
 * the server's dependency wiring (`go.uber.org/dig`) at startup, its first line cut off by the old tail-only capture.
 */
export function crashedWithPanic(err: unknown): boolean {
  return err instanceof Error && /(^|\n|output: )panic: |\ngoroutine \d+ \[/.test(err.message);
}

async function startOnPort(executablePath: string, namespace: string, port: number, options: TemporalDevServerOptions): Promise<LocalTemporal> {
  const uiPort = options.ui ? await freePort() : undefined;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(executablePath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = captureOutput(child);
  const address = `127.0.0.1:${port}`;
  try {
    await waitFor(
      `Temporal dev server (${executablePath})`,
      async () => {
        const connection = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
        } finally {
          await connection.close();
        }
      },
      { timeoutMs: options.startTimeoutMs ?? LOCAL_SERVER_START_TIMEOUT_MS, failed: () => exitDescription(child, tail) },
    );
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    address,
    namespace,
    uiAddress: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    stop: () => stopChild(child),
  };
}
