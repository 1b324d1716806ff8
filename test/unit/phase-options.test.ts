/** A manager's `phases` and `maxSteps`: defaults, and definitions refused at startup naming the field. */
import { ConfigurationError } from '../../src/errors';
import { DEFAULT_MANAGER, resolveManager, type MemoryManagerDefinition } from '../../src/managers/memory-manager';
import { MAX_PHASES, MAX_STEPS_LIMIT } from '../../src/defaults';

const define = (overrides: Partial<MemoryManagerDefinition>) => resolveManager({ ...DEFAULT_MANAGER, name: 'm', ...overrides });
const consolidate = { name: 'consolidate', instructions: 'Merge memories that say the same thing.' };

test('by default a manager has no phases and one round: an extraction is one forced tool call', () => {
  expect(define({})).toMatchObject({ phases: [], maxSteps: 1 });
});

test('a phase takes the manager’s switches unless it sets its own, and sees no messages unless asked', () => {
  const [phase, own] = define({
    enableDeletes: true,
    phases: [consolidate, { name: 'prune', instructions: 'x', enableInserts: false, includeMessages: true }],
  }).phases;
  expect(phase).toEqual({ ...consolidate, enableInserts: true, enableUpdates: true, enableDeletes: true, includeMessages: false });
  expect(own).toEqual({ name: 'prune', instructions: 'x', enableInserts: false, enableUpdates: true, enableDeletes: true, includeMessages: true });
});

test.each<[string, Partial<MemoryManagerDefinition>, string]>([
  ['a phase named like the first pass', { phases: [{ name: 'extract', instructions: 'x' }] }, 'phases.0.name: "extract" names the first pass'],
  ['a phase without instructions', { phases: [{ name: 'p', instructions: '' }] }, 'phases.0.instructions'],
  ['a phase name used twice', { phases: [consolidate, consolidate] }, 'managers.m.phases.1.name: "consolidate" is used twice'],
  ['a phase that enables nothing', { phases: [{ ...consolidate, enableInserts: false, enableUpdates: false }] }, 'managers.m.phases.0: enables no operation'],
  ['too many phases', { phases: Array.from({ length: MAX_PHASES + 1 }, (_, i) => ({ name: `p${i}`, instructions: 'x' })) }, 'phases'],
  ['maxSteps 0', { maxSteps: 0 }, 'maxSteps'],
  ['maxSteps over the limit', { maxSteps: MAX_STEPS_LIMIT + 1 }, 'maxSteps'],
  ['phases on a profile manager', { profile: true, phases: [consolidate] }, 'phases and maxSteps do not apply to a profile manager'],
  ['several rounds on a profile manager', { profile: true, maxSteps: 3 }, 'phases and maxSteps do not apply to a profile manager'],
])('refused at startup: %s', (_, overrides, message) => {
  expect(() => define(overrides)).toThrow(ConfigurationError);
  expect(() => define(overrides)).toThrow(message);
});
