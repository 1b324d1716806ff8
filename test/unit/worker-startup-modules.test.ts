/**
 * What the worker loads before it polls (docs/benchmarks.md "Worker cold start"): the model SDKs wait for the
 * first extraction, and the lazy client still reports configuration and load failures.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import type { AppConfig } from '../../src/config';
import { loadConfig } from '../../src/config';
import { ConfigurationError } from '../../src/errors';
import type { MessagesClient } from '../../src/model/claude-extractor';
import { lazyMessagesClient } from '../../src/model/lazy-messages-client';
import { createModelClient } from '../../src/worker/dependencies';

const ROOT = join(__dirname, '..', '..');
const BODY: Anthropic.MessageCreateParamsNonStreaming = { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] };
const REPLY = { id: 'msg_1', content: [] } as unknown as Anthropic.Message;

/** Packages a fresh Node process holds after requiring the worker's start-up modules and wiring its dependencies. */
function packagesLoadedAtStartup(env: Record<string, string>): string[] {
  const script = `
    require('./src/worker/create-worker');
    require('./src/store/ensure-table');
    require('./src/worker/health-server');
    const { createDependencies } = require('./src/worker/dependencies');
    createDependencies(require('./src/config').loadConfig());
    const names = new Set(Object.keys(require.cache).map((f) => (/node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f) || [])[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...names]));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

const MODEL_SDKS = ['@anthropic-ai/sdk', '@anthropic-ai/bedrock-sdk', '@aws-sdk/client-bedrock-runtime'];

test.each([
  ['Anthropic API', { ANTHROPIC_API_KEY: 'k' }],
  ['Bedrock', { MODEL_PROVIDER: 'bedrock', ANTHROPIC_MODEL: 'us.anthropic.claude-x' }],
])(
  'a worker using the %s starts without loading the model SDKs (they load at the first extraction)',
  (_label, env) => {
    const loaded = packagesLoadedAtStartup({ MEMORY_TABLE_NAME: 'startup-test', ...env });
    // The probe really lists packages: the worker's own dependencies are there.
    expect(loaded).toEqual(expect.arrayContaining(['@temporalio/worker', '@aws-sdk/client-dynamodb', 'zod']));
    expect(loaded.filter((name) => MODEL_SDKS.includes(name))).toEqual([]);
  },
  60_000,
);

test('a missing ANTHROPIC_API_KEY still fails at start-up, not at the first extraction', () => {
  const config: AppConfig = loadConfig({ MEMORY_TABLE_NAME: 'startup-test' });
  expect(() => createModelClient(config)).toThrow(ConfigurationError);
  expect(() => createModelClient(config)).toThrow(/ANTHROPIC_API_KEY/);
});

test('the lazy client loads its client once, at the first request, and passes the request through', async () => {
  const calls: unknown[] = [];
  const real: MessagesClient = {
    messages: {
      create: (body, options) => {
        calls.push([body, options]);
        return Promise.resolve(REPLY);
      },
    },
  };
  let loads = 0;
  const client = lazyMessagesClient(() => {
    loads++;
    return real;
  });
  expect(loads).toBe(0);
  const signal = new AbortController().signal;
  await expect(client.messages.create(BODY, { signal })).resolves.toBe(REPLY);
  await expect(client.messages.create(BODY)).resolves.toBe(REPLY);
  expect(loads).toBe(1);
  expect(calls).toEqual([
    [BODY, { signal }],
    [BODY, undefined],
  ]);
});

test('a loader that throws rejects the request (as a failed request does) and is tried again at the next one', async () => {
  let loads = 0;
  const client = lazyMessagesClient(() => {
    loads++;
    if (loads === 1) throw new Error('cannot load the SDK');
    return { messages: { create: () => Promise.resolve(REPLY) } };
  });
  const first = client.messages.create(BODY);
  expect(first).toBeInstanceOf(Promise);
  await expect(first).rejects.toThrow('cannot load the SDK');
  await expect(client.messages.create(BODY)).resolves.toBe(REPLY);
  expect(loads).toBe(2);
});
