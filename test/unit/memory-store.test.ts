/** The DynamoDB memory store against DynamoDB Local. */
import { InvalidInputError } from '../../src/errors';
import { DynamoMemoryStore } from '../../src/store/memory-store';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { freshTable, uniqueId } from '../support/test-env';

let store: DynamoMemoryStore;
let destroy: () => void;

beforeAll(async () => {
  const table = await freshTable('store');
  store = new DynamoMemoryStore(table.doc, table.tableName);
  destroy = () => table.client.destroy();
});
afterAll(() => destroy?.());

test('put, get and delete address items by (namespace, key)', async () => {
  const ns = ['memories', uniqueId('user')];
  await store.put(ns, 'k1', memoryValue('User likes dogs'));
  const item = await store.get(ns, 'k1');
  expect(item).toMatchObject({ namespace: ns, key: 'k1', value: { kind: 'Memory', content: { content: 'User likes dogs' } } });
  expect(item?.createdAt).toBe(item?.updatedAt);
  expect(await store.get([...ns, 'deeper'], 'k1')).toBeNull();

  await new Promise((r) => setTimeout(r, 5));
  await store.put(ns, 'k1', memoryValue('User loves dogs'));
  const updated = await store.get(ns, 'k1');
  expect(updated?.createdAt).toBe(item?.createdAt);
  expect((updated?.updatedAt ?? '') > (item?.updatedAt ?? '')).toBe(true);

  await store.delete(ns, 'k1');
  expect(await store.get(ns, 'k1')).toBeNull();
  await expect(store.delete(ns, 'k1')).resolves.toBeUndefined();
});

test('search finds a namespace and the namespaces below it, newest first, with limit and offset', async () => {
  const user = uniqueId('user');
  await store.put(['memories', user], 'a', memoryValue('first'));
  await new Promise((r) => setTimeout(r, 5));
  await store.put(['memories', user, 'work'], 'b', memoryValue('second'));
  await new Promise((r) => setTimeout(r, 5));
  await store.put(['memories', `${user}x`], 'c', memoryValue('another user whose id shares the prefix'));

  const all = await store.search(['memories', user]);
  expect(all.map((item) => memoryText(item.value))).toEqual(['second', 'first']);
  expect((await store.search(['memories', user], { limit: 1 })).map((i) => i.key)).toEqual(['b']);
  expect((await store.search(['memories', user], { offset: 1 })).map((i) => i.key)).toEqual(['a']);
  expect(await store.search(['memories', user, 'work', 'none'])).toEqual([]);
  expect((await store.listNamespaces(['memories', user])).sort()).toEqual([
    ['memories', user],
    ['memories', user, 'work'],
  ]);
});

test('invalid namespaces are rejected with the field named', async () => {
  await expect(store.search([])).rejects.toThrow(InvalidInputError);
  await expect(store.put(['mem.ories'], 'k', memoryValue('x'))).rejects.toThrow('namespace');
  await expect(store.put(['memories'], '', memoryValue('x'))).rejects.toThrow('key');
});

test('search options are validated: a negative limit or offset names the field', async () => {
  await expect(store.search(['memories'], { limit: -1 })).rejects.toThrow(/limit/);
  await expect(store.search(['memories'], { offset: -1 })).rejects.toThrow(/offset/);
  await expect(store.search(['memories'], { limit: 1.5 })).rejects.toThrow(InvalidInputError);
});
