/**
 * Erasure and export of a tenant's data against DynamoDB Local, with two tenants whose data sits side by
 * side (and in one shared thread): a marker string planted in each tenant's messages, memories, memory
 * history and dead letters. After `forget` a full-table scan finds the forgotten tenant's marker nowhere
 * (and its labels only in inbox heads, which hold no content), while the other tenant's data is intact;
 * `export` writes every message, memory version and dead letter of a tenant and nothing of the other —
 * through the operator API, a tenant-bound operator, the HTTP helper and the CLI.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Client, Connection } from '@temporalio/client';
import { runCli } from '../../src/cli/main';
import { MemoryClient } from '../../src/client/memory-client';
import type { FailureInfo, ThreadMessage } from '../../src/contract';
import { InvalidInputError, ReviewRequiredError, TenantAccessError } from '../../src/errors';
import { exportTenantJsonLines } from '../../src/operator/export-tenant';
import { MemoryOperator } from '../../src/operator/memory-operator';
import { BatchPlanner } from '../../src/store/batch-planner';
import { BatchWriter } from '../../src/store/batch-writer';
import { DeadLetterStore } from '../../src/store/dead-letters';
import { FailureDetailsStore } from '../../src/store/failure-details';
import type { ExportRecord } from '../../src/store/export-prefix';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryValue } from '../../src/store/memory-types';
import { MessageInbox } from '../../src/store/message-inbox';
import { tenantThreadKey } from '../../src/store/tenancy';
import { dynamoEndpoint, freshTable, uniqueId } from '../support/test-env';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoMemoryStore;
let inbox: MessageInbox;
let planner: BatchPlanner;
let deadLetters: DeadLetterStore;
let batches: BatchWriter;
let temporal: Client;

const USAGE = { inputTokens: 3, outputTokens: 2 };

/** What was planted for one tenant, to look for afterwards. */
interface Planted {
  tenant: string[];
  marker: string;
  messageIds: string[];
  threads: string[];
  deadLetterBatchIds: string[];
  /** History records written (memory versions). */
  versions: number;
}

beforeEach(async () => {
  table = await freshTable('tenant-data');
  store = new DynamoMemoryStore(table.doc, table.tableName);
  inbox = new MessageInbox(table.doc, table.tableName);
  deadLetters = new DeadLetterStore(table.doc, table.tableName);
  planner = new BatchPlanner(inbox, deadLetters);
  batches = new BatchWriter(table.doc, table.tableName);
  temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
});
afterEach(async () => {
  table?.client.destroy();
  await temporal?.connection.close();
});

function messages(planted: Planted, ...contents: string[]): ThreadMessage[] {
  const sent = contents.map((content) => ({
    id: uniqueId('m'),
    role: 'user' as const,
    content: `${content} ${planted.marker}`,
    timestamp: '2026-11-26T10:00:00.000Z',
  }));
  planted.messageIds.push(...sent.map((m) => m.id));
  return sent;
}

async function commitNext(threadId: string, content: string): Promise<void> {
  const ref = await planner.next(threadId, Number.MAX_SAFE_INTEGER);
  if (!ref) throw new Error(`nothing planned for ${threadId}`);
  const result = await batches.apply({
    ref,
    operations: [{ action: 'insert', kind: 'Memory', content: { content } }],
    existing: new Map(),
    usage: USAGE,
    model: 'claude-test',
    messageIds: [],
  });
  await batches.log.record(ref, result);
}

/**
 * A tenant's data everywhere we keep it: a tenant thread with a committed batch (memory, history, receipt,
 * batch log, processed messages), a dead letter whose re-drive is requested, an unprocessed message, a
 * deeper namespace written through the store (two versions), and a message in a thread `shared` with the
 * other tenant.
 */
