/**
 * Embeddings for memory search: the real Bedrock runtime client and the real Voyage client against the
 * fake embeddings endpoint on 127.0.0.1 (no network, no keys), the cosine maths, and the factory's checks.
 */
import { freePort } from '../../src/testing/free-port';
import { FakeEmbeddingsApi, fakeEmbedding } from '../../src/testing/fake-embeddings-api';
import { DEFAULT_BEDROCK_EMBEDDING_MODEL, DEFAULT_VOYAGE_EMBEDDING_MODEL } from '../../src/defaults';
import { ConfigurationError, ModelAccessError, ModelRequestError, ModelUnavailableError, toApplicationFailure } from '../../src/errors';
import { BedrockEmbedder, createBedrockRuntimeClient } from '../../src/store/search/bedrock-embedder';
import { createEmbedder } from '../../src/store/search/create-embedder';
import type { EmbedderConfig } from '../../src/store/search/embedder-config';
import { cosine, rankByEmbedding, type Embedder } from '../../src/store/search/embedder';
import { VoyageEmbedder } from '../../src/store/search/voyage-embedder';

const MEMORIES = [
  { id: 'jazz', text: 'User likes jazz' },
  { id: 'dog', text: 'User has a dog named Fido' },
  { id: 'work', text: 'User works at Acme Corp as a backend engineer' },
];

let fake: FakeEmbeddingsApi;

beforeAll(async () => {
  fake = await FakeEmbeddingsApi.start();
});
afterEach(() => {
  expect(fake.pendingFailures).toBe(0);
  fake.reset();
});
afterAll(async () => {
  await fake.close();
});

function bedrock(options: { dimensions?: number; concurrency?: number; endpoint?: string } = {}): BedrockEmbedder {
  const client = createBedrockRuntimeClient({ region: 'us-east-1', endpoint: options.endpoint ?? fake.baseURL });
  return new BedrockEmbedder({ client, dimensions: options.dimensions, concurrency: options.concurrency });
}

function voyage(options: { dimensions?: number; maxInputsPerRequest?: number; baseURL?: string; model?: string } = {}): VoyageEmbedder {
  return new VoyageEmbedder({ apiKey: 'test-key', ...options, baseURL: options.baseURL ?? fake.baseURL });
}

/** The error an embed call rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** Ranks MEMORIES for `question` with the embedder, as memory search would. */
async function rank(embedder: Embedder, question: string): Promise<string[]> {
  const vectors = await embedder.embed(
    MEMORIES.map((m) => m.text),
    'document',
  );
  const [query] = await embedder.embed([question], 'query');
  const docs = MEMORIES.map((m, i) => ({ id: m.id, vector: vectors[i] as number[] }));
  return rankByEmbedding(query as number[], docs).map((hit) => hit.id);
}

describe('cosine', () => {
  it.each<[string, number, number[], number[]]>([
    ['identical vectors', 1, [1, 2, 3], [1, 2, 3]],
    ['scaled vectors', 1, [1, 2, 3], [2, 4, 6]],
    ['opposite vectors', -1, [1, 0], [-1, 0]],
    ['orthogonal vectors', 0, [1, 0], [0, 5]],
    ['a zero vector', 0, [0, 0, 0], [1, 2, 3]],
    ['two zero vectors', 0, [0, 0], [0, 0]],
    ['empty vectors', 0, [], []],
  ])('of %s is %s', (_label, expected, a, b) => {
    expect(cosine(a, b)).toBeCloseTo(expected, 12);
  });

  it('refuses vectors of different dimensions, naming both', () => {
    expect(() => cosine([1, 2, 3], [1, 2])).toThrow(RangeError);
    expect(() => cosine([1, 2, 3], [1, 2])).toThrow(/different dimensions \(3 and 2\)/);
  });
});

describe('rankByEmbedding', () => {
  it('sorts by similarity, best first, and keeps the given order for ties', () => {
    const ranked = rankByEmbedding(
      [1, 0],
      [
        { id: 'away', vector: [-1, 0] },
        { id: 'tie-1', vector: [0, 1] },
        { id: 'close', vector: [1, 0.1] },
        { id: 'tie-2', vector: [0, 2] },
        { id: 'zero', vector: [0, 0] },
      ],
    );
    expect(ranked.map((hit) => hit.id)).toEqual(['close', 'tie-1', 'tie-2', 'zero', 'away']);
    expect(ranked[0]?.score).toBeCloseTo(1 / Math.sqrt(1.01), 12);
  });

  it('ranks nothing for no documents, and refuses a document of another size', () => {
    expect(rankByEmbedding([1, 0], [])).toEqual([]);
    expect(() => rankByEmbedding([1, 0], [{ id: 'x', vector: [1, 0, 0] }])).toThrow(/different dimensions/);
  });
});

