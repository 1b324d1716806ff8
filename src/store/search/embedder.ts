/**
 * The one interface memory search uses for embeddings, whatever the provider (Bedrock, Voyage AI), and the
 * pure vector maths that ranks memories by them. Providers live in their own files; `createEmbedder`
 * picks one from configuration.
 */

/**
 * Turns texts into vectors. `purpose` says which side of a search the texts are on: providers that embed
 * queries and documents differently (Voyage's `input_type`) rank better when told; others ignore it.
 *
 * @example
 * const [query] = await embedder.embed(['what is my dog called'], 'query');
 * const docs = await embedder.embed(memories.map((m) => m.content), 'document');
 */
export interface Embedder {
  /** The provider's model name; vectors from different models are not comparable, so store it beside them. */
  readonly model: string;
  /** One vector per text, in the order of `texts`. An empty list answers an empty list without a request. */
  embed(texts: readonly string[], purpose: 'document' | 'query'): Promise<number[][]>;
}

/** A document's id and its vector, as stored beside the memory. */
export interface EmbeddedDocument {
  id: string;
  vector: readonly number[];
}

/** A document's id and its similarity to the query. */
export interface ScoredDocument {
  id: string;
  score: number;
}

/**
 * Cosine similarity in [-1, 1]. A zero vector has no direction, so its similarity to anything is 0 (not NaN,
 * which would sort unpredictably). Vectors of different lengths come from different models or settings and
 * cannot be compared: that throws rather than silently truncating.
 */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new RangeError(`cosine: vectors have different dimensions (${a.length} and ${b.length}); were they embedded by the same model and settings?`);
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) return 0;
  return dot / (Math.sqrt(normA) * Math.sqrt(normB));
}

/**
 * Scores every document against the query and sorts by similarity, best first. Ties keep the documents'
 * given order (Array.prototype.sort is stable), so results are reproducible.
 *
 * @example
 * const ranked = rankByEmbedding(queryVector, [{ id: 'm1', vector: v1 }, { id: 'm2', vector: v2 }]);
 * // [{ id: 'm2', score: 0.61 }, { id: 'm1', score: 0.12 }]
 */
export function rankByEmbedding(queryVector: readonly number[], docs: readonly EmbeddedDocument[]): ScoredDocument[] {
  return docs.map((doc) => ({ id: doc.id, score: cosine(queryVector, doc.vector) })).sort((x, y) => y.score - x.score);
}
