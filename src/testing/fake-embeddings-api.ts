/**
 * A fake embeddings endpoint on 127.0.0.1 for tests and the key-less demo. One server answers two wire
 * formats, so the real clients talk to it unchanged:
 * - Amazon Bedrock `InvokeModel` for Titan Text Embeddings v2: `POST /model/{modelId}/invoke` (the SDK
 *   URL-encodes the id: `amazon.titan-embed-text-v2%3A0`), a SigV4-signed JSON body
 *   `{inputText, dimensions, normalize}`, answered with `{embedding, inputTextTokenCount}`; errors carry
 *   their exception name in `x-amzn-errortype`, as Bedrock's do.
 * - Voyage AI: `POST /v1/embeddings` with a Bearer key and `{input, model, input_type, output_dimension}`,
 *   answered with `{object, data: [{object, embedding, index}], model, usage: {total_tokens}}`; errors as
 *   `{detail}`.
 *
 * Vectors are a hashed bag of words (see {@link fakeEmbedding}): deterministic, and texts sharing words
 * point the same way, which is enough for ranking tests. Every routed request is recorded (also those
 * answered with a scripted failure); `failNext` scripts failures.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { Duplex } from 'node:stream';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Which wire format a request used. */
export type FakeEmbeddingsProvider = 'bedrock' | 'voyage';

/** One request as a client sent it. */
export interface RecordedEmbeddingRequest {
  provider: FakeEmbeddingsProvider;
  method: string;
  /** The raw path, as sent (still URL-encoded). */
  path: string;
  headers: IncomingHttpHeaders;
  /** Bedrock: the model id decoded from the path; Voyage: the body's `model`. */
  model: string;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  /** The texts to embed (Bedrock: the one `inputText`). */
  inputs: string[];
  /** Voyage's `input_type` as sent (`null`/absent when the client sent none); undefined for Bedrock. */
  inputType?: string | null;
  /** The status the fake answered with. */
  status: number;
}

/** Titan Text Embeddings v2's accepted sizes; its default is 1024. */
const TITAN_DIMENSIONS = [256, 512, 1024];
/** Voyage 3.5's accepted `output_dimension`s; its default is 1024. */
const VOYAGE_DIMENSIONS = [256, 512, 1024, 2048];
const DEFAULT_FAKE_DIMENSIONS = 1024;
/** Voyage's documented list limit for current models. */
const VOYAGE_MAX_INPUTS = 1_000;

/** Bedrock's exception name for each status a test may script. */
const BEDROCK_EXCEPTIONS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** Words that carry no topic; dropping them keeps "what is my ..." from matching everything. */
const STOP_WORDS = new Set(
  'a an the is are was were be been am my your our their his her its of to in on at for and or but with what who whom which how when where why do does did i me you he she it we they this that these those has have had'.split(
    ' ',
  ),
);

const SUFFIXES = ['ing', 'ed', 'es', 's', 'ly'];

/** Crude stemming: "dogs" and "dog", "named" and "name", "likes" and "liked" meet. */
function stem(word: string): string {
  let stemmed = word;
  for (const suffix of SUFFIXES) {
    if (stemmed.length - suffix.length >= 3 && stemmed.endsWith(suffix)) {
      stemmed = stemmed.slice(0, -suffix.length);
      break;
    }
  }
  return stemmed.length > 3 && stemmed.endsWith('e') ? stemmed.slice(0, -1) : stemmed;
}

/** The tokens a text is embedded from: lower-cased words, stop words dropped, suffixes stripped. */
export function embeddingTokens(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !STOP_WORDS.has(word)).map(stem);
}

/** 32-bit FNV-1a with a seed, so one token gets independent bucket and sign hashes. */
function fnv1a(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The fake's embedding of a text: each token adds ±1 to one of `dimensions` buckets (signed feature
 * hashing, so collisions cancel out on average instead of piling up), then the vector is L2-normalised.
 * A text with no tokens gets the zero vector.
 */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const token of embeddingTokens(text)) {
    const bucket = fnv1a(token, 0) % dimensions;
    vector[bucket] = (vector[bucket] as number) + (fnv1a(token, 0x9e3779b9) & 1 ? 1 : -1);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** A scripted failure. */
interface ScriptedFailure {
  status: number;
  headers: Record<string, string>;
  message: string;
  errorType?: string | null;
}

/** Options of {@link FakeEmbeddingsApi.failNext}. */
export interface FailureOptions {
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
  message?: string;
  /** Bedrock's exception name (`x-amzn-errortype`); derived from the status when unset, left out when null. */
  errorType?: string | null;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorType?: string,
  ) {
    super(message);
  }
}

