/**
 * Temporal connection options from the environment (src/temporal-connect-options.ts): local defaults, Temporal
 * Cloud with an API key, mTLS from files, a TOML profile, and errors that name the variable. The options are
 * then used for real: a NativeConnection (worker) and a client Connection to the dev server.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE } from '../../src/defaults';
import { ConfigurationError } from '../../src/errors';
import { connectionOptionsOf, temporalConnectOptions } from '../../src/temporal-connect-options';
import { temporalAddress } from '../support/test-env';

const dir = mkdtempSync(join(tmpdir(), 'temporal-connect-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const certPath = file('client.pem', '-----BEGIN CERTIFICATE-----\nfake cert\n-----END CERTIFICATE-----\n');
const keyPath = file('client.key', '-----BEGIN PRIVATE KEY-----\nfake key\n-----END PRIVATE KEY-----\n');
const caPath = file('ca.pem', '-----BEGIN CERTIFICATE-----\nfake ca\n-----END CERTIFICATE-----\n');

/** Only the given variables: no HOME, so no default temporal.toml is read. */
const options = (env: Record<string, string>) => temporalConnectOptions(env);

function configurationError(env: Record<string, string>): ConfigurationError {
  try {
    options(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error('expected a ConfigurationError');
}

test('no variables: the local dev server, plaintext, no key', () => {
  expect(options({})).toEqual({ address: DEFAULT_TEMPORAL_ADDRESS, namespace: DEFAULT_TEMPORAL_NAMESPACE });
});

test('blank variables count as unset', () => {
  expect(options({ TEMPORAL_ADDRESS: '  ', TEMPORAL_NAMESPACE: '', TEMPORAL_API_KEY: '' })).toEqual({
    address: DEFAULT_TEMPORAL_ADDRESS,
    namespace: DEFAULT_TEMPORAL_NAMESPACE,
  });
});

test('Temporal Cloud with an API key: TLS on, the key, the namespace', () => {
  expect(options({ TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'memories.a1b2c', TEMPORAL_API_KEY: 'secret-key' })).toEqual({
    address: 'us-east-1.aws.api.temporal.io:7233',
    namespace: 'memories.a1b2c',
    apiKey: 'secret-key',
    tls: true,
  });
});

test('mTLS: the client certificate pair, CA and server name from files and variables', () => {
  const result = options({
    TEMPORAL_ADDRESS: 'memories.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'memories.a1b2c',
    TEMPORAL_TLS_CLIENT_CERT_PATH: certPath,
    TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: caPath,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  });
  expect(result.apiKey).toBeUndefined();
  const tls = result.tls as { clientCertPair?: { crt: Uint8Array; key: Uint8Array }; serverRootCACertificate?: Uint8Array; serverNameOverride?: string };
  expect(Buffer.from(tls.clientCertPair?.crt ?? []).toString()).toContain('fake cert');
  expect(Buffer.from(tls.clientCertPair?.key ?? []).toString()).toContain('fake key');
  expect(Buffer.from(tls.serverRootCACertificate ?? []).toString()).toContain('fake ca');
  expect(tls.serverNameOverride).toBe('temporal.internal');
});

test('TEMPORAL_TLS=false turns TLS off even with an API key; gRPC metadata from TEMPORAL_GRPC_META_*', () => {
  expect(options({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false', TEMPORAL_GRPC_META_X_TENANT: 'acme' })).toEqual({
    address: DEFAULT_TEMPORAL_ADDRESS,
    namespace: DEFAULT_TEMPORAL_NAMESPACE,
    apiKey: 'k',
    tls: false,
    metadata: { 'x-tenant': 'acme' },
  });
});

test('a TOML profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE), with variables overriding it', () => {
  const config = file(
    'temporal.toml',
    ['[profile.cloud]', 'address = "memories.a1b2c.tmprl.cloud:7233"', 'namespace = "memories.a1b2c"', 'api_key = "from-file"', ''].join('\n'),
  );
  expect(options({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'cloud' })).toEqual({
    address: 'memories.a1b2c.tmprl.cloud:7233',
    namespace: 'memories.a1b2c',
    apiKey: 'from-file',
    tls: true,
  });
  expect(options({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'cloud', TEMPORAL_API_KEY: 'from-env' }).apiKey).toBe('from-env');
  expect(configurationError({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'missing' }).message).toMatch(/^TEMPORAL_PROFILE.*'missing' not found/);
});

test.each([
  [{ TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS: must be true, false, 1 or 0'],
  [{ TEMPORAL_ADDRESS: 'http://localhost:7233' }, 'TEMPORAL_ADDRESS: must be host:port'],
  [{ TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'nope.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath }, 'TEMPORAL_TLS_CLIENT_CERT_PATH: no file at this path'],
  [{ TEMPORAL_TLS_CLIENT_CERT_PATH: certPath }, 'TEMPORAL_TLS_CLIENT_KEY_PATH: required with the other half'],
  [{ TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') }, 'TEMPORAL_CONFIG_FILE: no file at this path'],
])('%j is refused naming the variable', (env, message) => {
  expect(configurationError(env).message).toContain(message);
});

test('the same options connect a worker (NativeConnection) and a client (Connection) to the dev server', async () => {
  // An API key over plaintext (TEMPORAL_TLS=false): the dev server ignores it, but both connection types must take the options as they are.
  const result = temporalConnectOptions({
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_API_KEY: 'dev-key',
    TEMPORAL_TLS: 'false',
    TEMPORAL_GRPC_META_X_TEST: 'yes',
  });
  const native = await NativeConnection.connect(connectionOptionsOf(result));
  const client = await Connection.connect(connectionOptionsOf(result));
  try {
    const described = await client.workflowService.describeNamespace({ namespace: result.namespace });
    expect(described.namespaceInfo?.name).toBe(DEFAULT_TEMPORAL_NAMESPACE);
    const viaWorker = await native.workflowService.describeNamespace({ namespace: result.namespace });
    expect(viaWorker.namespaceInfo?.name).toBe(DEFAULT_TEMPORAL_NAMESPACE);
  } finally {
    await client.close();
    await native.close();
  }
});
