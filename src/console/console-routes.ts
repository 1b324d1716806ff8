/**
 * The console's JSON API: each route parses its input with zod and calls one `MemoryClient` method — the
 * same ones the CLI uses, so the console has no query of its own. Reads are GETs; the three actions
 * (flush, re-drive, restore) are POSTs, which the server only accepts from the console's own page.
 */
import type { MemoryClient } from '../client/memory-client';
import type { MemoryOperator } from '../operator/memory-operator';
import type { ThreadTimeline } from '../operator/operator-types';
import { CONSOLE_FLUSH_WAIT_SECONDS, CONSOLE_MEMORY_LIST_LIMIT, CONSOLE_RESTORE_ACTOR } from '../defaults';
import { InvalidInputError, MemoryManagerError, NotFoundError } from '../errors';
import { parseInput } from '../schemas';
import {
  flushBodySchema,
  historyQuerySchema,
  listThreadsQuerySchema,
  memoriesQuerySchema,
  namespacesQuerySchema,
  redriveBodySchema,
  restoreBodySchema,
  threadParamSchema,
  timelineQuerySchema,
} from './console-schemas';

/** A thread, memory or dead letter the request names does not exist (404): the package's one `NotFoundError`. */
export { NotFoundError };

/** The path exists but not with this method (405). */
export class MethodNotAllowedError extends MemoryManagerError {
  override readonly name = 'MethodNotAllowedError';
  readonly retryable = false;
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message);
  }
}

