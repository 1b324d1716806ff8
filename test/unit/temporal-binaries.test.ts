import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ConfigurationError } from '../../src/errors';
import { resolveTemporalCli, resolveTestServer, type TemporalExecutable } from '../../src/testing/temporal-binaries';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'temporal-binaries-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh folder under the test's temp root. */
function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes a small script `dir/name` with the given mode and returns its path. */
function script(dir: string, name: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
}

function existing(path: string): TemporalExecutable {
  return { type: 'existing-path', path };
}

type Resolver = (env: NodeJS.ProcessEnv, toolsDir: string) => TemporalExecutable;

describe.each<[string, Resolver, string, string]>([
  ['resolveTemporalCli', resolveTemporalCli, 'TEMPORAL_CLI_PATH', 'temporal'],
  ['resolveTestServer', resolveTestServer, 'TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server'],
])('%s', (_name, resolve, envVar, command) => {
  it('prefers the env var over PATH and the tools folder', () => {
    const configured = script(folder('custom'), 'my-binary');
    const bin = folder('bin');
    script(bin, command);
    const tools = folder('tools');
    script(tools, command);
    expect(resolve({ [envVar]: configured, PATH: bin }, tools)).toEqual(existing(configured));
  });

  it('finds the command on PATH before the tools folder', () => {
    const empty = folder('empty');
    const bin = folder('bin');
    const onPath = script(bin, command);
    const tools = folder('tools');
    script(tools, command);
    expect(resolve({ PATH: [empty, '', bin].join(delimiter) }, tools)).toEqual(existing(onPath));
  });

  it('takes the first PATH entry that has the command', () => {
    const first = folder('first');
    const second = folder('second');
    const inFirst = script(first, command);
    script(second, command);
    expect(resolve({ PATH: [first, second].join(delimiter) }, folder('tools'))).toEqual(existing(inFirst));
  });

  it('skips a non-executable file on PATH', () => {
    const bin = folder('bin');
    script(bin, command, 0o644);
    const tools = folder('tools');
    const inTools = script(tools, command);
    expect(resolve({ PATH: bin }, tools)).toEqual(existing(inTools));
  });

  it('skips a directory named like the command on PATH', () => {
    const bin = folder('bin');
    folder(join('bin', command));
    const tools = folder('tools');
    const inTools = script(tools, command);
    expect(resolve({ PATH: bin }, tools)).toEqual(existing(inTools));
  });

  it('falls back to the tools folder when PATH is unset', () => {
    const tools = folder('tools');
    const inTools = script(tools, command);
    expect(resolve({}, tools)).toEqual(existing(inTools));
  });

  it('falls back to the SDK download when nothing is found', () => {
    const tools = folder('tools');
    script(tools, `${command}-other`);
    expect(resolve({ PATH: folder('bin') }, tools)).toEqual({ type: 'cached-download' });
  });

  it('treats an empty env var as unset', () => {
    const tools = folder('tools');
    const inTools = script(tools, command);
    expect(resolve({ [envVar]: '' }, tools)).toEqual(existing(inTools));
  });

  it.each([
    ['a missing file', (dir: string): string => join(dir, 'missing')],
    ['a non-executable file', (dir: string): string => script(dir, 'plain', 0o644)],
    ['a directory', (dir: string): string => dir],
  ])('rejects an env var pointing at %s, naming the variable', (_label, makeTarget) => {
    const target = makeTarget(folder('custom'));
    const bin = folder('bin');
    script(bin, command);
    const act = (): TemporalExecutable => resolve({ [envVar]: target, PATH: bin }, folder('tools'));
    expect(act).toThrow(ConfigurationError);
    expect(act).toThrow(envVar);
  });
});
