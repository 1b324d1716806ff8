/**
 * What a submit costs, run by hand (`npm run bench:submit`; jest never picks it up). It starts its own Temporal
 * dev server and DynamoDB Local (no worker: a submit only stores and signals) and measures, side by side in one
 * run, interleaved round by round, at CALLERS concurrent callers each submitting one message at a time to its
 * own thread (a conversation):
 *   (a) `MemoryClient.submit`, one message per submit — this checkout's, and the baseline revision's compiled
 *       from git (a0), so the client's before/after shows in the same run;
 *   (b) a bare `signalWithStart` of the thread workflow with the payload submit sends;
 *   (c) the floor: the inbox transaction submit issues (built by `MessageInbox.appendItems`, the store's own
 *       builder) sent by hand with the head kept by the caller (no read), then the same signal.
 * Printed: submits/s, p50/p95 latency, client CPU µs per submit (process.cpuUsage over the variant's rounds)
 * and DynamoDB requests per submit, with the ratios a/b, a/c and a0/a.
 *
 * Figures are this run's observation on a shared 2-core machine (DynamoDB Local and the dev server on the same
 * cores); nothing is gated. See bench/README.md.
 */
import { join } from 'node:path';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Client, Connection } from '@temporalio/client';
import { THREAD_WORKFLOW_TYPE, messagesAddedSignal, threadWorkflowId, type MessagesAddedPayload, type ThreadWorkflowInput } from '../src/contract';
import { DEFAULT_TEMPORAL_NAMESPACE } from '../src/defaults';
import { MemoryClient } from '../src/client/memory-client';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { ensureTable } from '../src/store/ensure-table';
import { DynamoMemoryStore } from '../src/store/memory-store';
import { MessageInbox } from '../src/store/message-inbox';
import { DEFAULT_MANAGER_NAME } from '../src/store/namespace-owners';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { uniqueId } from '../test/support/test-env';
import { dataDir, useProjectTools } from '../dev/project-paths';
import { buildBaseline, ISSUE_15_BASELINE } from './baseline-build';
import { fmt, printTable } from './bench-output';

useProjectTools();

// ───────────────────────────── what is measured ─────────────────────────────

/** Concurrent callers, each on its own thread. */
const CALLERS = Number(process.env['SUBMIT_CALLERS'] ?? 8);
/** Submits per caller per round. */
const PER_CALLER = Number(process.env['SUBMIT_PER_CALLER'] ?? 25);
/** Measured rounds per variant (after one warm-up round each), interleaved. */
const ROUNDS = Number(process.env['SUBMIT_ROUNDS'] ?? 6);
/** The threads' quiet period: nothing runs them (no worker), so any value over the bench's length. */
const AFTER_SECONDS = 3600;
const NAMESPACE = ['memories', 'bench-user'];
/** A message of a typical chat turn (~200 bytes). */
const CONTENT = 'I moved to Lisbon last spring and I have been learning Portuguese on weekday evenings; my sister Ana visits in June.';

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

interface Variant {
  key: string;
  label: string;
  /** One submit of message `n` (1-based) by `caller` on its thread. */
  submit(caller: number, n: number): Promise<void>;
}

interface Sample {
  latenciesMs: number[];
  wallMs: number;
  cpuMicros: number;
  ops: number;
  dynamoRequests: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const benchStarted = Date.now();
  const stops: (() => Promise<void>)[] = [];
  try {
    progress('compiling the baseline client; starting a Temporal dev server and DynamoDB Local');
    const baseline = buildBaseline(join(dataDir(), 'submit-bench'), process.env['SUBMIT_BASELINE'] ?? ISSUE_15_BASELINE);
    const [server, dynamo] = await Promise.all([startTemporalDevServer(), startDynamoDbLocal()]);
    stops.push(
      () => server.stop(),
      () => dynamo.stop(),
    );
    const connection = await Connection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const temporal = new Client({ connection, namespace: DEFAULT_TEMPORAL_NAMESPACE });
    const dynamoClients = createDynamoClients({ endpoint: dynamo.endpoint, region: 'us-east-1' });
    stops.unshift(() => Promise.resolve(dynamoClients.client.destroy()));
    // Counts every request the bench's DynamoDB client sends (all variants share it).
    let dynamoRequests = 0;
    dynamoClients.client.middlewareStack.add(
      (next) => (args) => {
        dynamoRequests++;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const tableName = uniqueId('bench-submit');
    await ensureTable(dynamoClients.client, tableName);
    const taskQueue = uniqueId('bench-submit-queue');

    const store = new DynamoMemoryStore(dynamoClients.doc, tableName);
    const memory = new MemoryClient({ temporal, store, taskQueue });
    type Baseline = {
      MemoryClient: new (options: { temporal: Client; store: unknown; taskQueue: string }) => { submit: MemoryClient['submit'] };
      DynamoMemoryStore: new (doc: unknown, tableName: string) => unknown;
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the baseline revision's compiled package
    const old = require(join(baseline.root, 'dist', 'index.js')) as Baseline;
    const oldMemory = new old.MemoryClient({ temporal, store: new old.DynamoMemoryStore(dynamoClients.doc, tableName), taskQueue });
    const inbox = new MessageInbox(dynamoClients.doc, tableName);

    const thread = (key: string, caller: number) => `${key}-${benchStarted}-${caller}`;
    const message = (n: number) => ({ id: `m${n}`, role: 'user' as const, content: CONTENT });
    const payload = (lastSeq: number): MessagesAddedPayload => ({
      lastSeq,
      newMessages: 1,
      duplicates: 0,
      afterSeconds: AFTER_SECONDS,
      maxWaitSeconds: AFTER_SECONDS,
    });
    const signal = (threadId: string, lastSeq: number) => {
      const input: ThreadWorkflowInput = { threadId, settings: {} };
      return temporal.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
        workflowId: threadWorkflowId(threadId),
        taskQueue,
        args: [input],
        signal: messagesAddedSignal,
        signalArgs: [payload(lastSeq)],
      });
    };
    const variants: Variant[] = [
      {
        key: 'a',
        label: '(a) MemoryClient.submit',
        submit: async (caller, n) => {
          await memory.submit(thread('a', caller), [message(n)], { afterSeconds: AFTER_SECONDS, namespace: NAMESPACE });
        },
      },
      {
        key: 'a0',
        label: `(a0) MemoryClient.submit, ${baseline.label}`,
        submit: async (caller, n) => {
          await oldMemory.submit(thread('a0', caller), [message(n)], { afterSeconds: AFTER_SECONDS, namespace: NAMESPACE });
        },
      },
      {
        key: 'b',
        label: '(b) bare signalWithStart',
        submit: async (caller, n) => {
          await signal(thread('b', caller), n);
        },
      },
      {
        key: 'c',
        label: '(c) floor: inbox transaction + signal',
        submit: async (caller, n) => {
          const threadId = thread('c', caller);
          const base = n - 1;
          // The head as the caller knows it (it is the thread's only writer): no read before the write.
          const head = base === 0 ? null : { lastSeq: base, epoch: 'bench' };
          const items = inbox.appendItems(threadId, NAMESPACE, [{ ...message(n), timestamp: new Date().toISOString() }], head, base, DEFAULT_MANAGER_NAME);
          await dynamoClients.doc.send(new TransactWriteCommand({ TransactItems: items }));
          await signal(threadId, n);
        },
      },
    ];
    const next = new Map<string, number>(variants.flatMap((v) => Array.from({ length: CALLERS }, (_, c) => [`${v.key}/${c}`, 1] as const)));

    async function round(variant: Variant): Promise<Sample> {
      const latenciesMs: number[] = [];
      const requestsBefore = dynamoRequests;
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async (_, caller) => {
          for (let i = 0; i < PER_CALLER; i++) {
            const n = next.get(`${variant.key}/${caller}`) ?? 1;
            next.set(`${variant.key}/${caller}`, n + 1);
            const t0 = performance.now();
            await variant.submit(caller, n);
            latenciesMs.push(performance.now() - t0);
          }
        }),
      );
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      return { latenciesMs, wallMs, cpuMicros: cpu.user + cpu.system, ops: CALLERS * PER_CALLER, dynamoRequests: dynamoRequests - requestsBefore };
    }

