/** Embeddings for memory search: the interface, the providers, the factory and the ranking maths. */
export { cosine, rankByEmbedding, type EmbeddedDocument, type Embedder, type ScoredDocument } from './embedder';
export { BedrockEmbedder, createBedrockRuntimeClient, mapBedrockError, type BedrockClientOptions, type BedrockEmbedderOptions } from './bedrock-embedder';
export { VoyageEmbedder, type VoyageEmbedderOptions } from './voyage-embedder';
export { createEmbedder } from './create-embedder';
export { embedderConfigSchema, type EmbedderConfig } from './embedder-config';
