/**
 * The operator web console: a small JSON API over a `MemoryClient` (`console-routes.ts`) and the static
 * page that shows it (`public/`: vanilla JS, no build step, nothing loaded from elsewhere).
 *
 * SECURITY: the console has NO authentication. Whoever reaches its port can read every thread's messages
 * and every memory, re-drive dead letters and restore memories. It binds 127.0.0.1 by default and must
 * never be exposed on a network interface or through a proxy. What it does guard against is the browser
 * being used against it: actions are POSTs that must carry `Content-Type: application/json` and, when the
 * browser sends an `Origin`, the console's own (so another site's page cannot post a form or a fetch to
 * it); a `Host` header other than the loopback names is refused (DNS rebinding); the page runs under a
 * strict Content-Security-Policy and renders every stored text as text, never as HTML.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { MemoryClient } from '../client/memory-client';
import { MemoryOperator } from '../operator/memory-operator';
import { CONSOLE_MAX_BODY_BYTES, CONSOLE_REQUEST_TIMEOUT_MS, DEFAULT_CONSOLE_HOST, DEFAULT_CONSOLE_PORT, HANDLER_RETRY_AFTER_SECONDS } from '../defaults';
import { InvalidInputError } from '../errors';
import { statusOf } from '../handlers/http-responses';
import { withTimeLimit } from '../time-limit';
import { MethodNotAllowedError, NotFoundError, routeApi, type ConsoleContext } from './console-routes';

/** Options of {@link startConsoleServer}. */
export interface ConsoleServerOptions {
  /** The client every view reads through (an untenanted one sees every thread and namespace). */
  memory: MemoryClient;
  /** The operator API the thread list and timeline come from. @default new MemoryOperator(memory) */
  operator?: MemoryOperator;
  /** Root of the Temporal Web UI for "Open in Temporal UI" links, or null to show none. */
  temporalUiUrl: string | null;
  /** Temporal namespace of the thread workflows (for those links). */
  temporalNamespace: string;
  /** Interface to listen on. Keep it loopback: the console has no authentication. @default DEFAULT_CONSOLE_HOST */
  host?: string;
  /** Port; 0 picks a free one. @default DEFAULT_CONSOLE_PORT */
  port?: number;
  /** Longest time one API request may take before it answers 503. @default CONSOLE_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
}

/** A running console. */
export interface ConsoleServer {
  /** Where to open it, e.g. `http://127.0.0.1:8787`. */
  url: string;
  close(): Promise<void>;
}

/** The page's files: the only paths served outside `/api`. */
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/diff.js': { file: 'diff.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** Sent with every answer: the page may load only its own files and talk only to its own origin. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The folder of the page's files: `public/` beside this module when run from source (tsx, ts-jest);
 * from a compiled `dist/console/`, the checkout's `src/console/public/` (tsc does not copy assets).
 */
export function publicDir(start: string = __dirname): string {
  const beside = join(start, 'public');
  if (existsSync(join(beside, 'index.html'))) return beside;
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'src', 'console', 'public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return beside;
  }
}

/** A request refused before any route runs (bad Host, foreign Origin, wrong content type, too large). */
class RequestRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefusedError';
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof RequestRefusedError) {
    sendJson(res, err.status, { error: { type: 'RequestRefused', message: err.message } });
    return;
  }
  if (err instanceof NotFoundError) {
    sendJson(res, 404, { error: { type: err.name, message: err.message } });
    return;
  }
  if (err instanceof MethodNotAllowedError) {
    sendJson(res, 405, { error: { type: err.name, message: err.message } }, { allow: err.allow.join(', ') });
    return;
  }
  const { status, retry } = statusOf(err);
  const name = err instanceof Error ? err.name : 'Error';
  if (status === 500) console.error('console: request failed:', err);
  const message =
    status === 500
      ? `internal error (${name}); see the console's log`
      : status === 503
        ? `Temporal or DynamoDB is unavailable: ${err instanceof Error ? err.message : String(err)}`
        : (err as Error).message;
  sendJson(
    res,
    status,
    { error: { type: status === 503 ? 'ServiceUnavailable' : name, message } },
    retry ? { 'retry-after': String(HANDLER_RETRY_AFTER_SECONDS) } : {},
  );
}

/** The loopback `Host` values this server answers to (anything else may be a DNS-rebinding page). */
function allowedHosts(host: string, port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host.includes(':') ? `[${host}]` : host}:${port}`]);
}

/** Refuses what the browser must not be able to do to the console on another site's behalf. */
function guard(req: IncomingMessage, hosts: Set<string>): void {
  const host = req.headers.host ?? '';
  if (!hosts.has(host)) throw new RequestRefusedError(403, `Host ${JSON.stringify(host)} is not allowed: open the console at its loopback address`);
  if (req.method !== 'POST') return;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new RequestRefusedError(403, `cross-origin request refused: Origin ${JSON.stringify(origin)} is not this console`);
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new RequestRefusedError(415, 'actions must be sent as Content-Type: application/json');
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > CONSOLE_MAX_BODY_BYTES) throw new RequestRefusedError(413, `body: larger than ${CONSOLE_MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInputError('body: not valid JSON');
  }
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, path: string): Promise<void> {
  // No icon: answered empty so the browser does not log a 404 on every page.
  if (path === '/favicon.ico') {
    res.writeHead(204, { ...SECURITY_HEADERS, 'cache-control': 'max-age=86400' });
    res.end();
    return;
  }
  const entry = STATIC_FILES[path];
  if (!entry) throw new NotFoundError(`no page ${path}`);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodNotAllowedError(`${req.method ?? ''} is not allowed on ${path}`, ['GET']);
  const content = await readFile(join(root, entry.file));
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': entry.type, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : content);
}

/**
 * Starts the console on `host:port` (loopback by default: it has no authentication).
 * @example
 * const console = await startConsoleServer({ memory, temporalUiUrl: 'http://127.0.0.1:8233', temporalNamespace: 'default' });
 * console.log(`open ${console.url}`);
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = options.host ?? DEFAULT_CONSOLE_HOST;
  const budgetMs = options.requestTimeoutMs ?? CONSOLE_REQUEST_TIMEOUT_MS;
  const root = publicDir();
  const context: ConsoleContext = {
    memory: options.memory,
    operator: options.operator ?? new MemoryOperator(options.memory),
    temporalUiUrl: options.temporalUiUrl ? options.temporalUiUrl.replace(/\/+$/, '') : null,
    temporalNamespace: options.temporalNamespace,
  };
  let hosts = new Set<string>();

  const server = createServer((req, res) => {
    void (async () => {
      try {
        guard(req, hosts);
        const url = new URL(req.url ?? '/', 'http://console.invalid');
        if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) {
          await serveStatic(req, res, root, url.pathname);
          return;
        }
        const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
        const method = req.method ?? 'GET';
        const query = Object.fromEntries(url.searchParams);
        const result = await withTimeLimit(budgetMs, () => routeApi({ method, path: url.pathname.slice('/api'.length), query, body }, context));
        sendJson(res, result.status, method === 'HEAD' ? undefined : result.body);
      } catch (err) {
        sendError(res, err);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CONSOLE_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  hosts = allowedHosts(host, port);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
