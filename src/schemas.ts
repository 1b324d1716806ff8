/**
 * zod schemas for every external input: what callers pass to `submit` and to the client, and what the
 * model returns. Types are inferred from them, so validation and types cannot drift apart. The rules
 * themselves live in `rules.ts`, which the workflow also uses for signals sent around the client; workflow
 * code imports only types from here, which keeps zod out of the workflow bundle.
 */
import { z } from 'zod';
import { InvalidInputError } from './errors';
import { MAX_MESSAGE_CONTENT_CHARS, MAX_MESSAGE_ID_CHARS, MAX_MESSAGES_PER_SUBMIT, MAX_THREAD_ID_CHARS } from './defaults';
import {
  afterSecondsProblem,
  flushWaitSecondsProblem,
  idleCloseSecondsProblem,
  maxWaitSecondsProblem,
  namespaceLabelProblem,
  namespaceTupleProblem,
  retryWindowSecondsProblem,
} from './rules';
import { DEFAULT_AFTER_SECONDS } from './workflows/replay-constants';

export { NAMESPACE_SEPARATOR } from './rules';

/** Adds one of the shared rules (`rules.ts`) to a schema as a custom issue. */
function withRule<T extends z.ZodType>(schema: T, problem: (value: unknown) => string | null): T {
  return schema.superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
}

/**
 * One label of a namespace tuple. As in LangGraph's store, a label is non-empty and has no `.`;
 * it may be a template such as `{user_id}`, filled from `config.configurable` at submit time.
 */
export const namespaceLabelSchema = withRule(z.string(), namespaceLabelProblem);

/** A namespace tuple such as `["memories"]` or `["memories", "{user_id}"]`; errors name the bad label's index. */
export const namespaceSchema = z.array(namespaceLabelSchema).superRefine((labels, ctx) => {
  const message = namespaceTupleProblem(labels);
  if (message) ctx.addIssue({ code: 'custom', message });
});

/** A quiet period or max-wait, in seconds. */
const afterSecondsSchema = withRule(z.number(), afterSecondsProblem);
const maxWaitSecondsSchema = withRule(z.number(), maxWaitSecondsProblem);

/** Roles a conversation message may have; tool traffic is not memory material. */
export const messageRoleSchema = z.enum(['user', 'assistant', 'system']);

/**
 * One conversation message as callers submit it. `id` and `timestamp` are filled in when missing. Strict:
 * an unknown field (`name`, `tool_calls`, a typo of `content`) is an error naming it, never dropped unseen.
 */
export const messageInputSchema = z.strictObject({
  id: z.string().min(1).max(MAX_MESSAGE_ID_CHARS).optional(),
  role: messageRoleSchema,
  content: z
    .string()
    .refine((content) => content.trim().length > 0, 'content must not be empty')
    .refine((content) => content.length <= MAX_MESSAGE_CONTENT_CHARS, `content must be at most ${MAX_MESSAGE_CONTENT_CHARS} characters`),
  timestamp: z.iso.datetime({ offset: true }).optional(),
});

/** Longest `idempotencyKey` (and HTTP `Idempotency-Key` header): room for a UUID, a ULID or a producer's own key plus a prefix. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 200;

/**
 * Names one submit, so that its retries store each message once even when the messages carry no ids: the
 * id of an id-less message is derived from the key and the message's position (`<key>#<index>`). Letters,
 * digits and `. _ : ~ + / = -` only (a UUID, a ULID, base64): no `#`, which separates the position.
 */
export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_IDEMPOTENCY_KEY_CHARS, `must be at most ${MAX_IDEMPOTENCY_KEY_CHARS} characters`)
  .regex(/^[A-Za-z0-9._:~+/=-]+$/, 'may contain only letters, digits and . _ : ~ + / = -');

/** Thread ids name one conversation; they become part of a Temporal workflow id. */
export const threadIdSchema = z
  .string()
  .min(1, 'threadId must not be empty')
  .max(MAX_THREAD_ID_CHARS, `threadId must be at most ${MAX_THREAD_ID_CHARS} characters`)
  // Rejected rather than trimmed: trimming would silently map two ids onto one workflow.
  .refine((id) => id.trim() === id, 'threadId must not start or end with whitespace');

/** Values of `config.configurable` used to fill namespace templates, like LangGraph's RunnableConfig. */
export const runConfigSchema = z.object({
  configurable: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
});

/**
 * Options of `submit`, mirroring LangMem's `ReflectionExecutor.submit(payload, after_seconds=...)`.
 * `maxWaitSeconds` defaults to DEFAULT_MAX_WAIT_FACTOR × `afterSeconds` (filled in by `prepareSubmission`).
 */
export const submitOptionsSchema = z.object({
  /** @default DEFAULT_AFTER_SECONDS */
  afterSeconds: afterSecondsSchema.default(DEFAULT_AFTER_SECONDS),
  /** @default DEFAULT_MAX_WAIT_FACTOR × afterSeconds */
  maxWaitSeconds: maxWaitSecondsSchema.optional(),
  /** For the default manager only (other managers bring their own). @default ["memories"] */
  namespace: namespaceSchema.optional(),
  /** The memory managers to extract these messages with (e.g. `['semantic', 'episodic']`). @default the default manager */
  managers: z.array(z.string().min(1)).min(1).max(10).optional(),
  config: runConfigSchema.default({ configurable: {} }),
  /**
   * Makes a retried submit of messages without ids store them once: their ids derive from this key and
   * their position. Use a new key per submit and the same key for its retries. @default none: an id-less
   * message gets a random id, and retrying such a submit stores it again
   */
  idempotencyKey: idempotencyKeySchema.optional(),
});

/** Everything `submit` accepts, validated together so one error names every bad field. */
export const submitInputSchema = z.object({
  threadId: threadIdSchema,
  messages: z
    .array(messageInputSchema)
    .min(1, 'messages must not be empty')
    .max(MAX_MESSAGES_PER_SUBMIT, `at most ${MAX_MESSAGES_PER_SUBMIT} messages per submit`),
  options: submitOptionsSchema.default({ afterSeconds: DEFAULT_AFTER_SECONDS, config: { configurable: {} } }),
});

/** Per-thread settings a `MemoryClient` passes to the threads it starts. */
export const threadSettingsSchema = z.object({
  /** @default DEFAULT_IDLE_CLOSE_SECONDS */
  idleCloseSeconds: withRule(z.number(), idleCloseSecondsProblem).optional(),
  /** @default DEFAULT_RETRY_WINDOW_SECONDS */
  retryWindowSeconds: withRule(z.number(), retryWindowSecondsProblem).optional(),
});

/** Arguments of `flush`. */
export const flushRequestSchema = z.object({
  /** @default DEFAULT_FLUSH_WAIT_SECONDS */
  timeoutSeconds: withRule(z.number(), flushWaitSecondsProblem).optional(),
});

export type MessageRole = z.infer<typeof messageRoleSchema>;
export type MessageInput = z.input<typeof messageInputSchema>;
export type SubmitOptionsInput = z.input<typeof submitOptionsSchema>;
export type SubmitInput = z.output<typeof submitInputSchema>;
export type RunConfig = z.input<typeof runConfigSchema>;
export type ThreadSettingsInput = z.input<typeof threadSettingsSchema>;

/** Turns a zod error into one line per issue, each naming its field path (`messages.0.content: ...`). */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');
}

/** Parses external input with a schema; an `InvalidInputError` ("invalid <what>: <field>: <problem>") otherwise. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidInputError(`invalid ${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
