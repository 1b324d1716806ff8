/**
 * The export a tenant asks for itself (the HTTP API's `GET /export`): everything held under its namespace
 * prefix as JSON Lines, with its own thread ids. The client must be tenant-bound; an unbound client would
 * export nothing in particular, so it is refused.
 */
import type { MemoryClient } from '../client/memory-client';
import { TenantAccessError } from '../errors';
import { toJsonLines } from '../store/export-prefix';
import { MemoryOperator } from './memory-operator';

/** The content type of an export. */
export const EXPORT_CONTENT_TYPE = 'application/x-ndjson';

/**
 * The tenant's data as JSON Lines, streamed (the first line names the export, the last is its summary).
 * @example
 * // in the HTTP handler, for GET /export, with the request's tenant-bound client:
 * let body = '';
 * for await (const line of exportTenantJsonLines(client)) body += line;
 * return { statusCode: 200, headers: { 'content-type': EXPORT_CONTENT_TYPE }, body };
 */
export function exportTenantJsonLines(client: MemoryClient): AsyncGenerator<string> {
  if (!client.tenant) throw new TenantAccessError('export: the client is not bound to a tenant');
  return toJsonLines(new MemoryOperator(client).export());
}
