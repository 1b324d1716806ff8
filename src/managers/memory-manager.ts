/**
 * Memory managers, LangMem's `create_memory_store_manager` options as data: what to extract (schemas),
 * where to put it (a namespace template), how (instructions, which operations are allowed, how much of
 * the namespace the model sees, which model), and the guard rails on one reply. The client and the worker
 * share the same definitions (a `ManagerRegistry`): the client picks managers per submit, the worker
 * builds each extraction's prompt and tool from the manager named on the batch.
 */
import { z } from 'zod';
import {
  DEFAULT_MAX_DELETES_PER_BATCH,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_UPDATES_PER_BATCH,
  DEFAULT_NAMESPACE,
  DEFAULT_NEWEST_MEMORIES_SHOWN,
  DEFAULT_QUERY_LIMIT,
  MAX_OPERATIONS_PER_EXTRACTION,
  MAX_PHASES,
  MAX_STEPS_LIMIT,
} from '../defaults';
import { ConfigurationError } from '../errors';
import { describeZodError, namespaceSchema } from '../schemas';
import { DEFAULT_MANAGER_NAME } from '../store/namespace-owners';

/** A JSON Schema object (draft 2020-12), as LangGraph and the Messages API take them. */
export type JsonSchema = Record<string, unknown>;

/** One kind of memory: its name (stored as the value's `kind`) and the shape of its content. */
export interface MemorySchemaDefinition {
  /** Stored as `value.kind`, e.g. `Memory`, `Episode`, `UserProfile`. */
  kind: string;
  /** What this kind is for, shown to the model. */
  description?: string;
  /**
   * The content's shape: a zod object schema or a JSON Schema object, self-contained (no `$ref`/`$defs`).
   * Field names `action`, `id`, `kind` are reserved; fields the schema does not declare are dropped.
   */
  schema: z.ZodType | JsonSchema;
}

/** A manager as users define it. */
export interface MemoryManagerDefinition {
  /** Unique name, chosen per submit (`submit(..., { managers: ['semantic', 'episodic'] })`). */
  name: string;
  /** Namespace template, filled from `config.configurable` at submit (`['memories', '{user_id}']`). */
  namespace: string[];
  /** @default one `Memory` kind with `{content: string}`, as LangMem */
  schemas?: MemorySchemaDefinition[];
  /** Extra instructions for the model (what matters for this manager). */
  instructions?: string;
  /** @default true */
  enableInserts?: boolean;
  /** @default true */
  enableUpdates?: boolean;
  /** @default false, as LangMem: a reply's deletes are refused unless enabled */
  enableDeletes?: boolean;
  /** One document per namespace, created once, then only updated (LangMem's profile pattern). @default false */
  profile?: boolean;
  /** Memories most relevant to the batch shown to the model (LangMem's `query_limit`). @default DEFAULT_QUERY_LIMIT */
  queryLimit?: number;
  /** The namespace's newest memories also shown. @default DEFAULT_NEWEST_MEMORIES_SHOWN */
  newestShown?: number;
  /** Model for this manager's extractions. @default the worker's configured model */
  model?: string;
  /** More deletes than this in one reply are not applied: the batch becomes a dead letter for review. @default DEFAULT_MAX_DELETES_PER_BATCH */
  maxDeletesPerBatch?: number;
  /** Likewise for updates. @default DEFAULT_MAX_UPDATES_PER_BATCH */
  maxUpdatesPerBatch?: number;
  /**
   * Further passes over the batch's result, in order, after the first (LangMem's `phases`, e.g. consolidation):
   * each sees the memories as the passes before it left them and may change them; all passes commit together.
   * Not for a profile manager. docs/design.md "Phases and steps". @default none
   */
  phases?: MemoryPhaseDefinition[];
  /** Tool rounds per pass (LangMem's `max_steps`), ended early by the model's `done` tool. Not for a profile manager. @default DEFAULT_MAX_STEPS */
  maxSteps?: number;
  /**
   * The content of the manager's one document when its namespace has none (LangMem's `default`): written as
   * version 1 with the first batch, which the model then updates. Needs exactly one schema, whose content it
   * must match, and deletes off (in its phases too). A profile manager seeds its profile with it; any other manager keeps it
   * under the key `default`. See docs/configuration.md "Default documents".
   */
  default?: Record<string, unknown>;
  /** Like `default`, computed per namespace when it is needed (not in a JSON managers file). */
  defaultFactory?: (context: DefaultDocumentContext) => Record<string, unknown>;
  /**
   * How related memories are found for the model (LangMem's search): `batch`, one search on the batch's
   * text; `windows`, one search per window of the latest 1, 2, 4, … messages, in parallel, merged by score.
   * @default 'batch'
   */
  retrieval?: RetrievalMode;
  /**
   * A (cheaper) model that writes the search queries for each batch (LangMem's `query_model`); its tokens
   * and cost are added to the batch's. Replaces `retrieval`. @default none (no query model)
   */
  queryModel?: string;
}

