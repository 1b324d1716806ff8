/** The memory managers a deployment configures: a module named by MEMORY_MANAGERS_MODULE exporting `managers`. */
import { resolve as resolvePath } from 'node:path';
import type { AppConfig } from '../config';
import { ConfigurationError } from '../errors';
import { ManagerRegistry } from './manager-registry';
import type { MemoryManagerDefinition } from './memory-manager';

/** The managers of MEMORY_MANAGERS_MODULE (a module exporting `managers`), or the default manager only. */
export function loadManagers(config: Pick<AppConfig, 'managersModule'>): ManagerRegistry {
  if (!config.managersModule) return new ManagerRegistry();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deployment's own module, named by configuration
  const loaded = require(resolvePath(config.managersModule)) as { managers?: MemoryManagerDefinition[]; default?: { managers?: MemoryManagerDefinition[] } };
  const definitions = loaded.managers ?? loaded.default?.managers;
  if (!Array.isArray(definitions)) throw new ConfigurationError(`MEMORY_MANAGERS_MODULE: ${config.managersModule} exports no \`managers\` array`);
  return new ManagerRegistry(definitions);
}
