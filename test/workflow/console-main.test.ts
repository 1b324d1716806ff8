/**
 * `npm run console` as an operator starts it: `tsx dev/dev-console.ts` as a child process, reusing the test
 * servers (TEMPORAL_ADDRESS, DYNAMODB_ENDPOINT) with a fresh table and task queue, no ANTHROPIC_API_KEY (so
 * the FAKE Messages API, announced first), CONSOLE_PORT=0 (so the printed URL must be the bound one). The API
 * answers, and one Ctrl-C (SIGINT) stops everything with exit code 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../dev/project-paths';
import { dynamoEndpoint, temporalAddress, uniqueId } from '../support/test-env';

/** Longest wait for the console to print its URL (ms): tsx compiles, the worker bundles the workflow. */
const STARTUP_TIMEOUT_MS = 90_000;
/** Longest wait for the process to exit after one Ctrl-C (ms). */
const STOP_TIMEOUT_MS = 10_000;

let child: ChildProcess | undefined;
let dataDir: string;
let stdout = '';
let stderr = '';

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'console-main-'));
});

afterAll(() => {
  // Only if the test failed before the process exited: the test's own SIGINT is the real stop.
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Resolves with the first match of `pattern` in the child's stdout so far or to come. */
function printed(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(stdout);
      if (!match) return false;
      clearTimeout(timer);
      child?.stdout?.off('data', check);
      resolve(match);
      return true;
    };
    const timer = setTimeout(() => {
      child?.stdout?.off('data', check);
      reject(new Error(`not printed within ${timeoutMs} ms: ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    if (!check()) child?.stdout?.on('data', check);
  });
}

function exited(proc: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode });
      return;
    }
    const timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after SIGINT\nstdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

test('npm run console: FAKE model announced first, the bound URL printed, the API answers, one Ctrl-C exits 0', async () => {
  const inherited = Object.fromEntries(['PATH', 'HOME', 'TMPDIR'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  child = spawn(join(projectRoot(), 'node_modules', '.bin', 'tsx'), ['dev/dev-console.ts'], {
    cwd: projectRoot(),
    env: {
      ...inherited,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CONSOLE_PORT: '0',
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: uniqueId('console-main'),
      DYNAMODB_ENDPOINT: dynamoEndpoint(),
      MEMORY_TABLE_NAME: uniqueId('console-main'),
      DEMO_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));

  const [, url] = await printed(/^Console: (http:\/\/127\.0\.0\.1:(\d+))\s/m, STARTUP_TIMEOUT_MS);
  expect(stdout.split('\n')[0]).toMatch(/^No ANTHROPIC_API_KEY set: using a FAKE Messages API/);
  expect(url).not.toMatch(/:0$/);

  const [info, threads] = await Promise.all([fetch(`${url}/api/info`), fetch(`${url}/api/threads`)]);
  expect(info.status).toBe(200);
  expect(await info.json()).toEqual({ temporalUiUrl: null, temporalNamespace: 'default' });
  expect(threads.status).toBe(200);
  expect(await threads.json()).toEqual({ threads: [] });

  const proc = child;
  proc.kill('SIGINT');
  expect(await exited(proc, STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
  expect(stdout).toContain('stopped the console and every server it started');
  await expect(fetch(`${url}/api/info`)).rejects.toThrow();
});
