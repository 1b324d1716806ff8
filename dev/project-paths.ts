/** Locations inside this project's checkout: the git-ignored tools and data folders. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout root: the nearest folder above this file holding package.json and scripts/setup-tools.sh. */
export function projectRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'setup-tools.sh'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** Where scripts/setup-tools.sh installs the Temporal binaries. */
export function toolsBinDir(): string {
  return join(projectRoot(), '.tools', 'venv', 'bin');
}

/** Where the demo keeps its on-disk data (Temporal's SQLite file, DynamoDB Local's files). */
export function dataDir(): string {
  return join(projectRoot(), '.data');
}

/**
 * Points the `/testing` entry at this checkout's Temporal binaries (installed by scripts/setup-tools.sh into
 * `.tools/`): sets TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH when they are unset and the binaries exist.
 * The package itself never looks into a checkout; dev tooling and this repository's tests call this first.
 */
export function useProjectTools(env: NodeJS.ProcessEnv = process.env): void {
  const bin = toolsBinDir();
  for (const [name, command] of [
    ['TEMPORAL_CLI_PATH', 'temporal'],
    ['TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server'],
  ] as const) {
    if (!env[name] && existsSync(join(bin, command))) env[name] = join(bin, command);
  }
}
