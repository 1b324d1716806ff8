/**
 * What a failed local server leaves in its error: the start of its output (where a Go panic names its
 * cause) and the end, so `startOnFreePort` can tell a lost port race from a real failure.
 */
import { spawn } from 'node:child_process';
import { captureOutput, exitDescription } from '../../src/testing/child-process';
import { portWasTaken, startOnFreePort } from '../../src/testing/free-port';

/** Runs a real child that writes `script`'s output and exits 2, like the dev server's panic. */
async function failedChild(script: string) {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child, { headChars: 200, tailChars: 300 });
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  return exitDescription(child, output) ?? '';
}

test('a long crash keeps its first lines (the cause) and its last lines, and says how much was left out', async () => {
  const described = await failedChild(`
    process.stderr.write('panic: listen tcp 127.0.0.1:40001: bind: address already in use\\n');
    for (let i = 0; i < 500; i++) process.stderr.write('\\tgo.uber.org/dig.paramList.BuildList frame ' + i + '\\n');
    process.stderr.write('main.main()\\n');
    process.exit(2);`);
  expect(described).toMatch(/^exit 2; output: panic: listen tcp 127\.0\.0\.1:40001: bind: address already in use\n/);
  expect(described).toMatch(/\n\[… \d+ characters left out …\]\n/);
  expect(described).toMatch(/main\.main\(\)$/);
  expect(described).not.toContain('frame 250\n');
  // The cause is seen, so the start is retried rather than failed.
  expect(portWasTaken(new Error(described))).toBe(true);
});

test('a short output is kept whole, once, with nothing marked as left out', async () => {
  const described = await failedChild(`process.stdout.write('a'.repeat(150)); process.stderr.write('b'.repeat(150)); process.exit(2);`);
  expect(described).toBe(`exit 2; output: ${'a'.repeat(150)}${'b'.repeat(150)}`);
});

test('a restart on a given port is tried again on that same port after a lost port race, and not after another failure', async () => {
  const ports: number[] = [];
  const started = await startOnFreePort(
    (port) => {
      ports.push(port);
      if (ports.length === 1) return Promise.reject(new Error('exit 2; output: panic: listen tcp 127.0.0.1:40002: bind: address already in use'));
      return Promise.resolve(`up on ${port}`);
    },
    { port: 40001 },
  );
  expect(started).toBe('up on 40001');
  expect(ports).toEqual([40001, 40001]);

  let calls = 0;
  const other = startOnFreePort(
    () => {
      calls++;
      return Promise.reject(new Error('exit 1; output: unknown flag --frobnicate'));
    },
    { port: 40001 },
  );
  await expect(other).rejects.toThrow('unknown flag');
  expect(calls).toBe(1);
});
