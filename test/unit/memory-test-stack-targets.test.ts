/**
 * `startMemoryTestStack` runs a worker of its own, so it refuses a Temporal or DynamoDB target beyond loopback
 * before it starts anything (no server, no worker, no connection).
 */
import { ConfigurationError } from '../../src/errors';
import { isLoopbackHost } from '../../src/testing/loopback';
import { startMemoryTestStack } from '../../src/testing/memory-test-stack';

test.each([
  [{ temporalAddress: 'my-ns.a1b2c.tmprl.cloud:7233' }, /temporalAddress: my-ns\.a1b2c\.tmprl\.cloud:7233 is not a loopback address/],
  [{ temporalAddress: '10.0.0.5:7233' }, /temporalAddress/],
  [{ dynamodbEndpoint: 'https://dynamodb.us-east-1.amazonaws.com' }, /dynamodbEndpoint: .* is not a loopback address/],
  [{ temporalAddress: '127.0.0.1:7233', dynamodbEndpoint: 'http://192.168.1.20:8000' }, /dynamodbEndpoint/],
])('refuses %j before starting anything', async (options, message) => {
  await expect(startMemoryTestStack(options)).rejects.toThrow(ConfigurationError);
  await expect(startMemoryTestStack(options)).rejects.toThrow(message);
});

test('loopback hosts', () => {
  for (const host of ['localhost', '127.0.0.1', '127.3.2.1', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
  for (const host of ['127.0.0.1.evil.example', '10.0.0.1', 'example.com', '::2']) expect(isLoopbackHost(host)).toBe(false);
});
