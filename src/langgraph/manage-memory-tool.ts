/**
 * The hot-path write tool, LangMem's `create_manage_memory_tool` for LangGraph.js: the agent itself
 * creates, updates and deletes memories during a conversation, in the same store (and the same value
 * shape) the background extraction writes, so each sees what the other wrote.
 *
 * Every write goes through {@link DynamoMemoryStore} `put` / `delete` with the tool's actor, so the rules
 * of the store hold for the agent as for anyone: each change is a new version with a history record naming
 * the agent, a delete is a restorable tombstone, and a tenant-bound store refuses every namespace outside
 * its tenant.
 */
import { randomUUID } from 'node:crypto';
import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import { z } from 'zod';
import { ConfigurationError, InvalidInputError } from '../errors';
import { memoryValue, type MemoryValue } from '../store/memory-types';
import { NamespaceTemplate } from './namespace-template';
import { resolveMemoryStore, type MemoryToolStore } from './resolve-memory-store';

/** What the manage tool can do to a memory. */
export type MemoryAction = 'create' | 'update' | 'delete';

/** Every action, in the order the description lists them. */
const ALL_ACTIONS: readonly MemoryAction[] = ['create', 'update', 'delete'];

/** The manage tool's name unless given another (LangMem's). */
export const DEFAULT_MANAGE_MEMORY_TOOL_NAME = 'manage_memory';

/** When the agent should call the tool: LangMem's default guidance, kept so agents ported from it behave alike. */
export const DEFAULT_MANAGE_MEMORY_INSTRUCTIONS = [
  'Proactively call this tool when you:',
  '1. Identify a new USER preference.',
  '2. Receive an explicit USER request to remember something or otherwise alter your behavior.',
  '3. Are working and want to record important context.',
  '4. Identify that an existing MEMORY is incorrect or outdated.',
].join('\n');

/**
 * A kind of memory the tool manages, stored as `{kind, content}` — the shape the background extraction
 * writes for a manager's schemas, so both read each other's memories.
 */
export interface MemoryKindSchema {
  /** Stored as `value.kind` (e.g. `UserProfile`). */
  kind: string;
  /** The content's shape; the model sees it as the `content` argument's JSON Schema. */
  schema: z.ZodType<Record<string, unknown>>;
}

/** Options of {@link createManageMemoryTool}. */
export interface ManageMemoryToolOptions {
  /**
   * Where the memories live: labels, or `{name}` placeholders filled from the run's
   * `config.configurable` at each call (`['memories', '{user_id}']`). A missing key is a `ConfigurationError`
   * naming it; a filled value is validated like every namespace label.
   */
  namespace: readonly string[];
  /** When to use the tool, appended to its description. @default DEFAULT_MANAGE_MEMORY_INSTRUCTIONS */
  instructions?: string;
  /**
   * The memory's shape. @default LangMem's: a string `content`, stored as `{kind: 'Memory', content: {content}}`
   */
  schema?: MemoryKindSchema;
  /**
   * What the agent may do. An action left out is neither described nor offered in the tool's schema, and
   * a call that asks for it anyway is refused with a message naming the permitted ones (nothing is written).
   * @default ['create', 'update', 'delete']
   */
  actionsPermitted?: readonly MemoryAction[];
  /**
   * The store to write to. @default the running graph's store (`compile({ store })`), which must be a
   * {@link DynamoLangGraphStore}; give the store here to use the tool outside a graph
   */
  store?: MemoryToolStore;
  /** The tool's name, as the model sees it. @default DEFAULT_MANAGE_MEMORY_TOOL_NAME ('manage_memory') */
  name?: string;
  /**
   * Recorded as the `actor` of every change in the memory's history, telling the agent's writes from the
   * extraction's (`by.kind: 'extraction'`) and other callers'. @default the tool's `name`
   */
  actor?: string;
}

/** What a manage call changed (the tool message's artifact, when the tool is invoked with a tool call). */
export interface ManageMemoryArtifact {
  action: MemoryAction;
  namespace: string[];
  key: string;
  /** The memory's version after the change (null after a delete). */
  version: number | null;
}

const toolNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool names are 1–64 letters, digits, "_" or "-" (the Messages API rule)');
const kindSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a kind is a letter then up to 63 letters, digits or "_"');

/**
 * A LangChain tool with which an agent creates, updates and deletes its memories.
 *
 * The model calls it with `{action, content, id}`: `create` needs `content` and no `id` (the tool makes
 * the key and answers `created memory <key>`); `update` and `delete` need the `id` of an existing memory
 * of the tool's kind (from the search tool's results). Mistakes — a missing id, an unknown one, an action
 * not permitted — throw with a message meant for the model; inside a graph's `ToolNode` the model reads it
 * as the tool's result and can correct itself.
 *
 * @example
 * const store = new DynamoLangGraphStore(new DynamoMemoryStore(doc, 'langmem-memories'));
 * const manageMemory = createManageMemoryTool({ namespace: ['memories', '{user_id}'] });
 * const searchMemory = createSearchMemoryTool({ namespace: ['memories', '{user_id}'] });
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode('agent', async (state) => ({ messages: [await model.bindTools([manageMemory, searchMemory]).invoke(state.messages)] }))
 *   .addNode('tools', new ToolNode([manageMemory, searchMemory]))
 *   .addEdge(START, 'agent')
 *   .addConditionalEdges('agent', toolsCondition, ['tools', END])
 *   .addEdge('tools', 'agent')
 *   .compile({ store });
 * await graph.invoke({ messages: [new HumanMessage('Remember that I prefer tea.')] }, { configurable: { user_id: 'alice' } });
 *
 * // Outside a graph: give the store, and the configurable values with each call.
 * const tool = createManageMemoryTool({ namespace: ['memories', '{user_id}'], store, actionsPermitted: ['create', 'update'] });
 * await tool.invoke({ content: 'User prefers tea' }, { configurable: { user_id: 'alice' } }); // 'created memory 6f1c…'
 */
