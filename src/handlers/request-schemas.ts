/**
 * zod schemas of the handlers' request bodies. Strict: an unknown field is an error naming it (a caller
 * sending `config` or `tenant` learns that identity comes from the token, not that it was ignored).
 * Message and option rules are the client's own (`src/schemas.ts`).
 */
import { z } from 'zod';
import { MAX_BATCH_ID_CHARS, MAX_SEARCH_LIMIT } from '../defaults';
import { flushRequestSchema, idempotencyKeySchema, submitInputSchema, submitOptionsSchema, threadIdSchema } from '../schemas';

/** Namespace labels relative to the tenant (validated again as a whole once prefixed). */
const relativeNamespaceSchema = z.array(z.string()).max(20);

/** `POST /threads/{threadId}/messages`. */
export const submitBodySchema = z.strictObject({
  messages: submitInputSchema.shape.messages,
  options: z
    .strictObject({
      afterSeconds: submitOptionsSchema.shape.afterSeconds,
      maxWaitSeconds: submitOptionsSchema.shape.maxWaitSeconds,
      /** Relative to the tenant; the tenant's own prefix when absent. */
      namespace: relativeNamespaceSchema.optional(),
      managers: submitOptionsSchema.shape.managers,
    })
    .optional(),
});

/**
 * The header `POST /threads/{threadId}/messages` reads: `Idempotency-Key` (optional) names the submit, and
 * the ids of its id-less messages derive from it. A bad key is a 400 naming `Idempotency-Key`.
 */
export const submitHeadersSchema = z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() });

/** An SQS record: a submit from a trusted producer, which names the identity a JWT would carry. */
export const sqsSubmitSchema = z.strictObject({
  identity: z.record(z.string(), z.union([z.string(), z.number()])),
  threadId: threadIdSchema,
  messages: submitBodySchema.shape.messages,
  options: submitBodySchema.shape.options,
});

/** `POST /threads/{threadId}/flush`. */
export const flushBodySchema = flushRequestSchema.strict();

/** `POST /threads/{threadId}/dead-letters/redrive`. */
export const redriveBodySchema = z.strictObject({ batchId: z.string().min(1).max(MAX_BATCH_ID_CHARS).optional() });

/** `GET /threads/{threadId}/dead-letters?status=...`. */
export const deadLettersQuerySchema = z.strictObject({ status: z.enum(['open', 'redrive-requested', 'redriven']).optional() });

/** `POST /memories/search`. */
export const searchBodySchema = z.strictObject({
  /** Relative to the tenant; the whole tenant when absent. */
  namespace: relativeNamespaceSchema.optional(),
  query: z.string().min(1).max(2_000).optional(),
  filter: z.record(z.string(), z.unknown()).optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
  offset: z.number().int().min(0).max(10_000).optional(),
});

export type SubmitBody = z.output<typeof submitBodySchema>;
export type SqsSubmit = z.output<typeof sqsSubmitSchema>;
export type SearchBody = z.output<typeof searchBodySchema>;
