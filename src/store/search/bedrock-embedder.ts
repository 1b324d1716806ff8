/**
 * Embeddings from Amazon Bedrock's Titan Text Embeddings v2 through `@aws-sdk/client-bedrock-runtime`.
 * Titan v2 embeds one text per `InvokeModel` call, so a list is sent as one request per text with a few in
 * flight at once. The request body is Titan v2's (`inputText`, `dimensions`, `normalize`); other Bedrock
 * embedding families (Cohere) take another body and are not supported here.
 */
import { BedrockRuntimeClient, BedrockRuntimeServiceException, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import { BEDROCK_EMBED_CONCURRENCY, DEFAULT_BEDROCK_EMBEDDING_MODEL, DEFAULT_EMBEDDING_DIMENSIONS, EMBEDDING_REQUEST_TIMEOUT_MS } from '../../defaults';
import { ModelAccessError, ModelRequestError, ModelUnavailableError } from '../../errors';
import { isLoopback } from '../dynamo-clients';
import type { Embedder } from './embedder';
import { embeddingErrorForStatus, embeddingUnreachable, malformedEmbeddingReply } from './embedding-errors';

const PROVIDER = 'Bedrock';

/** Bedrock's exception names whose meaning does not depend on the status they came with. */
const RETRYABLE_EXCEPTIONS = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelTimeoutException',
  'ModelNotReadyException',
  // A 400 for an account quota used up; Bedrock's reference says "You can resubmit your request later".
  'ServiceQuotaExceededException',
  // A 424: "an error while processing the model"; AWS names no client-side cause, so treat it as transient.
  'ModelErrorException',
]);
const ACCESS_EXCEPTIONS = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
]);
const REQUEST_EXCEPTIONS = new Set(['ValidationException', 'ConflictException']);

/** Titan Text Embeddings v2's reply body. */
const titanReplySchema = z.object({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().optional(),
});

/** Options of {@link createBedrockRuntimeClient}. */
export interface BedrockClientOptions {
  region: string;
  /** Overrides Bedrock's regional endpoint (tests: the fake on 127.0.0.1, which gets placeholder credentials). */
  endpoint?: string;
}

/**
 * The Bedrock runtime client for embeddings: one attempt per call (Temporal's retry policy owns retries;
 * the SDK's own three attempts would multiply them and hide throttling) and a short request timeout.
 */
export function createBedrockRuntimeClient(options: BedrockClientOptions): BedrockRuntimeClient {
  const local = options.endpoint !== undefined && isLoopback(options.endpoint);
  return new BedrockRuntimeClient({
    region: options.region,
    endpoint: options.endpoint,
    // A loopback endpoint is the fake: any signature passes, so don't make developers configure AWS.
    credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
    maxAttempts: 1,
    // Options for the client's default handler (NodeHttp2Handler); an object here replaces its defaults,
    // so keep its `disableConcurrentStreams: true` (one request per HTTP/2 session, the SDK's choice).
    requestHandler: { requestTimeout: EMBEDDING_REQUEST_TIMEOUT_MS, disableConcurrentStreams: true },
  });
}

/** Options of {@link BedrockEmbedder}. */
export interface BedrockEmbedderOptions {
  client: BedrockRuntimeClient;
  /** @default DEFAULT_BEDROCK_EMBEDDING_MODEL */
  model?: string;
  /** Titan v2 accepts 256, 512 or 1024. @default DEFAULT_EMBEDDING_DIMENSIONS */
  dimensions?: number;
  /** Requests in flight per `embed` call. @default BEDROCK_EMBED_CONCURRENCY */
  concurrency?: number;
}

/**
 * Titan v2 embeddings over Bedrock. Vectors come back L2-normalised (`normalize: true`), so cosine equals the
 * dot product. Titan has no query/document distinction: `purpose` is accepted and ignored.
 *
 * @example
 * const embedder = new BedrockEmbedder({ client: createBedrockRuntimeClient({ region: 'us-east-1' }) });
 * const [vector] = await embedder.embed(['User has a dog named Fido'], 'document');
 */