/** How an extraction finds the memories related to its batch. */
export type RetrievalMode = 'batch' | 'windows';

/** What a `defaultFactory` is told: the namespace whose document it seeds. */
export interface DefaultDocumentContext {
  namespace: readonly string[];
}

/** A further pass of a manager's extraction (see `MemoryManagerDefinition.phases`). */
export interface MemoryPhaseDefinition {
  /** Recorded in the history of every memory the pass changes; unique per manager, not `extract` (the first pass). */
  name: string;
  /** What this pass does, e.g. "Merge memories that say the same thing; delete the duplicates." */
  instructions: string;
  /** @default the manager's `enableInserts` */
  enableInserts?: boolean;
  /** @default the manager's `enableUpdates` */
  enableUpdates?: boolean;
  /** @default the manager's `enableDeletes` */
  enableDeletes?: boolean;
  /** Show the batch's messages to this pass too (LangMem's `include_messages`); else it sees only the memories. @default false */
  includeMessages?: boolean;
}

/** A phase with its defaults filled in. */
export type ResolvedPhase = Required<MemoryPhaseDefinition>;

/** A kind with its content validator and the JSON Schema the model sees. */
export interface ResolvedSchema {
  kind: string;
  description: string | undefined;
  validate: z.ZodType<Record<string, unknown>>;
  jsonSchema: JsonSchema;
}

/** A manager with every default filled in, ready for the worker. */
export interface ResolvedManager extends Required<
  Omit<MemoryManagerDefinition, 'schemas' | 'instructions' | 'model' | 'phases' | 'default' | 'defaultFactory' | 'queryModel'>
> {
  schemas: ResolvedSchema[];
  instructions: string | undefined;
  model: string | undefined;
  phases: ResolvedPhase[];
  queryModel: string | undefined;
  /** The content of a new namespace's document (checked against the schema), when the manager has a default. */
  defaultDocument: ((context: DefaultDocumentContext) => Record<string, unknown>) | undefined;
}

/** LangMem's default memory: `{kind: "Memory", content: {content: "..."}}`. */
export const DEFAULT_MEMORY_SCHEMA: MemorySchemaDefinition = {
  kind: 'Memory',
  description: 'A durable fact, preference, relationship, plan or correction about the user, as one short statement ("User likes dogs").',
  schema: z.object({ content: z.string().trim().min(1).max(8_000) }),
};

export { DEFAULT_MANAGER_NAME };

/** The default manager: LangMem's `create_memory_store_manager` defaults (deletes off), namespace `("memories",)`. */
export const DEFAULT_MANAGER: MemoryManagerDefinition = { name: DEFAULT_MANAGER_NAME, namespace: [...DEFAULT_NAMESPACE] };

const RESERVED_FIELDS = ['action', 'id', 'kind'];

/** The name the first pass of an extraction is recorded under when a manager has phases. */
export const FIRST_PASS_NAME = 'extract';

const definitionSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'name: 1–64 letters, digits, "_" or "-"'),
  namespace: namespaceSchema,
  schemas: z
    .array(z.object({ kind: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), description: z.string().max(2_000).optional(), schema: z.unknown() }))
    .min(1)
    .max(10)
    .optional(),
  instructions: z.string().max(20_000).optional(),
  enableInserts: z.boolean().optional(),
  enableUpdates: z.boolean().optional(),
  enableDeletes: z.boolean().optional(),
  profile: z.boolean().optional(),
  queryLimit: z.number().int().min(0).max(200).optional(),
  newestShown: z.number().int().min(0).max(200).optional(),
  model: z.string().min(1).optional(),
  maxDeletesPerBatch: z.number().int().min(0).max(MAX_OPERATIONS_PER_EXTRACTION).optional(),
  maxUpdatesPerBatch: z.number().int().min(0).max(MAX_OPERATIONS_PER_EXTRACTION).optional(),
  phases: z
    .array(
      z.object({
        name: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'name: 1–64 letters, digits, "_" or "-"')
          .refine((name) => name !== FIRST_PASS_NAME, `"${FIRST_PASS_NAME}" names the first pass`),
        instructions: z.string().min(1).max(20_000),
        enableInserts: z.boolean().optional(),
        enableUpdates: z.boolean().optional(),
        enableDeletes: z.boolean().optional(),
        includeMessages: z.boolean().optional(),
      }),
    )
    .max(MAX_PHASES)
    .optional(),
  maxSteps: z.number().int().min(1).max(MAX_STEPS_LIMIT).optional(),
  default: z.record(z.string(), z.unknown()).optional(),
  defaultFactory: z.custom<(context: DefaultDocumentContext) => Record<string, unknown>>((v) => typeof v === 'function', 'must be a function').optional(),
  retrieval: z.enum(['batch', 'windows']).optional(),
  queryModel: z.string().min(1).optional(),
});

/** A manager's phases with their defaults (the manager's own switches); `ConfigurationError` naming the field otherwise. */
function resolvePhases(
  definition: MemoryManagerDefinition,
  enabled: { enableInserts: boolean; enableUpdates: boolean; enableDeletes: boolean },
): ResolvedPhase[] {
  const phases = definition.phases ?? [];
  if (phases.length === 0 && (definition.maxSteps ?? DEFAULT_MAX_STEPS) === 1) return [];
  // A profile is rewritten whole in one call: a second pass or round would only rewrite it again.
  if (definition.profile)
    throw new ConfigurationError(
      `managers.${definition.name}: phases and maxSteps do not apply to a profile manager (one document, rewritten whole in one call)`,
    );
  return phases.map((phase, i) => {
    if (phases.findIndex((p) => p.name === phase.name) !== i)
      throw new ConfigurationError(`managers.${definition.name}.phases.${i}.name: ${JSON.stringify(phase.name)} is used twice`);
    const resolved: ResolvedPhase = {
      name: phase.name,
      instructions: phase.instructions,
      enableInserts: phase.enableInserts ?? enabled.enableInserts,
      enableUpdates: phase.enableUpdates ?? enabled.enableUpdates,
      enableDeletes: phase.enableDeletes ?? enabled.enableDeletes,
      includeMessages: phase.includeMessages ?? false,
    };
    if (!resolved.enableInserts && !resolved.enableUpdates && !resolved.enableDeletes) {
      throw new ConfigurationError(`managers.${definition.name}.phases.${i}: enables no operation (inserts, updates and deletes are all off)`);
    }
    return resolved;
  });
}

/** Whether a JSON Schema uses `$ref` anywhere. */
function hasReference(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasReference);
  if (typeof node !== 'object' || node === null) return false;
  return Object.entries(node).some(([key, value]) => key === '$ref' || hasReference(value));
}

