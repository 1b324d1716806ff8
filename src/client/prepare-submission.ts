/**
 * Validates a `submit` call and fills in what the caller may leave out, without any I/O: the shared core
 * of the client and of Lambda handlers. Invalid input throws `InvalidInputError` naming each bad field,
 * before anything is stored or signalled.
 */
import { randomUUID } from 'node:crypto';
import type { ThreadMessage } from '../contract';
import { threadWorkflowId } from '../contract';
import { DEFAULT_MAX_WAIT_FACTOR, MAX_AFTER_SECONDS, MAX_SUBMIT_PAYLOAD_BYTES } from '../defaults';
import { InvalidInputError } from '../errors';
import { describeZodError, namespaceLabelSchema, namespaceSchema, submitInputSchema, type MessageInput, type SubmitOptionsInput } from '../schemas';

/** A validated submission: which thread, which namespace, which messages, which timing. */
export interface PreparedSubmission {
  threadId: string;
  workflowId: string;
  /** Resolved namespace (templates filled in). */
  namespace: string[];
  /** Messages with ids and timestamps filled in. */
  messages: ThreadMessage[];
  afterSeconds: number;
  maxWaitSeconds: number;
}

const TEMPLATE = /^\{([A-Za-z0-9_-]+)\}$/;

/**
 * Fills namespace templates such as `{user_id}` from `config.configurable`, as LangMem's namespace
 * templates do with `langgraph_user_id`.
 */
export function resolveNamespace(namespace: readonly string[], configurable: Record<string, string | number>): string[] {
  return namespace.map((label, i) => {
    const match = TEMPLATE.exec(label);
    if (!match) return label;
    const name = match[1] as string;
    const value = configurable[name];
    if (value === undefined) {
      throw new InvalidInputError(
        `options.config.configurable.${name}: required by namespace template options.namespace.${i} "${label}"`,
      );
    }
    const filled = namespaceLabelSchema.safeParse(String(value));
    if (!filled.success) {
      throw new InvalidInputError(`options.config.configurable.${name}: ${filled.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    return filled.data;
  });
}

/**
 * Validates one `submit` call (ids and timestamps filled in, namespace templates resolved, max-wait
 * defaulted to DEFAULT_MAX_WAIT_FACTOR × afterSeconds). Throws `InvalidInputError` naming every bad field;
 * never does I/O.
 * @example
 * const { namespace, messages } = prepareSubmission('thread-1', [{ role: 'user', content: 'hi' }], { afterSeconds: 5 });
 */
export function prepareSubmission(
  threadId: string,
  messages: readonly MessageInput[],
  options: SubmitOptionsInput = {},
  now: () => Date = () => new Date(),
): PreparedSubmission {
  const parsed = submitInputSchema.safeParse({ threadId, messages, options });
  if (!parsed.success) throw new InvalidInputError(`invalid submit input: ${describeZodError(parsed.error)}`);
  const input = parsed.data;
  const nowIso = now().toISOString();
  const namespace = resolveNamespace(input.options.namespace, input.options.config.configurable);
  const filled = namespaceSchema.safeParse(namespace);
  if (!filled.success) {
    throw new InvalidInputError(`invalid submit input: options.namespace (templates filled): ${describeZodError(filled.error)}`);
  }
  const prepared: PreparedSubmission = {
    threadId: input.threadId,
    workflowId: threadWorkflowId(input.threadId),
    namespace,
    messages: input.messages.map((m) => ({
      id: m.id ?? randomUUID(),
      role: m.role,
      content: m.content,
      timestamp: m.timestamp ?? nowIso,
    })),
    afterSeconds: input.options.afterSeconds,
    maxWaitSeconds: input.options.maxWaitSeconds ?? Math.min(MAX_AFTER_SECONDS, input.options.afterSeconds * DEFAULT_MAX_WAIT_FACTOR),
  };
  const bytes = Buffer.byteLength(JSON.stringify({ namespace, messages: prepared.messages }), 'utf8');
  if (bytes > MAX_SUBMIT_PAYLOAD_BYTES) {
    throw new InvalidInputError(
      `messages: submission is ${bytes} bytes, more than ${MAX_SUBMIT_PAYLOAD_BYTES}; split it into several submit calls`,
    );
  }
  return prepared;
}
