/**
 * The Lambda handlers as Lambda runs them: the esbuild bundles under AWS's Runtime Interface Emulator and
 * the Node runtime interface client on Node 22, against the local stack (Temporal dev server, DynamoDB
 * Local, a worker, the fake Messages API). Each emulator is one warm container for the whole file. The
 * bundles are minified without `keepNames`, as deployed: the error types callers see are the literal names.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadWorkflowId } from '../../src/contract';
import { MAX_MESSAGES_PER_SUBMIT } from '../../src/defaults';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../dev/demo/recorded-reply';
import { startLambdaEmulator, type LambdaEmulator } from '../../dev/lambda-emulator';
import { buildLambdaBundles } from '../../scripts/build-lambda-bundles';
import { promptMessages } from '../../src/testing/fake-messages-api';
import { chainHistories, payloadTexts } from '../support/history';
import { httpEvent, parseAnswer, sqsEvent, type HttpAnswer } from '../support/lambda-events';
import { useMemoryHarness } from '../support/memory-harness';
import { dynamoEndpoint, eventually, temporalAddress, uniqueId } from '../support/test-env';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';

const h = useMemoryHarness('lambda');
let http: LambdaEmulator;
let sqs: LambdaEmulator;
let bundles: Record<string, string>;

/** The handlers' configuration for the harness's table, task queue and Temporal server. */
function functionEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: h.taskQueue,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    MEMORY_TABLE_NAME: h.tableName,
    POWERTOOLS_SERVICE_NAME: 'memory-api',
    POWERTOOLS_DEV: 'false',
    ...overrides,
  };
}

beforeAll(async () => {
  bundles = Object.fromEntries((await buildLambdaBundles()).map((b) => [b.name, b.file.replace(/\/index\.js$/, '')]));
  [http, sqs] = await Promise.all([
    startLambdaEmulator({ taskRoot: bundles['http'] as string, env: functionEnv() }),
    startLambdaEmulator({ taskRoot: bundles['sqs'] as string, env: functionEnv(), timeoutSeconds: 30 }),
  ]);
});
afterAll(async () => {
  await Promise.all([http?.stop(), sqs?.stop()]);
});

async function call<T = Record<string, unknown>>(emulator: LambdaEmulator, ...args: Parameters<typeof httpEvent>): Promise<HttpAnswer<T>> {
  return parseAnswer<T>(await emulator.invoke<APIGatewayProxyStructuredResultV2>(httpEvent(...args)));
}

/** The thread's key as the tenant-bound client stores it (tenant `["memories", sub]`). */
const threadKey = (sub: string, threadId: string) => `${JSON.stringify(['memories', sub])}/${threadId}`;

async function extractionsCompleted(sub: string, threadId: string): Promise<number> {
  const answer = await call<{ totals?: { extractionsCompleted: number }; pendingCount?: number }>(http, 'GET', `/threads/${threadId}`, { claims: { sub } });
  return answer.statusCode === 200 && answer.body.pendingCount === 0 ? (answer.body.totals?.extractionsCompleted ?? 0) : -1;
}

test('the seed example through the HTTP handler: submit, extracted by the worker, searchable; Temporal never sees the text', async () => {
  const sub = uniqueId('alice');
  const threadId = uniqueId('seed');
  h.fake.script(RECORDED_SEED_REPLY);
  const submitted = await call(http, 'POST', `/threads/${threadId}/messages`, {
    claims: { sub },
    body: { messages: [{ id: 'm1', role: 'user', content: SEED_MESSAGE }], options: { afterSeconds: 0.2 } },
  });
  expect(submitted.statusCode).toBe(202);
  expect(submitted.body).toMatchObject({
    threadId,
    messageIds: ['m1'],
    newMessages: 1,
    duplicates: 0,
    targets: [{ manager: 'memories', namespace: [], newMessages: 1 }],
  });

  await eventually(
    () => extractionsCompleted(sub, threadId),
    (n) => n === 1,
  );
  const found = await call<{ items: { namespace: string[]; value: unknown }[] }>(http, 'POST', '/memories/search', { claims: { sub }, body: {} });
  expect(found.statusCode).toBe(200);
  expect(found.body.items.map((i) => i.value)).toEqual(
    expect.arrayContaining([
      { kind: 'Memory', content: { content: 'User likes dogs' } },
      { kind: 'Memory', content: { content: 'User has a dog named Fido' } },
    ]),
  );
  // Namespaces are relative to the tenant; stored under ("memories", sub).
  expect(found.body.items.map((i) => i.namespace)).toEqual([[], []]);
  expect((await h.store.search(['memories', sub])).length).toBe(2);

  const description = await h.temporal.workflow.getHandle(threadWorkflowId(threadKey(sub, threadId))).describe();
  const texts = payloadTexts(await chainHistories(h.temporal, threadKey(sub, threadId), description.runId)).join('\n');
  expect(texts).not.toContain('Fido');
  expect(texts).not.toContain('dogs');
});

