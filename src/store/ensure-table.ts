/**
 * Creates the memory table when it is missing (local stacks and first deploys); a no-op when it exists
 * with the current layout. The layout is described in table-keys.ts and docs/design.md "DynamoDB layout".
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../errors';
import { RECENCY_INDEX, TREE_INDEX } from './table-keys';

/** Name of the TTL attribute (epoch seconds) that expires batch receipts, tombstones and memories put with a TTL. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** The table's definition: keys, the recency LSI and the tree GSI (the CDK stack declares the same). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'rk', AttributeType: 'S' },
      { AttributeName: 'gpk', AttributeType: 'S' },
      { AttributeName: 'gsk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: RECENCY_INDEX,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'rk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TREE_INDEX,
        KeySchema: [
          { AttributeName: 'gpk', KeyType: 'HASH' },
          { AttributeName: 'gsk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/**
 * Creates the table unless it exists; safe to call concurrently. A table from the layout before the
 * store redesign (no `recency` index; LSIs cannot be added later) is refused with a ConfigurationError
 * naming the migration (docs/design.md "Migrating from the first layout").
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = (Table?.LocalSecondaryIndexes ?? []).map((i) => i.IndexName);
    if (!indexes.includes(RECENCY_INDEX)) {
      throw new ConfigurationError(
        `MEMORY_TABLE_NAME: table ${tableName} has the first layout (no ${RECENCY_INDEX} index); create a new table and copy memories with scripts/migrate-memories.ts (docs/design.md "Migrating from the first layout")`,
      );
    }
    if (!(Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === TREE_INDEX)) {
      throw new ConfigurationError(`MEMORY_TABLE_NAME: table ${tableName} lacks the ${TREE_INDEX} index; add it as declared in tableDefinition()`);
    }
    await enableTtl(client, tableName);
    return 'exists';
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  let created = false;
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
    created = true;
  } catch (err) {
    // Another process created it first: fine, wait for it below.
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  await enableTtl(client, tableName);
  return created ? 'created' : 'exists';
}

/** Turns TTL on unless it is (also when the process that created the table died before doing so). */
async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (err) {
    // Another process turned it on between our check and our call.
    if (!(err instanceof Error && err.name === 'ValidationException' && /already enabled/i.test(err.message))) throw err;
  }
}
