/**
 * The DynamoDB actions each role gets, as explicit statements (no `grantReadWriteData`, which would add
 * Scan, BatchWriteItem and more). Resources are the table and its indexes: Query runs on `recency` and `tree`.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * What the Lambda handlers do: reads, conditional puts and updates, and TransactWriteItems made of Put,
 * Update and condition checks on those (submit, re-drive requests). Never a delete, scan or batch write.
 */
export const HANDLER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const;

/** What a submit does (the SQS handler): single-item reads and writes, and a transaction of puts and updates. */
export const SUBMIT_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * What the worker does: the handlers' actions, plus deletes (re-drive requests, memories removed by
 * extraction) and condition checks inside a batch's commit transaction. Still no scan or table admin.
 */
export const WORKER_TABLE_ACTIONS = [...HANDLER_TABLE_ACTIONS, 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'] as const;

/** The index ARN pattern of a table (`<table arn>/index/*`). */
export function indexArns(table: dynamodb.ITable): string {
  return `${table.tableArn}/index/*`;
}

/** One Allow statement for `actions` on the table and its indexes. */
export function tableStatement(table: dynamodb.ITable, actions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn, indexArns(table)] });
}

/**
 * Acknowledges cdk-nag's wildcard finding for `<table>/index/*` on a role (AwsSolutions-IAM5 names the
 * finding by the table's logical id). The wildcard names exactly the table's two secondary indexes.
 */
export function acknowledgeIndexWildcard(role: IConstruct, table: dynamodb.Table, reason: string): void {
  const logicalId: unknown = Stack.of(table).resolve((table.node.defaultChild as dynamodb.CfnTable).logicalId);
  Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${String(logicalId)}.Arn>/index/*]`, reason });
}