export function createManageMemoryTool(options: ManageMemoryToolOptions): StructuredToolInterface {
  const name = parseOption(toolNameSchema, options.name ?? DEFAULT_MANAGE_MEMORY_TOOL_NAME, 'name');
  const actor = options.actor ?? name;
  const template = new NamespaceTemplate(options.namespace);
  const permitted = permittedActions(options.actionsPermitted);
  const kind = options.schema ? parseOption(kindSchema, options.schema.kind, 'schema.kind') : 'Memory';
  const contentSchema: z.ZodType = options.schema?.schema ?? z.string().trim().min(1);
  const toValue = (content: unknown): MemoryValue => (options.schema ? { kind, content: content } : memoryValue(content as string));
  const writes = permitted.some((action) => action !== 'delete');
  const defaultAction: MemoryAction = permitted.includes('create') ? 'create' : (permitted[0] as MemoryAction);
  const refusal = (action: unknown) => `action ${JSON.stringify(action)} is not permitted for ${name}; permitted: ${permitted.join(', ')}`;

  const schema = z.object({
    ...(writes ? { content: contentSchema.optional().describe(`The ${kind} to store (for ${permitted.filter((a) => a !== 'delete').join(' and ')}).`) } : {}),
    action: z
      .enum(permitted as [MemoryAction, ...MemoryAction[]], { error: (issue) => refusal(issue.input) })
      .optional()
      .describe(`What to do. @default ${defaultAction}`),
    ...(permitted.some((a) => a !== 'create') ? { id: z.string().min(1).optional().describe('The MEMORY ID to update or delete; omit when creating.') } : {}),
  });

  return tool(
    async (input, config): Promise<[string, ManageMemoryArtifact]> => {
      const args = input as { content?: unknown; action?: MemoryAction; id?: string };
      const action = args.action ?? defaultAction;
      // The schema already refuses it; checked again so no input path (a schema bypass, a JS caller) writes.
      if (!permitted.includes(action)) throw new InvalidInputError(refusal(action));
      if (action === 'create' && args.id !== undefined) {
        throw new InvalidInputError('id: a MEMORY ID cannot be given when creating a MEMORY; call again without id');
      }
      if (action !== 'create' && !args.id) throw new InvalidInputError(`id: the MEMORY ID is required to ${action} a MEMORY`);
      if (action !== 'delete' && args.content === undefined) throw new InvalidInputError(`content: required to ${action} a MEMORY`);
      const store = resolveMemoryStore(options.store, config as { store?: unknown }, name);
      const namespace = template.fill(config?.configurable as Record<string, unknown> | undefined);

      if (action === 'create') {
        const written = await store.put(namespace, randomUUID(), toValue(args.content), { actor });
        return [`created memory ${written.key}`, { action, namespace, key: written.key, version: written.version }];
      }
      const key = args.id as string;
      const current = await store.get(namespace, key);
      if (!current) throw new InvalidInputError(`id: no MEMORY with ID ${JSON.stringify(key)} here; search for the memory to get its ID`);
      if (current.value['kind'] !== kind) {
        throw new InvalidInputError(`id: MEMORY ${JSON.stringify(key)} is a ${String(current.value['kind'])}, and ${name} manages ${kind} memories only`);
      }
      if (action === 'delete') {
        await store.delete(namespace, key, { actor });
        return [`deleted memory ${key}`, { action, namespace, key, version: null }];
      }
      const written = await store.put(namespace, key, toValue(args.content), { actor });
      return [`updated memory ${key}`, { action, namespace, key, version: written.version }];
    },
    { name, description: describe(permitted, options.instructions ?? DEFAULT_MANAGE_MEMORY_INSTRUCTIONS), schema, responseFormat: 'content_and_artifact' },
  ) as StructuredToolInterface;
}

/** The permitted actions, deduplicated in canonical order; an empty or unknown list is a build-time error. */
function permittedActions(actions: readonly MemoryAction[] | undefined): MemoryAction[] {
  if (actions === undefined) return [...ALL_ACTIONS];
  const unknown = actions.filter((a) => !ALL_ACTIONS.includes(a));
  if (unknown.length > 0) throw new ConfigurationError(`actionsPermitted: unknown action ${JSON.stringify(unknown[0])}; use create, update, delete`);
  if (actions.length === 0) throw new ConfigurationError('actionsPermitted: must name at least one of create, update, delete');
  return ALL_ACTIONS.filter((a) => actions.includes(a));
}

/** The description names only what is permitted: a model is not told of actions it may not take. */
function describe(permitted: readonly MemoryAction[], instructions: string): string {
  const verbs = permitted.length === 1 ? permitted[0] : `${permitted.slice(0, -1).join(', ')} or ${permitted[permitted.length - 1]}`;
  const lines = [`${verbs?.charAt(0).toUpperCase()}${verbs?.slice(1)} a persistent MEMORY that carries over to future conversations.`];
  if (permitted.some((a) => a !== 'create')) lines.push(`Include the MEMORY ID to ${permitted.filter((a) => a !== 'create').join(' or ')} a MEMORY.`);
  if (permitted.includes('create')) lines.push('Omit the ID when creating a MEMORY: one is made for you.');
  if (instructions.trim()) lines.push(instructions);
  return lines.join('\n');
}

function parseOption<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigurationError(`${field}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}
