/** Builds the DynamoDB clients from configuration; local endpoints get placeholder credentials. */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The low-level client (for table management) and the document client (for items). */
export interface DynamoClients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/** True for an endpoint on this machine (DynamoDB Local, a fake API): such endpoints get placeholder credentials. */
export function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/** Builds both clients; an endpoint on loopback (DynamoDB Local) gets placeholder credentials unless others are given. */
export function createDynamoClients(options: {
  endpoint?: string;
  region: string;
  credentials?: DynamoDBClientConfig['credentials'];
  /** Per-request limit (ms) for callers a person waits on; unset = the SDK's (none). */
  requestTimeoutMs?: number;
}): DynamoClients {
  const local = options.endpoint !== undefined && isLoopback(options.endpoint);
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    // DynamoDB Local accepts any credentials; don't make developers configure AWS to run the demo.
    credentials: options.credentials ?? (local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined),
    ...(options.requestTimeoutMs !== undefined
      ? { requestHandler: { requestTimeout: options.requestTimeoutMs, connectionTimeout: options.requestTimeoutMs } }
      : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, doc };
}
