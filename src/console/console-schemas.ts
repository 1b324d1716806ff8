/**
 * zod schemas of the console API's inputs: path parameters, query strings and JSON bodies. Strict, so a
 * misspelt field is a 400 naming it rather than silently ignored. Namespaces travel in query strings as
 * JSON arrays (`?namespace=["memories","alice"]`): labels may hold any character but `.`.
 */
import { z } from 'zod';
import {
  CONSOLE_MAX_FLUSH_WAIT_SECONDS,
  CONSOLE_REQUEST_TIMEOUT_MS,
  MAX_BATCH_ID_CHARS,
  MAX_LIST_THREADS_LIMIT,
  MAX_MEMORY_KEY_BYTES,
  MAX_NAMESPACE_LABELS,
  MAX_QUERY_CHARS,
  MAX_SEARCH_LIMIT,
  MAX_TIMELINE_LIMIT,
} from '../defaults';
import { flushRequestSchema, namespaceSchema, threadIdSchema } from '../schemas';

/** A query-string value holding JSON, parsed and then checked with `schema`. */
function jsonParam<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of labels, e.g. ["memories"]' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A count in a query string (`?limit=20`). */
function countParam(max: number) {
  return z.coerce.number().int().min(1).max(max);
}

/** An empty query-string value means "not given" (an emptied search box). */
const optionalText = (max: number) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.string().max(max, `must be at most ${max} characters`).optional());

/** The memory key of a history or restore request: a key with more characters than a key may have bytes is none. */
const memoryKeySchema = z.string().min(1, 'must not be empty').max(MAX_MEMORY_KEY_BYTES);

/** `:id` of `/api/threads/:id…`. */
export const threadParamSchema = threadIdSchema;

/** `GET /api/threads?status=open|closed&limit=N`. */
export const listThreadsQuerySchema = z.strictObject({
  status: z.enum(['open', 'closed']).optional(),
  limit: countParam(MAX_LIST_THREADS_LIMIT).optional(),
});

/** `GET /api/threads/:id?limit=N`. */
export const timelineQuerySchema = z.strictObject({ limit: countParam(MAX_TIMELINE_LIMIT).optional() });

/**
 * `POST /api/threads/:id/flush`. The wait is capped below the console's request budget, so a slow flush
 * answers `complete: false` instead of timing out as 503.
 */
export const flushBodySchema = flushRequestSchema.strict().superRefine(({ timeoutSeconds }, ctx) => {
  if (timeoutSeconds !== undefined && timeoutSeconds > CONSOLE_MAX_FLUSH_WAIT_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['timeoutSeconds'],
      message: `must be at most ${CONSOLE_MAX_FLUSH_WAIT_SECONDS} seconds in the console (its requests end after ${CONSOLE_REQUEST_TIMEOUT_MS / 1000} s); memory-ops threads flush --timeout waits longer`,
    });
  }
});

/** `POST /api/threads/:id/dead-letters/redrive`: one dead letter, or every open one without `batchId`. */
export const redriveBodySchema = z.strictObject({ batchId: z.string().min(1).max(MAX_BATCH_ID_CHARS).optional() });

/** `GET /api/namespaces?prefix=[...]`: labels may be `*` (any label), as in `listNamespaces`. */
export const namespacesQuerySchema = z.strictObject({
  prefix: jsonParam(z.array(z.string().min(1)).max(MAX_NAMESPACE_LABELS)).optional(),
});

/** `GET /api/memories?namespace=[...]&query=...&limit=N`. */
export const memoriesQuerySchema = z.strictObject({
  namespace: jsonParam(namespaceSchema),
  query: optionalText(MAX_QUERY_CHARS),
  limit: countParam(MAX_SEARCH_LIMIT).optional(),
});

/** `GET /api/memories/history?namespace=[...]&key=...`. */
export const historyQuerySchema = z.strictObject({ namespace: jsonParam(namespaceSchema), key: memoryKeySchema });

/** `POST /api/memories/restore`. */
export const restoreBodySchema = z.strictObject({
  namespace: namespaceSchema,
  key: memoryKeySchema,
  version: z.number().int().min(1),
});
