/**
 * What store objects learn and may keep (claims that never change, heads a condition re-checks), kept per
 * DynamoDB document client and table and shared by every object built over them: a Lambda container builds a
 * `MemoryClient` per request over one shared client, and its requests keep what earlier ones learnt.
 */
const memos = new WeakMap<object, Map<string, unknown>>();

/** The value `create` made for this client, table and kind the first time; the same value afterwards. */
export function clientMemo<T>(client: object, tableName: string, kind: string, create: () => T): T {
  let byKey = memos.get(client);
  if (!byKey) memos.set(client, (byKey = new Map<string, unknown>()));
  const key = `${kind}\u0000${tableName}`;
  if (!byKey.has(key)) byKey.set(key, create());
  return byKey.get(key) as T;
}
