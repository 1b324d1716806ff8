/**
 * Copies a table written by the first layout (memories at pk `ns#<namespace>`, sk `<key>`, no versions,
 * namespaces in `nsidx#` partitions) into a new table with the current layout (`ensureTable` creates it
 * with the `recency` LSI, which DynamoDB cannot add to an existing table). Memories become version 1 with
 * a `migration` history record and registry entries; thread inboxes, receipts and dead letters are copied
 * as they are (their layout did not change). Safe to run again: it writes the same items again.
 *
 *   npx tsx scripts/migrate-memories.ts <old table> <new table>     (DYNAMODB_ENDPOINT / AWS_REGION as for the worker)
 *
 * Stop the workers and pause submits while it runs, then point MEMORY_TABLE_NAME at the new table.
 */
import { BatchWriteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../src/config';
import { ensureTable } from '../src/store/ensure-table';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { historyItem, liveMemoryItem, registryItems } from '../src/store/memory-records';
import type { MemoryItem, MemoryValue } from '../src/store/memory-types';

/** What a migration copied. */
export interface MigrationReport {
  memories: number;
  namespaces: number;
  copied: number;
  skipped: number;
}

/** The items the current layout needs for one first-layout item; none for the old namespace index. */
function translate(old: Record<string, unknown>, seenNamespaces: Set<string>): Record<string, unknown>[] {
  const pk = String(old['pk']);
  if (pk.startsWith('nsidx#')) return [];
  if (!pk.startsWith('ns#')) return [old];
  const item: MemoryItem = {
    namespace: old['namespace'] as string[],
    key: (old['key'] as string | undefined) ?? String(old['sk']),
    value: old['value'] as MemoryValue,
    createdAt: old['createdAt'] as string,
    updatedAt: old['updatedAt'] as string,
    version: 1,
  };
  const by = { kind: 'migration' as const, ...(old['batchId'] ? { batchId: old['batchId'] as string, threadId: old['threadId'] as string } : {}) };
  const items = [
    liveMemoryItem(item, { changedBy: by }),
    historyItem({ namespace: item.namespace, key: item.key, version: 1, action: 'insert', value: item.value, at: item.updatedAt, by }),
  ];
  const nsId = JSON.stringify(item.namespace);
  if (!seenNamespaces.has(nsId)) {
    seenNamespaces.add(nsId);
    items.push(...registryItems(item.namespace));
  }
  return items;
}

async function writeAll(doc: DynamoDBDocumentClient, table: string, all: Record<string, unknown>[]): Promise<void> {
  // Namespaces sharing a label share registry entries (`nsl0`, `nsl1#…`), and BatchWriteItem refuses a key twice.
  const items = [...new Map(all.map((item) => [JSON.stringify([item['pk'], item['sk']]), item])).values()];
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

/** Copies every item of `from` into `to` (created with the current layout when missing). */
export async function migrateTable(dynamo: ReturnType<typeof createDynamoClients>, from: string, to: string): Promise<MigrationReport> {
  await ensureTable(dynamo.client, to);
  const report: MigrationReport = { memories: 0, namespaces: 0, copied: 0, skipped: 0 };
  const seenNamespaces = new Set<string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.doc.send(new ScanCommand({ TableName: from, ExclusiveStartKey: startKey, ConsistentRead: true }));
    const out: Record<string, unknown>[] = [];
    for (const old of page.Items ?? []) {
      const translated = translate(old, seenNamespaces);
      if (translated.length === 0) report.skipped += 1;
      if (String(old['pk']).startsWith('ns#')) report.memories += 1;
      out.push(...translated);
    }
    await writeAll(dynamo.doc, to, out);
    report.copied += out.length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  report.namespaces = seenNamespaces.size;
  return report;
}

async function main(): Promise<void> {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) throw new Error('usage: npx tsx scripts/migrate-memories.ts <old table> <new table>');
  const config = loadConfig();
  const dynamo = createDynamoClients({ endpoint: config.dynamodbEndpoint, region: config.awsRegion });
  try {
    console.log(JSON.stringify(await migrateTable(dynamo, from, to)));
  } finally {
    dynamo.client.destroy();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
