/**
 * Pre-bundles the workflow code for the worker container, so workers start without webpack:
 *   npm run build:workflow-bundle   →   dist/workflow-bundle.js   (use with WORKFLOW_BUNDLE_PATH)
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The checkout root (this script runs from scripts/; the Dockerfile's build stage has no dev/). */
const projectRoot = (): string => join(__dirname, '..');
import { WORKFLOWS_PATH } from '../src/worker/create-worker';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const out = join(projectRoot(), 'dist', 'workflow-bundle.js');
  mkdirSync(join(projectRoot(), 'dist'), { recursive: true });
  writeFileSync(out, code);
  console.log(`wrote ${out} (${code.length} bytes)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
