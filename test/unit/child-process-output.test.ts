/**
 * What a failed local server leaves in its error: the start of its output (where a Go panic names its
 * cause) and the end, so `startOnFreePort` can tell a lost port race from a real failure.
 */
import { spawn } from 'node:child_process';
import { captureOutput, exitDescription } from '../../src/testing/child-process';
import { portWasTaken, startOnFreePort } from '../../src/testing/free-port';
import { crashedWithPanic } from '../../src/testing/temporal-dev-server';

/** Runs a real child that writes `script`'s output and exits 2, like the dev server's panic (`exitCode`, not `exit()`: a Node child's writes to a socket-pair stdio are asynchronous and `exit()` drops them). */
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
    process.exitCode = 2;`);
  expect(described).toMatch(/^exit 2; output: panic: listen tcp 127\.0\.0\.1:40001: bind: address already in use\n/);
  expect(described).toMatch(/\n\[… \d+ characters left out …\]\n/);
  expect(described).toMatch(/main\.main\(\)$/);
  expect(described).not.toContain('frame 250\n');
  // The cause is seen, so the start is retried rather than failed.
  expect(portWasTaken(new Error(described))).toBe(true);
});

test('a short output is kept whole, once, with nothing marked as left out', async () => {
  const described = await failedChild(`process.stdout.write('a'.repeat(150)); process.stderr.write('b'.repeat(150)); process.exitCode = 2;`);
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

test('the dev server start is tried again after a Go panic at startup, and not after a refusal', () => {
  const head = 'time=2026-12-07T04:13:50.101 level=WARN msg="Cluster Id in Cluster Metadata config is not a valid uuid."';
  const panic = `exit 2; output: ${head}\npanic: could not build arguments for function "go.temporal.io/server/temporal".ServerLifetimeHooks\n\ngoroutine 1 [running]:\ngo.uber.org/dig.paramList.BuildList(…)`;
  expect(crashedWithPanic(new Error(panic))).toBe(true);
  // Only the stack left (what the tail-only capture kept) still reads as a crash.
  expect(crashedWithPanic(new Error('exit 2; output: 498eae0}, 0x0)\n\tgo.uber.org/dig@v1.19.0/param.go:640\ngoroutine 1 [running]:\nmain.main()'))).toBe(true);
  expect(crashedWithPanic(new Error('exit 1; output: Error: unknown flag: --frobnicate'))).toBe(false);
  expect(crashedWithPanic(new Error('exit 1; output: Error: unable to open database file: database is locked (panic: none)'))).toBe(false);
});