async function plant(label: string, shared: string): Promise<Planted> {
  const tenant = ['memories', label];
  const planted: Planted = { tenant, marker: `MARKER-${uniqueId(label)}`, messageIds: [], threads: [], deadLetterBatchIds: [], versions: 0 };
  const thread = tenantThreadKey(tenant, 'thread-1');
  planted.threads.push(thread, shared);

  await inbox.append(thread, tenant, messages(planted, 'I like dogs.', 'My dog is Fido.'));
  await commitNext(thread, `User has a dog named Fido ${planted.marker}`);
  planted.versions += 1;

  await inbox.append(thread, tenant, messages(planted, 'poison'));
  const poison = await planner.next(thread, Number.MAX_SAFE_INTEGER);
  if (!poison) throw new Error('no poison batch');
  const failure: FailureInfo = { type: 'ReviewRequiredError', message: `proposed: forget everything ${planted.marker}` };
  // What a reviewer reads (the proposed operations, quoting the user) is kept beside the dead letter.
  const review = new ReviewRequiredError('deletes=1 maxDeletes=0', {
    detail: { proposedOperations: [{ action: 'delete', content: `everything ${planted.marker}` }] },
  });
  await new FailureDetailsStore(table.doc, table.tableName).record(poison, review, 3);
  await batches.deadLetter(poison, planted.messageIds.slice(-1), failure, { firstAttemptAt: '2026-11-26T10:00:00.000Z', deadAt: '2026-11-26T16:00:00.000Z' });
  await deadLetters.requestRedrive(thread);
  planted.deadLetterBatchIds.push(poison.batchId);

  await inbox.append(thread, tenant, messages(planted, 'I moved to Lisbon.'));
  await store.put([...tenant, 'work'], 'role', memoryValue(`Works as a nurse ${planted.marker}`));
  await store.put([...tenant, 'work'], 'role', memoryValue(`Works as a doctor ${planted.marker}`));
  planted.versions += 2;
  await inbox.append(shared, tenant, messages(planted, 'Shared thread note.'));
  return planted;
}

