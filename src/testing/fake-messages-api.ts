/**
 * A fake Anthropic Messages API on 127.0.0.1 for tests and the key-less demo: the real `@anthropic-ai/sdk`
 * talks to it through `baseURL`, and the real `@anthropic-ai/bedrock-sdk` through Bedrock's
 * `/model/{id}/invoke` route. Each request takes the next scripted reply: a tool call of the requested tool
 * (or several), plain text, a truncated reply, a refusal, an error status, a slow reply, or a reply
 * computed from the request. When the script runs out it answers 500 and records the request in
 * `unexpected`, so a test that calls the model more than it planned fails.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MEMORY_TOOL_NAME } from '../model/memory-tool';

/** A request body as the SDK sent it. */
export interface RecordedRequest {
  model: string;
  system?: unknown;
  messages: { role: string; content: unknown }[];
  tools?: { name: string }[];
  tool_choice?: unknown;
  [key: string]: unknown;
}

/** One scripted reply. */
export type ScriptedReply =
  /** A call of the tool the request forces (`manage_memories` unless it names another), or of `name` (an agent's tool). */
  | { kind: 'tool'; input: unknown; name?: string; usage?: { input_tokens: number; output_tokens: number } }
  /** Several `manage_memories` calls in one reply (what `disable_parallel_tool_use` should prevent). */
  | { kind: 'tools'; inputs: unknown[] }
  /** The wrapped reply, after a delay (a slow model call; the caller may give up or die meanwhile). */
  | { kind: 'slow'; delayMs: number; reply: ScriptedReply }
  | { kind: 'text'; text: string }
  /** A reply cut off by `max_tokens` (`stop_reason: max_tokens`, an incomplete tool call). */
  | { kind: 'truncated' }
  /** A refusal (`stop_reason: refusal`) with the model's text. */
  | { kind: 'refusal'; text: string }
  | { kind: 'status'; status: number; errorType?: string; message?: string; headers?: Record<string, string> }
  | { kind: 'respond'; respond: (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply> };

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** The tool the request forces (`manage_memories` unless it names another). */
function toolName(request: RecordedRequest): string {
  const choice = request.tool_choice as { name?: unknown } | undefined;
  return typeof choice?.name === 'string' ? choice.name : MEMORY_TOOL_NAME;
}

type FinalReply = Exclude<ScriptedReply, { kind: 'respond' } | { kind: 'slow' }>;

/** Follows computed and delayed replies down to the one to send; a delay ends early when the caller hangs up. */
async function resolveReply(reply: ScriptedReply, request: RecordedRequest, hungUp: Promise<void>): Promise<FinalReply> {
  if (reply.kind === 'respond') return resolveReply(await reply.respond(request), request, hungUp);
  if (reply.kind === 'slow') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, reply.delayMs))), hungUp]);
    clearTimeout(timer);
    return resolveReply(reply.reply, request, hungUp);
  }
  return reply;
}

/** The text of the user turn of a recorded request (the extraction prompt). */
export function promptText(request: RecordedRequest): string {
  const content = request.messages[0]?.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
}

/** The extraction data of a recorded request: the existing memories and the new messages it carried. */
export function promptData(request: RecordedRequest): {
  existing_memories: { id: string; kind: string; content: Record<string, unknown> }[];
  new_messages: { id: string; role: string; time: string; text: string }[];
} {
  return JSON.parse(promptText(request)) as ReturnType<typeof promptData>;
}

/** The texts of the new messages an extraction request carried. */
export function promptMessages(request: RecordedRequest | undefined): string[] {
  return request ? promptData(request).new_messages.map((m) => m.text) : [];
}

/**
 * @example
 * const fake = await FakeMessagesApi.start();
 * fake.script({ kind: 'tool', input: { operations: [{ action: 'insert', content: 'User likes dogs' }] } });
 * const anthropic = new Anthropic({ apiKey: 'test', baseURL: fake.baseURL, maxRetries: 0 });
 */
