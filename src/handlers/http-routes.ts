/**
 * The HTTP API's routes over the tenant-bound `MemoryClient`: each parses its input with zod, calls the
 * client, and returns what the tenant may see (namespaces relative to the tenant, the caller's thread id).
 */
import type { MemoryClient } from '../client/memory-client';
import type { FlushResult, ThreadStateView } from '../contract';
import { InvalidInputError } from '../errors';
import { parseInput } from '../schemas';
import type { DeadLetter } from '../store/dead-letters';
import { EXPORT_CONTENT_TYPE, exportTenantJsonLines } from '../operator/export-tenant';
import { PayloadTooLargeError, RouteNotFoundError } from './http-responses';
import { deadLettersQuerySchema, flushBodySchema, submitHeadersSchema, redriveBodySchema, searchBodySchema, submitBodySchema } from './request-schemas';
import { relativeToTenant, withinTenant } from '../store/tenancy';

/** One request, as the handler has read it. */
export interface RouteRequest {
  method: string;
  path: string;
  body: unknown;
  query: Record<string, string | undefined>;
  /** Request headers, names in lower case (as API Gateway's HTTP API delivers them). */
  headers: Record<string, string | undefined>;
  tenant: string[];
  /** The identity's string and number claims: they fill manager namespace templates such as `{sub}`. */
  identity: Record<string, string | number>;
  client: MemoryClient;
}

/** A route's answer: status and JSON body, or a text body of its own content type. */
export type RouteResult = { status: number; body: unknown } | { status: number; text: string; contentType: string };

/**
 * Largest export the HTTP API answers itself (bytes): Lambda caps a synchronous response at 6 MB. A larger
 * tenant gets a 413 naming the operator's `memory-ops export`, rather than a truncated or failed answer.
 */
export const MAX_HTTP_EXPORT_BYTES = 5 * 1024 * 1024;

const parse = parseInput;

type Handler = (request: RouteRequest, threadId: string) => Promise<RouteResult>;

const THREAD = '/threads/([^/]+)';
const ROUTES: [method: string, path: RegExp, handler: Handler][] = [
  ['POST', new RegExp(`^${THREAD}/messages$`), submit],
  ['POST', new RegExp(`^${THREAD}/flush$`), flush],
  ['GET', new RegExp(`^${THREAD}$`), state],
  ['GET', new RegExp(`^${THREAD}/dead-letters$`), deadLetters],
  ['POST', new RegExp(`^${THREAD}/dead-letters/redrive$`), redrive],
  ['POST', /^\/memories\/search$/, search],
  ['GET', /^\/export$/, exportTenant],
];

/** Runs the route matching the request; `RouteNotFoundError` when none does. */
export async function route(request: RouteRequest): Promise<RouteResult> {
  for (const [method, path, handler] of ROUTES) {
    const match = path.exec(request.path);
    if (match && method === request.method) return handler(request, pathParameter('threadId', match[1] ?? ''));
  }
  throw new RouteNotFoundError(`no route ${request.method} ${request.path}`);
}

/** A percent-encoded path segment, decoded; `InvalidInputError` naming the parameter when its encoding is malformed (`abc%`). */
function pathParameter(name: string, encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new InvalidInputError(`${name}: malformed percent-encoding in the path`);
  }
}

async function submit({ body, headers, tenant, identity, client }: RouteRequest, threadId: string): Promise<RouteResult> {
  const { 'Idempotency-Key': idempotencyKey } = parse(submitHeadersSchema, { 'Idempotency-Key': headers['idempotency-key'] }, 'header');
  if (body === undefined) throw new InvalidInputError('body: required: a JSON object with messages');
  const { messages, options } = parse(submitBodySchema, body, 'submit body');
  const { namespace, managers, ...timing } = options ?? {};
  const receipt = await client.submit(threadId, messages, {
    ...timing,
    // Ids of id-less messages derive from the key, so a retry with the same key stores nothing twice.
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(managers ? { managers } : { namespace: withinTenant(tenant, namespace) }),
    // Manager namespace templates are filled from the identity only (e.g. `{sub}` of the JWT); the
    // tenant-bound client then refuses any manager whose namespace falls outside the tenant.
    config: { configurable: identity },
  });
  return {
    status: 202,
    body: {
      threadId,
      messageIds: receipt.messageIds,
      newMessages: receipt.newMessages,
      duplicates: receipt.duplicates,
      targets: receipt.targets.map((t) => ({ ...t, namespace: relativeToTenant(tenant, t.namespace) })),
    },
  };
}

async function flush({ body, tenant, client }: RouteRequest, threadId: string): Promise<RouteResult> {
  const request = parse(flushBodySchema, body ?? {}, 'flush body');
  const result: FlushResult = await client.flush(threadId, request);
  return { status: 200, body: { ...result, batches: result.batches.map((b) => ({ ...b, namespace: relativeToTenant(tenant, b.namespace) })) } };
}

async function state({ tenant, client }: RouteRequest, threadId: string): Promise<RouteResult> {
  const status = await client.state(threadId);
  if (!status) return { status: 404, body: { error: { type: 'NotFound', message: `thread ${threadId} has never been submitted to` } } };
  const view: ThreadStateView & { workflowStatus: string } = {
    ...status,
    threadId,
    extracting: status.extracting && { ...status.extracting, namespace: relativeToTenant(tenant, status.extracting.namespace) },
    lastBatch: status.lastBatch && { ...status.lastBatch, namespace: relativeToTenant(tenant, status.lastBatch.namespace) },
  };
  return { status: 200, body: view };
}

function visibleLetter(tenant: string[], threadId: string, letter: DeadLetter): DeadLetter {
  return { ...letter, threadId, namespace: relativeToTenant(tenant, letter.namespace) };
}

async function deadLetters({ query, tenant, client }: RouteRequest, threadId: string): Promise<RouteResult> {
  const { status } = parse(deadLettersQuerySchema, query, 'query string');
  const letters = await client.deadLetters(threadId, status);
  return { status: 200, body: { deadLetters: letters.map((l) => visibleLetter(tenant, threadId, l)) } };
}

async function redrive({ body, tenant, client }: RouteRequest, threadId: string): Promise<RouteResult> {
  const { batchId } = parse(redriveBodySchema, body ?? {}, 'redrive body');
  const receipt = await client.redrive(threadId, batchId);
  return { status: 202, body: { requested: receipt.requested.map((l) => visibleLetter(tenant, threadId, l)) } };
}

async function search({ body, tenant, client }: RouteRequest): Promise<RouteResult> {
  const { namespace, ...options } = parse(searchBodySchema, body ?? {}, 'search body');
  const items = await client.search(withinTenant(tenant, namespace), options);
  return { status: 200, body: { items: items.map((item) => ({ ...item, namespace: relativeToTenant(tenant, item.namespace) })) } };
}

/** Everything held about the caller's tenant, as JSON Lines (GDPR-style access: the tenant asks for its own). */
async function exportTenant({ client }: RouteRequest): Promise<RouteResult> {
  let text = '';
  for await (const line of exportTenantJsonLines(client)) {
    text += line;
    if (Buffer.byteLength(text) > MAX_HTTP_EXPORT_BYTES) {
      throw new PayloadTooLargeError(
        `export: over ${MAX_HTTP_EXPORT_BYTES} bytes, more than one HTTP answer holds; an operator exports it with memory-ops export`,
      );
    }
  }
  return { status: 200, text, contentType: EXPORT_CONTENT_TYPE };
}
