/** The dev commands that start a worker (demo, dev console) accept only this machine's loopback targets. */
import { assertLocalTargets } from '../../dev/local-only';
import { ConfigurationError } from '../../src/errors';

test.each([
  ['nothing configured (the command starts its own servers)', {}],
  ['127.0.0.1', { TEMPORAL_ADDRESS: '127.0.0.1:7233', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }],
  ['another 127/8 address and localhost', { TEMPORAL_ADDRESS: '127.0.0.2:7233', DYNAMODB_ENDPOINT: 'http://localhost:8000' }],
  ['IPv6 loopback', { TEMPORAL_ADDRESS: '[::1]:7233', DYNAMODB_ENDPOINT: 'http://[::1]:8000' }],
])('accepts %s', (_name, env) => {
  expect(() => assertLocalTargets('npm run demo', env)).not.toThrow();
});

test.each([
  ['a cloud Temporal address', { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' }, /Temporal address ns\.acct\.tmprl\.cloud:7233/],
  ['a LAN Temporal address', { TEMPORAL_ADDRESS: '10.0.0.5:7233' }, /10\.0\.0\.5:7233 .*not a loopback/],
  ['a name that only starts like loopback', { TEMPORAL_ADDRESS: '127.0.0.1.evil.example:7233' }, /not a loopback/],
  ['a Temporal API key', { TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_API_KEY: 'k' }, /API key or TLS/],
  ['AWS DynamoDB', { DYNAMODB_ENDPOINT: 'https://dynamodb.eu-west-1.amazonaws.com' }, /DYNAMODB_ENDPOINT .*not a loopback/],
  ['a LAN DynamoDB', { DYNAMODB_ENDPOINT: 'http://192.168.1.20:8000' }, /DYNAMODB_ENDPOINT/],
])('refuses %s, naming what to use instead', (_name, env, message) => {
  let thrown: unknown;
  try {
    assertLocalTargets('npm run console', env);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigurationError);
  expect((thrown as Error).message).toMatch(message);
  expect((thrown as Error).message).toContain('memory-ops console');
});
