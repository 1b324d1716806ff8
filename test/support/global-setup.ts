/**
 * Starts the real servers once per test run: the Temporal CLI dev server and DynamoDB Local (in-memory).
 * Their addresses reach the test files through env vars; globalTeardown stops them.
 */
import { startDynamoDbLocal } from '../../src/local/dynamodb-local';
import { startTemporalDevServer } from '../../src/local/temporal-dev-server';

export default async function globalSetup(): Promise<void> {
  const [temporal, dynamo] = await Promise.all([startTemporalDevServer(), startDynamoDbLocal()]);
  process.env['TEST_TEMPORAL_ADDRESS'] = temporal.address;
  process.env['TEST_DYNAMODB_ENDPOINT'] = dynamo.endpoint;
  (globalThis as Record<string, unknown>)['__LOCAL_SERVERS__'] = [temporal, dynamo];
}
