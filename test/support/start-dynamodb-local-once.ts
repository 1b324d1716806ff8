/** Starts DynamoDB Local, prints its endpoint and stops it: run as a child process with a chosen PATH. */
import { startDynamoDbLocal } from '../../src/testing/dynamodb-local';

startDynamoDbLocal({ startTimeoutMs: 10_000 })
  .then(async (dynamo) => {
    console.log(`ready ${dynamo.endpoint}`);
    await dynamo.stop();
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
