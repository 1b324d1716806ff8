/**
 * Benchmark of the Lambda handlers, run by hand (`npm run bench:handler`; jest never picks it up). It starts
 * its own local stack (Temporal dev server, DynamoDB Local), builds the handler bundles, and prints:
 *
 * 1. Submit latency, warm, measured side by side in one run (interleaved, same process, same servers):
 *    a raw `signalWithStart` (the floor: Temporal only), `MemoryClient.submit` in-process (the same work the
 *    handler does: inbox write in DynamoDB, then the signal), and the HTTP handler through AWS's Runtime
 *    Interface Emulator. Ratios are against the raw signal and against the in-process submit.
 * 2. Cold start: loading the bundle in a fresh Node 22 process (Lambda's init phase), and the first vs the
 *    second invocation of fresh emulated containers; the bundles' sizes.
 *
 * No worker runs: submits only signal. Wall times on a shared 2-core machine are noisy; read the ratios.
 */
import { Client, Connection } from '@temporalio/client';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MemoryClient } from '../src/client/memory-client';
import { THREAD_WORKFLOW_TYPE, messagesAddedSignal, threadWorkflowId, type MessagesAddedPayload, type ThreadWorkflowInput } from '../src/contract';
import { lambdaRuntimeTools, startLambdaEmulator } from '../dev/lambda-emulator';
import { startLocalStack } from '../src/testing/local-stack';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { ensureTable } from '../src/store/ensure-table';
import { DynamoMemoryStore } from '../src/store/memory-store';
import { buildLambdaBundles } from '../scripts/build-lambda-bundles';
import { httpEvent, parseAnswer } from '../test/support/lambda-events';
import { fmt, printTable } from './bench-output';
import { useProjectTools } from '../dev/project-paths';

// This checkout's Temporal binaries (.tools/), for the embedded servers started below.
useProjectTools();

/** Warm-up requests per path before measuring (connections, JIT). */
const WARMUP = 10;
/** Measured requests per path (interleaved round-robin). */
const ROUNDS = 100;
/** Fresh containers started for the cold-start figure. */
const COLD_STARTS = 5;
const TASK_QUEUE = 'bench-handler';
const TABLE = 'bench-handler';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const stack = await startLocalStack();
  const bundles = await buildLambdaBundles();
  const httpDir = (bundles.find((b) => b.name === 'http')?.file ?? '').replace(/\/index\.js$/, '');
  const dynamo = createDynamoClients({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1' });
  await ensureTable(dynamo.client, TABLE);
  const temporal = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  const env = { TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_TASK_QUEUE: TASK_QUEUE, DYNAMODB_ENDPOINT: stack.dynamodbEndpoint, MEMORY_TABLE_NAME: TABLE };
  const emulator = await startLambdaEmulator({ taskRoot: httpDir, env });
  const tenant = ['memories', 'bench'];
  const memory = new MemoryClient({ temporal, store: new DynamoMemoryStore(dynamo.doc, TABLE), taskQueue: TASK_QUEUE, tenant });
  const message = (i: number, path: string) => ({ id: `${path}-${i}`, role: 'user' as const, content: `Message ${i}: I like tea.` });

  const paths: Record<string, (i: number) => Promise<unknown>> = {
    'raw signalWithStart': (i) => {
      const payload: MessagesAddedPayload = { lastSeq: 1, newMessages: 1, duplicates: 0, afterSeconds: 3600, maxWaitSeconds: 3600 };
      const threadId = `raw-${i % 10}`;
      const input: ThreadWorkflowInput = { threadId };
      return temporal.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
        workflowId: threadWorkflowId(threadId),
        taskQueue: TASK_QUEUE,
        args: [input],
        signal: messagesAddedSignal,
        signalArgs: [payload],
      });
    },
    'MemoryClient.submit (in-process)': (i) => memory.submit(`client-${i % 10}`, [message(i, 'client')], { afterSeconds: 3600, namespace: tenant }),
    'HTTP handler (emulated Lambda)': async (i) => {
      const event = httpEvent('POST', `/threads/handler-${i % 10}/messages`, {
        claims: { sub: 'bench' },
        body: { messages: [message(i, 'handler')], options: { afterSeconds: 3600 } },
      });
      const answer = parseAnswer(await emulator.invoke<APIGatewayProxyStructuredResultV2>(event));
      if (answer.statusCode !== 202) throw new Error(`handler answered ${answer.statusCode}: ${JSON.stringify(answer.body)}`);
    },
  };
  const names = Object.keys(paths);
  const times = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let i = 0; i < WARMUP; i++) for (const name of names) await paths[name]?.(i);
  for (let i = WARMUP; i < WARMUP + ROUNDS; i++) {
    for (const name of names) {
      const started = performance.now();
      await paths[name]?.(i);
      times.get(name)?.push(performance.now() - started);
    }
  }
  const p50 = (name: string) => percentile(times.get(name) ?? [], 50);
  const [raw, inProcess] = [p50(names[0] as string), p50(names[1] as string)];
  printTable(
    `1. Submit latency, warm (${ROUNDS} each, interleaved; ms)`,
    ['path', 'p50', 'p90', 'p50 vs raw signal', 'p50 vs in-process submit'],
    names.map((name) => [
      name,
      fmt(p50(name), 1),
      fmt(percentile(times.get(name) ?? [], 90), 1),
      `${fmt(p50(name) / raw, 2)}×`,
      `${fmt(p50(name) / inProcess, 2)}×`,
    ]),
    ['The submit writes the inbox (DynamoDB) before it signals: the in-process submit is the handler without Lambda.'],
  );
  await emulator.stop();

  const coldRows: string[][] = [];
  const { node } = lambdaRuntimeTools();
  for (let i = 0; i < COLD_STARTS; i++) {
    // Init proxy: loading the bundle on Node 22 in a fresh process (module evaluation, what Lambda's init phase runs).
    const loaded = spawnSync(
      node,
      ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(join(httpDir, 'index.js'))});console.log(Number(process.hrtime.bigint()-t)/1e6)`],
      { encoding: 'utf8' },
    );
    const requireMs = Number(loaded.stdout.trim());
    const fresh = await startLambdaEmulator({ taskRoot: httpDir, env });
    const first = performance.now();
    await fresh.invoke(httpEvent('GET', '/threads/cold-none', { claims: { sub: 'bench' } }));
    const firstMs = performance.now() - first;
    const second = performance.now();
    await fresh.invoke(httpEvent('GET', '/threads/cold-none', { claims: { sub: 'bench' } }));
    const warmMs = performance.now() - second;
    coldRows.push([`container ${i + 1}`, fmt(requireMs, 0), fmt(firstMs, 0), fmt(warmMs, 0), fmt(firstMs - warmMs, 0)]);
    await fresh.stop();
  }
  printTable('2. Cold start (HTTP handler, Node 22; ms)', ['container', 'bundle load', 'first invocation', 'second (warm)', 'cold-start cost'], coldRows, [
    'bundle load: require() of the bundle in a fresh Node 22 process (the init phase). cold-start cost: first minus second invocation',
    '(process start, bundle load, configuration, Temporal connection, first DynamoDB and Temporal calls).',
    ...bundles.map((b) => `bundle ${b.name}: ${fmt(b.bytes / 1024, 0)} KiB (minified, one file; source map beside it)`),
  ]);

  await temporal.connection.close();
  dynamo.client.destroy();
  await stack.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
