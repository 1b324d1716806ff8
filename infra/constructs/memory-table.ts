/**
 * The memory table: the same keys and indexes as `tableDefinition()` in src/store/ensure-table.ts (the
 * local stacks create it from there; a unit test compares the two), plus the production settings a
 * local table lacks: point-in-time recovery, deletion protection and a retained resource.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TTL_ATTRIBUTE } from '../../src/store/ensure-table';
import { RECENCY_INDEX, TREE_INDEX } from '../../src/store/table-keys';

/** The DynamoDB table holding memories, thread inboxes, receipts and dead letters (docs/design.md "DynamoDB layout"). */
export class MemoryTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const string = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: string },
      sortKey: { name: 'sk', type: string },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Memories are the product: a stack delete leaves the table (infra/README.md "Deploy to AWS": teardown).
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    this.table.addLocalSecondaryIndex({
      indexName: RECENCY_INDEX,
      sortKey: { name: 'rk', type: string },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TREE_INDEX,
      partitionKey: { name: 'gpk', type: string },
      sortKey: { name: 'gsk', type: string },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
