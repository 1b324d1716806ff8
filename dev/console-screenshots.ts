/**
 * Screenshots of the web console for docs/operations.md (`npm run screenshots`): the browser tests' setup (local
 * Temporal dev server with its UI, DynamoDB Local, a worker, the scripted fake Messages API) with three
 * threads — the seed example followed by a dead letter and an update, a second user's thread, and one still
 * waiting for its quiet period — then Chromium captures the main views at 1280×800 into docs/console-*.png.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { join } from 'node:path';
import { startConsoleServer } from '../src/console/console-server';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from './demo/recorded-reply';
import { launchChromium } from './chromium';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { promptData, type ScriptedReply } from '../src/testing/fake-messages-api';
import { projectRoot, useProjectTools } from './project-paths';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { startMemoryHarness } from '../test/support/memory-harness';
import { eventually, settled } from '../test/support/test-env';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

const ALICE = ['memories', 'alice'];
const BOB = ['memories', 'bob'];

/** The model's reply to the third message: it refines the Fido memory it was shown and adds one. */
const refineFido: ScriptedReply = {
  kind: 'respond',
  respond: (request) => {
    const fido = promptData(request).existing_memories.find((m) => JSON.stringify(m.content).includes('Fido'));
    return {
      kind: 'tool',
      input: {
        operations: [
          ...(fido ? [{ action: 'update', id: fido.id, content: 'User has a golden retriever named Fido, who is 3 years old' }] : []),
          { action: 'insert', content: 'User has a cat named Luna' },
        ],
      },
      usage: { input_tokens: 655, output_tokens: 94 },
    };
  },
};

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const [temporal, dynamo] = await Promise.all([startTemporalDevServer({ ui: true }), startDynamoDbLocal()]);
  process.env['TEST_TEMPORAL_ADDRESS'] = temporal.address;
  process.env['TEST_DYNAMODB_ENDPOINT'] = dynamo.endpoint;
  const h = await startMemoryHarness('screens');
  const server = await startConsoleServer({ memory: h.memory, temporalUiUrl: temporal.uiAddress ?? null, temporalNamespace: temporal.namespace, port: 0 });
  const browser = await launchChromium();
  try {
    // Thread 1: the seed example, a message the model API refuses (a dead letter), then an update.
    const chat = 'support-chat-42';
    h.fake.script(RECORDED_SEED_REPLY);
    await h.memory.submit(chat, [{ role: 'user', content: SEED_MESSAGE }], { afterSeconds: 0.3, namespace: ALICE });
    await settled(h.memory, chat, 1);
    h.fake.script({ kind: 'status', status: 400, message: 'messages: text content blocks must be non-empty' });
    await h.memory.submit(chat, [{ role: 'user', content: 'Can you book the vet for Tuesday?' }], { afterSeconds: 0.3, namespace: ALICE });
    await eventually(
      () => h.memory.state(chat),
      (s) => s?.totals.batchesDeadLettered === 1,
    );
    h.fake.script(refineFido);
    await h.memory.submit(
      chat,
      [
        { role: 'assistant', content: 'Sure. Is Fido the golden retriever from your photos?' },
        { role: 'user', content: 'Yes! He turned 3 last week. Luna, my cat, is jealous.' },
      ],
      {
        afterSeconds: 0.3,
        namespace: ALICE,
      },
    );
    await settled(h.memory, chat, 2);

    // Thread 2: another user; thread 3: still in its quiet period.
    h.fake.script({
      kind: 'tool',
      input: {
        operations: [
          { action: 'insert', content: 'User prefers to be called Sam' },
          { action: 'insert', content: 'User is vegetarian' },
        ],
      },
      usage: { input_tokens: 380, output_tokens: 60 },
    });
    await h.memory.submit('onboarding-7', [{ role: 'user', content: "Please call me Sam. I'm vegetarian, by the way." }], {
      afterSeconds: 0.3,
      namespace: BOB,
    });
    await settled(h.memory, 'onboarding-7', 1);
    await h.memory.submit('sales-call-3', [{ role: 'user', content: 'We need the enterprise plan by March.' }], { afterSeconds: 600, namespace: BOB });

    const [fido] = await h.memory.search(ALICE, { query: 'golden retriever Fido', limit: 1 });
    if (!fido) throw new Error('the Fido memory is missing');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const shots: [file: string, hash: string, ready: string][] = [
      ['console-threads.png', '#/threads', 'tr[data-thread="sales-call-3"]'],
      ['console-thread.png', `#/threads/${chat}`, 'li.event.batch'],
      ['console-memories.png', `#/memories?${new URLSearchParams({ ns: JSON.stringify(ALICE) }).toString()}`, 'table.memories'],
      ['console-history.png', `#/memory?${new URLSearchParams({ ns: JSON.stringify(ALICE), key: fido.key }).toString()}`, 'li.change[data-version="2"]'],
    ];
    for (const [file, hash, ready] of shots) {
      await page.goto(`${server.url}/${hash}`);
      await page.locator(ready).first().waitFor();
      const path = join(projectRoot(), 'docs', file);
      await page.screenshot({ path });
      console.log(`wrote ${path}`);
    }
  } finally {
    await browser.close();
    await server.close();
    await h.stop();
    await Promise.all([temporal.stop(), dynamo.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
