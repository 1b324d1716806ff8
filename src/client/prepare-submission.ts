/**
 * Validates a `submit` call and turns it into the signal payload, without any I/O: the shared core of the
 * client and of Lambda handlers. Invalid input throws `InvalidInputError` naming each bad field, before
 * anything is signalled.
 */
import { randomUUID } from 'node:crypto';
import type { AddMessagesPayload } from '../contract';
import { threadWorkflowId } from '../contract';
import { MAX_SUBMIT_PAYLOAD_BYTES } from '../defaults';
import { InvalidInputError } from '../errors';
import { describeZodError, namespaceLabelSchema, namespaceSchema, submitInputSchema, type MessageInput, type SubmitOptionsInput } from '../schemas';

/** A validated submission: which workflow to signal and with what. */
export interface PreparedSubmission {
  threadId: string;
  workflowId: string;
  payload: AddMessagesPayload;
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
      throw new InvalidInputError(`options.config.configurable.${name}: ${describeZodError(filled.error)}`);
    }
    return filled.data;
  });
}

/**
 * Validates one `submit` call and builds its signal payload (ids and timestamps filled in, namespace
 * templates resolved). Throws `InvalidInputError` naming every bad field; never does I/O.
 * @example
 * const { workflowId, payload } = prepareSubmission('thread-1', [{ role: 'user', content: 'hi' }], { afterSeconds: 5 });
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
  const payload: AddMessagesPayload = {
    messages: input.messages.map((m) => ({
      id: m.id ?? randomUUID(),
      role: m.role,
      content: m.content,
      timestamp: m.timestamp ?? nowIso,
    })),
    afterSeconds: input.options.afterSeconds,
    namespace: resolveNamespace(input.options.namespace, input.options.config.configurable),
  };
  const filled = namespaceSchema.safeParse(payload.namespace);
  if (!filled.success) {
    throw new InvalidInputError(`invalid submit input: options.namespace (templates filled): ${describeZodError(filled.error)}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
  if (bytes > MAX_SUBMIT_PAYLOAD_BYTES) {
    throw new InvalidInputError(
      `messages: submission is ${bytes} bytes, more than ${MAX_SUBMIT_PAYLOAD_BYTES}; split it into several submit calls`,
    );
  }
  return { threadId: input.threadId, workflowId: threadWorkflowId(input.threadId), payload };
}
