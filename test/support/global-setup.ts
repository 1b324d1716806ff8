/**
 * Starts the real servers once per test run: the Temporal CLI dev server and DynamoDB Local (in-memory).
 * Their addresses reach the test files through env vars; globalTeardown stops them.
 */
import { startDynamoDbLocal } from '../../src/testing/dynamodb-local';
import { startTemporalDevServer } from '../../src/testing/temporal-dev-server';
import { TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS } from './test-env';
import { useProjectTools } from '../../dev/project-paths';

export default async function globalSetup(): Promise<void> {
  useProjectTools();
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  // A low continue-as-new suggestion makes every thread workflow carry its state into new runs during the
  // tests, so continue-as-new is exercised everywhere, not just in one test.
  const [temporal, dynamo] = await Promise.all([
    startTemporalDevServer({ extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${TEST_SUGGEST_CONTINUE_AS_NEW_EVENTS}`] }),
    startDynamoDbLocal(),
  ]);
  process.env['TEST_TEMPORAL_ADDRESS'] = temporal.address;
  process.env['TEST_DYNAMODB_ENDPOINT'] = dynamo.endpoint;
  (globalThis as Record<string, unknown>)['__LOCAL_SERVERS__'] = [temporal, dynamo];
}
