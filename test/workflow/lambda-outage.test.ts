/**
 * The handlers while Temporal is down, under the Runtime Interface Emulator: a submit answers 503 with
 * Retry-After (its messages are already in the inbox, nothing is lost), and once Temporal is back the
 * retried request is accepted and its message extracted exactly once — with message ids, with an
 * `Idempotency-Key` instead, and for an SQS record without ids that fails and is redelivered.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import { HANDLER_RETRY_AFTER_SECONDS } from '../../src/defaults';
import { freePort } from '../../src/testing/free-port';
import { startLambdaEmulator } from '../../dev/lambda-emulator';
import { startTemporalDevServer } from '../../src/testing/temporal-dev-server';
import { buildLambdaBundles } from '../../scripts/build-lambda-bundles';
import { httpEvent, parseAnswer, sqsEvent } from '../support/lambda-events';
import { startMemoryHarness } from '../support/memory-harness';
import { dynamoEndpoint, eventually, uniqueId } from '../support/test-env';

test('Temporal stopped: 503 with Retry-After; after it is back the retried request succeeds and is extracted once', async () => {
  const [http] = await buildLambdaBundles();
  const dbFile = join(mkdtempSync(join(tmpdir(), 'temporal-outage-')), 'temporal.sqlite');
  const port = await freePort();
  let server = await startTemporalDevServer({ dbFile, port });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const h = await startMemoryHarness('lambda-outage', { nativeConnection, client });
  const emulator = await startLambdaEmulator({
    taskRoot: (http?.file ?? '').replace(/\/index\.js$/, ''),
    env: { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: h.taskQueue, DYNAMODB_ENDPOINT: dynamoEndpoint(), MEMORY_TABLE_NAME: h.tableName },
  });
  const sub = uniqueId('frank');
  const threadId = uniqueId('outage');
  const submit = () =>
    httpEvent('POST', `/threads/${threadId}/messages`, {
      claims: { sub },
      body: { messages: [{ id: 'm1', role: 'user', content: 'I collect stamps.' }], options: { afterSeconds: 0.2 } },
    });
  const invoke = async (event: ReturnType<typeof httpEvent>) => parseAnswer(await emulator.invoke<APIGatewayProxyStructuredResultV2>(event));
  try {
    // A warm container with an established connection, as in production.
    expect((await invoke(httpEvent('GET', `/threads/${threadId}`, { claims: { sub } }))).statusCode).toBe(404);

    await server.stop();
    const started = Date.now();
    const down = await invoke(submit());
    console.log(`503 answered after ${Date.now() - started} ms with Temporal down`);
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe(String(HANDLER_RETRY_AFTER_SECONDS));
    expect(down.body).toMatchObject({ error: { type: 'ServiceUnavailable' } });
    // The message is safe in the inbox already; only the signal is missing.
    expect(await h.memory.inbox.head(`${JSON.stringify(['memories', sub])}/${threadId}`)).toMatchObject({ lastSeq: 1 });

    server = await startTemporalDevServer({ dbFile, port });
    h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User collects stamps' }] } });
    // The caller retries after Retry-After until accepted (the connection may need a moment to come back).
    const accepted = await eventually(
      () => invoke(submit()),
      (a) => a.statusCode === 202,
      { timeoutMs: 60_000, intervalMs: HANDLER_RETRY_AFTER_SECONDS * 1000 },
    );
    expect(accepted.body).toMatchObject({ newMessages: 0, duplicates: 1 });

    const memories = await eventually(
      () => h.store.search(['memories', sub]),
      (items) => items.length > 0,
      { timeoutMs: 60_000 },
    );
    const state = await eventually(
      () => invoke(httpEvent('GET', `/threads/${threadId}`, { claims: { sub } })),
      (a) => (a.body as { totals?: { extractionsCompleted: number } }).totals?.extractionsCompleted === 1,
    );
    expect(state.body).toMatchObject({ pendingCount: 0, totals: { messagesProcessed: 1 } });
    expect(memories.map((m) => m.value)).toEqual([{ kind: 'Memory', content: { content: 'User collects stamps' } }]);
    expect(h.fake.requests).toHaveLength(1);
  } finally {
    await emulator.stop();
    await h.stop();
    await client.connection.close();
    await nativeConnection.close();
    await server.stop();
  }
}, 180_000);

test('Temporal stopped after the inbox write: an SQS record and an HTTP submit without message ids, redelivered and retried with the same Idempotency-Key, are stored and extracted once', async () => {
  const bundles = await buildLambdaBundles();
  const taskRoot = (name: string) => (bundles.find((b) => b.name === name)?.file ?? '').replace(/\/index\.js$/, '');
  const dbFile = join(mkdtempSync(join(tmpdir(), 'temporal-outage-')), 'temporal.sqlite');
  const port = await freePort();
  let server = await startTemporalDevServer({ dbFile, port });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const h = await startMemoryHarness('lambda-outage-ids', { nativeConnection, client });
  const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: h.taskQueue, DYNAMODB_ENDPOINT: dynamoEndpoint(), MEMORY_TABLE_NAME: h.tableName };
  const [http, sqs] = await Promise.all([
    startLambdaEmulator({ taskRoot: taskRoot('http'), env }),
    startLambdaEmulator({ taskRoot: taskRoot('sqs'), env, timeoutSeconds: 30 }),
  ]);
  // Two tenants, so each thread's memory lands in its own namespace whichever extraction runs first.
  const [queued, posted] = [uniqueId('kim'), uniqueId('lee')];
  const [sqsThread, httpThread] = [uniqueId('sqs-outage'), uniqueId('http-outage')];
  const inboxOf = (sub: string, threadId: string) => h.memory.inbox.head(`${JSON.stringify(['memories', sub])}/${threadId}`);
  const record = sqsEvent([
    { identity: { sub: queued }, threadId: sqsThread, messages: [{ role: 'user', content: 'I keep bees.' }], options: { afterSeconds: 0.2 } },
  ]);
  const key = uniqueId('submit');
  const submit = () =>
    httpEvent('POST', `/threads/${httpThread}/messages`, {
      claims: { sub: posted },
      headers: { 'idempotency-key': key },
      body: { messages: [{ role: 'user', content: 'I sail.' }], options: { afterSeconds: 0.2 } },
    });
  const invoke = async (event: ReturnType<typeof httpEvent>) => parseAnswer(await http.invoke<APIGatewayProxyStructuredResultV2>(event));
  const deliver = () => sqs.invoke<SQSBatchResponse>(record);
  try {
    expect((await invoke(httpEvent('GET', `/threads/${httpThread}`, { claims: { sub: posted } }))).statusCode).toBe(404);
    await server.stop();

    // The record's message is stored, its signal fails: the record is reported failed, so SQS delivers it again.
    expect((await deliver()).batchItemFailures).toEqual([{ itemIdentifier: record.Records[0]?.messageId }]);
    expect(await inboxOf(queued, sqsThread)).toMatchObject({ lastSeq: 1 });
    const down = await invoke(submit());
    expect(down.statusCode).toBe(503);
    expect(await inboxOf(posted, httpThread)).toMatchObject({ lastSeq: 1 });

    server = await startTemporalDevServer({ dbFile, port });
    const reply = { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User has an outdoor hobby' }] } } as const;
    h.fake.script(reply, reply);
    // SQS redelivers the same record (same messageId) until it succeeds; the HTTP caller retries with its key.
    await eventually(deliver, (r) => r.batchItemFailures.length === 0, { timeoutMs: 60_000, intervalMs: HANDLER_RETRY_AFTER_SECONDS * 1000 });
    const accepted = await eventually(
      () => invoke(submit()),
      (a) => a.statusCode === 202,
      { timeoutMs: 60_000, intervalMs: HANDLER_RETRY_AFTER_SECONDS * 1000 },
    );
    expect(accepted.body).toMatchObject({ messageIds: [`${key}#0`], newMessages: 0, duplicates: 1 });
    const submitted = sqs.jsonLogs().filter((l) => l['message'] === 'record submitted');
    expect(submitted.map((l) => [l['newMessages'], l['duplicates']])).toEqual([[0, 1]]);

    for (const [sub, threadId] of [
      [queued, sqsThread],
      [posted, httpThread],
    ] as const) {
      const state = await eventually(
        () => invoke(httpEvent('GET', `/threads/${threadId}`, { claims: { sub } })),
        (a) => (a.body as { totals?: { extractionsCompleted: number } }).totals?.extractionsCompleted === 1,
        { timeoutMs: 60_000 },
      );
      expect(state.body).toMatchObject({ pendingCount: 0, totals: { messagesProcessed: 1 } });
      expect(await inboxOf(sub, threadId)).toMatchObject({ lastSeq: 1 });
      expect(await h.store.search(['memories', sub])).toHaveLength(1);
    }
    expect(h.fake.requests).toHaveLength(2);
  } finally {
    await Promise.all([http.stop(), sqs.stop()]);
    await h.stop();
    await client.connection.close();
    await nativeConnection.close();
    await server.stop();
  }
}, 240_000);

test('a Temporal that accepts connections but never answers: 503 before Lambda’s timeout, not a killed invocation', async () => {
  const [http] = await buildLambdaBundles();
  const sockets: Socket[] = [];
  const blackHole = createServer((socket) => sockets.push(socket));
  const port = await freePort();
  await new Promise<void>((resolve) => blackHole.listen(port, '127.0.0.1', resolve));
  const emulator = await startLambdaEmulator({
    taskRoot: (http?.file ?? '').replace(/\/index\.js$/, ''),
    env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DYNAMODB_ENDPOINT: dynamoEndpoint(), MEMORY_TABLE_NAME: 'unused' },
    timeoutSeconds: 3,
  });
  try {
    // Had the handler not answered in time, the emulator would answer for it with a timeout error instead.
    const answer = parseAnswer(
      await emulator.invoke<APIGatewayProxyStructuredResultV2>(httpEvent('POST', `/threads/${uniqueId('hung')}/flush`, { claims: { sub: 'gina' }, body: {} })),
    );
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe(String(HANDLER_RETRY_AFTER_SECONDS));
  } finally {
    await emulator.stop();
    sockets.forEach((s) => s.destroy());
    blackHole.close();
  }
}, 60_000);
