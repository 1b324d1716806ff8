/**
 * The operator console is safe against a deployment: `memory-ops console` started against a running stack
 * (the harness's worker polls its task queue) connects and serves, and the task queue's pollers are the same
 * before, during and after (Temporal's DescribeTaskQueue): it started no worker. The dev all-in-one
 * (`npm run console`), which does start a worker, refuses a non-local Temporal or DynamoDB target before it
 * starts anything.
 */
import { temporal } from '@temporalio/proto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../dev/project-paths';
import { useMemoryHarness } from '../support/memory-harness';
import { dynamoEndpoint, eventually, temporalAddress } from '../support/test-env';

const h = useMemoryHarness('operator-console');
const inherited = Object.fromEntries(['PATH', 'HOME', 'TMPDIR'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));

/** Identities polling the harness's task queue, for workflow and activity tasks. */
async function pollers(): Promise<string[]> {
  const identities: string[] = [];
  for (const taskQueueType of [temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    const { pollers: list } = await h.temporal.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: h.taskQueue }, taskQueueType });
    identities.push(...(list ?? []).map((p) => `${taskQueueType}:${p.identity ?? ''}`));
  }
  return identities.sort();
}

interface Spawned {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exit: Promise<number | null>;
}

function run(command: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(command, args, {
    cwd: projectRoot(),
    env: { ...inherited, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exit };
}

const deployment = () => ({
  TEMPORAL_ADDRESS: temporalAddress(),
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_TASK_QUEUE: h.taskQueue,
  DYNAMODB_ENDPOINT: dynamoEndpoint(),
  MEMORY_TABLE_NAME: h.tableName,
});

test('memory-ops console connects and serves, and leaves the task queue pollers unchanged', async () => {
  // The harness's in-process worker is the deployment's worker: wait until it polls.
  const before = await eventually(pollers, (list) => list.length >= 2, { timeoutMs: 30_000 });
  const consoleProcess = run(process.execPath, [join(projectRoot(), 'bin', 'memory-ops.js'), 'console', '--port', '0'], {
    ...deployment(),
    MEMORY_OPS_FROM_SOURCE: '1',
  });
  try {
    const { stdout } = await eventually(
      consoleProcess.output,
      (out) => /Console: http:\/\/127\.0\.0\.1:\d+/.test(out.stdout) || consoleProcess.child.exitCode !== null,
      {
        timeoutMs: 60_000,
      },
    );
    const url = /Console: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(url).toBeDefined();
    expect(stdout).toContain(`task queue ${h.taskQueue}`);
    const threads = await fetch(`${url}/api/threads`);
    expect(threads.status).toBe(200);
    // Long enough for a worker the console might have started to register its pollers.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await pollers()).toEqual(before);
  } finally {
    consoleProcess.child.kill('SIGINT');
  }
  expect(await consoleProcess.exit).toBe(0);
  expect(await pollers()).toEqual(before);
});

test('memory-ops console refuses a non-loopback bind address (it has no authentication)', async () => {
  const refused = run(process.execPath, [join(projectRoot(), 'bin', 'memory-ops.js'), 'console', '--host', '0.0.0.0'], {
    ...deployment(),
    MEMORY_OPS_FROM_SOURCE: '1',
  });
  expect(await refused.exit).toBe(2);
  expect(refused.output().stderr).toMatch(/--host.*loopback/s);
});

test.each([
  [
    'a remote Temporal address',
    { TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233' },
    /Temporal address my-ns\.a1b2c\.tmprl\.cloud:7233 .*not a loopback address/,
  ],
  ['a remote DynamoDB endpoint', { DYNAMODB_ENDPOINT: 'https://dynamodb.us-east-1.amazonaws.com' }, /DYNAMODB_ENDPOINT .*not a loopback address/],
])('the dev console (npm run console) refuses %s and starts nothing', async (_name, target, message) => {
  const before = await pollers();
  const devConsole = run(join(projectRoot(), 'node_modules', '.bin', 'tsx'), ['dev/dev-console.ts'], { ...deployment(), CONSOLE_PORT: '0', ...target });
  expect(await devConsole.exit).toBe(1);
  const { stdout, stderr } = devConsole.output();
  expect(stderr).toMatch(message);
  expect(stderr).toContain('memory-ops console');
  expect(stdout).not.toMatch(/started|Console:/);
  expect(await pollers()).toEqual(before);
});