/** The tool embeds a kind's properties inside its own schema, where a reference would point at nothing. */
function assertSelfContained(jsonSchema: JsonSchema, kind: string, manager: string): void {
  if (['$defs', 'definitions'].some((key) => key in jsonSchema) || hasReference(jsonSchema)) {
    throw new ConfigurationError(
      `managers.${manager}.schemas.${kind}: $ref and $defs are not supported; inline the referenced schemas (zod: no recursive or registered schemas)`,
    );
  }
}

function resolveSchema(definition: MemorySchemaDefinition, manager: string): ResolvedSchema {
  let validate: z.ZodType;
  let jsonSchema: JsonSchema;
  if (definition.schema instanceof z.ZodType) {
    validate = definition.schema;
    const { $schema: _ignored, ...json } = z.toJSONSchema(definition.schema, { io: 'input' }) as JsonSchema;
    jsonSchema = json;
    assertSelfContained(jsonSchema, definition.kind, manager);
  } else {
    jsonSchema = definition.schema;
    assertSelfContained(jsonSchema, definition.kind, manager);
    try {
      validate = z.fromJSONSchema(definition.schema);
    } catch (err) {
      throw new ConfigurationError(`managers.${manager}.schemas.${definition.kind}: not a JSON Schema zod can read (${String(err)})`, { cause: err });
    }
  }
  const properties = jsonSchema['properties'];
  if (jsonSchema['type'] !== 'object' || typeof properties !== 'object' || properties === null) {
    throw new ConfigurationError(`managers.${manager}.schemas.${definition.kind}: must describe an object (type: "object" with properties)`);
  }
  const reserved = RESERVED_FIELDS.filter((field) => field in properties);
  if (reserved.length > 0) throw new ConfigurationError(`managers.${manager}.schemas.${definition.kind}: field names ${reserved.join(', ')} are reserved`);
  return { kind: definition.kind, description: definition.description, validate: validate as z.ZodType<Record<string, unknown>>, jsonSchema };
}

/** Validates a definition and fills in its defaults; throws `ConfigurationError` naming the bad field. */
export function resolveManager(definition: MemoryManagerDefinition): ResolvedManager {
  const parsed = definitionSchema.safeParse(definition);
  if (!parsed.success) throw new ConfigurationError(`invalid memory manager ${JSON.stringify(definition.name)}: ${describeZodError(parsed.error)}`);
  const schemas = (definition.schemas ?? [DEFAULT_MEMORY_SCHEMA]).map((s) => resolveSchema(s, definition.name));
  const kinds = new Set(schemas.map((s) => s.kind));
  if (kinds.size !== schemas.length) throw new ConfigurationError(`managers.${definition.name}.schemas: each kind may appear once`);
  if (definition.profile && schemas.length !== 1) throw new ConfigurationError(`managers.${definition.name}.profile: a profile manager has exactly one schema`);
  // A profile is created once and then rewritten whole: it always inserts and updates, and never deletes.
  if (definition.profile && (definition.enableInserts === false || definition.enableUpdates === false || definition.enableDeletes === true)) {
    throw new ConfigurationError(
      `managers.${definition.name}.profile: a profile manager inserts its document once and then updates it; enableInserts, enableUpdates and enableDeletes do not apply`,
    );
  }
  if (!definition.profile && definition.enableInserts === false && definition.enableUpdates === false && definition.enableDeletes !== true) {
    throw new ConfigurationError(`managers.${definition.name}: enables no operation (inserts, updates and deletes are all off)`);
  }
  const enableInserts = definition.enableInserts ?? true;
  const enableUpdates = definition.enableUpdates ?? true;
  const enableDeletes = definition.enableDeletes ?? false;
  const defaultDocument = resolveDefault(definition, schemas);
  assertRetrieval(definition);
  return {
    name: definition.name,
    namespace: [...definition.namespace],
    schemas,
    instructions: definition.instructions,
    enableInserts,
    enableUpdates,
    enableDeletes,
    profile: definition.profile ?? false,
    queryLimit: definition.queryLimit ?? DEFAULT_QUERY_LIMIT,
    newestShown: definition.newestShown ?? DEFAULT_NEWEST_MEMORIES_SHOWN,
    model: definition.model,
    maxDeletesPerBatch: definition.maxDeletesPerBatch ?? DEFAULT_MAX_DELETES_PER_BATCH,
    maxUpdatesPerBatch: definition.maxUpdatesPerBatch ?? DEFAULT_MAX_UPDATES_PER_BATCH,
    phases: resolvePhases(definition, { enableInserts, enableUpdates, enableDeletes }),
    maxSteps: definition.maxSteps ?? DEFAULT_MAX_STEPS,
    retrieval: definition.retrieval ?? 'batch',
    queryModel: definition.queryModel,
    defaultDocument,
  };
}

