/** Start-up failures of the local servers are reported with the server's own output, not a hang. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { LOCAL_SERVER_PORT_ATTEMPTS } from '../../src/defaults';
import { startTemporalDevServer } from '../../src/testing/temporal-dev-server';
import { waitFor } from '../../src/testing/wait-for';

function script(body: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fake-bin-')), 'temporal');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('a Temporal CLI that exits at once fails the start with its output', async () => {
  const path = script('echo "Error: port already in use" >&2; exit 3');
  await expect(startTemporalDevServer({ executable: { type: 'existing-path', path } })).rejects.toThrow(
    /exited before it was ready: exit 3; output: Error: port already in use/,
  );
});

test('a Temporal CLI that never answers fails after the start timeout and is stopped', async () => {
  const path = script('sleep 30');
  const started = Date.now();
  await expect(startTemporalDevServer({ executable: { type: 'existing-path', path }, startTimeoutMs: 1500 })).rejects.toThrow(/not ready after 1500 ms/);
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('DynamoDB Local without java says so', () => {
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '../support/start-dynamodb-local-once.ts')], {
    env: { ...process.env, PATH: mkdtempSync(join(tmpdir(), 'no-java-')) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/DynamoDB Local \(is a Java 17\+ JDK installed\?\) exited before it was ready: could not run java/);
});

test('waitFor returns as soon as the probe succeeds and reports the last error on timeout', async () => {
  let calls = 0;
  await waitFor('thing', () => (++calls < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve()), {
    timeoutMs: 5000,
  });
  expect(calls).toBe(3);
  await expect(waitFor('other', () => Promise.reject(new Error('still down')), { timeoutMs: 300 })).rejects.toThrow(
    /other was not ready after 300 ms: Error: still down/,
  );
});

test('a port taken between choosing it and binding it is retried on a fresh port; other failures are not', async () => {
  const calls = join(mkdtempSync(join(tmpdir(), 'calls-')), 'calls');
  const taken = script(`echo "$6" >> ${calls}; echo "listen tcp 127.0.0.1:$6: bind: address already in use" >&2; exit 1`);
  await expect(startTemporalDevServer({ executable: { type: 'existing-path', path: taken } })).rejects.toThrow(/address already in use/);
  const ports = readFileSync(calls, 'utf8').trim().split('\n');
  expect(ports).toHaveLength(LOCAL_SERVER_PORT_ATTEMPTS);
  expect(new Set(ports).size).toBeGreaterThan(1);

  const otherCalls = join(mkdtempSync(join(tmpdir(), 'calls-')), 'calls');
  const broken = script(`echo "$6" >> ${otherCalls}; echo "Error: bad flag" >&2; exit 2`);
  await expect(startTemporalDevServer({ executable: { type: 'existing-path', path: broken } })).rejects.toThrow(/bad flag/);
  expect(readFileSync(otherCalls, 'utf8').trim().split('\n')).toHaveLength(1);
});
