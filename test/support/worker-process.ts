/**
 * The worker as its own process — `src/worker/main.ts`, the container's entry point — so tests can kill
 * it with SIGKILL the way a crashing container dies, and start a fresh one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { captureTail, stopChild } from '../../src/local/child-process';
import { projectRoot } from '../../src/local/project-paths';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';
import { eventually } from './test-env';

/** Bundles the workflows once to a temporary file, as the container image does at build time. */
export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { ...console, trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined } });
  const file = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** When the process was spawned (ms since epoch). */
  startedAt: number;
  output(): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `src/worker/main.ts` with the given environment and waits until it polls its task queue. */
export async function startWorkerProcess(temporalClient: Client, env: Record<string, string>): Promise<WorkerProcess> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot(), 'src', 'worker', 'main.ts')], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureTail(child, 20_000);
  const worker: WorkerProcess = {
    child,
    startedAt,
    output,
    async kill() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    stop: () => stopChild(child),
  };
  const identity = `${child.pid}@`;
  await eventually(
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
  return worker;
}