export class FakeMessagesApi {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: RecordedRequest[] = [];
  private readonly queue: ScriptedReply[] = [];
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly baseURL: string,
  ) {}

  /** Starts the fake on a free loopback port. */
  static async start(): Promise<FakeMessagesApi> {
    const holder: { fake?: FakeMessagesApi } = {};
    const server = createServer((req, res) => {
      void holder.fake?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeMessagesApi(server, `http://127.0.0.1:${port}`);
    return holder.fake;
  }

  /** Appends replies to the script, consumed one per request. */
  script(...replies: ScriptedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Replies still unused. */
  get remaining(): number {
    return this.queue.length;
  }

  /** Forgets the script and recorded requests (between tests). */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.unexpected.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // Bedrock names the model in the path (`/model/<id>/invoke`); the Messages API in the body.
    const bedrock = /^\/model\/([^/]+)\/invoke$/.exec(req.url ?? '');
    // Models API (what `doctor` asks): every model exists here, as the fake answers for any model name.
    const model = /^\/v1\/models\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && model?.[1]) {
      this.send(res, 200, { type: 'model', id: decodeURIComponent(model[1]), display_name: 'fake model', created_at: '2026-01-01T00:00:00Z' });
      return;
    }
    if (req.method !== 'POST' || (!req.url?.startsWith('/v1/messages') && !bedrock)) {
      this.send(res, 404, { type: 'error', error: { type: 'not_found_error', message: `fake: no route ${req.url}` } });
      return;
    }
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest;
    if (bedrock?.[1]) request.model = decodeURIComponent(bedrock[1]);
    this.requests.push(request);
    const scripted = this.queue.shift();
    if (!scripted) {
      this.unexpected.push(request);
      this.send(res, 500, { type: 'error', error: { type: 'api_error', message: 'fake Messages API: script exhausted' } });
      return;
    }
    const hungUp = new Promise<void>((resolve) => res.once('close', () => resolve()));
    const reply = await resolveReply(scripted, request, hungUp);
    // The caller gave up (timeout, cancellation) or died while we waited: nobody to answer.
    if (res.destroyed || req.socket.destroyed) return;
    this.counter += 1;
    const id = `msg_fake_${this.counter}`;
    switch (reply.kind) {
      case 'status':
        this.send(
          res,
          reply.status,
          {
            type: 'error',
            error: { type: reply.errorType ?? ERROR_TYPES[reply.status] ?? 'api_error', message: reply.message ?? 'scripted' },
          },
          reply.headers,
        );
        return;
      case 'text':
        this.send(res, 200, this.message(id, request.model, [{ type: 'text', text: reply.text }], 'end_turn'));
        return;
      case 'truncated':
        this.send(
          res,
          200,
          this.message(id, request.model, [{ type: 'tool_use', id: `toolu_fake_${this.counter}_0`, name: toolName(request), input: {} }], 'max_tokens'),
        );
        return;
      case 'refusal':
        this.send(res, 200, this.message(id, request.model, [{ type: 'text', text: reply.text }], 'refusal'));
        return;
      case 'tool':
      case 'tools': {
        const inputs = reply.kind === 'tool' ? [reply.input] : reply.inputs;
        const name = (reply.kind === 'tool' ? reply.name : undefined) ?? toolName(request);
        const blocks = inputs.map((input, i) => ({ type: 'tool_use', id: `toolu_fake_${this.counter}_${i}`, name, input }));
        this.send(res, 200, this.message(id, request.model, blocks, 'tool_use', reply.kind === 'tool' ? reply.usage : undefined));
      }
    }
  }

  private message(id: string, model: string, content: unknown[], stopReason: string, usage = { input_tokens: 100, output_tokens: 20 }): unknown {
    return { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage };
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${this.counter}`, ...headers });
    res.end(JSON.stringify(body));
  }
}
