/**
 * The web console in a real browser (Chromium through playwright-core) over the local stack: the seed
 * example's thread, timeline, memories, search and history with provenance; a dead letter re-driven by a
 * click; hostile message and memory text rendered as text; and the API's refusals (cross-site posts,
 * foreign Host, bad input, unknown things, dependencies down).
 */
import { Client, Connection, WorkflowNotFoundError, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { request } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { MemoryClient } from '../../src/client/memory-client';
import { startConsoleServer, type ConsoleServer } from '../../src/console/console-server';
import { threadWorkflowId } from '../../src/contract';
import { RECORDED_SEED_REPLY, SEED_MESSAGE } from '../../dev/demo/recorded-reply';
import { launchChromium } from '../../dev/chromium';
import { freePort } from '../../src/testing/free-port';
import { createDynamoClients } from '../../src/store/dynamo-clients';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryValue } from '../../src/store/memory-types';
import { MemoryOperator } from '../../src/operator/memory-operator';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const TEMPORAL_UI = 'http://temporal-ui.test:8233';

const h = useMemoryHarness('console');
let server: ConsoleServer;
let browser: Browser;
let page: Page;
/** Every dialog the page opened (`confirm` ones are accepted, as an operator clicking OK). */
const dialogs: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startConsoleServer({ memory: h.memory, temporalUiUrl: TEMPORAL_UI, temporalNamespace: 'default', port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(20_000);
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void (dialog.type() === 'confirm' ? dialog.accept() : dialog.dismiss());
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

const memoriesUrl = (namespace: string[], query?: string) =>
  `${server.url}/#/memories?${new URLSearchParams({ ns: JSON.stringify(namespace), ...(query ? { q: query } : {}) }).toString()}`;

/** Waits until the page shows the view of its current location (a click's render has replaced the previous one). */
async function rendered(): Promise<void> {
  // A function, not a string: the page's Content-Security-Policy forbids evaluating strings.
  await page.waitForFunction(() => {
    const { document, location } = globalThis as unknown as {
      document: { getElementById(id: string): { getAttribute(name: string): string | null } | null };
      location: { hash: string };
    };
    return document.getElementById('app')?.getAttribute('data-hash') === location.hash;
  });
}

/** Opens a console URL and waits for its view. */
async function visit(url: string): Promise<void> {
  // The same URL again is no navigation at all (no hashchange): reload to show fresh data.
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await rendered();
}

/** Texts of the memory browser's rows. */
async function memoryRows(): Promise<string[]> {
  return page.locator('table.memories tbody td.memory-text').allTextContents();
}

test('the seed example: thread listed, its timeline, both memories, search narrows, history with provenance, diff and restore', async () => {
  const threadId = uniqueId('seed');
  const namespace = ['memories', threadId];
  h.fake.script(RECORDED_SEED_REPLY);
  await h.memory.submit(threadId, [{ id: 'seed-1', role: 'user', content: SEED_MESSAGE }], { afterSeconds: 0.2, namespace });
  await settled(h.memory, threadId, 1);

  // Threads view.
  await visit(`${server.url}/#/threads`);
  const row = page.locator(`tr[data-thread="${threadId}"]`);
  await row.waitFor();
  expect(await row.textContent()).toContain('RUNNING');

  // Timeline: the message, the batch with its model and tokens, and the Temporal UI link.
  await row.getByRole('link', { name: threadId }).click();
  await rendered();
  const batch = page.locator('li.event.batch');
  await batch.waitFor();
  expect(await page.locator('li.event.message pre.content').textContent()).toBe(SEED_MESSAGE);
  expect(await batch.textContent()).toMatch(/claude-test-model.*tokens in\/out 412\/71/);
  expect(await batch.locator('.ops a').count()).toBe(2);
  expect(await page.getByRole('link', { name: /Open in Temporal UI/ }).getAttribute('href')).toBe(
    `${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(threadWorkflowId(threadId))}`,
  );

  // Memory browser: both memories under the thread's namespace; a search narrows the list.
  await page.getByRole('link', { name: 'Memories', exact: true }).click();
  await rendered();
  await page.getByRole('link', { name: `memories / ${threadId}` }).click();
  await rendered();
  expect((await memoryRows()).sort()).toEqual(['User has a dog named Fido', 'User likes dogs']);
  // Erasing is the CLI's (explicit, scriptable, --yes): the page only says how.
  expect(await page.locator('.forget-hint').textContent()).toContain('memory-ops memories forget <prefix> --yes');
  expect(await page.getByRole('button', { name: /forget|erase|delete/i }).count()).toBe(0);
  await page.getByRole('searchbox', { name: 'Search memories' }).fill('Fido');
  await page.getByRole('button', { name: 'Search' }).click();
  await rendered();
  await page.getByText('1 match for “Fido”').waitFor();
  expect(await memoryRows()).toEqual(['User has a dog named Fido']);

  // History: provenance of the extraction (thread, batch, messages, model).
  const [fido] = await h.memory.search(namespace, { query: 'Fido', limit: 1 });
  const key = fido?.key as string;
  const [created] = await h.memory.history(namespace, key);
  await page.locator(`tr[data-key="${key}"]`).getByRole('link', { name: 'History' }).click();
  await rendered();
  const first = page.locator('li.change[data-version="1"]');
  await first.waitFor();
  expect(await first.locator('.batch-id').textContent()).toBe(created?.by.batchId);
  expect(await first.locator('.model').textContent()).toBe('claude-test-model');
  expect(await first.locator('dl.provenance').textContent()).toContain('#1–#1 (1 message)');
  expect(await first.locator('dl.provenance').textContent()).toContain('seed-1');
  expect(await first.locator('a:has(code.thread)').getAttribute('href')).toBe(`#/threads/${encodeURIComponent(threadId)}`);

  // A later change shows as a word-level diff; restoring version 1 writes version 3 from it.
  await h.memory.store.put(namespace, key, memoryValue('User has a beagle named Fido'), { actor: 'test' });
  await page.reload();
  await rendered();
  const second = page.locator('li.change[data-version="2"]');
  await second.waitFor();
  expect(await second.locator('pre.diff ins').allTextContents()).toEqual(['beagle']);
  expect(await second.locator('pre.diff del').allTextContents()).toEqual(['dog']);
  await first.getByRole('button', { name: 'Restore this version' }).click();
  const third = page.locator('li.change[data-version="3"]');
  await third.waitFor();
  expect(await third.textContent()).toContain('Restored fromversion 1');
  expect(dialogs.at(-1)).toMatch(/^confirm: Restore memory .* to version 1\?/);
  expect((await h.memory.get(namespace, key))?.value).toEqual(memoryValue('User has a dog named Fido'));
});

test('a dead letter re-driven from the page: it shows redriven and its memory appears', async () => {
  const threadId = uniqueId('dead');
  const namespace = ['memories', threadId];
  h.fake.script({ kind: 'status', status: 400, message: 'prompt is malformed' });
  await h.memory.submit(threadId, [{ role: 'user', content: 'I drink green tea every morning.' }], { afterSeconds: 0.2, namespace });
  await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.batchesDeadLettered === 1,
  );

  await visit(`${server.url}/#/threads`);
  expect(await page.locator(`tr[data-thread="${threadId}"]`).textContent()).toContain('1 dead-lettered');
  await visit(`${server.url}/#/threads/${encodeURIComponent(threadId)}`);
  const letter = page.locator('.dead-letters tr[data-dead-letter]');
  await letter.waitFor();
  expect(await letter.getAttribute('data-status')).toBe('open');
  expect(await letter.textContent()).toContain('ModelRequestError');

  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User drinks green tea every morning' }] } });
  await letter.getByRole('button', { name: 'Re-drive' }).click();
  // The page polls while the re-drive is in flight.
  await page.locator('.dead-letters tr[data-status="redriven"]').waitFor({ timeout: 30_000 });
  expect(dialogs.at(-1)).toMatch(/^confirm: Re-drive dead letter /);
  expect(await page.locator('li.event.batch').textContent()).toContain('re-drive batch');

  await visit(memoriesUrl(namespace));
  await page.locator('table.memories').waitFor();
  expect(await memoryRows()).toEqual(['User drinks green tea every morning']);
});

test('a thread that does not answer shows "live state unavailable", not "closed"; messages through a batch the log does not name show "processed"', async () => {
  const threadId = uniqueId('silent');
  h.fake.script({ kind: 'tool', input: { operations: [] } });
  await h.memory.submit(threadId, [{ id: 'old-1', role: 'user', content: 'Before the batch log.' }], { afterSeconds: 0.2, namespace: ['memories', threadId] });
  await settled(h.memory, threadId, 1);
  const stateError = "no answer from the thread's workflow (is a worker polling its task queue?): deadline exceeded";
  // The real operator's views, as they come back when the workflow does not answer and the batch log has no entry.
  const real = new MemoryOperator(h.memory);
  const silent = Object.create(real) as MemoryOperator;
  silent.listThreads = async (options) =>
    (await real.listThreads(options)).map((t) =>
      t.threadId === threadId
        ? { ...t, pendingCount: null, nextExtractionAt: null, lastExtractionAt: null, extractionsCompleted: null, batchesDeadLettered: null, stateError }
        : t,
    );
  silent.timeline = async (id, options) => {
    const shown = await real.timeline(id, options);
    const [old] = shown.messages;
    if (!old) throw new Error('the message was not stored');
    const pending = { ...old, seq: 2, id: 'new-2', content: 'Not extracted yet.', batchId: null, processed: false };
    return { ...shown, state: null, stateError, batches: [], messages: [{ ...old, batchId: null, processed: true }, pending] };
  };
  const other = await startConsoleServer({ memory: h.memory, operator: silent, temporalUiUrl: null, temporalNamespace: 'default', port: 0 });
  try {
    await visit(`${other.url}/#/threads`);
    const row = page.locator(`tr[data-thread="${threadId}"]`);
    await row.waitFor();
    expect(await row.locator('.unknown').count()).toBe(4);
    expect(await row.locator('.state-error').textContent()).toBe('live state unavailable');
    expect(await row.locator('.state-error').getAttribute('title')).toBe(stateError);

    await visit(`${other.url}/#/threads/${encodeURIComponent(threadId)}`);
    const box = page.locator('.warn-box.state-error');
    await box.waitFor();
    expect(await box.textContent()).toContain(`Live state unavailable: ${stateError}`);
    expect(await page.locator('#app').textContent()).not.toContain('closed');
    expect(await page.locator('li.event.message[data-seq="1"] .event-head .badge').last().textContent()).toBe('processed');
    expect(await page.locator('li.event.message[data-seq="2"] .event-head .badge').last().textContent()).toBe('pending');
  } finally {
    await other.close();
  }
});

test('hostile message and memory text renders as text: no element injected, no script run', async () => {
  const threadId = uniqueId('hostile');
  const namespace = ['memories', threadId];
  const message = `<img src=x onerror="window.__xss='message'; alert(1)"><script>window.__xss='script'</script>`;
  const memory = `<b>bold</b><img src=x onerror="window.__xss='memory'; alert(2)">`;
  h.fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: memory }] } });
  await h.memory.submit(threadId, [{ role: 'user', content: message }], { afterSeconds: 0.2, namespace });
  await settled(h.memory, threadId, 1);
  const before = dialogs.length;

  await visit(`${server.url}/#/threads/${encodeURIComponent(threadId)}`);
  await page.locator('li.event.batch').waitFor();
  expect(await page.locator('li.event.message pre.content').textContent()).toBe(message);
  expect(await page.locator('#app img, #app script, #app b').count()).toBe(0);

  await visit(memoriesUrl(namespace));
  await page.locator('table.memories').waitFor();
  expect(await memoryRows()).toEqual([memory]);
  expect(await page.locator('#app img, #app script, #app b').count()).toBe(0);
  await page.locator('table.memories').getByRole('link', { name: 'History' }).click();
  await rendered();
  await page.locator('li.change[data-version="1"]').waitFor();
  expect(await page.locator('#app img, #app script, #app b').count()).toBe(0);

  expect(await page.evaluate(() => (globalThis as { __xss?: string }).__xss)).toBeUndefined();
  expect(dialogs.slice(before)).toEqual([]);
});

