/**
 * Validation of what callers pass to the memory store's operations (namespaces, keys, values, write
 * options): every operation module parses its input with these, so a bad input fails the same way
 * (`InvalidInputError` naming the field) whichever operation receives it.
 */
import { MAX_MEMORY_KEY_BYTES } from '../defaults';
import { InvalidInputError } from '../errors';
import { utf8Bytes } from '../rules';
import { describeZodError, namespaceSchema } from '../schemas';
import type { MemoryValue } from './memory-types';

/** Options of writes through the store's API. */
export interface WriteOptions {
  /** The item expires this many seconds after the write (honoured on read at once, removed by DynamoDB's TTL later). */
  ttlSeconds?: number;
  /** Who is writing, kept in the history (e.g. a user or service name). */
  actor?: string;
}

/** A namespace as error messages show it: `("memories", "alice")`. */
export function formatNamespace(namespace: readonly string[]): string {
  return `(${namespace.map((l) => JSON.stringify(l)).join(', ')})`;
}

export function parseNamespace(namespace: readonly string[], field: string): string[] {
  const parsed = namespaceSchema.safeParse(namespace);
  if (!parsed.success) throw new InvalidInputError(`${field}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export function parseKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidInputError('key: must not be empty');
  if (utf8Bytes(key) > MAX_MEMORY_KEY_BYTES) throw new InvalidInputError(`key: must be at most ${MAX_MEMORY_KEY_BYTES} bytes`);
  return key;
}

export function parseValue(value: unknown): MemoryValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError('value: must be a JSON object');
  return value as MemoryValue;
}

export function parseTtlSeconds(ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds !== undefined && !(Number.isFinite(ttlSeconds) && ttlSeconds > 0)) {
    throw new InvalidInputError('ttlSeconds: must be a positive number of seconds');
  }
  return ttlSeconds;
}
