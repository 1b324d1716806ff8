/**
 * `npm run demo`: the seed example end to end on the embedded local stack. A user says "I like dogs. My
 * dog's name is Fido."; the thread debounces for 0.5 s; Claude (or, without ANTHROPIC_API_KEY, the fake
 * Messages API with a recorded reply, announced in the first line) extracts memories into DynamoDB; the
 * memories found by `search(["memories"])` are printed; every server started here is stopped.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryClient } from '../../src/client/memory-client';
import { loadConfig } from '../../src/config';
import { DEFAULT_CONSOLE_PORT, DEMO_TIMEOUT_MS } from '../../src/defaults';
import { FakeMessagesApi } from '../../src/testing/fake-messages-api';
import { startLocalStack } from '../../src/testing/local-stack';
import { dataDir, useProjectTools } from '../project-paths';
import { ensureTable } from '../../src/store/ensure-table';
import { createMemoryWorker } from '../../src/worker/create-worker';
import { createDependencies } from '../../src/worker/dependencies';
import { assertLocalTargets } from '../local-only';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from './recorded-reply';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

async function main(): Promise<void> {
  // Runs a worker with a recorded reply: never against a deployment.
  assertLocalTargets('npm run demo');
  const config = loadConfig();
  const bedrock = config.modelProvider === 'bedrock';
  const live = config.anthropicApiKey !== undefined || bedrock;
  console.log(
    live
      ? `Using Claude (${config.model}) through ${bedrock ? 'Amazon Bedrock' : 'the Anthropic API'}.`
      : 'No ANTHROPIC_API_KEY set: using a FAKE Messages API on 127.0.0.1 that replays a recorded reply (not a live model). Set ANTHROPIC_API_KEY to use Claude.',
  );
  Runtime.install({ logger: new DefaultLogger('WARN') });

  // Each run starts from an empty store so its output is reproducible; the data stays on disk afterwards.
  const demoData = process.env['DEMO_DATA_DIR'] ?? join(dataDir(), 'demo');
  if (process.env['DEMO_KEEP_DATA'] !== '1') rmSync(demoData, { recursive: true, force: true });
  const stack = await startLocalStack({
    dataDir: demoData,
    temporalAddress: process.env['TEMPORAL_ADDRESS'],
    dynamodbEndpoint: config.dynamodbEndpoint,
  });
  for (const line of stack.started) console.log(`started ${line}`);
  const fake = live ? undefined : await FakeMessagesApi.start();
  fake?.script(RECORDED_SEED_REPLY);

  const deps = createDependencies({
    ...config,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    anthropicApiKey: config.anthropicApiKey ?? 'fake-key-for-the-local-fake-api',
    anthropicBaseUrl: fake?.baseURL ?? config.anthropicBaseUrl,
  });
  await ensureTable(deps.dynamo.client, config.tableName);
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await createMemoryWorker({ ...deps, connection: nativeConnection, taskQueue: config.taskQueue });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const memory = new MemoryClient({
    temporal: new Client({ connection }),
    store: deps.store,
    taskQueue: config.taskQueue,
  });

  try {
    await worker.runUntil(async () => {
      const threadId = `demo-${Date.now()}`;
      console.log(`user (thread ${threadId}): ${SEED_MESSAGE}`);
      await memory.submit(threadId, [{ role: 'user', content: SEED_MESSAGE }], {
        afterSeconds: 0.5,
        namespace: ['memories'],
      });
      console.log('submitted; the thread workflow waits for 0.5 s of quiet, then extracts...');
      const deadline = Date.now() + DEMO_TIMEOUT_MS;
      for (;;) {
        const state = await memory.state(threadId);
        if (state?.lastFailure) throw new Error(`extraction failed: ${state.lastFailure.type}: ${state.lastFailure.message}`);
        if (state && state.totals.extractionsCompleted > 0 && state.pendingCount === 0) {
          console.log(
            `extracted: ${state.totals.memoriesInserted} inserted, ${state.totals.memoriesUpdated} updated, ` +
              `${state.totals.memoriesDeleted} deleted; tokens in/out ${state.totals.usage.inputTokens}/${state.totals.usage.outputTokens}`,
          );
          break;
        }
        if (Date.now() > deadline) throw new Error(`no extraction within ${DEMO_TIMEOUT_MS} ms: ${JSON.stringify(state)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const items = await memory.search(['memories']);
      console.log(`search(["memories"]) found ${items.length} memories:`);
      for (const item of items) {
        console.log(`  (${item.namespace.map((l) => JSON.stringify(l)).join(', ')},) ${item.key}: ${JSON.stringify(item.value)}`);
      }
      console.log(`Browse the thread and its memories: npm run console  →  http://127.0.0.1:${process.env['CONSOLE_PORT']?.trim() || DEFAULT_CONSOLE_PORT}`);
    });
  } finally {
    await connection.close();
    await nativeConnection.close();
    await fake?.close();
    deps.dynamo.client.destroy();
    await stack.stop();
    console.log('stopped every server the demo started');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