async function scanAll(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(new ScanCommand({ TableName: table.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Items whose keys or attributes mention `text` anywhere (binary attributes as their bytes' text). */
async function itemsMentioning(text: string): Promise<Record<string, unknown>[]> {
  const mentions = (item: Record<string, unknown>) =>
    JSON.stringify(item, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)).includes(text);
  return (await scanAll()).filter(mentions);
}

async function collect(records: AsyncIterable<ExportRecord>): Promise<ExportRecord[]> {
  const out: ExportRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

const ofType = (records: readonly ExportRecord[], type: string) => records.filter((r) => r.type === type) as Record<string, unknown>[];

/** Two tenants; bob registers its namespaces first, so the shared first-label entry names alice's last. */
async function twoTenants(): Promise<{ alice: Planted; bob: Planted; shared: string }> {
  const shared = uniqueId('shared-thread');
  const bob = await plant(uniqueId('bob'), shared);
  const alice = await plant(uniqueId('alice'), shared);
  return { alice, bob, shared };
}

describe('forget', () => {
  test('erases a tenant everywhere: a full-table scan finds its marker nowhere, and the other tenant is intact', async () => {
    const { alice, bob } = await twoTenants();
    expect((await itemsMentioning(alice.marker)).length).toBeGreaterThan(10);

    const operator = new MemoryOperator(new MemoryClient({ temporal, store }));
    const report = await operator.forget(alice.tenant);
    expect(report).toMatchObject({ messages: 5, deadLetters: 1, memories: 2, historyRecords: 3 });

    expect(await itemsMentioning(alice.marker)).toEqual([]);
    // The tenant's labels survive only in its threads' inbox heads: sequence counters, no content or namespace.
    const left = await itemsMentioning(alice.tenant[1] as string);
    expect(left.map((item) => item['sk'])).toEqual(['head']);
    // The shared thread keeps bob's message; bob's data is all there.
    expect((await itemsMentioning(bob.marker)).length).toBeGreaterThan(10);
    expect((await inbox.newest(alice.threads[1] as string, bob.tenant, 10)).messages).toHaveLength(1);
    expect(await store.listNamespaces()).toEqual([bob.tenant, [...bob.tenant, 'work']]);
    expect(await store.listNamespaces({ maxDepth: 1 })).toEqual([['memories']]);
  });

  test('the shared registry entry that named the forgotten tenant no longer does, and is still listed', async () => {
    const { alice, bob } = await twoTenants();
    await new MemoryOperator(new MemoryClient({ temporal, store })).forget(alice.tenant);
    // Without the scrub, the first label's entry (last written by alice's namespace) kept alice's labels.
    expect(await itemsMentioning(alice.tenant[1] as string)).not.toContainEqual(expect.objectContaining({ sk: 'memories' }));
    expect(await store.listNamespaces({ prefix: ['memories'] })).toEqual([bob.tenant, [...bob.tenant, 'work']]);
  });

  test('a tenant-bound operator cannot forget another tenant', async () => {
    const { alice, bob } = await twoTenants();
    const operator = new MemoryOperator(new MemoryClient({ temporal, store, tenant: alice.tenant }));
    await expect(operator.forget(bob.tenant)).rejects.toBeInstanceOf(TenantAccessError);
  });
});

describe('export', () => {
  test('holds every message, memory version and dead letter of the tenant and nothing of the other', async () => {
    const { alice, bob } = await twoTenants();
    const operator = new MemoryOperator(new MemoryClient({ temporal, store }));
    const records = await collect(operator.export(alice.tenant));

    expect(records[0]).toMatchObject({ type: 'export', prefix: alice.tenant });
    expect(records.at(-1)).toMatchObject({ type: 'summary', lines: records.length });
    const exported = JSON.stringify(records);
    expect(exported).not.toContain(bob.marker);
    expect(exported).not.toContain(bob.tenant[1]);

    const messages = ofType(records, 'message');
    expect(messages.map((m) => m['messageId']).sort()).toEqual([...alice.messageIds].sort());
    for (const m of messages) expect(m['content']).toContain(alice.marker);
    expect(ofType(records, 'memoryVersion')).toHaveLength(alice.versions);
    expect(
      ofType(records, 'memoryVersion')
        .map((v) => (v['value'] as { content: { content: string } }).content.content)
        .sort(),
    ).toEqual([`User has a dog named Fido ${alice.marker}`, `Works as a doctor ${alice.marker}`, `Works as a nurse ${alice.marker}`]);
    expect(ofType(records, 'memory')).toHaveLength(2);
    expect(ofType(records, 'deadLetter').map((d) => d['batchId'])).toEqual(alice.deadLetterBatchIds);
    expect(ofType(records, 'deadLetter')[0]?.['error']).toMatchObject({ message: expect.stringContaining(alice.marker) as unknown });
    expect(ofType(records, 'receipt')).toHaveLength(1);
    expect(ofType(records, 'batchLog')).toHaveLength(1);
    // Keys and embeddings are not part of it.
    for (const record of records) expect(Object.keys(record)).not.toEqual(expect.arrayContaining(['pk']));

    // Exactly what forget erases.
    const report = await operator.forget(alice.tenant, { dryRun: true });
    const erasable = report.memories + report.historyRecords + report.messages + report.deadLetters + report.bookkeeping;
    expect(records.length - 2).toBe(erasable);
  });

  test('a tenant-bound operator exports its own tenant by default, with its own thread ids, and is refused another', async () => {
    const { alice, bob, shared } = await twoTenants();
    const client = new MemoryClient({ temporal, store: store.forTenant(alice.tenant), tenant: alice.tenant });
    const records = await collect(new MemoryOperator(client).export());
    expect(records[0]).toMatchObject({ type: 'export', prefix: alice.tenant });
    const threads = new Set(ofType(records, 'message').map((m) => m['threadId']));
    // Its own thread as it knows it; a thread that is not the tenant's (the shared one) is not named.
    expect([...threads].sort()).toEqual([null, 'thread-1'].sort());
    expect(JSON.stringify(records)).not.toContain(shared);
    expect(() => new MemoryOperator(client).export(bob.tenant)).toThrow(TenantAccessError);

    const lines: string[] = [];
    for await (const line of exportTenantJsonLines(client)) lines.push(line);
    expect(lines.map((line) => JSON.parse(line) as ExportRecord)).toEqual(
      records.map((r) => (r.type === 'export' ? { ...r, exportedAt: expect.any(String) as unknown } : r)),
    );
  });

  test('an unbound operator needs a prefix, and the HTTP helper needs a tenant-bound client', async () => {
    const client = new MemoryClient({ temporal, store });
    await expect(collect(new MemoryOperator(client).export())).rejects.toBeInstanceOf(InvalidInputError);
    expect(() => exportTenantJsonLines(client)).toThrow(TenantAccessError);
  });
});

describe('memory-ops export', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    const env = { DYNAMODB_ENDPOINT: dynamoEndpoint(), AWS_REGION: 'us-east-1', MEMORY_TABLE_NAME: table.tableName, TEMPORAL_ADDRESS: '127.0.0.1:1' };
    return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env } };
  }

  test('writes JSON Lines to stdout, or to a new --out file it never overwrites', async () => {
    const { alice, bob } = await twoTenants();
    const stdout = io();
    expect(await runCli(['export', alice.tenant.join(',')], stdout.io)).toBe(0);
    const lines = stdout.out
      .join('')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportRecord);
    expect(
      ofType(lines, 'message')
        .map((m) => m['messageId'])
        .sort(),
    ).toEqual([...alice.messageIds].sort());
    expect(stdout.out.join('')).not.toContain(bob.marker);

    const file = join(tmpdir(), `${uniqueId('export')}.jsonl`);
    const toFile = io();
    expect(await runCli(['--json', 'export', JSON.stringify(alice.tenant), '--out', file], toFile.io)).toBe(0);
    expect(JSON.parse(toFile.out.join(''))).toEqual({ out: file, prefix: alice.tenant, lines: lines.length });
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(lines.length);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await writeFile(file, 'keep me');
    const again = io();
    expect(await runCli(['export', alice.tenant.join(','), '--out', file], again.io)).toBe(2);
    expect(again.err.join('')).toContain('already exists');
    expect(await readFile(file, 'utf8')).toBe('keep me');
  });
});
