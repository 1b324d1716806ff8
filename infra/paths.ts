/** Folders the CDK app reads from: the repo root is the worker image's build context. */
import { resolve } from 'node:path';

/** The repository root (this file lives in `infra/`). */
export const REPO_ROOT = resolve(__dirname, '..');

/** Lambda entry points, written by the product code under `src/handlers/`. */
export const HANDLER_ENTRIES = {
  http: resolve(REPO_ROOT, 'src/handlers/http-handler.ts'),
  sqs: resolve(REPO_ROOT, 'src/handlers/sqs-handler.ts'),
} as const;

/** The lockfile NodejsFunction bundles against (it also fixes the project root for esbuild). */
export const LOCKFILE = resolve(REPO_ROOT, 'package-lock.json');
