/** Paging through a DynamoDB Query: every store reads its partitions through this one loop. */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';

/**
 * Yields the items of a Query page by page, following `LastEvaluatedKey`; the caller may stop early.
 * @example
 * for await (const item of queryItems(doc, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues })) { ... }
 */
export async function* queryItems(
  doc: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  onPage?: (page: QueryCommandOutput) => void,
): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    onPage?.(out);
    yield* out.Items ?? [];
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}

/** Every item of a Query, all pages. */
export async function queryAll(doc: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const item of queryItems(doc, input)) items.push(item);
  return items;
}
