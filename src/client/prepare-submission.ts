/**
 * Validates a `submit` call and fills in what the caller may leave out, without any I/O: the shared core
 * of the client and of Lambda handlers. Invalid input throws `InvalidInputError` naming each bad field,
 * before anything is stored or signalled.
 */
import { randomUUID } from 'node:crypto';
import type { ThreadMessage } from '../contract';
import { threadWorkflowId } from '../contract';
import { MAX_SUBMIT_PAYLOAD_BYTES } from '../defaults';
import { DEFAULT_MAX_WAIT_FACTOR, MAX_AFTER_SECONDS } from '../workflows/replay-constants';
import { InvalidInputError } from '../errors';
import { ManagerRegistry } from '../managers/manager-registry';
import { DEFAULT_MANAGER_NAME } from '../managers/memory-manager';
import {
  describeZodError,
  namespaceLabelSchema,
  namespaceSchema,
  submitInputSchema,
  type MessageInput,
  type SubmitInput,
  type SubmitOptionsInput,
} from '../schemas';

/** One memory manager a submission goes to, and its namespace for this submission (templates filled in). */
export interface SubmissionTarget {
  manager: string;
  namespace: string[];
}

/** A validated submission: which thread, which managers and namespaces, which messages, which timing. */
export interface PreparedSubmission {
  threadId: string;
  workflowId: string;
  /** The first target's namespace (the only one unless `options.managers` names several). */
  namespace: string[];
  /** Every manager the messages go to, each with its own namespace. */
  targets: SubmissionTarget[];
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
export function resolveNamespace(namespace: readonly string[], configurable: Record<string, string | number>, templateField = 'options.namespace'): string[] {
  return namespace.map((label, i) => {
    const match = TEMPLATE.exec(label);
    if (!match) return label;
    const name = match[1] as string;
    const value = configurable[name];
    if (value === undefined) {
      throw new InvalidInputError(`options.config.configurable.${name}: required by namespace template ${templateField}.${i} "${label}"`);
    }
    const filled = namespaceLabelSchema.safeParse(String(value));
    if (!filled.success) {
      throw new InvalidInputError(`options.config.configurable.${name}: ${filled.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    return filled.data;
  });
}

/**
 * The id of a message submitted without one under an idempotency key: the key and the message's position
 * in the submit, so every retry of that submit (an SQS redelivery, an HTTP retry with the same
 * `Idempotency-Key`) gives it the same id, which the inbox dedupes.
 */
export function derivedMessageId(idempotencyKey: string, position: number): string {
  return `${idempotencyKey}#${position}`;
}

/**
 * Validates one `submit` call (ids and timestamps filled in, namespace templates resolved, max-wait
 * defaulted to DEFAULT_MAX_WAIT_FACTOR × afterSeconds). A missing id is derived from
 * `options.idempotencyKey` when there is one ({@link derivedMessageId}), else random (which no retry can
 * dedupe). Throws `InvalidInputError` naming every bad field; never does I/O.
 * @example
 * const { namespace, messages } = prepareSubmission('thread-1', [{ role: 'user', content: 'hi' }], { afterSeconds: 5 });
 */
export function prepareSubmission(
  threadId: string,
  messages: readonly MessageInput[],
  options: SubmitOptionsInput = {},
  now: () => Date = () => new Date(),
  managers: ManagerRegistry = new ManagerRegistry(),
): PreparedSubmission {
  const parsed = submitInputSchema.safeParse({ threadId, messages, options });
  if (!parsed.success) throw new InvalidInputError(`invalid submit input: ${describeZodError(parsed.error)}`);
  const input = parsed.data;
  const nowIso = now().toISOString();
  const targets = submissionTargets(input.options, managers);
  const namespace = (targets[0] as SubmissionTarget).namespace;
  const prepared: PreparedSubmission = {
    threadId: input.threadId,
    workflowId: threadWorkflowId(input.threadId),
    namespace,
    targets,
    messages: input.messages.map((m, position) => ({
      id: m.id ?? (input.options.idempotencyKey !== undefined ? derivedMessageId(input.options.idempotencyKey, position) : randomUUID()),
      role: m.role,
      content: m.content,
      timestamp: m.timestamp ?? nowIso,
    })),
    afterSeconds: input.options.afterSeconds,
    maxWaitSeconds: input.options.maxWaitSeconds ?? Math.min(MAX_AFTER_SECONDS, input.options.afterSeconds * DEFAULT_MAX_WAIT_FACTOR),
  };
  const bytes = Buffer.byteLength(JSON.stringify({ namespace, messages: prepared.messages }), 'utf8');
  if (bytes > MAX_SUBMIT_PAYLOAD_BYTES) {
    throw new InvalidInputError(`messages: submission is ${bytes} bytes, more than ${MAX_SUBMIT_PAYLOAD_BYTES}; split it into several submit calls`);
  }
  return prepared;
}

/**
 * The managers a submit goes to, each with its namespace: the default manager (with `options.namespace`,
 * if given) unless `options.managers` names others, whose namespaces come from their definitions. Two
 * targets may not share a namespace: a namespace's inbox cursor belongs to one manager.
 */
function submissionTargets(options: SubmitInput['options'], managers: ManagerRegistry): SubmissionTarget[] {
  if (options.managers && options.namespace) {
    throw new InvalidInputError('invalid submit input: options.namespace: with options.managers, each manager brings its own namespace');
  }
  const names = options.managers ?? [DEFAULT_MANAGER_NAME];
  const targets = names.map((name, i) => {
    const manager = managers.forSubmit(name, `options.managers.${i}`);
    const template = options.managers ? manager.namespace : (options.namespace ?? manager.namespace);
    const field = options.managers ? `managers.${name}.namespace` : 'options.namespace';
    const namespace = resolveNamespace(template, options.config.configurable, field);
    const filled = namespaceSchema.safeParse(namespace);
    if (!filled.success) throw new InvalidInputError(`invalid submit input: ${field} (templates filled): ${describeZodError(filled.error)}`);
    return { manager: name, namespace: filled.data };
  });
  const seen = new Map<string, string>();
  for (const target of targets) {
    const id = JSON.stringify(target.namespace);
    const other = seen.get(id);
    if (other !== undefined)
      throw new InvalidInputError(`invalid submit input: options.managers: ${other} and ${target.manager} write to the same namespace ${id}`);
    seen.set(id, target.manager);
  }
  return targets;
}