/** A raw request, so tests can send what a browser would refuse to (a foreign Host, any Origin). */
interface RawAnswer {
  status: number;
  body: { error?: { message: string } } & Record<string, unknown>;
}

function send(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<RawAnswer> {
  const url = new URL(path, server.url);
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as RawAnswer['body']) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the API', () => {
  const json = { 'content-type': 'application/json' };

  test('refuses cross-site actions: a foreign Origin, a non-JSON body, a foreign Host', async () => {
    const threadId = uniqueId('guarded');
    h.fake.script({ kind: 'status', status: 400 });
    await h.memory.submit(threadId, [{ role: 'user', content: 'Remember nothing.' }], { afterSeconds: 0.2, namespace: ['memories', threadId] });
    await eventually(
      () => h.memory.state(threadId),
      (s) => s?.totals.batchesDeadLettered === 1,
    );
    const redrive = `/api/threads/${encodeURIComponent(threadId)}/dead-letters/redrive`;

    // From the test process itself, as another site's page would send it.
    const foreign = await fetch(new URL(redrive, server.url), { method: 'POST', headers: { ...json, origin: 'http://evil.example' }, body: '{}' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toContain('cross-origin');
    // A plain HTML form can only send form encodings.
    expect((await send('POST', redrive, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'batchId=x' })).status).toBe(415);
    // DNS rebinding: the right address under another name.
    expect((await send('GET', '/api/threads', { headers: { host: `evil.example:${new URL(server.url).port}` } })).status).toBe(403);
    expect((await h.memory.deadLetters(threadId))[0]?.status).toBe('open');

    // The console's own origin may act.
    const own = await send('POST', redrive, { headers: { ...json, origin: server.url }, body: {} });
    expect(own.status).toBe(200);
    expect((await h.memory.deadLetters(threadId))[0]?.status).toBe('redrive-requested');
    h.fake.script({ kind: 'tool', input: { operations: [] } });
    await eventually(
      () => h.memory.deadLetters(threadId),
      ([letter]) => letter?.status === 'redriven',
    );
  });

  test('answers 400 naming the field, 404 for unknown things, 405 for a wrong method', async () => {
    const cases: [method: string, path: string, body: unknown, status: number, text: string][] = [
      ['GET', '/api/memories?namespace=memories', undefined, 400, 'namespace'],
      ['GET', `/api/memories?namespace=${encodeURIComponent('["a.b"]')}`, undefined, 400, 'namespace'],
      ['GET', `/api/memories?namespace=${encodeURIComponent('["memories"]')}&limit=0`, undefined, 400, 'limit'],
      ['GET', '/api/threads?status=sleeping', undefined, 400, 'status'],
      ['GET', '/api/threads?colour=red', undefined, 400, 'colour'],
      ['GET', '/api/memories/history?namespace=%5B%22memories%22%5D', undefined, 400, 'key'],
      ['POST', '/api/memories/restore', { namespace: ['memories'], key: 'k' }, 400, 'version'],
      ['POST', '/api/memories/restore', '{"namespace": [', 400, 'body: not valid JSON'],
      ['POST', '/api/threads/%20padded/flush', {}, 400, 'threadId'],
      ['POST', '/api/threads/t/flush', { timeoutSeconds: 'soon' }, 400, 'timeoutSeconds'],
      // A longer wait would outlast the console's request budget and come back as 503.
      ['POST', '/api/threads/t/flush', { timeoutSeconds: 16 }, 400, 'timeoutSeconds: must be at most 15 seconds'],
      ['GET', `/api/threads/${uniqueId('never')}`, undefined, 404, 'no thread'],
      ['GET', `/api/memories/history?namespace=%5B%22memories%22%5D&key=${uniqueId('nothing')}`, undefined, 404, 'no memory'],
      ['POST', '/api/memories/restore', { namespace: ['memories'], key: uniqueId('nothing'), version: 1 }, 404, 'no memory'],
      ['GET', '/api/nothing-here', undefined, 404, 'no route'],
      ['DELETE', '/api/threads', undefined, 405, 'not allowed'],
      ['GET', '/api/memories/restore', undefined, 405, 'not allowed'],
    ];
    for (const [method, path, body, status, text] of cases) {
      const answer = await send(method, path, { headers: method === 'POST' ? json : {}, body });
      expect([method, path, answer.status, answer.body.error?.message]).toEqual([method, path, status, expect.stringContaining(text)]);
    }
    // A re-drive for a thread that never existed is a 404 and starts nothing.
    const ghost = uniqueId('ghost');
    expect((await send('POST', `/api/threads/${ghost}/dead-letters/redrive`, { headers: json, body: {} })).status).toBe(404);
    await expect(h.temporal.workflow.getHandle(threadWorkflowId(ghost)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test('answers 503 when Temporal is down or DynamoDB hangs, and the page says so', async () => {
    // Temporal: nothing listens (refused at once). The operator context's few quick attempts, not the SDK's ten.
    const connection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
    });
    // DynamoDB: accepts connections and never answers, so only the console's request budget ends the wait.
    const sockets: Socket[] = [];
    const blackHole = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const dynamo = createDynamoClients({ endpoint: `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`, region: 'us-east-1' });
    const memory = new MemoryClient({ temporal: new Client({ connection }), store: new DynamoMemoryStore(dynamo.doc, 'nowhere') });
    const down = await startConsoleServer({ memory, temporalUiUrl: null, temporalNamespace: 'default', port: 0, requestTimeoutMs: 2_000 });
    try {
      for (const path of ['/api/threads', '/api/namespaces']) {
        const answer = await fetch(new URL(path, down.url));
        expect([path, answer.status, answer.headers.get('retry-after')]).toEqual([path, 503, expect.any(String)]);
      }
      await visit(`${down.url}/#/memories`);
      await page.getByText('Error 503').waitFor();
    } finally {
      await down.close();
      dynamo.client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
      await connection.close();
    }
  });
});