describe('the fake embeddings', () => {
  it('are deterministic unit vectors of the asked size, zero for a text with no words', () => {
    const a = fakeEmbedding('User has a dog named Fido', 256);
    expect(a).toHaveLength(256);
    expect(a).toEqual(fakeEmbedding('User has a dog named Fido', 256));
    expect(Math.hypot(...a)).toBeCloseTo(1, 12);
    expect(fakeEmbedding('what is it?', 256).every((x) => x === 0)).toBe(true);
  });

  it('point texts that share words (after stemming) the same way', () => {
    const question = fakeEmbedding('what are my dogs named', 1024);
    expect(cosine(question, fakeEmbedding('User has a dog named Fido', 1024))).toBeGreaterThan(0.5);
    expect(cosine(question, fakeEmbedding('User likes jazz', 1024))).toBe(0);
  });
  it('refuse what the real services refuse: an unsigned Bedrock call, a Voyage call without a key, an unknown route', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${fake.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const unsigned = await post('/model/amazon.titan-embed-text-v2%3A0/invoke', { inputText: 'x' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException:/);
    const keyless = await post('/v1/embeddings', { input: ['x'], model: 'voyage-3.5-lite' });
    expect(keyless.status).toBe(401);
    expect(await keyless.json()).toEqual({ detail: 'Provided API key is invalid.' });
    expect((await post('/v1/messages', {})).status).toBe(404);
    expect(fake.calls()).toBe(2);
  });
});

describe('BedrockEmbedder (real @aws-sdk/client-bedrock-runtime against the fake)', () => {
  it('sends one signed Titan v2 InvokeModel per text and returns the vectors in order', async () => {
    const texts = MEMORIES.map((m) => m.text);
    const vectors = await bedrock({ dimensions: 256 }).embed(texts, 'document');

    expect(vectors).toEqual(texts.map((text) => fakeEmbedding(text, 256)));
    expect(fake.calls('bedrock')).toBe(3);
    expect(fake.textsEmbedded).toBe(3);
    const [first] = fake.requests;
    expect(first?.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(first?.model).toBe(DEFAULT_BEDROCK_EMBEDDING_MODEL);
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.headers['accept']).toBe('application/json');
    expect(first?.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    // One attempt per call: Temporal owns retries.
    expect(first?.headers['amz-sdk-request']).toBe('attempt=1; max=1');
    expect(fake.requests.map((r) => r.body).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual(
      texts.map((inputText) => ({ inputText, dimensions: 256, normalize: true })).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    );
  });

  it('uses 1024 dimensions by default', async () => {
    const [vector] = await bedrock().embed(['User likes jazz'], 'query');
    expect(vector).toHaveLength(1024);
    expect(fake.requests[0]?.body).toEqual({ inputText: 'User likes jazz', dimensions: 1024, normalize: true });
  });

  it('keeps at most `concurrency` requests in flight and the results in input order', async () => {
    fake.delayMs = 40;
    const texts = ['one dog', 'two cats', 'three birds', 'four fish', 'five frogs', 'six owls'];
    const vectors = await bedrock({ dimensions: 256, concurrency: 2 }).embed(texts, 'document');
    expect(vectors).toEqual(texts.map((text) => fakeEmbedding(text, 256)));
    expect(fake.calls()).toBe(6);
    expect(fake.maxInFlight).toBe(2);
  });

  it('answers an empty list without a request', async () => {
    await expect(bedrock().embed([], 'document')).resolves.toEqual([]);
    expect(fake.calls()).toBe(0);
  });

  it('ranks the dog memory first for the dog question', async () => {
    expect((await rank(bedrock(), 'what is my dog called'))[0]).toBe('dog');
  });

  it.each([
    [429, 'ThrottlingException'],
    [503, 'ServiceUnavailableException'],
    [500, 'InternalServerException'],
  ])('maps a %i (%s) to a retryable ModelUnavailableError', async (status, exception) => {
    fake.failNext(status);
    const err = await failure(bedrock().embed(['User likes jazz'], 'document'));
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err.message).toContain(exception);
    expect((err as ModelUnavailableError).retryable).toBe(true);
    expect(toApplicationFailure(err).nonRetryable).toBe(false);
  });

  it('maps a 502 with no exception name (a proxy) by its status', async () => {
    fake.failNext(502, 1, { errorType: null });
    const err = await failure(bedrock().embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err.message).toContain('502');
  });

  it('maps a 403 AccessDeniedException to ModelAccessError: retried through the window, like a refused Claude key', async () => {
    fake.failNext(403);
    const err = await failure(bedrock().embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelAccessError);
    expect(err.message).toMatch(/AccessDeniedException.*check IAM permissions/);
    expect(toApplicationFailure(err).type).toBe('ModelAccessError');
  });

  it('maps a ValidationException (here: a size Titan v2 does not offer) to a non-retryable ModelRequestError', async () => {
    const err = await failure(bedrock({ dimensions: 300 }).embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelRequestError);
    expect(err.message).toMatch(/ValidationException.*dimensions: 300/);
    expect((err as ModelRequestError).retryable).toBe(false);
    expect(toApplicationFailure(err).nonRetryable).toBe(true);
  });

  it('starts no further request after one fails', async () => {
    fake.failNext(503);
    await failure(bedrock({ concurrency: 1 }).embed(['a', 'b', 'c', 'd'], 'document'));
    expect(fake.calls()).toBe(1);
  });

  it('maps a refused connection to a retryable ModelUnavailableError', async () => {
    const err = await failure(bedrock({ endpoint: `http://127.0.0.1:${await freePort()}` }).embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err.message).toMatch(/unreachable/);
  });
});

describe('VoyageEmbedder (Node fetch against the fake)', () => {
  it('embeds a list in one request, with the Bearer key, and returns the vectors in order', async () => {
    const texts = MEMORIES.map((m) => m.text);
    const vectors = await voyage().embed(texts, 'document');

    expect(vectors).toEqual(texts.map((text) => fakeEmbedding(text, 1024)));
    expect(fake.calls('voyage')).toBe(1);
    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/embeddings');
    expect(request?.headers['authorization']).toBe('Bearer test-key');
    // No output_dimension unless asked: the model's default size.
    expect(request?.body).toEqual({ input: texts, model: DEFAULT_VOYAGE_EMBEDDING_MODEL, input_type: 'document' });
  });

  it('sends input_type per purpose', async () => {
    const embedder = voyage();
    await embedder.embed(['User likes jazz'], 'document');
    await embedder.embed(['what music do I like'], 'query');
    expect(fake.requests.map((r) => r.inputType)).toEqual(['document', 'query']);
  });

  it('sends output_dimension when dimensions are set', async () => {
    const [vector] = await voyage({ dimensions: 256 }).embed(['User likes jazz'], 'query');
    expect(vector).toHaveLength(256);
    expect(fake.requests[0]?.body).toMatchObject({ output_dimension: 256 });
  });

  it('splits a long list into requests of at most maxInputsPerRequest texts, keeping the order', async () => {
    const texts = ['one dog', 'two cats', 'three birds', 'four fish', 'five frogs'];
    const vectors = await voyage({ maxInputsPerRequest: 2 }).embed(texts, 'document');
    expect(vectors).toEqual(texts.map((text) => fakeEmbedding(text, 1024)));
    expect(fake.requests.map((r) => r.inputs.length)).toEqual([2, 2, 1]);
    expect(fake.textsEmbedded).toBe(5);
  });

  it('answers an empty list without a request', async () => {
    await expect(voyage().embed([], 'query')).resolves.toEqual([]);
    expect(fake.calls()).toBe(0);
  });

  it('ranks the dog memory first for the dog question', async () => {
    expect((await rank(voyage(), 'what is my dog called'))[0]).toBe('dog');
  });

  it('sends every model name to the API, including one the voyageai package would run locally (voyage-4-nano)', async () => {
    await voyage({ model: 'voyage-4-nano' }).embed(['User likes jazz'], 'query');
    expect(fake.requests.map((r) => r.model)).toEqual(['voyage-4-nano']);
  });

  it('maps a 429 to a retryable ModelUnavailableError carrying retry-after', async () => {
    fake.failNext(429, 1, { headers: { 'retry-after': '2' }, message: 'Rate limit exceeded' });
    const err = await failure(voyage().embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err.message).toBe('Voyage embeddings answered 429: Rate limit exceeded');
    expect((err as ModelUnavailableError).retryAfterMs).toBe(2_000);
    expect(toApplicationFailure(err).nonRetryable).toBe(false);
  });

  it('maps a 503 to a retryable ModelUnavailableError, without retrying by itself', async () => {
    fake.failNext(503);
    const err = await failure(voyage().embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect((err as ModelUnavailableError).retryable).toBe(true);
    expect(fake.calls()).toBe(1);
  });

  it('maps a 403 to ModelAccessError and a 400 to a non-retryable ModelRequestError', async () => {
    fake.failNext(403);
    expect(await failure(voyage().embed(['x'], 'document'))).toBeInstanceOf(ModelAccessError);
    fake.failNext(400, 1, { message: 'input too long' });
    const err = await failure(voyage().embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelRequestError);
    expect(err.message).toContain('input too long');
    expect(toApplicationFailure(err).nonRetryable).toBe(true);
  });

  it('maps a refused connection to a retryable ModelUnavailableError', async () => {
    const err = await failure(voyage({ baseURL: `http://127.0.0.1:${await freePort()}` }).embed(['x'], 'document'));
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err.message).toMatch(/unreachable/);
  });
});

describe('createEmbedder', () => {
  it('returns null for provider none, whatever else is set', () => {
    expect(createEmbedder({ provider: 'none' })).toBeNull();
    expect(createEmbedder({ provider: 'none', apiKey: 'left over' } as unknown as EmbedderConfig)).toBeNull();
  });

  it('builds a working Bedrock embedder with the default model', async () => {
    const embedder = createEmbedder({ provider: 'bedrock', endpoint: fake.baseURL, dimensions: 512 });
    expect(embedder).toBeInstanceOf(BedrockEmbedder);
    expect(embedder?.model).toBe(DEFAULT_BEDROCK_EMBEDDING_MODEL);
    const [vector] = (await embedder?.embed(['User likes jazz'], 'document')) ?? [];
    expect(vector).toHaveLength(512);
  });

  it('builds a working Voyage embedder with the default model', async () => {
    const embedder = createEmbedder({ provider: 'voyage', apiKey: 'test-key', baseURL: `${fake.baseURL}/` });
    expect(embedder).toBeInstanceOf(VoyageEmbedder);
    expect(embedder?.model).toBe(DEFAULT_VOYAGE_EMBEDDING_MODEL);
    await embedder?.embed(['User likes jazz'], 'query');
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/embeddings']);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown provider', { provider: 'openai' }, /provider: Invalid discriminator value. Expected 'none' \| 'bedrock' \| 'voyage'/],
    ['no provider', {}, /provider: /],
    ['a Voyage config without a key', { provider: 'voyage' }, /apiKey: required when provider is "voyage"/],
    ['a blank Voyage key', { provider: 'voyage', apiKey: '   ' }, /apiKey: required when provider is "voyage"/],
    ['a size Titan v2 does not offer', { provider: 'bedrock', dimensions: 2048 }, /dimensions: must be one of 256, 512, 1024/],
    ['a size Voyage does not offer', { provider: 'voyage', apiKey: 'k', dimensions: 100 }, /dimensions: must be one of 256, 512, 1024, 2048/],
    ['an endpoint without a scheme', { provider: 'bedrock', endpoint: 'localhost:8000' }, /endpoint: must be an http:\/\/ or https:\/\/ URL/],
    ['a misspelt key', { provider: 'voyage', apiKey: 'k', baseUrl: 'http://127.0.0.1:1' }, /Unrecognized key: "baseUrl"/],
    ['a key of the other provider', { provider: 'bedrock', apiKey: 'k' }, /Unrecognized key: "apiKey"/],
  ])('refuses %s with a ConfigurationError naming the field', (_label, config, message) => {
    expect(() => createEmbedder(config as EmbedderConfig)).toThrow(ConfigurationError);
    expect(() => createEmbedder(config as EmbedderConfig)).toThrow(message);
  });
});
