/**
 * The packed tarball installed in an empty folder outside the repository: every entry resolves by the
 * package's name, the published types check, the bins run, internals stay private, and the examples (the seed
 * as a LangGraph.js agent, and a plain service) run there against the embedded stack of the `/testing` entry.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { installPackedPackage, type InstalledPackage } from './installed-package';

const run = promisify(execFile);
/** Packing (tsc + workflow bundle) and installing take a minute or two on a 2-core machine. */
const INSTALL_TIMEOUT_MS = 8 * 60_000;
const EXAMPLE_TIMEOUT_MS = 4 * 60_000;

let installed: InstalledPackage;

beforeAll(async () => {
  installed = await installPackedPackage();
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (installed) {
    rmSync(installed.dir, { recursive: true, force: true });
    rmSync(dirname(installed.tarball), { recursive: true, force: true });
  }
});

/** Runs `node -e <code>` in the consumer folder. */
function nodeEval(code: string) {
  return run(process.execPath, ['-e', code], { cwd: installed.dir });
}

test('every entry resolves by name from the installed package, and internals are not exported', async () => {
  const { stdout } = await nodeEval(`
    const root = require('durable-memory-manager');
    const langgraph = require('durable-memory-manager/langgraph');
    const worker = require('durable-memory-manager/worker');
    const handlers = require('durable-memory-manager/handlers');
    const testing = require('durable-memory-manager/testing');
    let internal;
    try { require('durable-memory-manager/dist/store/table-keys'); internal = 'reachable'; } catch (err) { internal = err.code; }
    console.log(JSON.stringify({
      root: [typeof root.MemoryClient, typeof root.DynamoMemoryStore, new root.InvalidInputError('x').name],
      langgraph: [typeof langgraph.DynamoLangGraphStore, typeof langgraph.createManageMemoryTool, typeof langgraph.createSearchMemoryTool],
      worker: [typeof worker.createMemoryWorker, typeof worker.loadWorkerConfig],
      handlers: [typeof handlers.httpHandler, typeof handlers.sqsHandler],
      testing: [typeof testing.startLocalStack, typeof testing.FakeMessagesApi, typeof testing.startMemoryTestStack],
      internal,
    }));
  `);
  expect(JSON.parse(stdout)).toEqual({
    root: ['function', 'function', 'InvalidInputError'],
    langgraph: ['function', 'function', 'function'],
    worker: ['function', 'function'],
    handlers: ['function', 'function'],
    testing: ['function', 'function', 'function'],
    internal: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
  });
});

test('the examples type-check against the published declarations (no ../src anywhere)', async () => {
  const tsc = join(installed.dir, 'node_modules', '.bin', 'tsc');
  const flags = ['--noEmit', '--strict', '--skipLibCheck', '--esModuleInterop', '--target', 'es2022', '--module', 'node16', '--moduleResolution', 'node16'];
  const { stdout } = await run(tsc, [...flags, 'examples/langgraph-agent/seed-agent.ts', 'examples/plain-service/run-service.ts'], {
    cwd: installed.dir,
  }).catch((err: Error & { stdout?: string }) => {
    throw new Error(`tsc failed:\n${err.stdout ?? err.message}`);
  });
  expect(stdout).toBe('');
});

test('the bins run from the installed package', async () => {
  const { stdout } = await run(join(installed.dir, 'node_modules', '.bin', 'memory-ops'), ['--help'], { cwd: installed.dir });
  expect(stdout).toContain('memory-ops');
  expect(stdout).toContain('console');
});

/** Runs an example with tsx in the consumer folder (no ANTHROPIC_API_KEY: the fake Messages API, announced). */
async function example(path: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, ANTHROPIC_API_KEY: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  delete env['ANTHROPIC_BASE_URL'];
  const { stdout } = await run(join(installed.dir, 'node_modules', '.bin', 'tsx'), [path], {
    cwd: installed.dir,
    env,
    timeout: EXAMPLE_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`${path} failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  });
  return stdout;
}

test(
  'the seed as a LangGraph.js agent, from the installed tarball: both memories stored, Fido recalled through the search tool',
  async () => {
    const stdout = await example('examples/langgraph-agent/seed-agent.ts');
    expect(stdout.split('\n')[0]).toMatch(/FAKE/);
    expect(stdout).toContain('User likes dogs');
    expect(stdout).toContain('User has a dog named Fido');
    expect(stdout).toContain('the agent searched its memories for');
    expect(stdout).toMatch(/^agent: .*Fido/m);
  },
  EXAMPLE_TIMEOUT_MS,
);

test(
  'the plain service example, from the installed tarball',
  async () => {
    const stdout = await example('examples/plain-service/run-service.ts');
    expect(stdout).toContain('User likes dogs');
    expect(stdout).toContain('User has a dog named Fido');
  },
  EXAMPLE_TIMEOUT_MS,
);
