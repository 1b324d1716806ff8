/**
 * Bundles the Lambda handlers with esbuild, as CDK's NodejsFunction does in AWS (one file each, Node 22,
 * minified, with source maps):
 *   npm run build:lambda   →   dist/lambda/http/index.js, dist/lambda/sqs/index.js   (handler `index.handler`)
 * The handler tests run these bundles under AWS's Runtime Interface Emulator.
 *
 * Minified without `keepNames`: minification renames classes, but every error class sets its `name` as a
 * literal (`src/errors.ts`), so the `error.type` a caller receives and the failure types Temporal matches
 * survive. Checked in the built HTTP bundle: none of the dependencies' names that matter comes from a
 * class name either (their `constructor.name` uses are for messages or built-ins such as typed arrays),
 * so `keepNames` would only add bytes. CDK's NodejsFunction (infra/) minifies the same way.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../dev/project-paths';

/** The handler entry points, by bundle folder. */
export const LAMBDA_ENTRIES = { http: 'src/handlers/http-handler.ts', sqs: 'src/handlers/sqs-handler.ts' } as const;

/** Builds every handler bundle; returns each bundle's path and size. */
export async function buildLambdaBundles(): Promise<{ name: string; file: string; bytes: number }[]> {
  const root = projectRoot();
  const built = [];
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
    const file = join(root, 'dist', 'lambda', name, 'index.js');
    await build({
      entryPoints: [join(root, entry)],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      // Not needed: error names are literals (see above); the handler test asserts them in this bundle.
      keepNames: false,
      sourcemap: true,
      logLevel: 'warning',
      // A deployment's managers module is loaded by path at run time (MEMORY_MANAGERS_MODULE), not bundled.
      logOverride: { 'unsupported-require-call': 'silent' },
    });
    built.push({ name, file, bytes: statSync(file).size });
  }
  return built;
}

if (require.main === module) {
  buildLambdaBundles()
    .then((bundles) => bundles.forEach((b) => console.log(`wrote ${b.file} (${b.bytes} bytes)`)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
