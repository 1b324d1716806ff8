/**
 * The memory partition keys: one- and two-label namespaces keep `ns#<labels joined by U+001F>`; deeper ones end
 * their second label with `.`, so "a two-label tenant and everything below it" is a prefix IAM can write.
 */
import {
  memoryKey,
  memoryPartitionKey,
  memoryPartitionsBelow,
  namespaceOfMemoryPartition,
  namespaceOwnerKey,
  historyKey,
  TENANT_LABEL_END,
} from '../../src/store/table-keys';

const US = '\u001f';

const NAMESPACES = [
  ['memories'],
  ['memoriesx'],
  ['memories', 'alice'],
  ['memories', 'alicex'],
  ['memories', 'ali'],
  ['memories', 'ali', 'ce'],
  ['memories', 'alice', 'work'],
  ['memories', 'alice', 'work', 'notes'],
  ['memories', 'alice', 'work', 'notes', 'x"y*?'],
  ['memories', 'alice-bob'],
  ['memories', 'alice', 'bob'],
  ['other', 'alice', 'work'],
];

describe('memory partition keys', () => {
  it('keep one- and two-label namespaces as they were, and end the second label with "." below it', () => {
    expect(memoryPartitionKey(['memories'])).toBe('ns#memories');
    expect(memoryPartitionKey(['memories', 'alice'])).toBe(`ns#memories${US}alice`);
    expect(memoryPartitionKey(['memories', 'alice', 'work'])).toBe(`ns#memories${US}alice.work`);
    expect(memoryPartitionKey(['memories', 'alice', 'work', 'notes'])).toBe(`ns#memories${US}alice.work${US}notes`);
    expect(TENANT_LABEL_END).toBe('.');
    // Every item of a namespace's partition uses the same key.
    const ns = ['memories', 'alice', 'work'];
    expect(new Set([memoryKey(ns, 'k').pk, historyKey(ns, 'k', 3).pk, namespaceOwnerKey(ns).pk])).toEqual(new Set([memoryPartitionKey(ns)]));
  });

  it('are one per namespace and read back to it', () => {
    const keys = NAMESPACES.map(memoryPartitionKey);
    expect(new Set(keys).size).toBe(NAMESPACES.length);
    for (const ns of NAMESPACES) expect(namespaceOfMemoryPartition(memoryPartitionKey(ns))).toEqual(ns);
    expect(namespaceOfMemoryPartition('thread#t1')).toBeNull();
    expect(namespaceOfMemoryPartition('nsl#memories')).toBeNull();
  });

  it('of the namespaces strictly below a prefix, and only those, start with memoryPartitionsBelow(prefix)', () => {
    for (const prefix of NAMESPACES) {
      for (const ns of NAMESPACES) {
        const below = ns.length > prefix.length && prefix.every((label, i) => ns[i] === label);
        expect([prefix, ns, memoryPartitionKey(ns).startsWith(memoryPartitionsBelow(prefix))]).toEqual([prefix, ns, below]);
      }
    }
    expect(memoryPartitionsBelow([])).toBe('ns#');
  });
});
