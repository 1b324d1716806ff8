/**
 * Embeddings from Voyage AI over its HTTP API (`POST {baseURL}/v1/embeddings`, Bearer key) with Node's own
 * `fetch`, the reply validated with zod.
 *
 * Why not the official `voyageai` client (0.4.0): it was tried and does take a base URL and work offline
 * against the fake, but (1) when a request gets no answer (refused connection, reset) it leaves its
 * request-timeout timer running, which keeps a CLI, a test runner or a draining worker alive for the whole
 * timeout (30 s here; seen as a hung jest run), and (2) its default export runs some model names
 * (`voyage-4-nano`) locally through Transformers.js, downloading weights from a model hub at first use,
 * which a worker must never do. The wire format is one small POST, so plain `fetch` costs little: no
 * dependency, an unref'd timeout (`AbortSignal.timeout`), no retries of its own (Temporal owns retries).
 */
import { z } from 'zod';
import { DEFAULT_VOYAGE_BASE_URL, DEFAULT_VOYAGE_EMBEDDING_MODEL, EMBEDDING_REQUEST_TIMEOUT_MS, VOYAGE_MAX_INPUTS_PER_REQUEST } from '../../defaults';
import { ConfigurationError } from '../../errors';
import { retryAfterMs } from '../../retry-after';
import type { Embedder } from './embedder';
import { embeddingErrorForStatus, embeddingUnreachable, malformedEmbeddingReply } from './embedding-errors';

const PROVIDER = 'Voyage';

/** The part of Voyage's reply we use; `index` numbers each embedding with its input's position. */
const voyageReplySchema = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int().nonnegative() })),
});

/** Options of {@link VoyageEmbedder}. */
export interface VoyageEmbedderOptions {
  apiKey: string;
  /** API root without `/v1` (tests: the fake on 127.0.0.1). @default DEFAULT_VOYAGE_BASE_URL */
  baseURL?: string;
  /** @default DEFAULT_VOYAGE_EMBEDDING_MODEL */
  model?: string;
  /** Sent as `output_dimension` when set; the model's own default size otherwise (1024 for voyage-3.5-lite). */
  dimensions?: number;
  /** Texts per request. @default VOYAGE_MAX_INPUTS_PER_REQUEST */
  maxInputsPerRequest?: number;
  /** Per-request timeout (ms). @default EMBEDDING_REQUEST_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * Voyage embeddings. `purpose` becomes Voyage's `input_type`, which prefixes queries and documents with
 * different prompts on Voyage's side: retrieval quality depends on it. Texts go in batches of
 * `maxInputsPerRequest`, one request after another (a batch is already one request for many texts).
 *
 * @example
 * const embedder = new VoyageEmbedder({ apiKey: process.env.VOYAGE_API_KEY ?? '' });
 * const [query] = await embedder.embed(['what is my dog called'], 'query');
 */
export class VoyageEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number | undefined;
  private readonly url: string;
  private readonly apiKey: string;
  private readonly maxInputsPerRequest: number;
  private readonly timeoutMs: number;

  constructor(options: VoyageEmbedderOptions) {
    const root = (options.baseURL ?? DEFAULT_VOYAGE_BASE_URL).replace(/\/+$/, '');
    try {
      this.url = new URL(`${root}/v1/embeddings`).toString();
    } catch (err) {
      throw new ConfigurationError(`Voyage baseURL is not a URL: ${root}`, { cause: err });
    }
    this.apiKey = options.apiKey;
    this.model = options.model ?? DEFAULT_VOYAGE_EMBEDDING_MODEL;
    this.dimensions = options.dimensions;
    this.maxInputsPerRequest = Math.max(1, options.maxInputsPerRequest ?? VOYAGE_MAX_INPUTS_PER_REQUEST);
    this.timeoutMs = options.timeoutMs ?? EMBEDDING_REQUEST_TIMEOUT_MS;
  }

  async embed(texts: readonly string[], purpose: 'document' | 'query'): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.maxInputsPerRequest) {
      vectors.push(...(await this.embedBatch(texts.slice(start, start + this.maxInputsPerRequest), purpose)));
    }
    return vectors;
  }

  private async embedBatch(texts: string[], purpose: 'document' | 'query'): Promise<number[][]> {
    const body: Record<string, unknown> = { input: texts, model: this.model, input_type: purpose };
    if (this.dimensions !== undefined) body['output_dimension'] = this.dimensions;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      // fetch rejects only when there is no (complete) answer: refused, reset, DNS, or our timeout.
      throw embeddingUnreachable(PROVIDER, describeFetchFailure(err), err);
    }
    if (!response.ok) {
      throw embeddingErrorForStatus(PROVIDER, response.status, voyageDetail(text) ?? `status ${response.status}`, {
        cause: new Error(`POST ${this.url} answered ${response.status}: ${text.slice(0, 500)}`),
        retryAfterMs: retryAfterMs(response.headers),
      });
    }
    return this.vectorsFrom(text, texts.length);
  }

  /** The reply's vectors in input order, checked against what was asked. */
  private vectorsFrom(text: string, count: number): number[][] {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw malformedEmbeddingReply(PROVIDER, 'the body is not JSON');
    }
    const parsed = voyageReplySchema.safeParse(json);
    if (!parsed.success) throw malformedEmbeddingReply(PROVIDER, 'no `data` list of `{embedding, index}` in the body');
    const { data } = parsed.data;
    if (data.length !== count) throw malformedEmbeddingReply(PROVIDER, `sent ${count} texts, got ${data.length} embeddings`);
    // Trust each embedding's `index` over the list's order.
    const vectors = new Array<number[] | undefined>(count);
    for (const { embedding, index } of data) {
      if (index >= count || vectors[index]) throw malformedEmbeddingReply(PROVIDER, `embedding index ${index} is repeated or out of range`);
      if (this.dimensions !== undefined && embedding.length !== this.dimensions) {
        throw malformedEmbeddingReply(PROVIDER, `asked for ${this.dimensions} dimensions, got ${embedding.length}`);
      }
      vectors[index] = embedding;
    }
    return vectors as number[][];
  }
}

/** Reads Voyage's error text (`{"detail": "..."}`), or the start of a non-JSON body. */
function voyageDetail(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string') return body.detail;
  } catch {
    // Not JSON (a proxy's HTML page): fall through to the raw text.
  }
  return text.trim() === '' ? undefined : text.trim().slice(0, 200);
}

/** `fetch failed` says nothing; its cause (`connect ECONNREFUSED ...`) does. Duck-typed: Node's errors may come from another realm. */
function describeFetchFailure(err: unknown): string {
  const error = err as { name?: unknown; message?: unknown; cause?: { message?: unknown } } | undefined;
  const message = typeof error?.message === 'string' ? error.message : String(err);
  if (error?.name === 'TimeoutError') return `no answer within the request timeout (${message})`;
  const cause = error?.cause?.message;
  return typeof cause === 'string' ? `${message} (${cause})` : message;
}