describe('bad input: 4xx naming the field and the error type, nothing stored, nothing signalled', () => {
  /** The `error.type` of each refusal: the error classes' literal names, which the minified bundle keeps. */
  const TYPES: Record<number, string> = { 400: 'InvalidInputError', 401: 'UnauthenticatedError', 403: 'TenantAccessError' };

  const valid = { role: 'user', content: 'hello' };
  const cases: [string, { body?: unknown; path?: string; claims?: Record<string, string> | null; headers?: Record<string, string> }, number, string][] = [
    ['broken JSON', { body: '{"messages": [' }, 400, 'body: not valid JSON'],
    ['no body', {}, 400, 'messages'],
    ['messages not a list', { body: { messages: 'hello' } }, 400, 'messages'],
    ['a wrong type', { body: { messages: [{ role: 'user', content: 42 }] } }, 400, 'messages.0.content'],
    ['a missing field', { body: { messages: [{ content: 'hello' }] } }, 400, 'messages.0.role'],
    ['an unknown field in a message', { body: { messages: [{ ...valid, name: 'alice' }] } }, 400, 'messages.0: Unrecognized key: "name"'],
    [
      'an Idempotency-Key with a space',
      { headers: { 'idempotency-key': 'retry 1' }, body: { messages: [valid] } },
      400,
      'header: Idempotency-Key: may contain only',
    ],
    [
      'an Idempotency-Key too long',
      { headers: { 'idempotency-key': 'k'.repeat(201) }, body: { messages: [valid] } },
      400,
      'header: Idempotency-Key: must be at most 200',
    ],
    ['an unknown role', { body: { messages: [{ role: 'tool', content: 'x' }] } }, 400, 'messages.0.role'],
    ['too many messages', { body: { messages: Array.from({ length: MAX_MESSAGES_PER_SUBMIT + 1 }, () => valid) } }, 400, 'messages'],
    ['a message too large', { body: { messages: [{ role: 'user', content: 'x'.repeat(300_000) }] } }, 400, 'messages.0.content'],
    ['a bad thread id', { path: '/threads/%20padded/messages', body: { messages: [valid] } }, 400, 'threadId'],
    ['identity in the body', { body: { messages: [valid], options: { config: { configurable: { sub: 'mallory' } } } } }, 400, 'options'],
    ['a tenant field', { body: { messages: [valid], tenant: ['memories', 'mallory'] } }, 400, 'tenant'],
    ['a bad afterSeconds', { body: { messages: [valid], options: { afterSeconds: -1 } } }, 400, 'options.afterSeconds'],
    ['a namespace label with a dot', { body: { messages: [valid], options: { namespace: ['..'] } } }, 403, 'namespace'],
    ['no token claims', { claims: null, body: { messages: [valid] } }, 401, 'sub'],
    ['a wildcard subject', { claims: { sub: '*' }, body: { messages: [valid] } }, 403, 'claim "sub"'],
  ];

  it.each(cases)('%s', async (_name, request, status, field) => {
    const threadId = uniqueId('bad');
    const sub = uniqueId('carol');
    const answer = await call<{ error: { type: string; message: string } }>(http, 'POST', request.path ?? `/threads/${threadId}/messages`, {
      claims: request.claims === undefined ? { sub } : request.claims,
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.headers ? { headers: request.headers } : {}),
    });
    expect(answer.statusCode).toBe(status);
    expect(answer.body.error.type).toBe(TYPES[status]);
    expect(answer.body.error.message).toContain(field);
    expect(await h.memory.inbox.head(threadKey(sub, threadId))).toBeNull();
    await expect(h.temporal.workflow.getHandle(threadWorkflowId(threadKey(sub, threadId))).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('an unknown route is a 404', async () => {
    const answer = await call<{ error: { type: string } }>(http, 'DELETE', '/memories/everything');
    expect(answer.statusCode).toBe(404);
    expect(answer.body.error.type).toBe('RouteNotFoundError');
  });

  it.each([
    ['POST', '%/messages', { messages: [valid] }],
    ['GET', '%ZZ', undefined],
    // A truncated UTF-8 sequence: well-formed escapes that decode to no character.
    ['POST', '%E0%A4%A/dead-letters/redrive', {}],
  ])('a thread id with malformed percent-encoding: %s /threads/<id>%s is a 400 naming threadId, not a 500', async (method, rest, body) => {
    const threadId = uniqueId('pct');
    const sub = uniqueId('carol');
    const answer = await call<{ error: { type: string; message: string } }>(http, method, `/threads/${threadId}${rest}`, {
      claims: { sub },
      ...(body !== undefined ? { body } : {}),
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'InvalidInputError', message: 'threadId: malformed percent-encoding in the path' });
    for (const spelled of [threadId, `${threadId}${rest.split('/')[0] ?? ''}`]) {
      expect(await h.memory.inbox.head(threadKey(sub, spelled))).toBeNull();
      await expect(h.temporal.workflow.getHandle(threadWorkflowId(threadKey(sub, spelled))).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
  });

  it('re-drive of a thread that never existed is a 404 and starts nothing; of a thread that exists, a 202', async () => {
    const sub = uniqueId('carol');
    const unknown = uniqueId('never');
    for (const body of [{}, { batchId: 'b-1' }]) {
      const answer = await call<{ error: { type: string; message: string } }>(http, 'POST', `/threads/${unknown}/dead-letters/redrive`, {
        claims: { sub },
        body,
      });
      expect(answer.statusCode).toBe(404);
      expect(answer.body.error.type).toBe('NotFoundError');
      expect(answer.body.error.message).toContain('no such thread');
    }
    // No workflow (describe reads the execution itself, not the eventually consistent visibility store) and nothing stored.
    await expect(h.temporal.workflow.getHandle(threadWorkflowId(threadKey(sub, unknown))).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await h.memory.inbox.head(threadKey(sub, unknown))).toBeNull();
    expect(await h.memory.deadLetterStore.list(threadKey(sub, unknown))).toEqual([]);

    // A thread that was submitted to, without dead letters: the re-drive is accepted, requests nothing, and
    // wakes the thread (which drains what is pending at once, as after any re-drive).
    const known = uniqueId('known');
    const submitted = await call(http, 'POST', `/threads/${known}/messages`, {
      claims: { sub },
      body: { messages: [{ id: 'm1', ...valid }], options: { afterSeconds: 3600 } },
    });
    expect(submitted.statusCode).toBe(202);
    h.fake.script({ kind: 'tool', input: { operations: [] } });
    const redriven = await call<{ requested: unknown[] }>(http, 'POST', `/threads/${known}/dead-letters/redrive`, { claims: { sub }, body: {} });
    expect(redriven.statusCode).toBe(202);
    expect(redriven.body.requested).toEqual([]);
    await eventually(
      () => extractionsCompleted(sub, known),
      (n) => n === 1,
    );
  });

  it('the bundle answering these is minified: its class names are gone, so the error types above come from literal names', () => {
    const code = readFileSync(join(bundles['http'] as string, 'index.js'), 'utf8');
    for (const name of ['InvalidInputError', 'UnauthenticatedError', 'TenantAccessError', 'RouteNotFoundError', 'MemoryManagerError']) {
      expect(code).not.toMatch(new RegExp(`class ${name}\\b`));
    }
    // Minified: a few very long lines, not one statement per line.
    expect(code.split('\n').length).toBeLessThan(code.length / 2_000);
  });
});

test('another tenant cannot read, write or signal a tenant’s thread or memories', async () => {
  const alice = uniqueId('alice');
  const bob = uniqueId('bob');
  const threadId = uniqueId('private');
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User’s PIN is 1234' }] } });
  await call(http, 'POST', `/threads/${threadId}/messages`, {
    claims: { sub: alice },
    body: { messages: [{ role: 'user', content: 'My PIN is 1234.' }], options: { afterSeconds: 0.2 } },
  });
  await eventually(
    () => extractionsCompleted(alice, threadId),
    (n) => n === 1,
  );

  // Same thread id, other tenant: a different (non-existent) thread, whatever the id spells.
  expect((await call(http, 'GET', `/threads/${threadId}`, { claims: { sub: bob } })).statusCode).toBe(404);
  const spelled = encodeURIComponent(threadKey(alice, threadId));
  expect((await call(http, 'GET', `/threads/${spelled}`, { claims: { sub: bob } })).statusCode).toBe(404);
  expect((await call<{ deadLetters: unknown[] }>(http, 'GET', `/threads/${threadId}/dead-letters`, { claims: { sub: bob } })).body.deadLetters).toEqual([]);
  const flushed = await call<{ batchCount: number }>(http, 'POST', `/threads/${threadId}/flush`, { claims: { sub: bob }, body: {} });
  expect(flushed.body.batchCount).toBe(0);
  // Search sees only the caller's own namespaces, however the prefix is spelled.
  expect((await call<{ items: unknown[] }>(http, 'POST', '/memories/search', { claims: { sub: bob }, body: {} })).body.items).toEqual([]);
  expect((await call(http, 'POST', '/memories/search', { claims: { sub: bob }, body: { namespace: ['..', alice] } })).statusCode).toBe(403);
  const nested = await call<{ items: unknown[] }>(http, 'POST', '/memories/search', { claims: { sub: bob }, body: { namespace: ['memories', alice] } });
  expect(nested.body.items).toEqual([]);
  // A submit from bob with alice's thread id lands in bob's own thread, not alice's.
  h.fake.script({ kind: 'tool', input: { operations: [] } });
  await call(http, 'POST', `/threads/${threadId}/messages`, {
    claims: { sub: bob },
    body: { messages: [{ role: 'user', content: 'Forget the PIN.' }], options: { afterSeconds: 0.2 } },
  });
  await eventually(
    () => extractionsCompleted(bob, threadId),
    (n) => n === 1,
  );
  const aliceState = await call<{ totals: { messagesReceived: number } }>(http, 'GET', `/threads/${threadId}`, { claims: { sub: alice } });
  expect(aliceState.body.totals.messagesReceived).toBe(1);
  expect((await h.store.search(['memories', alice])).map((i) => i.value)).toEqual([{ kind: 'Memory', content: { content: 'User’s PIN is 1234' } }]);
});

test('GET /export: the tenant’s own messages, memories and versions as JSON Lines, nothing of another tenant', async () => {
  const alice = uniqueId('alice');
  const bob = uniqueId('bob');
  const threadId = uniqueId('export');
  const aliceMarker = `ALICE-${uniqueId('m')}`;
  const bobMarker = `BOB-${uniqueId('m')}`;
  h.fake.script(
    { kind: 'tool', input: { operations: [{ action: 'insert', content: `User plays chess ${aliceMarker}` }] } },
    { kind: 'tool', input: { operations: [{ action: 'insert', content: `User plays go ${bobMarker}` }] } },
  );
  await call(http, 'POST', `/threads/${threadId}/messages`, {
    claims: { sub: alice },
    body: { messages: [{ role: 'user', content: `I play chess ${aliceMarker}` }], options: { afterSeconds: 0.2 } },
  });
  await eventually(
    () => extractionsCompleted(alice, threadId),
    (n) => n === 1,
  );
  await call(http, 'POST', `/threads/${threadId}/messages`, {
    claims: { sub: bob },
    body: { messages: [{ role: 'user', content: `I play go ${bobMarker}` }], options: { afterSeconds: 0.2 } },
  });
  await eventually(
    () => extractionsCompleted(bob, threadId),
    (n) => n === 1,
  );

  const raw = await http.invoke<APIGatewayProxyStructuredResultV2>(httpEvent('GET', '/export', { claims: { sub: alice } }));
  expect(raw.statusCode).toBe(200);
  expect((raw.headers as Record<string, string>)['content-type']).toBe('application/x-ndjson');
  const text = raw.body as string;
  expect(text).not.toContain(bobMarker);
  const records = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
  const ofType = (type: string) => records.filter((r) => r.type === type);
  expect(ofType('message').map((m) => m['content'])).toEqual([`I play chess ${aliceMarker}`]);
  expect(JSON.stringify(ofType('memory'))).toContain(`User plays chess ${aliceMarker}`);
  expect(ofType('memoryVersion').length).toBeGreaterThan(0);
  // Without a tenant-bound identity there is nothing to export.
  expect((await call(http, 'GET', '/export', { claims: null })).statusCode).toBe(401);
});

test('an SQS batch with one bad record reports exactly that record; the others are submitted', async () => {
  const sub = uniqueId('dave');
  const threads = [uniqueId('q1'), uniqueId('q2')];
  const event = sqsEvent([
    { identity: { sub }, threadId: threads[0], messages: [{ id: 'a', role: 'user', content: 'I like tea.' }], options: { afterSeconds: 0.2 } },
    { identity: { sub }, threadId: 'whatever', messages: [{ role: 'robot', content: 'x' }] },
    { identity: { sub }, threadId: threads[1], messages: [{ id: 'b', role: 'user', content: 'I like coffee.' }], options: { afterSeconds: 0.2 } },
  ]);
  h.fake.script(
    { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User likes a hot drink' }] } },
    { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User likes a hot drink' }] } },
  );
  const response = await sqs.invoke<SQSBatchResponse>(event);
  expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.messageId }]);
  for (const threadId of threads)
    await eventually(
      () => extractionsCompleted(sub, threadId),
      (n) => n === 1,
    );
  expect(await h.store.search(['memories', sub])).toHaveLength(2);
  const refused = sqs.jsonLogs().find((l) => l['message'] === 'record not submitted');
  expect(String(refused?.['reason'])).toContain('messages.0.role');
});

test('an HTTP submit without message ids, retried with the same Idempotency-Key, is stored and extracted once', async () => {
  const sub = uniqueId('hana');
  const threadId = uniqueId('idem');
  const key = `${uniqueId('key')}:0b6f7a52-6f35-4b8e-9d7f`;
  const messages = [
    { role: 'user', content: `I play the oboe (${threadId}).` },
    { role: 'user', content: `I play the oboe (${threadId}).` },
  ];
  const submit = () =>
    call<{ messageIds: string[]; newMessages: number; duplicates: number }>(http, 'POST', `/threads/${threadId}/messages`, {
      claims: { sub },
      headers: { 'idempotency-key': key },
      body: { messages, options: { afterSeconds: 0.5 } },
    });
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User plays the oboe' }] } });
  const first = await submit();
  const retried = await submit();
  expect(first.statusCode).toBe(202);
  // Two equal messages are two messages (their positions differ); the retry stores neither again.
  expect(first.body).toMatchObject({ messageIds: [`${key}#0`, `${key}#1`], newMessages: 2, duplicates: 0 });
  expect(retried.body).toMatchObject({ messageIds: first.body.messageIds, newMessages: 0, duplicates: 2 });
  expect(await h.memory.inbox.head(threadKey(sub, threadId))).toMatchObject({ lastSeq: 2 });

  await eventually(
    () => extractionsCompleted(sub, threadId),
    (n) => n === 1,
  );
  const asked = h.fake.requests.filter((r) => promptMessages(r).some((text) => text.includes(threadId)));
  expect(asked.map((r) => promptMessages(r).length)).toEqual([2]);
  expect((await h.store.search(['memories', sub])).map((i) => i.value)).toEqual([{ kind: 'Memory', content: { content: 'User plays the oboe' } }]);

  // Without the key, the same submit gets fresh random ids and is stored again: not retry-safe, as documented.
  const unkeyed = await call<{ newMessages: number }>(http, 'POST', `/threads/${threadId}/messages`, {
    claims: { sub },
    body: { messages: messages.slice(0, 1), options: { afterSeconds: 3600 } },
  });
  expect(unkeyed.body.newMessages).toBe(1);
});

test('an SQS record without message ids, delivered twice, is stored once: its ids derive from the record’s messageId', async () => {
  const sub = uniqueId('ivan');
  const threadId = uniqueId('redelivered');
  const event = sqsEvent([{ identity: { sub }, threadId, messages: [{ role: 'user', content: 'I grow tomatoes.' }], options: { afterSeconds: 3600 } }]);
  expect((await sqs.invoke<SQSBatchResponse>(event)).batchItemFailures).toEqual([]);
  expect((await sqs.invoke<SQSBatchResponse>(event)).batchItemFailures).toEqual([]);
  expect(await h.memory.inbox.head(threadKey(sub, threadId))).toMatchObject({ lastSeq: 1 });
  const logged = sqs.jsonLogs().filter((l) => l['message'] === 'record submitted' && l['threadId'] === threadId);
  expect(logged.map((l) => [l['newMessages'], l['duplicates']])).toEqual([
    [1, 0],
    [0, 1],
  ]);
});

test('a warm container reuses its Temporal connection: one connection for every invocation after the cold start', async () => {
  const sub = uniqueId('erin');
  for (let i = 0; i < 3; i++) expect((await call(http, 'GET', `/threads/${uniqueId('none')}`, { claims: { sub } })).statusCode).toBe(404);
  const answered = http.jsonLogs().filter((l) => l['message'] === 'request answered');
  expect(answered.length).toBeGreaterThanOrEqual(3);
  expect(answered.map((l) => l['temporalConnectionsOpened'])).toEqual(answered.map(() => 1));
  expect(answered[0]?.['cold_start']).toBe(true);
  expect(answered.slice(1).every((l) => l['cold_start'] === false)).toBe(true);
  // One container: the emulator reports one init (cold start) however many invocations it served.
  expect(http.lines().filter((l) => l.includes('Init Duration')).length).toBeLessThanOrEqual(1);
});
