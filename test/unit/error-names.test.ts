/**
 * Error names are part of the contract (an HTTP answer's `error.type`, the failure type Temporal's retry
 * policy matches, the CLI's JSON errors), so every error class sets its `name` as a literal: a minifying
 * bundler renames classes, and a name taken from the class (`new.target.name`) would change with it.
 */
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as errors from '../../src/errors';
import * as cli from '../../src/cli/cli-errors';
import * as routes from '../../src/console/console-routes';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

type ErrorClass = new (message: string) => Error;

/** The exported error classes of a module, by export name (the abstract base left out). */
function errorClasses(module: Record<string, unknown>): [string, ErrorClass][] {
  return Object.entries(module).filter(
    (entry): entry is [string, ErrorClass] => typeof entry[1] === 'function' && entry[1].prototype instanceof Error && entry[0] !== 'MemoryManagerError',
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('every exported error class of errors.ts is named by its own literal', () => {
  const classes = errorClasses(errors);
  expect(classes.length).toBeGreaterThanOrEqual(18);
  const source = readFileSync(join(SRC, 'errors.ts'), 'utf8');
  for (const [exported, ErrorClass] of classes) {
    expect(new ErrorClass('boom').name).toBe(exported);
    expect(source).toContain(`override readonly name = '${exported}';`);
  }
});

test('the names survive a minified build (esbuild minify, no keepNames), and so does the failure type Temporal retries by', async () => {
  const { outputFiles } = await build({
    entryPoints: [join(SRC, 'errors.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const code = outputFiles[0]?.text ?? '';
  // The build really renamed the classes: no class keeps its identifier.
  expect(code).not.toMatch(/class InvalidInputError\b/);
  const dir = mkdtempSync(join(tmpdir(), 'errors-min-'));
  let exported: Record<string, unknown>;
  try {
    writeFileSync(join(dir, 'errors.min.js'), code);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file written at run time
    exported = require(join(dir, 'errors.min.js')) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const minified = errorClasses(exported);
  expect(minified.map(([name]) => name).sort()).toEqual(
    errorClasses(errors)
      .map(([name]) => name)
      .sort(),
  );
  for (const [exported, ErrorClass] of minified) expect(new ErrorClass('boom').name).toBe(exported);

  const toFailure = exported['toApplicationFailure'] as typeof errors.toApplicationFailure;
  const InvalidInput = exported['InvalidInputError'] as typeof errors.InvalidInputError;
  const failure = toFailure(new InvalidInput('bad'));
  expect(failure.type).toBe('InvalidInputError');
  expect(failure.nonRetryable).toBe(true);
});

test('error classes anywhere in src/ set a literal name, never one taken from the class', () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    if (/new\.target\.name|constructor\.name/.test(code)) offenders.push(`${where}: takes a name from the class`);
    for (const match of text.matchAll(/export (?:abstract )?class (\w+) extends (\w*Error)\b[^{]*\{/g)) {
      const [, name] = match;
      if (text.includes('abstract class ' + name)) continue;
      // The class body up to the next top-level declaration: where its literal name must be set.
      const body = text.slice(match.index + match[0].length).split(/\n(?:export |class |function |const )/)[0] ?? '';
      const literal = new RegExp(`(?:readonly name = |this\\.name = )'${name}'`);
      if (!literal.test(body)) offenders.push(`${where}: ${name} sets no literal name '${name}'`);
    }
  }
  expect(offenders).toEqual([]);
});

test('one NotFoundError: the console and the CLI raise the one errors.ts exports', () => {
  expect(routes.NotFoundError).toBe(errors.NotFoundError);
  expect(cli.NotFoundError).toBe(errors.NotFoundError);
  expect(new errors.NotFoundError('x').retryable).toBe(false);
});
