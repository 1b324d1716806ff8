/** The memory managers a deployment knows, by name; the client and the worker are built with the same one. */
import { ConfigurationError, InvalidInputError, ManagerUnavailableError } from '../errors';
import { DEFAULT_MANAGER, DEFAULT_MANAGER_NAME, resolveManager, type MemoryManagerDefinition, type ResolvedManager } from './memory-manager';

/**
 * @example
 * const managers = new ManagerRegistry([
 *   { name: 'semantic', namespace: ['memories', '{user_id}'], enableDeletes: true },
 *   { name: 'episodic', namespace: ['episodes', '{user_id}'], schemas: [episodeSchema] },
 *   { name: 'profile', namespace: ['profiles', '{user_id}'], schemas: [profileSchema], profile: true },
 * ]);
 * new MemoryClient({ temporal, store, managers });  createMemoryWorker({ ..., managers });
 */
export class ManagerRegistry {
  private readonly byName = new Map<string, ResolvedManager>();

  /** The default manager (`memories`) is always there unless a definition of that name replaces it. */
  constructor(definitions: readonly MemoryManagerDefinition[] = []) {
    const names = definitions.map((d) => d.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw new ConfigurationError(`managers: ${JSON.stringify(twice)} is defined twice`);
    for (const definition of [DEFAULT_MANAGER, ...definitions]) this.byName.set(definition.name, resolveManager(definition));
  }

  /** The manager named on a submit; `InvalidInputError` naming the field when there is none of that name. */
  forSubmit(name: string, field: string): ResolvedManager {
    const manager = this.byName.get(name);
    if (!manager) throw new InvalidInputError(`${field}: no memory manager named ${JSON.stringify(name)} (known: ${this.names().join(', ')})`);
    return manager;
  }

  /**
   * The manager named on a batch (the worker's side); `ManagerUnavailableError` (retried) when this worker
   * lacks it, so a batch submitted by a newer client waits for a worker that has it.
   */
  forBatch(name: string | undefined): ResolvedManager {
    const manager = this.byName.get(name ?? DEFAULT_MANAGER_NAME);
    if (!manager) throw new ManagerUnavailableError(`no memory manager named ${JSON.stringify(name)} on this worker: give the worker the client's managers`);
    return manager;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
