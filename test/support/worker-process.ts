/**
 * The worker as its own process — `src/worker/main.ts`, the container's entry point — so tests can kill
 * it with SIGKILL the way a crashing container dies, and start a fresh one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { captureOutput, stopChild } from '../../src/testing/child-process';
import { projectRoot } from '../../dev/project-paths';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';
import { eventually } from './test-env';

/** Bundles the workflows once to a temporary file, as the container image does at build time. */
export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { ...console, trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined },
  });
  const file = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** When the process was spawned (ms since epoch). */
  startedAt: number;
  /** The tail of stdout and stderr together. */
  output(): string;
  /** Everything the process wrote to stdout so far (its JSON log lines). */
  stdout(): string;
  /** Resolves when the process exits: its exit code or signal, and when (ms since epoch). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** How to start the worker process. */
export interface WorkerProcessOptions {
  /** Command and arguments. @default node --import tsx src/worker/main.ts (the sources) */
  command?: [string, ...string[]];
  /** Working directory. @default the current one */
  cwd?: string;
}

/** Largest stdout kept for {@link WorkerProcess.stdout} (characters). */
const MAX_STDOUT_CHARS = 5_000_000;

/** Starts the worker (`src/worker/main.ts` unless told otherwise) with the given environment and waits until it polls its task queue. */
export async function startWorkerProcess(temporalClient: Client, env: Record<string, string>, options: WorkerProcessOptions = {}): Promise<WorkerProcess> {
  const startedAt = Date.now();
  const [command, ...args] = options.command ?? [process.execPath, '--import', 'tsx', join(projectRoot(), 'src', 'worker', 'main.ts')];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureOutput(child, { tailChars: 20_000 });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (stdout.length < MAX_STDOUT_CHARS) stdout += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const worker: WorkerProcess = {
    child,
    startedAt,
    output,
    stdout: () => stdout,
    exited,
    async kill() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    stop: () => stopChild(child),
  };
  const identity = `${child.pid}@`;
  const polling = eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`worker exited: ${output()}`);
      const { pollers } = await temporalClient.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: env['TEMPORAL_TASK_QUEUE'] },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      return (pollers ?? []).some((p) => p.identity?.startsWith(identity));
    },
    (polling) => polling,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  // A worker that never polls must not outlive the test that started it.
  await polling.catch(async (err: unknown) => {
    await stopChild(child, 0);
    throw err;
  });
  return worker;
}

/** One instruction of a Dockerfile: its keyword (upper case) and the rest of its logical line. */
export interface DockerInstruction {
  keyword: string;
  args: string;
}

/** The repository's Dockerfile as instructions (continuation lines joined, comments dropped), split into stages. */
export function readDockerfile(path = join(projectRoot(), 'Dockerfile')): { instructions: DockerInstruction[]; stages: DockerInstruction[][] } {
  const logical = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const instructions = logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
  const stages: DockerInstruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push([]);
    stages[stages.length - 1]?.push(instruction);
  }
  return { instructions, stages };
}

/** `ENV` values of a stage (both `ENV A=1 B=2` and `ENV A 1` forms). */
export function dockerEnv(stage: DockerInstruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage) {
    if (keyword !== 'ENV') continue;
    if (!args.includes('=')) {
      const [name = '', ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
      continue;
    }
    for (const pair of args.split(/\s+/)) {
      const [name = '', ...value] = pair.split('=');
      env[name] = value.join('=').replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}
