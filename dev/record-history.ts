/**
 * Records the thread workflow's histories for replay tests: runs real scenarios on a fresh dev server
 * (continue-as-new suggested at 40 events), DynamoDB Local and the fake Messages API, then writes each
 * run's history as JSON under test/replay/histories/<version>-<scenario>[-run<n>].json.
 *
 * Scenarios: burst + debounce; flush; continue-as-new (while waiting, and with an extraction in flight);
 * retry + dead letter + re-drive; idle close; a signal held by a drain behind a made-up cutoff (v2, patch
 * `drain-holds-late-signals`). Keep older histories: every committed history must keep replaying (guard
 * workflow changes with `patched()`), and record new ones for each released version.
 *
 *   npm run record-history                              # writes the v1 files
 *   npm run record-history -- v2                        # after a workflow change: writes v2 files beside them
 *   npm run record-history -- v2 drain-held-signal      # only the named scenarios
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { messagesAddedSignal, threadWorkflowId } from '../src/contract';
import { RECORDED_SEED_REPLY } from './demo/recorded-reply';
import type { ScriptedReply } from '../src/testing/fake-messages-api';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { projectRoot, useProjectTools } from './project-paths';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { chainHistories } from '../test/support/history';
import { startMemoryHarness, type MemoryHarness } from '../test/support/memory-harness';
import { TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS, eventually, settled } from '../test/support/test-env';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

const insert = (content: string): ScriptedReply => ({ kind: 'tool', input: { operations: [{ action: 'insert', content }] } });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each scenario drives one thread and returns the run id its history starts from. */
const SCENARIOS: Record<string, (h: MemoryHarness, threadId: string) => Promise<string>> = {
  async 'burst-debounce'(h, threadId) {
    const options = { afterSeconds: 0.5, namespace: ['memories', 'replay-burst'] };
    h.fake.script(RECORDED_SEED_REPLY, insert('User lives in Lisbon'));
    const first = await h.memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I like dogs.' }], options);
    await pause(100);
    await h.memory.submit(threadId, [{ id: 'm2', role: 'user', content: "My dog's name is Fido." }], options);
    await h.memory.submit(threadId, [{ id: 'm2', role: 'user', content: "My dog's name is Fido." }], options); // a retried submit
    await settled(h.memory, threadId, 1);
    await h.memory.submit(threadId, [{ id: 'm3', role: 'user', content: 'I moved to Lisbon.' }], options);
    await settled(h.memory, threadId, 2);
    return first.runId;
  },
  async flush(h, threadId) {
    h.fake.script(insert('User is leaving for Japan'));
    const first = await h.memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I leave for Japan tomorrow.' }], {
      afterSeconds: 3600,
      namespace: ['memories', 'replay-flush'],
    });
    await h.memory.flush(threadId);
    await h.memory.flush(threadId); // nothing left: returns at once
    return first.runId;
  },
  async 'continue-as-new'(h, threadId) {
    const namespace = ['memories', 'replay-can'];
    h.fake.script(insert('User talks a lot'));
    let firstRunId = '';
    for (let i = 0; i < 12; i++) {
      const receipt = await h.memory.submit(threadId, [{ id: `c${i}`, role: 'user', content: `chatter ${i}` }], { afterSeconds: 1.5, namespace });
      firstRunId ||= receipt.runId;
      await pause(100);
    }
    await settled(h.memory, threadId, 1);
    // An extraction in flight while 40 messages arrive: before v3 cancelled, carried into the next run and
    // committed once; since v3 (a batch's first attempt is not raced) it finishes, then the run continues as new.
    h.fake.script({ kind: 'slow', delayMs: 20_000, reply: insert('never used') }, insert('User is patient'), insert('User sends many messages'));
    await h.memory.submit(threadId, [{ id: 'p0', role: 'user', content: 'I am patient.' }], { afterSeconds: 0.1, namespace });
    await eventually(
      () => h.fake.requests.length,
      (n) => n === 2,
    );
    for (let i = 0; i < 40; i++) {
      await h.memory.submit(threadId, [{ id: `p${i + 1}`, role: 'user', content: `message ${i}` }], { afterSeconds: 3, maxWaitSeconds: 60, namespace });
    }
    await eventually(
      () => h.memory.state(threadId),
      (s) => s?.totals.messagesProcessed === 12 + 41 && s.pendingCount === 0,
      { timeoutMs: 60_000 },
    );
    return firstRunId;
  },
  async 'retry-dead-letter'(h, threadId) {
    const namespace = ['memories', 'replay-dead'];
    const options = { afterSeconds: 0.3, namespace };
    h.fake.script({ kind: 'status', status: 529, message: 'overloaded' }, insert('User drinks tea'));
    const first = await h.memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I drink tea.' }], options);
    await settled(h.memory, threadId, 1);
    h.fake.script({ kind: 'status', status: 400, message: 'bad request' }, insert('User has a cat named Tom'));
    await h.memory.submit(threadId, [{ id: 'm2', role: 'user', content: 'My cat is Tom.' }], options);
    await eventually(
      () => h.memory.state(threadId),
      (s) => s?.totals.batchesDeadLettered === 1,
    );
    await h.memory.redrive(threadId);
    await eventually(
      () => h.memory.deadLetters(threadId),
      (letters) => letters[0]?.status === 'redriven',
    );
    // The commit is in DynamoDB before the activity reports it: wait until the workflow has recorded it.
    await eventually(
      () => h.memory.state(threadId),
      (s) => s?.totals.messagesRedriven === 1,
    );
    return first.runId;
  },
  async 'idle-close'(h, threadId) {
    h.fake.script(insert('User knits'));
    const first = await h.clientWith({ idleCloseSeconds: 2 }).submit(threadId, [{ id: 'm1', role: 'user', content: 'I knit.' }], {
      afterSeconds: 0.3,
      namespace: ['memories', 'replay-idle'],
    });
    await eventually(
      () => h.temporal.workflow.getHandle(threadWorkflowId(threadId), first.runId).describe(),
      (d) => d.status.name === 'COMPLETED',
    );
    return first.runId;
  },
  async 'drain-held-signal'(h, threadId) {
    const options = { afterSeconds: 0.3, namespace: ['memories', 'replay-held'] };
    h.fake.script(insert('User rows'), { kind: 'slow', delayMs: 3_000, reply: insert('User rows at dawn') }, insert('User rows on the Tagus'));
    const first = await h.memory.submit(threadId, [{ id: 'm1', role: 'user', content: 'I row.' }], options);
    await settled(h.memory, threadId, 1);
    // A signal sent around the client claims a sequence number the inbox never handed out, with no quiet
    // period: the drain that takes message 2 has that number as its cutoff.
    await h.memory.submit(threadId, [{ id: 'm2', role: 'user', content: 'At dawn.' }], options);
    const bogus = { lastSeq: Number.MAX_SAFE_INTEGER, newMessages: 1, duplicates: 0, afterSeconds: 0, maxWaitSeconds: 0 };
    await h.temporal.workflow.getHandle(threadWorkflowId(threadId)).signal(messagesAddedSignal, bogus);
    await eventually(
      () => h.fake.requests.length,
      (n) => n === 2,
    );
    // Message 3 is signalled while that drain extracts message 2: the cutoff claims it, so it is held.
    await h.memory.submit(threadId, [{ id: 'm3', role: 'user', content: 'On the Tagus.' }], options);
    await eventually(
      () => h.memory.state(threadId),
      (s) => s?.totals.messagesProcessed === 3 && s.pendingCount === 0 && s.nextExtractionAt === null,
    );
    return first.runId;
  },
};

