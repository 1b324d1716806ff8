/** `npm run demo` without a key: labelled fake model, the seed's memories printed, every server stopped. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('the key-less demo prints the seed memories from the labelled fake model and stops its servers', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_DATA_DIR: mkdtempSync(join(tmpdir(), 'demo-')) };
  for (const name of ['ANTHROPIC_API_KEY', 'TEMPORAL_ADDRESS', 'DYNAMODB_ENDPOINT']) delete env[name];
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '../../src/demo/run-demo.ts')], {
    env,
    encoding: 'utf8',
    timeout: 110_000,
  });
  // Compared together so a failure shows the demo's stderr.
  expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
  const lines = run.stdout.split('\n');
  expect(lines[0]).toMatch(/^No ANTHROPIC_API_KEY set: using a FAKE Messages API/);
  expect(run.stdout).toContain('started Temporal dev server');
  expect(run.stdout).toContain('started DynamoDB Local');
  expect(run.stdout).toContain('search(["memories"]) found 2 memories:');
  expect(run.stdout).toContain('("memories",)');
  expect(run.stdout).toContain('{"kind":"Memory","content":{"content":"User likes dogs"}}');
  expect(run.stdout).toContain('{"kind":"Memory","content":{"content":"User has a dog named Fido"}}');
  expect(lines.filter(Boolean).at(-1)).toBe('stopped every server the demo started');
});