/**
 * @example
 * const fake = await FakeEmbeddingsApi.start();
 * const bedrock = new BedrockEmbedder({ client: createBedrockRuntimeClient({ region: 'us-east-1', endpoint: fake.baseURL }) });
 * const voyage = new VoyageEmbedder({ client: createVoyageClient({ apiKey: 'test', baseURL: fake.baseURL }) });
 * fake.failNext(429); // the next request, whichever format, gets a 429
 */
export class FakeEmbeddingsApi {
  readonly requests: RecordedEmbeddingRequest[] = [];
  /** Delay before each answer (ms), to make concurrency observable. */
  delayMs = 0;
  private readonly failures: ScriptedFailure[] = [];
  private inFlight = 0;
  private peakInFlight = 0;

  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly baseURL: string,
  ) {}

  /**
   * Starts the fake on a free loopback port. The port speaks both HTTP/1.1 (Voyage's client, through
   * Node's fetch) and cleartext HTTP/2 (the Bedrock runtime client, whose default handler is
   * `NodeHttp2Handler`: against an `http://` endpoint it opens HTTP/2 with prior knowledge). Each
   * connection's first bytes decide: HTTP/2 starts with the `PRI * HTTP/2.0` preface.
   */
  static async start(): Promise<FakeEmbeddingsApi> {
    const holder: { fake?: FakeEmbeddingsApi } = {};
    const onRequest = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
      void holder.fake?.handle(req, res);
    };
    const http1 = createHttpServer(onRequest);
    const http2 = createHttp2Server(onRequest);
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.once('data', (first: Buffer) => {
        (first.subarray(0, 4).toString('latin1') === 'PRI ' ? http2 : http1).emit('connection', replaying(socket, first));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeEmbeddingsApi(server, sockets, `http://127.0.0.1:${port}`);
    return holder.fake;
  }

  /** The next `count` routed requests (of either format) fail with `status`. */
  failNext(status: number, count = 1, options: FailureOptions = {}): this {
    for (let i = 0; i < count; i += 1) {
      this.failures.push({ status, headers: options.headers ?? {}, message: options.message ?? `scripted ${status}`, errorType: options.errorType });
    }
    return this;
  }

  /** Routed requests so far, optionally of one format only. */
  calls(provider?: FakeEmbeddingsProvider): number {
    return provider === undefined ? this.requests.length : this.requests.filter((r) => r.provider === provider).length;
  }

  /** Texts embedded so far (successful requests only). */
  get textsEmbedded(): number {
    return this.requests.filter((r) => r.status === 200).reduce((sum, r) => sum + r.inputs.length, 0);
  }

  /** Most requests the fake was answering at once. */
  get maxInFlight(): number {
    return this.peakInFlight;
  }

  /** Scripted failures not yet used. */
  get pendingFailures(): number {
    return this.failures.length;
  }

  /** Forgets recorded requests, scripted failures, the delay and the in-flight peak (between tests). */
  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
    this.delayMs = 0;
    this.peakInFlight = 0;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): Promise<void> {
    let hungUp = false;
    res.once('close', () => (hungUp = true));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? '/';
    const pathname = path.split('?')[0] ?? path;
    const bedrock = /^\/model\/([^/]+)\/invoke$/.exec(pathname);
    const provider: FakeEmbeddingsProvider | undefined = bedrock ? 'bedrock' : pathname === '/v1/embeddings' ? 'voyage' : undefined;
    if (req.method !== 'POST' || !provider) {
      this.send(res, 404, { message: `fake embeddings: no route ${req.method} ${path}` });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const record: RecordedEmbeddingRequest = { provider, method: req.method, path, headers: req.headers, model: '', body, inputs: [], status: 0 };
    this.requests.push(record);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      // The caller gave up (timeout, cancellation) while we waited: nobody to answer.
      if (hungUp) return;
      const failure = this.failures.shift();
      if (provider === 'bedrock') this.answerBedrock(res, record, decodeURIComponent(bedrock?.[1] ?? ''), failure);
      else this.answerVoyage(res, record, failure);
    } finally {
      this.inFlight -= 1;
    }
  }

  private answerBedrock(
    res: ServerResponse | Http2ServerResponse,
    record: RecordedEmbeddingRequest,
    modelId: string,
    failure: ScriptedFailure | undefined,
  ): void {
    record.model = modelId;
    const body = record.body as { inputText?: unknown; dimensions?: unknown } | undefined;
    if (body && typeof body.inputText === 'string') record.inputs = [body.inputText];
    const fail = (status: number, message: string, errorType?: string | null, headers: Record<string, string> = {}): void => {
      record.status = status;
      const type = errorType === undefined ? (BEDROCK_EXCEPTIONS[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException')) : errorType;
      // Bedrock's own form: the exception name, then a namespace the SDK strips. No name: a bare status (a proxy's 502).
      const typeHeader: Record<string, string> = type === null ? {} : { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` };
      this.send(res, status, { message }, { ...typeHeader, ...headers });
    };
    if (failure) return fail(failure.status, failure.message, failure.errorType, failure.headers);
    try {
      if (!String(record.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new RequestError(403, 'Missing Authentication Token', 'MissingAuthenticationTokenException');
      }
      if (!body || typeof body !== 'object') throw new RequestError(400, 'Malformed input request: the body is not a JSON object');
      if (typeof body.inputText !== 'string' || body.inputText.length === 0) {
        throw new RequestError(400, 'Malformed input request: #/inputText: expected minLength: 1');
      }
      const dimensions = body.dimensions ?? DEFAULT_FAKE_DIMENSIONS;
      if (typeof dimensions !== 'number' || !TITAN_DIMENSIONS.includes(dimensions)) {
        throw new RequestError(400, `Malformed input request: #/dimensions: ${JSON.stringify(dimensions)} is not a valid enum value`);
      }
      record.status = 200;
      this.send(res, 200, { embedding: fakeEmbedding(body.inputText, dimensions), inputTextTokenCount: countTokens(body.inputText) });
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      fail(err.status, err.message, err.errorType);
    }
  }

  private answerVoyage(res: ServerResponse | Http2ServerResponse, record: RecordedEmbeddingRequest, failure: ScriptedFailure | undefined): void {
    const body = record.body as { input?: unknown; model?: unknown; input_type?: unknown; output_dimension?: unknown } | undefined;
    if (body && typeof body === 'object') {
      record.model = typeof body.model === 'string' ? body.model : '';
      record.inputType = typeof body.input_type === 'string' || body.input_type === null ? body.input_type : undefined;
      const input = typeof body.input === 'string' ? [body.input] : body.input;
      if (Array.isArray(input) && input.every((item) => typeof item === 'string')) record.inputs = input;
    }
    const fail = (status: number, detail: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      this.send(res, status, { detail }, headers);
    };
    if (failure) return fail(failure.status, failure.message, failure.headers);
    const key = /^Bearer (.+)$/.exec(String(record.headers.authorization ?? ''))?.[1]?.trim();
    if (!key) return fail(401, 'Provided API key is invalid.');
    if (!body || typeof body !== 'object') return fail(400, 'Request body is not a JSON object.');
    if (!record.model) return fail(400, "Field 'model' is required.");
    if (record.inputs.length === 0 || record.inputs.length > VOYAGE_MAX_INPUTS || record.inputs.some((text) => text.length === 0)) {
      return fail(400, `'input' must be a non-empty string or a list of 1 to ${VOYAGE_MAX_INPUTS} non-empty strings.`);
    }
    if (body.input_type !== undefined && body.input_type !== null && body.input_type !== 'query' && body.input_type !== 'document') {
      return fail(400, "'input_type' must be null, 'query' or 'document'.");
    }
    const dimensions = body.output_dimension ?? DEFAULT_FAKE_DIMENSIONS;
    if (typeof dimensions !== 'number' || !VOYAGE_DIMENSIONS.includes(dimensions)) {
      return fail(400, `'output_dimension' must be one of ${VOYAGE_DIMENSIONS.join(', ')}.`);
    }
    record.status = 200;
    this.send(res, 200, {
      object: 'list',
      data: record.inputs.map((text, index) => ({ object: 'embedding', embedding: fakeEmbedding(text, dimensions), index })),
      model: record.model,
      usage: { total_tokens: record.inputs.reduce((sum, text) => sum + countTokens(text), 0) },
    });
  }

  private send(res: ServerResponse | Http2ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': `fake-${this.requests.length}`, ...headers });
    res.end(JSON.stringify(body));
  }
}

/**
 * A stream over `socket` that first yields the bytes already read from it. Unshifting them back into the
 * socket is not enough: Node's HTTP servers read a real socket's handle directly, past its JS buffer.
 */
function replaying(socket: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy(err ?? undefined);
      callback(err);
    },
  });
  stream.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.on('error', (err) => stream.destroy(err));
  return stream;
}

/** A rough token count (words), for the usage fields. */
function countTokens(text: string): number {
  return (text.match(/[\p{L}\p{N}]+/gu) ?? []).length;
}