    for (const variant of variants) await round(variant);
    progress(`warm-up done; ${ROUNDS} rounds of ${fmt(CALLERS * PER_CALLER)} submits per variant, interleaved`);
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.key, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length] as Variant);
      for (const variant of order) samples.get(variant.key)?.push(await round(variant));
      progress(`round ${r + 1}/${ROUNDS}`);
    }

    const stats = (key: string) => {
      const list = samples.get(key) ?? [];
      const ops = list.reduce((sum, s) => sum + s.ops, 0);
      const sorted = list.flatMap((s) => s.latenciesMs).sort((x, y) => x - y);
      return {
        perSecond: ops / (list.reduce((sum, s) => sum + s.wallMs, 0) / 1000),
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        cpuMicros: list.reduce((sum, s) => sum + s.cpuMicros, 0) / ops,
        dynamoPerSubmit: list.reduce((sum, s) => sum + s.dynamoRequests, 0) / ops,
      };
    };
    const all = Object.fromEntries(variants.map((v) => [v.key, stats(v.key)])) as Record<'a' | 'a0' | 'b' | 'c', ReturnType<typeof stats>>;
    printTable(
      `Submit cost: one message per submit, ${CALLERS} concurrent callers (each on its own thread), ${fmt(ROUNDS * CALLERS * PER_CALLER)} submits per variant, interleaved`,
      ['variant', 'submits/s', 'p50 (ms)', 'p95 (ms)', 'client CPU µs/submit', 'DynamoDB requests/submit'],
      variants.map((v) => {
        const s = all[v.key as keyof typeof all];
        return [v.label, fmt(s.perSecond), fmt(s.p50, 1), fmt(s.p95, 1), fmt(s.cpuMicros), fmt(s.dynamoPerSubmit, 2)];
      }),
      [
        `a/b (submit vs bare signal): throughput ${fmt(all.b.perSecond / all.a.perSecond, 2)}x slower, p50 ${fmt(all.a.p50 / all.b.p50, 2)}x, CPU ${fmt(all.a.cpuMicros / all.b.cpuMicros, 2)}x`,
        `a/c (submit vs its floor):   throughput ${fmt(all.c.perSecond / all.a.perSecond, 2)}x slower, p50 ${fmt(all.a.p50 / all.c.p50, 2)}x, CPU ${fmt(all.a.cpuMicros / all.c.cpuMicros, 2)}x`,
        `a0/a (${baseline.label} vs this checkout): throughput ${fmt(all.a.perSecond / all.a0.perSecond, 2)}x, p50 ${fmt(all.a0.p50 / all.a.p50, 2)}x, CPU ${fmt(all.a0.cpuMicros / all.a.cpuMicros, 2)}x`,
        "CPU = this process (user + system) over the variant's rounds / its submits: the client's own work (validation, the SDKs),",
        "DynamoDB Local and the dev server run in other processes. This run's observation on a shared machine, not a claim.",
      ],
    );
  } finally {
    progress('stopping the servers');
    for (const stop of stops) await stop().catch(() => undefined);
  }
  console.log(`\nbench wall time: ${fmt((Date.now() - benchStarted) / 1000, 0)} s (this run's observation)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
