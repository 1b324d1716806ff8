/**
 * What store objects learn and may keep, kept per DynamoDB document client and table and shared by every object
 * built over them: a Lambda container builds a `MemoryClient` per request over one shared client, and its
 * requests keep what earlier ones learnt. Only for facts a write's own condition re-checks (the inbox head):
 * a stale entry must cost a retry, never a wrong answer. (Namespace claims stay per `NamespaceOwners`: a
 * `forget` deletes them, and a cached claim would not be written again.)
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
