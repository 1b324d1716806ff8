/**
 * The tool a manager gives the model, and the validation of what the model sends back. Built from the
 * manager's definition: only the enabled operations are offered, each kind's content has its own schema,
 * and a reply is checked against the same rules before anything is written — a disabled operation, an
 * unknown memory id, a field the schema refuses, or too many deletes are refused visibly, never applied.
 *
 * A reply that carries several calls of the tool (parallel tool use is disabled, but models may) is merged
 * and validated as one: it is applied whole or not at all.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { MAX_OPERATIONS_PER_EXTRACTION } from '../defaults';
import { InvalidModelOutputError, ReviewRequiredError } from '../errors';
import type { JsonSchema, ResolvedManager, ResolvedSchema } from '../managers/memory-manager';
import type { MemoryOperation } from '../store/memory-operation';
import type { MemoryItem } from '../store/memory-types';

/** The key of a profile manager's one document in its namespace. */
export const PROFILE_KEY = 'profile';

/** The tool of a regular manager (insert / update / delete operations). */
export const MEMORY_TOOL_NAME = 'manage_memories';

/** The tool of a profile manager (the whole document, replaced). */
export const PROFILE_TOOL_NAME = 'update_profile';

/** The tool a model calls to end a pass of several rounds (a manager's `maxSteps` > 1). */
export const DONE_TOOL_NAME = 'done';

/** Offered beside the memory tool when a pass may take several rounds. */
export const DONE_TOOL: Anthropic.Tool = {
  name: DONE_TOOL_NAME,
  description: 'Call when the memories need no further changes: this ends the pass.',
  input_schema: { type: 'object', properties: {} },
};

function withoutReserved(value: Record<string, unknown>): Record<string, unknown> {
  const { action: _a, id: _i, kind: _k, ...rest } = value;
  return rest;
}

function operationVariant(action: string, schema: ResolvedSchema, manager: ResolvedManager, withId: boolean): JsonSchema {
  const single = manager.schemas.length === 1;
  const properties = (schema.jsonSchema['properties'] ?? {}) as Record<string, unknown>;
  const required = (schema.jsonSchema['required'] ?? []) as string[];
  return {
    type: 'object',
    description: `${action} a ${schema.kind} memory${schema.description ? `: ${schema.description}` : ''}`,
    properties: {
      action: { const: action },
      ...(withId ? { id: { type: 'string', description: 'id of an existing memory' } } : {}),
      kind: { const: schema.kind },
      ...properties,
    },
    required: ['action', ...(withId ? ['id'] : []), ...(single ? [] : ['kind']), ...required],
  };
}

