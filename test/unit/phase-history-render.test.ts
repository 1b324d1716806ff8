/** `memory-ops memories show` names the passes behind a change made by a manager with phases. */
import { renderMemory } from '../../src/cli/memory-commands';
import type { MemoryChange } from '../../src/store/memory-types';

const at = '2026-11-26T10:00:00.000Z';
const change = (by: Partial<MemoryChange['by']>): MemoryChange => ({
  namespace: ['notes', 'u1'],
  key: 'k1',
  version: 1,
  action: 'insert',
  value: { kind: 'Memory', content: { content: 'User likes tea' } },
  at,
  by: { kind: 'extraction', batchId: 'b-1', ...by },
});

test('the history names the passes that made a change, and only for a manager with phases', () => {
  const text = renderMemory(['notes', 'u1'], 'k1', null, [
    change({ phase: 'consolidate', phases: ['extract', 'consolidate'] }),
    change({ phase: 'extract' }),
    change({}),
  ]);
  const rows = text.split('\n').filter((line) => line.includes('b-1'));
  expect(rows).toHaveLength(3);
  expect(rows[0]).toContain('extraction (extract → consolidate)');
  expect(rows[1]).toContain('extraction (extract)');
  expect(rows[2]).not.toContain('(');
});
