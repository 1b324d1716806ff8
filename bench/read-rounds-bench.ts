/**
 * Benchmark of the two reads an extraction makes once its plan knows the batch's namespace, run by hand
 * (`npm run bench:read-rounds`; jest never picks it up): the batch's messages (`MessageInbox.readRange`) and
 * the memory candidates its search ranks (`DynamoMemoryStore.searchCandidates`), against DynamoDB Local —
 * each alone, one after the other (the path before 2026-12-07) and both at once (the path since). It says
 * whether the backend the other benches run on serves two requests faster together than in a row, which
 * decides whether `bench:post-timer` can show the saved round trip at all.
 *
 * Rounds take the modes in rotating order, so the machine's noise hits each alike. Wall times are this
 * run's observation on a shared machine; the ratios are the figures. Nothing is gated. See bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { ensureTable } from '../src/store/ensure-table';
import { memoryValue } from '../src/store/memory-types';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { createStores } from '../src/worker/dependencies';
import { fmt, printTable } from './bench-output';

/** Timed rounds per mode, after WARMUP untimed ones. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 60);
const WARMUP = 10;
/** Memories in the namespace (what a candidate read returns). */
const MEMORIES = 20;

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

type Mode = 'messages alone' | 'candidates alone' | 'one after the other' | 'both at once';
const MODES: Mode[] = ['messages alone', 'candidates alone', 'one after the other', 'both at once'];

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  progress('starting DynamoDB Local');
  const dynamo = await startDynamoDbLocal();
  const clients = createDynamoClients({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  try {
    const tableName = 'bench-read-rounds';
    await ensureTable(clients.client, tableName);
    const { inbox, store } = createStores(clients, tableName);
    const namespace = ['memories', 'reader'];
    for (let i = 0; i < MEMORIES; i++) await store.put(namespace, `fact-${i}`, memoryValue(`User fact ${i}: likes dogs, lives in Porto`));
    const threadId = 'thread-read-rounds';
    await inbox.append(threadId, namespace, [{ id: 'm-1', role: 'user', content: "I like dogs. My dog's name is Fido.", timestamp: new Date().toISOString() }]);
    const messages = () => inbox.readRange(threadId, namespace, 0, 1);
    const candidates = () => store.searchCandidates(namespace);
    const run: Record<Mode, () => Promise<unknown>> = {
      'messages alone': messages,
      'candidates alone': candidates,
      'one after the other': async () => {
        await messages();
        await candidates();
      },
      'both at once': () => Promise.all([messages(), candidates()]),
    };
    const times: Record<Mode, number[]> = { 'messages alone': [], 'candidates alone': [], 'one after the other': [], 'both at once': [] };
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      for (let i = 0; i < MODES.length; i++) {
        const mode = MODES[(round + i) % MODES.length] as Mode;
        const started = performance.now();
        await run[mode]();
        if (round >= WARMUP) times[mode].push(performance.now() - started);
      }
    }
    const p50 = (mode: Mode) => percentile(times[mode], 0.5);
    printTable(
      `Two reads of an extraction on DynamoDB Local, ${ROUNDS} rounds per mode after ${WARMUP} warm-ups (ms)`,
      ['mode', 'p50', 'p95'],
      MODES.map((mode) => [mode, fmt(p50(mode), 1), fmt(percentile(times[mode], 0.95), 1)]),
      [
        `one after the other / both at once, p50: ${fmt(p50('one after the other') / p50('both at once'), 2)}x (2x = fully parallel, 1x = served one at a time)`,
        `messages: one message (readRange); candidates: the namespace's ${MEMORIES} memories (searchCandidates). One DynamoDB Local, one document client.`,
        "This run's observation on a shared machine.",
      ],
    );
  } finally {
    clients.client.destroy();
    await dynamo.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
