/**
 * Compiled copies of the package for side-by-side benches: this checkout's `src/` and a baseline revision's
 * (from git), each compiled with the project's tsc into `.data/<bench>/`, inside the project so their
 * `require`s resolve its node_modules. The checkout's own dist/ is left alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../dev/project-paths';

/** One compiled copy. */
export interface Build {
  label: string;
  /** Folder holding `dist/` (and, for a baseline, its `src/` and tsconfig). */
  root: string;
}

/**
 * The last commit before issue 15's cold-start and submit work (the code the issue measured).
 * Benches take another from an environment variable (any `git rev-parse` name).
 */
export const ISSUE_15_BASELINE = '79685ab';

function tsc(project: string, outDir: string): void {
  execFileSync(process.execPath, [join(projectRoot(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--outDir', outDir], { stdio: 'inherit' });
}

/** This checkout's src/, compiled afresh into `<benchDir>/current/dist`. */
export function buildCurrent(benchDir: string): Build {
  const out = join(benchDir, 'current');
  rmSync(out, { recursive: true, force: true });
  tsc(join(projectRoot(), 'tsconfig.build.json'), join(out, 'dist'));
  return { label: 'this checkout', root: out };
}

/** A revision's src/ and tsconfig from git, compiled beside them (kept: a revision's build never changes). */
export function buildBaseline(benchDir: string, revision: string): Build {
  const root = projectRoot();
  const sha = execFileSync('git', ['rev-parse', '--short', revision], { cwd: root, encoding: 'utf8' }).trim();
  const out = join(benchDir, `baseline-${sha}`);
  if (!existsSync(join(out, 'dist', 'index.js'))) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const archive = execFileSync('git', ['archive', sha, 'src', 'tsconfig.json', 'tsconfig.build.json'], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', out], { input: archive });
    tsc(join(out, 'tsconfig.build.json'), join(out, 'dist'));
  }
  return { label: `baseline ${sha}`, root: out };
}