export class BedrockEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  private readonly client: BedrockRuntimeClient;
  private readonly concurrency: number;

  constructor(options: BedrockEmbedderOptions) {
    this.client = options.client;
    this.model = options.model ?? DEFAULT_BEDROCK_EMBEDDING_MODEL;
    this.dimensions = options.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
    this.concurrency = Math.max(1, options.concurrency ?? BEDROCK_EMBED_CONCURRENCY);
  }

  embed(texts: readonly string[], _purpose: 'document' | 'query'): Promise<number[][]> {
    return mapBounded(texts, this.concurrency, (text) => this.embedOne(text));
  }

  private async embedOne(text: string): Promise<number[]> {
    const body = JSON.stringify({ inputText: text, dimensions: this.dimensions, normalize: true });
    let raw: string;
    try {
      const reply = await this.client.send(
        new InvokeModelCommand({ modelId: this.model, contentType: 'application/json', accept: 'application/json', body: new TextEncoder().encode(body) }),
      );
      raw = reply.body.transformToString();
    } catch (err) {
      throw mapBedrockError(err);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw malformedEmbeddingReply(PROVIDER, 'the body is not JSON');
    }
    const parsed = titanReplySchema.safeParse(json);
    if (!parsed.success) throw malformedEmbeddingReply(PROVIDER, 'no `embedding` array of numbers in the body');
    const { embedding } = parsed.data;
    if (embedding.length !== this.dimensions) {
      throw malformedEmbeddingReply(PROVIDER, `asked for ${this.dimensions} dimensions, got ${embedding.length}`);
    }
    return embedding;
  }
}

/**
 * Maps what `BedrockRuntimeClient.send` throws onto the error family (see embedding-errors.ts): Bedrock's
 * named exceptions by name, unnamed service errors by HTTP status, network faults as unavailable, and a
 * missing credential chain as an access problem. Anything else (a bug) passes through unchanged.
 */
export function mapBedrockError(err: unknown): unknown {
  if (err instanceof BedrockRuntimeServiceException) {
    const detail = `${err.name}: ${err.message}`;
    if (RETRYABLE_EXCEPTIONS.has(err.name)) return new ModelUnavailableError(`${PROVIDER} embeddings unavailable (${detail})`, { cause: err });
    if (ACCESS_EXCEPTIONS.has(err.name)) {
      return new ModelAccessError(`${PROVIDER} embeddings refused access (${detail}; check IAM permissions, model access and the model id)`, { cause: err });
    }
    if (REQUEST_EXCEPTIONS.has(err.name)) return new ModelRequestError(`${PROVIDER} embeddings rejected the request (${detail})`, { cause: err });
    const status = err.$metadata.httpStatusCode;
    if (status !== undefined) return embeddingErrorForStatus(PROVIDER, status, detail, { cause: err });
    return embeddingUnreachable(PROVIDER, detail, err);
  }
  // Duck-typed from here on: errors raised inside Node (http2, net) may come from another realm (jest's
  // sandbox), where `instanceof Error` is false.
  const error = asErrorLike(err);
  if (error?.name === 'CredentialsProviderError') {
    return new ModelAccessError(`${PROVIDER} embeddings: no AWS credentials (${error.message})`, { cause: err });
  }
  // Bedrock never answered (refused connection, reset stream, timeout): whatever shape the SDK gives the
  // failure — it differs between Node's realms and under load — it is transient.
  if (error) return embeddingUnreachable(PROVIDER, isTransportError(error) ? error.message : `${error.name}: ${error.message}`, err);
  return err;
}

interface ErrorLike {
  name: string;
  message: string;
  code?: unknown;
  cause?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, message } = value as { name?: unknown; message?: unknown };
  return typeof name === 'string' && typeof message === 'string' ? (value as ErrorLike) : undefined;
}

/**
 * Whether the request got no HTTP answer: a Node system error (`ECONNREFUSED`, `ECONNRESET`, ...), an
 * HTTP/2 session or stream error (the client speaks HTTP/2; a refused connection surfaces as
 * `ERR_HTTP2_STREAM_CANCEL` caused by `ECONNREFUSED`), or the handler's timeout and aborted-stream errors.
 */
function isTransportError(error: ErrorLike, depth = 0): boolean {
  if (typeof error.code === 'string' && /^(E[A-Z]+|ERR_HTTP2_\w+|ERR_STREAM_\w+)$/.test(error.code)) return true;
  if (error.name === 'TimeoutError' || /^(HTTP\/2 stream is abnormally aborted|Frame type id)/.test(error.message)) return true;
  // The SDK wraps a thrown value that is not `instanceof Error` and keeps only its text; Node's own errors
  // look like that inside a sandbox with its own globals (jest), so read the code from the text there.
  if (/^AWS SDK error wrapper for .*\[(E[A-Z]+|ERR_HTTP2_\w+|ERR_STREAM_\w+)\]/.test(error.message)) return true;
  const cause = asErrorLike(error.cause);
  return cause !== undefined && depth < 3 && isTransportError(cause, depth + 1);
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and keeps the results in input order. After
 * the first failure no new call starts (the caller is about to get the error; more requests would only
 * spend quota), and that first error is what the caller gets.
 */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
