/**
 * Worker entry point (the container's command): connects to the configured Temporal server and runs
 * thread workflows and extraction activities until SIGINT/SIGTERM, then drains for the shutdown grace.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { ConfigurationError } from '../errors';
import { ensureTable } from '../store/ensure-table';
import { createMemoryWorker } from './create-worker';
import { createDependencies } from './dependencies';

async function main(): Promise<void> {
  const config = loadConfig();
  const deps = createDependencies(config);
  if (config.dynamodbEndpoint) {
    // Local stacks only; in AWS the table belongs to the infrastructure stack.
    await ensureTable(deps.dynamo.client, config.tableName);
  }
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  try {
    const worker = await createMemoryWorker({
      ...deps,
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      workflowBundlePath: config.workflowBundlePath,
    });
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  // Configuration mistakes get one readable line; anything else its stack.
  console.error(err instanceof ConfigurationError ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