function enabledActions(manager: ResolvedManager): string[] {
  return [manager.enableInserts ? 'insert' : '', manager.enableUpdates ? 'update' : '', manager.enableDeletes ? 'delete' : ''].filter(Boolean);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The tool definition sent to the Messages API for a manager. */
export function toolFor(manager: ResolvedManager): Anthropic.Tool {
  if (manager.profile) {
    const schema = manager.schemas[0] as ResolvedSchema;
    return {
      name: PROFILE_TOOL_NAME,
      description: `Write the complete, updated ${schema.kind} document${schema.description ? ` (${schema.description})` : ''}, keeping what is still true and adding what the new messages tell.`,
      input_schema: schema.jsonSchema as Anthropic.Tool.InputSchema,
    };
  }
  const variants: JsonSchema[] = [];
  for (const schema of manager.schemas) {
    if (manager.enableInserts) variants.push(operationVariant('insert', schema, manager, false));
    if (manager.enableUpdates) variants.push(operationVariant('update', schema, manager, true));
  }
  if (manager.enableDeletes) {
    variants.push({
      type: 'object',
      description: 'delete an existing memory',
      properties: { action: { const: 'delete' }, id: { type: 'string' } },
      required: ['action', 'id'],
    });
  }
  return {
    name: MEMORY_TOOL_NAME,
    description: `${capitalized(enabledActions(manager).join(', '))} long-term memories extracted from the conversation, all in this one call.`,
    input_schema: {
      type: 'object',
      properties: { operations: { type: 'array', maxItems: MAX_OPERATIONS_PER_EXTRACTION, items: { anyOf: variants } } },
      required: ['operations'],
    },
  };
}

/** Content reduced to the fields its kind declares (JSON Schema kinds let unknown fields through by default). */
function declared(schema: ResolvedSchema, content: Record<string, unknown>): Record<string, unknown> {
  const properties = Object.keys(schema.jsonSchema['properties'] ?? {});
  return Object.fromEntries(Object.entries(content).filter(([field]) => properties.includes(field)));
}

/** Field paths and messages of a zod-style issue list, prefixed. */
function describeIssues(prefix: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.')}: ${issue.message}`);
}

/**
 * A reply's tool input was refused. The problems name fields but may quote the model's output (an unknown
 * id, a rejected value), so they go in `detail` with the inputs; the message only counts them.
 */
function invalidInput(tool: string, problems: string[], inputs: readonly unknown[]): InvalidModelOutputError {
  return new InvalidModelOutputError(`invalid ${tool} input: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, {
    counts: { problems: problems.length },
    detail: { invalidOutput: { problems, toolInputs: [...inputs] } },
  });
}

/** The problems an InvalidModelOutputError names (its detail), or its message. */
export function invalidOutputProblems(err: InvalidModelOutputError): string[] {
  return err.detail?.invalidOutput?.problems ?? [err.message];
}

/** Options of {@link validateToolInputs}. */
export interface ValidateOptions {
  /** For a profile manager whose document is absent: the version a new one gets. @default 1 */
  profileVersion?: number;
  /** Who the switches belong to, in problems: @default `memory manager <name>` */
  scope?: string;
}

/**
 * The validated operations of a reply's tool inputs (several calls merged), checked against the memories the
 * model was shown. Throws InvalidModelOutputError naming every bad field. Does not apply the per-batch caps
 * (see {@link checkBatchCaps}): a batch of several passes or rounds counts them over all of its replies.
 */
export function validateToolInputs(
  inputs: readonly unknown[],
  manager: ResolvedManager,
  existing: readonly MemoryItem[],
  options: ValidateOptions = {},
): MemoryOperation[] {
  const known = new Map(existing.map((item) => [item.key, item]));
  return manager.profile
    ? profileOperations(inputs, manager, known, options.profileVersion ?? 1)
    : regularOperations(inputs, manager, known, options.scope ?? `memory manager ${manager.name}`);
}

/**
 * ReviewRequiredError when a batch's operations (`proposed`, counted as `counts`) delete or update more of the
 * stored memories than the manager allows in one batch. `what` names what was counted, for the message.
 */
export function checkBatchCaps(
  manager: ResolvedManager,
  counts: { deletes: number; updates: number },
  proposed: readonly MemoryOperation[],
  what = 'the reply',
): void {
  const { deletes, updates } = counts;
  if (manager.profile || (deletes <= manager.maxDeletesPerBatch && updates <= manager.maxUpdatesPerBatch)) return;
  // The proposal is the model's text about the user: it goes in `detail` (stored with the dead letter), never the message.
  throw new ReviewRequiredError(
    `${what} deletes ${deletes} and updates ${updates} memories; manager ${manager.name} applies at most ${manager.maxDeletesPerBatch} deletes and ${manager.maxUpdatesPerBatch} updates per batch without review`,
    {
      counts: { deletes, updates, maxDeletes: manager.maxDeletesPerBatch, maxUpdates: manager.maxUpdatesPerBatch, operations: proposed.length },
      detail: { proposedOperations: [...proposed] },
    },
  );
}

/**
 * The validated operations of one reply's tool inputs (several calls merged). Throws InvalidModelOutputError
 * naming every bad field; ReviewRequiredError when the reply is valid but deletes or updates more than the
 * manager allows in one batch.
 */
export function parseToolInputs(
  inputs: readonly unknown[],
  manager: ResolvedManager,
  existing: readonly MemoryItem[],
  options: { profileVersion?: number } = {},
): MemoryOperation[] {
  const operations = validateToolInputs(inputs, manager, existing, options);
  checkBatchCaps(
    manager,
    { deletes: operations.filter((op) => op.action === 'delete').length, updates: operations.filter((op) => op.action === 'update').length },
    operations,
  );
  return operations;
}

function profileOperations(inputs: readonly unknown[], manager: ResolvedManager, known: ReadonlyMap<string, MemoryItem>, version: number): MemoryOperation[] {
  const schema = manager.schemas[0] as ResolvedSchema;
  if (inputs.length !== 1)
    throw new InvalidModelOutputError(`expected one ${PROFILE_TOOL_NAME} call, got ${inputs.length}`, { counts: { calls: inputs.length } });
  const parsed = schema.validate.safeParse(inputs[0]);
  if (!parsed.success) throw invalidInput(PROFILE_TOOL_NAME, describeIssues('', parsed.error.issues), inputs);
  const current = known.get(PROFILE_KEY);
  return [
    current
      ? { action: 'update', id: PROFILE_KEY, kind: schema.kind, content: declared(schema, withoutReserved(parsed.data)) }
      : { action: 'insert', kind: schema.kind, content: declared(schema, withoutReserved(parsed.data)), key: PROFILE_KEY, version },
  ];
}

function regularOperations(inputs: readonly unknown[], manager: ResolvedManager, known: ReadonlyMap<string, MemoryItem>, scope: string): MemoryOperation[] {
  const raw = inputs.flatMap((input) => {
    const operations = (input as { operations?: unknown } | null)?.operations;
    return Array.isArray(operations) ? (operations as unknown[]) : [{ invalid: `a ${MEMORY_TOOL_NAME} call without an operations list` }];
  });
  const problems: string[] = [];
  if (raw.length > MAX_OPERATIONS_PER_EXTRACTION) problems.push(`operations: at most ${MAX_OPERATIONS_PER_EXTRACTION} per reply, got ${raw.length}`);
  const touched = new Set<string>();
  const operations: MemoryOperation[] = [];
  raw.forEach((candidate, i) => {
    const at = `operations.${i}`;
    if (typeof candidate !== 'object' || candidate === null) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const op = candidate as Record<string, unknown>;
    const action = op['action'];
    const allowed = { insert: manager.enableInserts, update: manager.enableUpdates, delete: manager.enableDeletes };
    if (action !== 'insert' && action !== 'update' && action !== 'delete') {
      problems.push(
        `${at}.action: must be ${Object.entries(allowed)
          .filter(([, on]) => on)
          .map(([a]) => `"${a}"`)
          .join(', ')}`,
      );
      return;
    }
    if (!allowed[action]) {
      problems.push(`${at}.action: ${action}s are disabled for ${scope}`);
      return;
    }
    let current: MemoryItem | undefined;
    if (action !== 'insert') {
      const id = op['id'];
      current = typeof id === 'string' ? known.get(id) : undefined;
      if (!current) {
        problems.push(typeof id === 'string' ? `${at}.id: no existing memory ${JSON.stringify(id)}` : `${at}.id: required (the id of an existing memory)`);
        return;
      }
      if (touched.has(current.key)) problems.push(`${at}.id: memory ${current.key} is changed twice in one reply`);
      touched.add(current.key);
      if (action === 'delete') {
        operations.push({ action: 'delete', id: current.key });
        return;
      }
    }
    const currentKind = current?.value['kind'];
    // An update keeps the memory's kind: a reply may not turn an Episode into a Memory.
    if (current && typeof op['kind'] === 'string' && op['kind'] !== currentKind) {
      problems.push(`${at}.kind: memory ${current.key} is a ${String(currentKind)}; an update cannot change its kind`);
      return;
    }
    const kind = current ? currentKind : typeof op['kind'] === 'string' ? op['kind'] : manager.schemas.length === 1 ? manager.schemas[0]?.kind : undefined;
    const schema = manager.schemas.find((s) => s.kind === kind);
    if (!schema) {
      problems.push(
        current
          ? `${at}.id: memory ${current.key} is a ${String(currentKind)}, not a kind manager ${manager.name} writes`
          : `${at}.kind: must be one of ${manager.schemas.map((s) => s.kind).join(', ')}`,
      );
      return;
    }
    const parsed = schema.validate.safeParse(withoutReserved(op));
    if (!parsed.success) {
      problems.push(...describeIssues(at, parsed.error.issues));
      return;
    }
    const content = declared(schema, withoutReserved(parsed.data));
    operations.push(current ? { action: 'update', id: current.key, kind: schema.kind, content } : { action: 'insert', kind: schema.kind, content });
  });
  if (problems.length > 0) throw invalidInput(MEMORY_TOOL_NAME, problems, inputs);
  return operations;
}