/** What the routes need besides the request. */
export interface ConsoleContext {
  memory: MemoryClient;
  /** The operator API (thread list, timeline) over `memory`. */
  operator: MemoryOperator;
  /** Root of the Temporal Web UI (no trailing slash), or null when there is none to link to. */
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

/** One API request as the server has read it. */
export interface ApiRequest {
  method: string;
  /** The path below `/api`, still percent-encoded (so a thread id may contain `/`). */
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** A route's answer: status and JSON body. */
export interface ApiResult {
  status: number;
  body: unknown;
}

const parse = parseInput;

function threadParam(encoded: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new InvalidInputError('invalid path: threadId is not valid percent-encoding');
  }
  return parse(threadParamSchema, decoded, 'path');
}

/** The Temporal Web UI page of a workflow, or null without a UI. */
export function temporalUiLink(context: ConsoleContext, workflowId: string): string | null {
  if (!context.temporalUiUrl) return null;
  return `${context.temporalUiUrl}/namespaces/${encodeURIComponent(context.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

type Handler = (request: ApiRequest, context: ConsoleContext, param: string) => Promise<ApiResult>;

const THREAD = '/threads/([^/]+)';
const ROUTES: [method: string, path: RegExp, handler: Handler][] = [
  ['GET', /^\/info$/, info],
  ['GET', /^\/threads$/, listThreads],
  ['GET', new RegExp(`^${THREAD}$`), timeline],
  ['POST', new RegExp(`^${THREAD}/flush$`), flush],
  ['POST', new RegExp(`^${THREAD}/dead-letters/redrive$`), redrive],
  ['GET', /^\/namespaces$/, namespaces],
  ['GET', /^\/memories$/, memories],
  ['GET', /^\/memories\/history$/, history],
  ['POST', /^\/memories\/restore$/, restore],
];

/**
 * Runs the route matching the request. Throws `NotFoundError` when no path matches and
 * `MethodNotAllowedError` when the path matches with another method.
 */
export async function routeApi(request: ApiRequest, context: ConsoleContext): Promise<ApiResult> {
  const allow: string[] = [];
  for (const [method, path, handler] of ROUTES) {
    const match = path.exec(request.path);
    if (!match) continue;
    if (method === request.method || (method === 'GET' && request.method === 'HEAD')) return handler(request, context, match[1] ?? '');
    allow.push(method);
  }
  if (allow.length > 0) throw new MethodNotAllowedError(`${request.method} is not allowed on /api${request.path} (use ${allow.join(', ')})`, allow);
  throw new NotFoundError(`no route ${request.method} /api${request.path}`);
}

function info(_request: ApiRequest, context: ConsoleContext): Promise<ApiResult> {
  return Promise.resolve({ status: 200, body: { temporalUiUrl: context.temporalUiUrl, temporalNamespace: context.temporalNamespace } });
}

async function listThreads({ query }: ApiRequest, context: ConsoleContext): Promise<ApiResult> {
  const options = parse(listThreadsQuerySchema, query, 'query');
  const threads = await context.operator.listThreads(options);
  return { status: 200, body: { threads: threads.map((thread) => ({ ...thread, temporalUiLink: temporalUiLink(context, thread.workflowId) })) } };
}

/** A timeline with nothing in it and no workflow: the thread was never submitted to (one whose state could not be read may exist). */
function isEmpty(timeline: ThreadTimeline): boolean {
  return (
    timeline.state === null &&
    timeline.stateError === null &&
    timeline.messages.length === 0 &&
    timeline.batches.length === 0 &&
    timeline.deadLetters.length === 0
  );
}

async function timeline({ query }: ApiRequest, context: ConsoleContext, encodedId: string): Promise<ApiResult> {
  const threadId = threadParam(encodedId);
  const options = parse(timelineQuerySchema, query, 'query');
  const found: ThreadTimeline | null = await context.operator.timeline(threadId, options);
  if (!found || isEmpty(found)) throw new NotFoundError(`no thread ${JSON.stringify(threadId)}`);
  return { status: 200, body: { ...found, temporalUiLink: temporalUiLink(context, found.workflowId) } };
}

async function flush({ body }: ApiRequest, context: ConsoleContext, encodedId: string): Promise<ApiResult> {
  const threadId = threadParam(encodedId);
  const request = parse(flushBodySchema, body, 'body');
  const result = await context.memory.flush(threadId, { timeoutSeconds: request.timeoutSeconds ?? CONSOLE_FLUSH_WAIT_SECONDS });
  return { status: 200, body: result };
}

async function redrive({ body }: ApiRequest, context: ConsoleContext, encodedId: string): Promise<ApiResult> {
  const threadId = threadParam(encodedId);
  const { batchId } = parse(redriveBodySchema, body, 'body');
  // Checked first: `redrive` wakes (and so would start) the thread's workflow, which an unknown id must not do.
  const letters = await context.memory.deadLetters(threadId);
  if (letters.length === 0) throw new NotFoundError(`thread ${JSON.stringify(threadId)} has no dead letters`);
  if (batchId !== undefined && !letters.some((letter) => letter.batchId === batchId)) {
    throw new NotFoundError(`thread ${JSON.stringify(threadId)} has no dead letter ${JSON.stringify(batchId)}`);
  }
  const receipt = await context.memory.redrive(threadId, batchId);
  return { status: 200, body: receipt };
}

async function namespaces({ query }: ApiRequest, context: ConsoleContext): Promise<ApiResult> {
  const { prefix } = parse(namespacesQuerySchema, query, 'query');
  return { status: 200, body: { namespaces: await context.memory.listNamespaces(prefix ? { prefix } : {}) } };
}

async function memories({ query }: ApiRequest, context: ConsoleContext): Promise<ApiResult> {
  const { namespace, query: text, limit } = parse(memoriesQuerySchema, query, 'query');
  const items = await context.memory.search(namespace, { ...(text ? { query: text } : {}), limit: limit ?? CONSOLE_MEMORY_LIST_LIMIT });
  return { status: 200, body: { items } };
}

async function history({ query }: ApiRequest, context: ConsoleContext): Promise<ApiResult> {
  const { namespace, key } = parse(historyQuerySchema, query, 'query');
  const [item, changes] = await Promise.all([context.memory.get(namespace, key), context.memory.history(namespace, key)]);
  if (!item && changes.length === 0) throw new NotFoundError(`no memory ${JSON.stringify(key)} in ${JSON.stringify(namespace)}`);
  return { status: 200, body: { item, history: changes } };
}

async function restore({ body }: ApiRequest, context: ConsoleContext): Promise<ApiResult> {
  const { namespace, key, version } = parse(restoreBodySchema, body, 'body');
  const changes = await context.memory.history(namespace, key);
  if (changes.length === 0) throw new NotFoundError(`no memory ${JSON.stringify(key)} in ${JSON.stringify(namespace)}`);
  if (!changes.some((change) => change.version === version)) throw new NotFoundError(`memory ${JSON.stringify(key)} has no version ${version}`);
  const item = await context.memory.restore(namespace, key, version, { actor: CONSOLE_RESTORE_ACTOR });
  return { status: 200, body: { item } };
}
