/**
 * `npm run console` (dev tooling, not shipped): the web console on the embedded local stack, in one command. Starts the Temporal dev
 * server (with its Web UI) and DynamoDB Local on the demo's data folder (`.data/demo`, or DEMO_DATA_DIR;
 * TEMPORAL_ADDRESS / DYNAMODB_ENDPOINT reuse running servers), a worker (Claude with ANTHROPIC_API_KEY, else
 * a FAKE Messages API, announced in the first line) and the console on CONSOLE_PORT. Ctrl-C stops it all.
 *
 * It runs a worker, so it refuses any Temporal or DynamoDB target that is not on this machine's loopback
 * (`dev/local-only.ts`); the operator console for a deployment is `memory-ops console`, which only connects.
 * The console has no authentication: it listens on 127.0.0.1 only.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { untilStopRequested } from '../src/console/until-stopped';
import { DEFAULT_CONSOLE_PORT, LOCAL_SERVER_STOP_GRACE_MS } from '../src/defaults';
import { assertLocalTargets } from './local-only';
import { ConfigurationError } from '../src/errors';
import { FakeMessagesApi, type ScriptedReply } from '../src/testing/fake-messages-api';
import { startLocalStack } from '../src/testing/local-stack';
import { dataDir, useProjectTools } from './project-paths';
import { createOperatorContext } from '../src/operator/operator-context';
import { ensureTable } from '../src/store/ensure-table';
import { createMemoryWorker } from '../src/worker/create-worker';
import { createDependencies } from '../src/worker/dependencies';
import { startConsoleServer } from '../src/console/console-server';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

function consolePort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_CONSOLE_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigurationError('CONSOLE_PORT: must be a port number from 0 to 65535');
  return port;
}

async function main(): Promise<void> {
  // Starts a worker on the task queue: never against a deployment (that is `memory-ops console`).
  assertLocalTargets('npm run console');
  const config = loadConfig();
  const port = consolePort(process.env['CONSOLE_PORT']);
  const bedrock = config.modelProvider === 'bedrock';
  const live = config.anthropicApiKey !== undefined || bedrock;
  console.log(
    live
      ? `Using Claude (${config.model}) through ${bedrock ? 'Amazon Bedrock' : 'the Anthropic API'}.`
      : 'No ANTHROPIC_API_KEY set: using a FAKE Messages API on 127.0.0.1 that extracts nothing (not a live model). Set ANTHROPIC_API_KEY to use Claude.',
  );
  Runtime.install({ logger: new DefaultLogger('WARN') });

  // The demo's folder, kept as the demo left it: the console shows the demo's thread and memories.
  const stack = await startLocalStack({
    dataDir: process.env['DEMO_DATA_DIR'] ?? join(dataDir(), 'demo'),
    temporalAddress: process.env['TEMPORAL_ADDRESS'],
    dynamodbEndpoint: config.dynamodbEndpoint,
    temporalUi: true,
  });
  const stops: (() => Promise<unknown>)[] = [() => stack.stop()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err instanceof Error ? err.message : err));
  };
  try {
    for (const line of stack.started) console.log(`started ${line}`);

    const fake = live ? undefined : await FakeMessagesApi.start();
    if (fake) {
      stops.push(() => fake.close());
      // Every extraction the console triggers (a flush, a re-drive) gets an empty reply: no memory is made up.
      const nothing: ScriptedReply = {
        kind: 'respond',
        respond: () => {
          fake.script(nothing);
          return { kind: 'tool', input: { operations: [] } };
        },
      };
      fake.script(nothing);
    }
    const deps = createDependencies({
      ...config,
      dynamodbEndpoint: stack.dynamodbEndpoint,
      anthropicApiKey: config.anthropicApiKey ?? 'fake-key-for-the-local-fake-api',
      anthropicBaseUrl: fake?.baseURL ?? config.anthropicBaseUrl,
    });
    stops.push(() => Promise.resolve(deps.dynamo.client.destroy()));
    await ensureTable(deps.dynamo.client, config.tableName);

    const operator = await createOperatorContext({
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
      ...(stack.temporalUiUrl ? { TEMPORAL_UI_URL: stack.temporalUiUrl } : {}),
    });
    stops.push(() => operator.close());

    const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
    stops.push(() => nativeConnection.close());
    const worker = await createMemoryWorker({
      ...deps,
      connection: nativeConnection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      // Ctrl-C should stop the console promptly; an interrupted extraction is retried at the next start.
      shutdownGraceTimeMs: LOCAL_SERVER_STOP_GRACE_MS,
    });

    const server = await startConsoleServer({
      memory: operator.memory,
      temporalUiUrl: operator.temporalUiUrl,
      temporalNamespace: config.temporalNamespace,
      port,
    });
    stops.push(() => server.close());
    console.log(`Console: ${server.url}   (no authentication: local use only)`);
    console.log(operator.temporalUiUrl ? `Temporal UI: ${operator.temporalUiUrl}` : 'Temporal UI: not started here (set TEMPORAL_UI_URL to link to yours)');
    console.log('Press Ctrl-C to stop.');

    await worker.runUntil(untilStopRequested());
  } finally {
    await stopAll();
    console.log('stopped the console and every server it started');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