async function main(): Promise<void> {
  const version = process.argv[2] ?? 'v1';
  const only = process.argv.slice(3);
  const unknown = only.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(', ')} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const [temporal, dynamo] = await Promise.all([
    startTemporalDevServer({ extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS}`] }),
    startDynamoDbLocal(),
  ]);
  process.env['TEST_TEMPORAL_ADDRESS'] = temporal.address;
  process.env['TEST_DYNAMODB_ENDPOINT'] = dynamo.endpoint;
  const h = await startMemoryHarness('record');
  const folder = join(projectRoot(), 'test', 'replay', 'histories');
  mkdirSync(folder, { recursive: true });
  try {
    for (const [scenario, run] of Object.entries(SCENARIOS).filter(([name]) => only.length === 0 || only.includes(name))) {
      const threadId = `replay-${scenario}`;
      h.fake.reset();
      const firstRunId = await run(h, threadId);
      if (h.fake.unexpected.length > 0) throw new Error(`${scenario}: the model was called more often than scripted`);
      const histories = await chainHistories(h.temporal, threadId, firstRunId);
      histories.forEach((history, i) => {
        const suffix = histories.length > 1 ? `-run${i + 1}` : '';
        const file = join(folder, `${version}-${scenario}${suffix}.json`);
        writeFileSync(file, `${historyToJSON(history)}\n`);
        console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
      });
    }
  } finally {
    await h.stop();
    await Promise.all([temporal.stop(), dynamo.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
