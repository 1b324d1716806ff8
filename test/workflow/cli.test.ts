/**
 * The operator CLI as an operator runs it: `node bin/memory-ops.js ...` child processes, configured like
 * the worker (env vars) and pointed at the test servers, the harness's fresh table and task queue. The
 * worker runs in this process with the fake Messages API; seed data goes in through a MemoryClient.
 * Each child costs about a second (tsx), so checks that do not depend on each other run at once.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../src/cli/main';
import { MemoryClient } from '../../src/client/memory-client';
import { MemoryOperator } from '../../src/operator/memory-operator';
import type { DoctorCheck, ForgetReport, ThreadSummary, ThreadTimeline } from '../../src/operator/operator-types';
import type { FlushResult } from '../../src/contract';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../dev/demo/recorded-reply';
import { startDynamoDbLocal } from '../../src/testing/dynamodb-local';
import { freePort } from '../../src/testing/free-port';
import { projectRoot } from '../../dev/project-paths';
import type { OperatorContext } from '../../src/operator/operator-context';
import type { DeadLetter } from '../../src/store/dead-letters';
import type { MemoryChange, MemoryItem, SearchItem } from '../../src/store/memory-types';
import { deadLetterPartitionKey, memoryPartitionKey, threadPartitionKey } from '../../src/store/table-keys';
import { useMemoryHarness } from '../support/memory-harness';
import { dynamoEndpoint, eventually, settled, temporalAddress, uniqueId } from '../support/test-env';

const h = useMemoryHarness('cli');

const alice = uniqueId('alice');
const bob = uniqueId('bob');
const seedThread = uniqueId('cli-seed');
const deadThread = uniqueId('cli-dead');
const bobThread = uniqueId('cli-bob');
const LISBON = 'I moved to Lisbon last spring.';
const CATS = 'Cats are better than dogs.';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI's configuration: the worker's variables, for the harness's table and task queue. */
function cliEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const inherited = Object.fromEntries(['PATH', 'HOME', 'TMPDIR'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  return {
    ...inherited,
    MEMORY_OPS_FROM_SOURCE: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: h.taskQueue,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    MEMORY_TABLE_NAME: h.tableName,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: h.fake.baseURL,
    ANTHROPIC_MODEL: 'claude-test-model',
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    ...overrides,
  };
}

/** Runs `memory-ops <args>` to completion. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot(), 'bin', 'memory-ops.js'), ...args], { env: cliEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The one JSON document a `--json` run printed. */
function json<T>(run: Run): T {
  return JSON.parse(run.stdout) as T;
}

/** The JSON error a failed `--json` run printed on stderr (and nothing on stdout). */
function jsonError(run: Run): { type: string; message: string } {
  expect(run.stdout).toBe('');
  return (JSON.parse(run.stderr) as { error: { type: string; message: string } }).error;
}

/** The line of a table that mentions `text`. */
function lineWith(output: string, text: string): string {
  return output.split('\n').find((line) => line.includes(text)) ?? '';
}

beforeAll(async () => {
  h.fake.script(RECORDED_SEED_REPLY);
  await h.memory.submit(seedThread, [{ id: 'm1', role: 'user', content: SEED_MESSAGE }], { afterSeconds: 0.2, namespace: ['memories', alice] });
  await settled(h.memory, seedThread, 1);
  // A 400 is final: the batch becomes a dead letter at once.
  h.fake.script({ kind: 'status', status: 400, message: 'max_tokens: too large' });
  await h.memory.submit(deadThread, [{ id: 'd1', role: 'user', content: LISBON }], { afterSeconds: 0.2, namespace: ['memories', alice] });
  await eventually(
    () => h.memory.state(deadThread),
    (s) => s?.totals.batchesDeadLettered === 1 && s.pendingCount === 0,
  );
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User prefers cats' }] } });
  await h.memory.submit(bobThread, [{ id: 'b1', role: 'user', content: CATS }], { afterSeconds: 0.2, namespace: ['memories', bob] });
  await settled(h.memory, bobThread, 1);
  // Temporal's visibility list (what `threads list` reads) lags a new workflow by a moment.
  await eventually(
    () => h.temporal.workflow.count(`TaskQueue = "${h.taskQueue}" AND ExecutionStatus = "Running"`),
    ({ count }) => count >= 3,
  );
});

test('threads list and threads show: the seeded threads, a timeline with tokens, dead letters and live state; 3 for an unknown thread', async () => {
  const unknown = uniqueId('nope');
  const [list, listJson, show, showJson, missing, missingJson] = await Promise.all([
    cli(['threads', 'list', '--status', 'open', '--limit', '1000']),
    cli(['threads', 'list', '--status', 'open', '--limit', '1000', '--json']),
    cli(['threads', 'show', seedThread]),
    cli(['--json', 'threads', 'show', seedThread]),
    cli(['threads', 'show', unknown]),
    cli(['threads', 'show', unknown, '--json']),
  ]);

  expect(list).toMatchObject({ code: 0, stderr: '' });
  expect(list.stdout).toMatch(/^THREAD\s+STATUS\s+PENDING\s+NEXT EXTRACTION\s+LAST EXTRACTION\s+EXTRACTIONS\s+RETRYING\s+DEAD LETTERS\s+LAST FAILURE$/m);
  expect(lineWith(list.stdout, seedThread)).toMatch(
    new RegExp(`^${seedThread}\\s+RUNNING\\s+0\\s+-\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+1\\s+-\\s+0\\s+-$`),
  );
  expect(lineWith(list.stdout, deadThread)).toMatch(/RUNNING.*\s1\s+ModelRequestError: status=400 attempt=1; details: batch /);

  expect(listJson.code).toBe(0);
  const threads = json<{ threads: ThreadSummary[] }>(listJson).threads;
  expect(threads.find((t) => t.threadId === seedThread)).toMatchObject({
    workflowStatus: 'RUNNING',
    pendingCount: 0,
    extractionsCompleted: 1,
    openDeadLetters: 0,
    lastFailure: null,
  });
  expect(threads.find((t) => t.threadId === deadThread)).toMatchObject({
    batchesDeadLettered: 1,
    openDeadLetters: 1,
    lastFailure: { type: 'ModelRequestError' },
  });

  expect(showJson.code).toBe(0);
  const timeline = json<ThreadTimeline & { temporalUi: string }>(showJson);
  const [batch] = timeline.batches;
  expect(timeline.messages).toEqual([
    expect.objectContaining({ seq: 1, id: 'm1', role: 'user', content: SEED_MESSAGE, namespace: ['memories', alice], batchId: batch?.batchId }),
  ]);
  expect(batch).toMatchObject({ kind: 'inbox', messageCount: 1, model: 'claude-test-model', usage: { inputTokens: 412, outputTokens: 71 } });
  expect(batch?.inserted).toHaveLength(2);
  expect(timeline.state).toMatchObject({ workflowStatus: 'RUNNING', pendingCount: 0, totals: { extractionsCompleted: 1, memoriesInserted: 2 } });
  expect(timeline.deadLetters).toEqual([]);
  expect(timeline.temporalUi).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(timeline.workflowId)}`);

  expect(show.code).toBe(0);
  for (const fact of [
    `thread:      ${seedThread}`,
    'workflow status:  RUNNING',
    'tokens:           412 in, 71 out',
    SEED_MESSAGE,
    'claude-test-model',
    'Dead letters: 0',
  ]) {
    expect(show.stdout).toContain(fact);
  }
  expect(lineWith(show.stdout, 'claude-test-model')).toMatch(
    new RegExp(`${batch?.batchId}\\s+inbox\\s+memories,${alice}\\s+1\\s+1\\s+2/0/0\\s+412/71\\s+claude-test-model`),
  );
  for (const key of batch?.inserted ?? []) expect(lineWith(show.stdout, key)).toMatch(/insert/);

  expect(missing).toMatchObject({ code: 3, stdout: '' });
  expect(missing.stderr).toBe(`error: thread "${unknown}": no such thread (nothing was ever submitted to it)\n`);
  expect(missingJson.code).toBe(3);
  expect(jsonError(missingJson)).toEqual({ type: 'NotFoundError', message: expect.stringContaining('no such thread') as string });
});

test('threads flush: 1 when the extraction does not finish in time, then what a complete flush changed; 3 for an unknown thread', async () => {
  h.fake.script({ kind: 'slow', delayMs: 3_000, reply: { kind: 'tool', input: { operations: [] } } });
  await h.memory.submit(seedThread, [{ id: 'm2', role: 'user', content: 'Anyway.' }], { afterSeconds: 3600, namespace: ['memories', alice] });
  const [late, missing] = await Promise.all([cli(['threads', 'flush', seedThread, '--timeout', '0.5', '--json']), cli(['threads', 'flush', uniqueId('nope')])]);
  expect(late.code).toBe(1);
  expect(json<FlushResult>(late)).toMatchObject({ complete: false });
  expect(missing.code).toBe(3);
  expect(missing.stderr).toContain('no such thread');
  await settled(h.memory, seedThread, 2);

  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'Fido is a beagle' }] } });
  await h.memory.submit(seedThread, [{ id: 'm3', role: 'user', content: 'Fido is a beagle.' }], { afterSeconds: 3600, namespace: ['memories', alice] });
  const flushed = await cli(['threads', 'flush', seedThread, '--json']);
  expect(flushed.code).toBe(0);
  expect(json<FlushResult>(flushed)).toMatchObject({
    complete: true,
    batchCount: 1,
    messagesProcessed: 1,
    inserted: 1,
    batches: [{ status: 'extracted', namespace: ['memories', alice] }],
  });

  const idle = await cli(['threads', 'flush', seedThread]);
  expect(idle.code).toBe(0);
  expect(idle.stdout).toContain('complete: yes');
  expect(idle.stdout).toContain('batches:  0');
  expect(idle.stdout).toContain('nothing was pending');
});

test('threads show: escape sequences in stored text reach the terminal as visible text, never as raw bytes', async () => {
  const threadId = uniqueId('cli-hostile');
  const namespace = ['hostile', uniqueId('eve')];
  // Clear the screen, then OSC 52: put "evil" on the operator's clipboard; BEL ends it.
  const attack = '\u001b[2J\u001b]52;c;ZXZpbA==\u0007';
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: `Remember ${attack}this` }] } });
  await h.memory.submit(threadId, [{ id: `id${attack}`, role: 'user', content: `Hello ${attack}world` }], { afterSeconds: 0.2, namespace });
  await settled(h.memory, threadId, 1);

  const [show, search, showJson] = await Promise.all([
    cli(['threads', 'show', threadId]),
    cli(['memories', 'search', JSON.stringify(namespace)]),
    cli(['threads', 'show', threadId, '--json']),
  ]);
  for (const run of [show, search]) {
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).not.toMatch(/[\u0007\u001b]/);
  }
  expect(show.stdout).toContain('Hello \\u001b[2J\\u001b]52;c;ZXZpbA==\\u0007world');
  expect(search.stdout).toContain('Remember \\u001b[2J');
  // --json keeps the exact text (JSON escapes it).
  expect(showJson.stdout).not.toMatch(/[\u0007\u001b]/);
  expect(json<ThreadTimeline>(showJson).messages[0]?.content).toBe(`Hello ${attack}world`);
});

/** Runs `memory-ops <args>` in this process with `memory` as the operator context's client. */
async function cliWith(memory: MemoryClient, args: string[]): Promise<Run> {
  const context = {
    memory,
    operator: new MemoryOperator(memory),
    temporal: h.temporal,
    config: { temporalAddress: temporalAddress(), temporalNamespace: 'default', dynamodbEndpoint: dynamoEndpoint() },
    close: () => Promise.resolve(),
  };
  const run: Run = { code: -1, stdout: '', stderr: '' };
  const io = { out: (text: string) => void (run.stdout += text), err: (text: string) => void (run.stderr += text), env: {} };
  run.code = await runCli(args, io, () => Promise.resolve(context as unknown as OperatorContext));
  return run;
}

test("threads flush asks through the client: a tenant-bound client finds its tenant's thread; a closed thread nobody can query is not an error", async () => {
  const tenant = ['memories', uniqueId('carol')];
  const scoped = new MemoryClient({ temporal: h.temporal, store: h.store, taskQueue: h.taskQueue, tenant });
  const threadId = uniqueId('cli-tenant');
  await scoped.submit(threadId, [{ role: 'user', content: 'Nothing to remember.' }], { afterSeconds: 3600, namespace: tenant });
  h.fake.script({ kind: 'tool', input: { operations: [] } });
  // The client names the thread's workflow with the tenant prefix; asking Temporal for the bare id finds nothing.
  const flushed = await cliWith(scoped, ['threads', 'flush', threadId, '--json']);
  expect(flushed).toMatchObject({ code: 0, stderr: '' });
  expect(json<FlushResult>(flushed)).toMatchObject({ complete: true, batchCount: 1, messagesProcessed: 1 });

  // A closed thread whose task queue no worker polls: its state query fails (here at once; after ~30 s when it has a
  // history to replay), which says nothing about whether it exists: flush goes on, and finds nothing to do.
  const orphaned = new MemoryClient({ temporal: h.temporal, store: h.store, taskQueue: uniqueId('no-worker') });
  const closedThread = uniqueId('cli-closed');
  const receipt = await orphaned.submit(closedThread, [{ role: 'user', content: 'Never extracted.' }], {
    afterSeconds: 3600,
    namespace: ['memories', uniqueId('dora')],
  });
  await h.temporal.workflow.getHandle(receipt.workflowId).terminate('test: closed, and no worker to replay it');
  const started = Date.now();
  const closed = await cliWith(orphaned, ['threads', 'flush', closedThread]);
  expect(closed).toMatchObject({ code: 0, stderr: '' });
  expect(closed.stdout).toContain('nothing was pending');
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('dead-letters list and redrive: the failed batch with its error, re-driven through the model; 3 for an unknown batch', async () => {
  const [list, listJson, redriven, unknownBatch] = await Promise.all([
    cli(['dead-letters', 'list', deadThread]),
    cli(['dead-letters', 'list', deadThread, '--json']),
    cli(['dead-letters', 'list', deadThread, '--status', 'redriven', '--json']),
    cli(['dead-letters', 'redrive', deadThread, '--batch', 'b-nope', '--json']),
  ]);
  expect(listJson.code).toBe(0);
  const [letter] = json<{ deadLetters: DeadLetter[] }>(listJson).deadLetters;
  expect(letter).toMatchObject({
    status: 'open',
    messageCount: 1,
    messageIds: ['d1'],
    namespace: ['memories', alice],
    error: { type: 'ModelRequestError', reason: 'non-retryable' },
  });
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/^BATCH\s+STATUS\s+NAMESPACE\s+SEQ\s+MSGS\s+REDRIVES\s+DEAD AT\s+ERROR$/m);
  expect(lineWith(list.stdout, letter?.batchId ?? '?')).toMatch(
    new RegExp(`open\\s+memories,${alice}\\s+1\\s+1\\s+0\\s+.*ModelRequestError: model API rejected the request \\(400\\)`),
  );
  expect(list.stdout).toContain('1 dead letter');
  // The model API's error body is in the letter's failure details (DynamoDB), shown by `dead-letters show`.
  expect(letter?.details?.detail?.modelError).toMatchObject({ status: 400, message: expect.stringContaining('max_tokens: too large') as string });
  const show = await cli(['dead-letters', 'show', deadThread, letter?.batchId ?? '?']);
  expect(show.code).toBe(0);
  expect(show.stdout).toContain('details (attempt 1');
  expect(show.stdout).toContain('max_tokens: too large');
  expect((await cli(['dead-letters', 'show', deadThread, 'b-nope'])).code).toBe(3);
  expect(json<{ deadLetters: DeadLetter[] }>(redriven).deadLetters).toEqual([]);
  expect(unknownBatch.code).toBe(3);
  expect(jsonError(unknownBatch)).toMatchObject({ type: 'NotFoundError', message: expect.stringContaining('b-nope') as string });

  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User lives in Lisbon' }] } });
  const redrive = await cli(['dead-letters', 'redrive', deadThread, '--batch', letter?.batchId ?? '?', '--json']);
  expect(redrive.code).toBe(0);
  expect(json<{ requested: DeadLetter[] }>(redrive).requested).toEqual([
    expect.objectContaining({ batchId: letter?.batchId, status: 'redrive-requested', redrives: 1 }),
  ]);
  await eventually(
    () => h.memory.deadLetters(deadThread),
    ([l]) => l?.status === 'redriven',
  );
  const again = await cli(['dead-letters', 'redrive', deadThread]);
  expect(again).toMatchObject({ code: 0, stderr: '' });
  expect(again.stdout).toContain('Nothing to re-drive');
});

test('memories search, show (history with provenance) and restore; 3 for an unknown memory, 2 for a version it never had', async () => {
  const stored = await h.store.search(['memories', alice], { limit: 100 });
  const fido = stored.find((i) => JSON.stringify(i.value).includes('named Fido'));
  expect(fido).toBeDefined();
  const key = fido?.key ?? '?';
  const [search, searchJson, ranked, show, showJson, missing] = await Promise.all([
    cli(['memories', 'search', `memories,${alice}`, '--limit', '50']),
    cli(['memories', 'search', 'memories', '--limit', '50', '--json']),
    cli(['memories', 'search', `memories,${alice}`, '--query', 'dog named Fido', '--limit', '1', '--json']),
    cli(['memories', 'show', JSON.stringify(['memories', alice]), key]),
    cli(['memories', 'show', `memories,${alice}`, key, '--json']),
    cli(['memories', 'show', `memories,${alice}`, 'no-such-key', '--json']),
  ]);

  expect(search.code).toBe(0);
  expect(search.stdout).toMatch(/^NAMESPACE\s+KEY\s+VER\s+UPDATED\s+CONTENT$/m);
  expect(lineWith(search.stdout, key)).toMatch(new RegExp(`^memories,${alice}\\s+${key}\\s+1\\s+\\S+ \\S+\\s+User has a dog named Fido$`));
  expect(search.stdout).toContain('User likes dogs');
  const items = json<{ items: SearchItem[] }>(searchJson).items;
  expect(items.map((i) => i.namespace)).toEqual(
    expect.arrayContaining([
      ['memories', alice],
      ['memories', bob],
    ]),
  );
  expect(json<{ items: SearchItem[] }>(ranked).items).toEqual([expect.objectContaining({ key, score: expect.any(Number) as number })]);

  expect(show.code).toBe(0);
  expect(show.stdout).toContain('value:     User has a dog named Fido');
  expect(lineWith(show.stdout, ' insert ')).toMatch(
    new RegExp(`^\\s*1\\s+insert\\s+\\S+ \\S+\\s+extraction\\s+${seedThread}\\s+b-1-1-\\w+\\s+claude-test-model\\s+m1\\s+User has a dog named Fido$`),
  );
  const detail = json<{ memory: MemoryItem; history: MemoryChange[] }>(showJson);
  expect(detail.memory).toMatchObject({ key, version: 1, value: { kind: 'Memory', content: { content: 'User has a dog named Fido' } } });
  expect(detail.history).toEqual([
    expect.objectContaining({
      version: 1,
      action: 'insert',
      by: expect.objectContaining({ kind: 'extraction', threadId: seedThread, model: 'claude-test-model', messageIds: ['m1'] }) as unknown,
    }),
  ]);
  expect(missing.code).toBe(3);
  expect(jsonError(missing)).toMatchObject({ type: 'NotFoundError' });

  const [restored, noVersion, noMemory] = await Promise.all([
    cli(['memories', 'restore', `memories,${alice}`, key, '1', '--actor', 'ops-test', '--json']),
    cli(['memories', 'restore', `memories,${alice}`, key, '9']),
    cli(['memories', 'restore', `memories,${alice}`, 'no-such-key', '1']),
  ]);
  expect(restored.code).toBe(0);
  expect(json<{ restoredVersion: number; memory: MemoryItem }>(restored)).toMatchObject({ restoredVersion: 1, memory: { key, version: 2 } });
  expect((await h.store.history(['memories', alice], key)).at(-1)).toMatchObject({
    version: 2,
    action: 'restore',
    by: { kind: 'restore', fromVersion: 1, actor: 'ops-test' },
  });
  expect(noVersion.code).toBe(2);
  expect(noVersion.stderr).toContain('version: memory');
  expect(noMemory.code).toBe(3);
});

test('bad usage exits 2 and names the argument, option or variable, in text and as a JSON error', async () => {
  const runs = await Promise.all([
    cli(['memories', 'search', 'memories,a.b']),
    cli(['memories', 'search', '["memories",', '--json']),
    cli(['threads', 'list', '--limit', '0', '--json']),
    cli(['threads', 'list', '--status', 'bogus']),
    cli(['memories', 'forget', `memories,${alice}`, '--json']),
    cli(['memories', 'restore', 'memories', 'k', 'x']),
    cli(['threads', 'list', '--json'], { MEMORY_TABLE_NAME: 'ab' }),
    cli(['threads', 'lsit']),
    cli(['dead-letters', '--json']),
  ]);
  expect(runs.map((r) => r.code)).toEqual(runs.map(() => 2));
  const [badLabel, badJson, badLimit, badStatus, noYes, badVersion, badConfig, typo, noSubcommand] = runs;
  expect(badLabel.stderr).toMatch(/argument 'namespace'.*label 1: namespace labels must not contain "\."/);
  expect(jsonError(badJson)).toMatchObject({ type: 'UsageError', message: expect.stringMatching(/argument 'namespace'.*not a valid JSON array/) as string });
  expect(jsonError(badLimit).message).toContain("option '--limit <n>' argument '0' is invalid");
  expect(badStatus.stderr).toContain("option '--status <status>' argument 'bogus' is invalid. Allowed choices are open, closed.");
  expect(jsonError(noYes)).toMatchObject({ type: 'UsageError', message: expect.stringContaining('--yes') as string });
  expect(badVersion.stderr).toContain("argument 'version'");
  expect(jsonError(badConfig)).toMatchObject({ type: 'ConfigurationError', message: expect.stringContaining('MEMORY_TABLE_NAME') as string });
  expect(typo.stderr).toContain("unknown command 'lsit'");
  expect(jsonError(noSubcommand).type).toBe('UsageError');
  // The refused forget removed nothing.
  expect((await h.store.search(['memories', alice])).length).toBeGreaterThan(0);

  const help = await cli(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Exit codes:');
  expect(help.stdout).toContain('JSON array');
});

test('doctor: every check passes against the test stack; a stopped DynamoDB Local fails its check with how to fix it (exit 1), and data commands exit 4', async () => {
  const stopped = await startDynamoDbLocal();
  await stopped.stop();
  const deadTemporal = `127.0.0.1:${await freePort()}`;
  const [healthy, healthyText, sick, sickText, unavailable, noTemporal] = await Promise.all([
    cli(['doctor', '--json']),
    cli(['doctor']),
    cli(['doctor', '--json'], { DYNAMODB_ENDPOINT: stopped.endpoint }),
    cli(['doctor'], { DYNAMODB_ENDPOINT: stopped.endpoint }),
    cli(['memories', 'search', 'memories', '--json'], { DYNAMODB_ENDPOINT: stopped.endpoint }),
    cli(['threads', 'list', '--json'], { TEMPORAL_ADDRESS: deadTemporal }),
  ]);

  expect(healthy.code).toBe(0);
  const report = json<{ ok: boolean; checks: DoctorCheck[] }>(healthy);
  expect(report.ok).toBe(true);
  expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
    ['temporal', true],
    ['worker', true],
    ['dynamodb', true],
    ['table', true],
    ['model', true],
  ]);
  expect(healthyText.code).toBe(0);
  expect(healthyText.stdout).toMatch(/^worker\s+ok\s+.*polling task queue/m);
  expect(healthyText.stdout).toContain('All 5 checks passed.');

  expect(sick.code).toBe(1);
  const failing = json<{ ok: boolean; checks: DoctorCheck[] }>(sick);
  expect(failing.ok).toBe(false);
  expect(failing.checks.find((c) => c.name === 'dynamodb')).toMatchObject({
    ok: false,
    detail: expect.stringMatching(new RegExp(`${stopped.endpoint}.*unreachable`)) as string,
    fix: expect.stringContaining('DYNAMODB_ENDPOINT') as string,
  });
  expect(failing.checks.find((c) => c.name === 'table')?.ok).toBe(false);
  expect(failing.checks.find((c) => c.name === 'temporal')?.ok).toBe(true);
  expect(sickText.code).toBe(1);
  expect(sickText.stdout).toMatch(/^dynamodb\s+FAIL\s+DynamoDB at \S+ is unreachable/m);
  expect(sickText.stdout).toMatch(/How to fix:\n.*dynamodb: .*DYNAMODB_ENDPOINT/);

  expect(unavailable.code).toBe(4);
  expect(jsonError(unavailable)).toMatchObject({
    type: 'ServiceUnavailable',
    message: expect.stringContaining(`DynamoDB at ${stopped.endpoint} is unavailable`) as string,
  });
  expect(noTemporal.code).toBe(4);
  expect(jsonError(noTemporal).message).toContain(`Temporal at ${deadTemporal}`);
});

test('memories forget: a dry run removes nothing; --yes leaves nothing under the prefix in DynamoDB and another prefix untouched', async () => {
  const dryRun = await cli(['memories', 'forget', `memories,${alice}`, '--dry-run', '--json']);
  expect(dryRun.code).toBe(0);
  const planned = json<ForgetReport>(dryRun);
  expect(planned).toMatchObject({ prefix: ['memories', alice], dryRun: true, deadLetters: 1, namespaces: [['memories', alice]] });
  expect(planned.memories).toBeGreaterThanOrEqual(3);
  expect(planned.messages).toBe(4);
  expect(planned.threads.sort()).toEqual([deadThread, seedThread].sort());
  expect((await h.store.search(['memories', alice])).length).toBe(planned.memories);

  const forgot = await cli(['memories', 'forget', `memories,${alice}`, '--yes']);
  expect(forgot.code).toBe(0);
  expect(forgot.stdout).toContain(`Removed under memories,${alice}:`);
  expect(forgot.stdout).toMatch(new RegExp(`memories:\\s+${planned.memories}\\n`));
  expect(forgot.stdout).toMatch(/dead letters:\s+1\n/);

  // Straight from DynamoDB: no memory, history, message, dead letter or bookkeeping item mentions alice's namespace.
  const doc = h.store.doc;
  const query = async (pk: string, skPrefix?: string) =>
    (
      await doc.send(
        new QueryCommand({
          TableName: h.tableName,
          KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :sk)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':sk': skPrefix } : {}) },
        }),
      )
    ).Items ?? [];
  expect(await query(memoryPartitionKey(['memories', alice]))).toEqual([]);
  expect(await query(threadPartitionKey(seedThread), 'msg#')).toEqual([]);
  expect(await query(threadPartitionKey(deadThread), 'msg#')).toEqual([]);
  expect(await query(deadLetterPartitionKey(deadThread))).toEqual([]);
  const everything = (await doc.send(new ScanCommand({ TableName: h.tableName }))).Items ?? [];
  const leftovers = everything.map((item) => JSON.stringify(item)).filter((text) => text.includes(alice) || text.includes('Fido') || text.includes('Lisbon'));
  expect(leftovers).toEqual([]);

  // Bob's namespace: memory, its history and his thread's message are all still there.
  const bobs = await query(memoryPartitionKey(['memories', bob]));
  expect(bobs.filter((i) => String(i['sk']).startsWith('m#'))).toHaveLength(1);
  expect(bobs.filter((i) => String(i['sk']).startsWith('h#'))).toHaveLength(1);
  expect((await query(threadPartitionKey(bobThread), 'msg#')).map((i) => String(i['content']))).toEqual([CATS]);

  const after = await cli(['memories', 'search', 'memories', '--json']);
  expect(json<{ items: SearchItem[] }>(after).items.map((i) => i.namespace)).toEqual([['memories', bob]]);
});
