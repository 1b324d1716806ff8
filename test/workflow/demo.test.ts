/**
 * `npm run demo` as a user runs it (a child process starting its own servers): without a key it announces
 * the labelled fake model; with a key it calls the configured Messages API (here the fake, via
 * ANTHROPIC_BASE_URL, standing in for Anthropic); either way it prints the seed's memories and stops every
 * server it started.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RECORDED_SEED_REPLY } from '../../dev/demo/recorded-reply';
import { FakeMessagesApi } from '../../src/testing/fake-messages-api';

const run = promisify(execFile);

async function runDemo(extraEnv: NodeJS.ProcessEnv): Promise<string[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_DATA_DIR: mkdtempSync(join(tmpdir(), 'demo-')) };
  for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_MODEL', 'MODEL_PROVIDER', 'TEMPORAL_ADDRESS', 'DYNAMODB_ENDPOINT'])
    delete env[name];
  const { stdout } = await run(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '../../dev/demo/run-demo.ts')], {
    env: { ...env, ...extraEnv },
    timeout: 110_000,
  });
  return stdout.split('\n').filter(Boolean);
}

function expectSeedMemoriesAndCleanStop(lines: string[]): void {
  expect(lines).toContain('search(["memories"]) found 2 memories:');
  const memories = lines.filter((line) => line.startsWith('  ("memories",) '));
  expect(memories.map((line) => line.slice(line.indexOf('{')))).toEqual(
    expect.arrayContaining([
      '{"kind":"Memory","content":{"content":"User likes dogs"}}',
      '{"kind":"Memory","content":{"content":"User has a dog named Fido"}}',
    ]),
  );
  expect(lines.at(-1)).toBe('stopped every server the demo started');
}

test('without a key the demo says first that it uses the fake model, then prints the seed memories', async () => {
  const lines = await runDemo({});
  expect(lines[0]).toMatch(/^No ANTHROPIC_API_KEY set: using a FAKE Messages API/);
  expect(lines.some((line) => line.startsWith('started Temporal dev server'))).toBe(true);
  expect(lines.some((line) => line.startsWith('started DynamoDB Local'))).toBe(true);
  expectSeedMemoriesAndCleanStop(lines);
});

test('with a key the demo calls the configured Messages API with the configured model', async () => {
  const api = await FakeMessagesApi.start();
  try {
    api.script(RECORDED_SEED_REPLY);
    const lines = await runDemo({ ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: api.baseURL, ANTHROPIC_MODEL: 'claude-haiku-5-5' });
    expect(lines[0]).toBe('Using Claude (claude-haiku-5-5) through the Anthropic API.');
    expectSeedMemoriesAndCleanStop(lines);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.model).toBe('claude-haiku-5-5');
  } finally {
    await api.close();
  }
});

test('with MODEL_PROVIDER=bedrock the demo calls Claude through Bedrock (its fake endpoint here), signed with AWS credentials', async () => {
  const api = await FakeMessagesApi.start();
  try {
    api.script(RECORDED_SEED_REPLY);
    const model = 'anthropic.claude-haiku-5-5-v1:0';
    const lines = await runDemo({ MODEL_PROVIDER: 'bedrock', ANTHROPIC_BASE_URL: api.baseURL, ANTHROPIC_MODEL: model });
    expect(lines[0]).toBe(`Using Claude (${model}) through Amazon Bedrock.`);
    expectSeedMemoriesAndCleanStop(lines);
    expect(api.requests).toHaveLength(1);
    // Bedrock takes the model in the path (the fake records it from there) and the API version in the body.
    expect(api.requests[0]?.model).toBe(model);
    expect(api.requests[0]?.['anthropic_version']).toEqual(expect.any(String));
  } finally {
    await api.close();
  }
});