/**
 * The manager's default document as a function of the namespace, its content checked against the one
 * schema (`default` at startup, `defaultFactory` each time it runs). LangMem's profile style — one schema,
 * inserts off, updates on — cannot create anything without one, so it is refused at startup.
 */
function resolveDefault(definition: MemoryManagerDefinition, schemas: readonly ResolvedSchema[]): ResolvedManager['defaultDocument'] {
  const at = `managers.${definition.name}`;
  const { default: value, defaultFactory: factory } = definition;
  if (value === undefined && factory === undefined) {
    if (!definition.profile && definition.enableInserts === false && definition.enableUpdates !== false && definition.enableDeletes !== true) {
      throw new ConfigurationError(
        `${at}: updates only (inserts and deletes off), so it can never create a memory to update; give it a \`default\` (or \`defaultFactory\`) document, or set enableInserts: true`,
      );
    }
    return undefined;
  }
  if (value !== undefined && factory !== undefined) throw new ConfigurationError(`${at}: give either default or defaultFactory, not both`);
  const field = value !== undefined ? 'default' : 'defaultFactory';
  if (schemas.length !== 1) throw new ConfigurationError(`${at}.${field}: a manager with a default document has exactly one schema`);
  if (definition.enableDeletes === true) throw new ConfigurationError(`${at}.${field}: a default document is kept, not deleted; set enableDeletes: false`);
  if (definition.enableUpdates === false) throw new ConfigurationError(`${at}.${field}: a default document is there to be updated; enableUpdates must be on`);
  // A phase's switches default to the manager's, but one may turn deletes on: the document would go with it.
  const deletingPhase = (definition.phases ?? []).findIndex((phase) => phase.enableDeletes === true);
  if (deletingPhase >= 0) {
    throw new ConfigurationError(`${at}.phases.${deletingPhase}.enableDeletes: a default document is kept, not deleted; remove it (deletes stay off)`);
  }
  const schema = schemas[0] as ResolvedSchema;
  const checked = (content: unknown, where: string): Record<string, unknown> => {
    const parsed = schema.validate.safeParse(content);
    if (!parsed.success) throw new ConfigurationError(`${at}.${where}: does not match schema ${schema.kind}: ${describeZodError(parsed.error)}`);
    return parsed.data;
  };
  if (value !== undefined) {
    const content = checked(value, 'default');
    return () => structuredClone(content);
  }
  return (context) => {
    let content: unknown;
    try {
      content = (factory as NonNullable<typeof factory>)(context);
    } catch (err) {
      throw new ConfigurationError(`${at}.defaultFactory: threw ${err instanceof Error ? err.name : 'a non-error'}`, { cause: err });
    }
    return checked(content, 'defaultFactory');
  };
}

/** A profile reads its one document, so search options do not apply; a query model replaces the windows. */
function assertRetrieval(definition: MemoryManagerDefinition): void {
  const at = `managers.${definition.name}`;
  if (definition.profile && (definition.retrieval !== undefined || definition.queryModel !== undefined)) {
    throw new ConfigurationError(`${at}.profile: a profile manager shows its one document, it searches nothing; remove retrieval and queryModel`);
  }
  if (definition.queryModel !== undefined && definition.retrieval === 'windows') {
    throw new ConfigurationError(`${at}.queryModel: the query model writes the searches; remove retrieval: 'windows' (or the query model)`);
  }
}
