/**
 * Moves the memory partitions written before the tenant boundary to their current keys, in place
 * (docs/design.md "Migrating to the tenant boundary"). Namespaces of three or more labels were at
 * `ns#<all labels joined by U+001F>`; their second label now ends with `.` (src/store/table-keys.ts
 * `memoryPartitionKey`). One- and two-label namespaces, inboxes, dead letters, receipts and the registry
 * keep their keys and are not touched.
 *
 * Each old item (memory, tombstone, history record, namespace owner) is written at its new key and deleted
 * at its old one in one transaction, the write only where no item is yet: an interrupted run is finished by
 * running it again, and an item written at the new key since the cutover is never overwritten — that old
 * item is left in place and reported as a conflict for an operator to judge.
 *
 *   npx tsx scripts/migrate-partition-keys.ts <table> [--dry-run]     (DYNAMODB_ENDPOINT / AWS_REGION as for the worker)
 *
 * Stop the workers and pause submits while it runs (as for any migration), then deploy the new code.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ScanCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../src/config';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { NAMESPACE_SEPARATOR } from '../src/rules';
import { memoryPartitionKey, memoryPartitionsBelow, splitNamespace, TENANT_LABEL_END } from '../src/store/table-keys';

/** Items moved at once (one transaction each): a page of the scan is worked through in slices of this size. */
const MOVES_IN_FLIGHT = 10;

/** What a run found and did. */
export interface PartitionKeyMigrationReport {
  dryRun: boolean;
  /** Items under `ns#` the scan looked at. */
  scanned: number;
  /** Items found at a previous-layout key (moved, or to be moved with `dryRun`). */
  previousLayout: number;
  moved: number;
  /** Old items left in place because an item already exists at their new key. */
  conflicts: { pk: string; sk: string; newPk: string }[];
}

/** The namespace of a memory partition key of the previous layout that the current one keys differently, else null. */
export function previousLayoutNamespace(pk: string): string[] | null {
  const prefix = memoryPartitionsBelow([]);
  if (!pk.startsWith(prefix) || pk.includes(TENANT_LABEL_END)) return null;
  const namespace = splitNamespace(pk.slice(prefix.length));
  return namespace.length >= 3 ? namespace : null;
}

type MoveOutcome = 'moved' | 'conflict' | 'gone';

async function move(doc: DynamoDBDocumentClient, table: string, item: Record<string, unknown>, newPk: string): Promise<MoveOutcome> {
  try {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { ...item, pk: newPk }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Delete: { TableName: table, Key: { pk: item['pk'], sk: item['sk'] }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    return 'moved';
  } catch (err) {
    if (!(err instanceof TransactionCanceledException)) throw err;
    const [put, del] = (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    if (put === 'ConditionalCheckFailed') return 'conflict';
    // Another run moved it between our scan and this write.
    if (del === 'ConditionalCheckFailed') return 'gone';
    throw err;
  }
}

/** Moves every previous-layout memory partition item of `table` to its current key (see the module comment). */
export async function migratePartitionKeys(
  doc: DynamoDBDocumentClient,
  table: string,
  options: { dryRun?: boolean } = {},
): Promise<PartitionKeyMigrationReport> {
  const report: PartitionKeyMigrationReport = { dryRun: options.dryRun ?? false, scanned: 0, previousLayout: 0, moved: 0, conflicts: [] };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: table,
        // Keys of deeper namespaces hold two U+001F and, in the current layout, a `.`.
        FilterExpression: 'begins_with(pk, :ns) AND contains(pk, :separator) AND NOT contains(pk, :end)',
        ExpressionAttributeValues: { ':ns': memoryPartitionsBelow([]), ':separator': NAMESPACE_SEPARATOR, ':end': TENANT_LABEL_END },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const pending: { item: Record<string, unknown>; newPk: string }[] = [];
    for (const item of page.Items ?? []) {
      report.scanned += 1;
      const namespace = previousLayoutNamespace(item['pk'] as string);
      if (!namespace) continue;
      report.previousLayout += 1;
      pending.push({ item, newPk: memoryPartitionKey(namespace) });
    }
    if (!report.dryRun) {
      for (let i = 0; i < pending.length; i += MOVES_IN_FLIGHT) {
        const slice = pending.slice(i, i + MOVES_IN_FLIGHT);
        const outcomes = await Promise.all(slice.map(({ item, newPk }) => move(doc, table, item, newPk)));
        outcomes.forEach((outcome, j) => {
          const { item, newPk } = slice[j]!;
          if (outcome === 'moved') report.moved += 1;
          if (outcome === 'conflict') report.conflicts.push({ pk: item['pk'] as string, sk: item['sk'] as string, newPk });
        });
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const table = args.find((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--dry-run');
  if (!table || unknown.length > 0) throw new Error('usage: npx tsx scripts/migrate-partition-keys.ts <table> [--dry-run]');
  const config = loadConfig();
  const dynamo = createDynamoClients({ endpoint: config.dynamodbEndpoint, region: config.awsRegion });
  try {
    const report = await migratePartitionKeys(dynamo.doc, table, { dryRun: args.includes('--dry-run') });
    console.log(JSON.stringify(report));
    if (report.conflicts.length > 0) process.exitCode = 2;
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
