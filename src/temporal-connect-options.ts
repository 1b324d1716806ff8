/**
 * Where and how to reach Temporal, from the environment: a local dev server, a self-hosted cluster with
 * mTLS, or Temporal Cloud with an API key. Temporal's own `@temporalio/envconfig` reads the variables (and
 * an optional TOML profile) so the names mean what Temporal's documentation says; this module checks them
 * first, so a typo fails at startup naming the variable instead of silently connecting without TLS.
 * Shared by the worker (`NativeConnection.connect`) and clients (`Connection.lazy` / `Connection.connect`).
 */
import { existsSync } from 'node:fs';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { parseEnv, presentVariables } from './config';
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE } from './defaults';
import { ConfigurationError } from './errors';

/** Connection options both `NativeConnection.connect` and `@temporalio/client`'s `Connection` accept, plus the namespace. */
export interface TemporalConnectOptions {
  /** `host:port` of the frontend. @default DEFAULT_TEMPORAL_ADDRESS */
  address: string;
  /** @default DEFAULT_TEMPORAL_NAMESPACE */
  namespace: string;
  /** `true` (system CAs), a TLS config (mTLS client pair, CA, server name), `false`, or unset (plaintext). */
  tls?: TLSConfig | boolean;
  /** Temporal Cloud API key; implies TLS unless TEMPORAL_TLS=false. */
  apiKey?: string;
  /** gRPC metadata sent with every call (TEMPORAL_GRPC_META_<NAME>). */
  metadata?: Record<string, string>;
}

const boolFlag = z.enum(['true', 'false', '1', '0'], { message: 'must be true, false, 1 or 0' });
const existingFile = z.string().refine((path) => existsSync(path), 'no file at this path');

/** The variables envconfig reads that can be checked before it reads them. */
const envSchema = z
  .object({
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s/]+)(:\d{1,5})?$/, 'must be host:port, e.g. my-ns.a1b2c.tmprl.cloud:7233')
      .optional(),
    TEMPORAL_NAMESPACE: z.string().optional(),
    TEMPORAL_API_KEY: z.string().optional(),
    TEMPORAL_TLS: boolFlag.optional(),
    TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: boolFlag.optional(),
    TEMPORAL_TLS_CLIENT_CERT_PATH: existingFile.optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: existingFile.optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: existingFile.optional(),
    TEMPORAL_CONFIG_FILE: existingFile.optional(),
    TEMPORAL_PROFILE: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    const cert = env.TEMPORAL_TLS_CLIENT_CERT_PATH !== undefined;
    const key = env.TEMPORAL_TLS_CLIENT_KEY_PATH !== undefined;
    if (cert !== key) {
      const missing = cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'required with the other half of the mTLS client pair' });
    }
  });

/**
 * Temporal connection options from the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE), falling back to the local
 * dev server's defaults. Throws `ConfigurationError` naming the variable that is wrong.
 * @example
 * const { namespace, ...connection } = temporalConnectOptions();
 * const nativeConnection = await NativeConnection.connect(connection);          // worker
 * const client = new Client({ connection: Connection.lazy(connection), namespace }); // client
 */
export function temporalConnectOptions(env: NodeJS.ProcessEnv = process.env): TemporalConnectOptions {
  // Checked first (throws naming the variable); envconfig then reads the same variables.
  parseEnv(envSchema, env, 'Temporal connection configuration');
  const present = presentVariables(env);
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: present });
  } catch (err) {
    // envconfig's errors name TOML keys, not variables: say which variables lead there.
    const source = present['TEMPORAL_PROFILE'] ? 'TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE' : 'TEMPORAL_CONFIG_FILE (or the default temporal.toml)';
    throw new ConfigurationError(`${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  const apiKeyValue = typeof apiKey === 'string' ? apiKey : undefined;
  return {
    address: address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: loaded.namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(apiKeyValue !== undefined ? { apiKey: apiKeyValue } : {}),
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata: metadata as Record<string, string> } : {}),
  };
}

/** The options without `namespace`, for the `Connection` constructors (which take no namespace). */
export function connectionOptionsOf(options: TemporalConnectOptions): Omit<TemporalConnectOptions, 'namespace'> {
  const { namespace: _namespace, ...connection } = options;
  return connection;
}

/**
 * A client for callers who are waiting (a Lambda handler, an operator): the connection opens on first use,
 * so a Temporal that is down is an error of that call, not of start-up; and a few quick gRPC attempts
 * stand in for the SDK's ten, so the caller hears "unavailable" in seconds. An `apiKey` (e.g. from Secrets
 * Manager) turns TLS on unless the options say otherwise.
 */
export function waitingCallerClient(
  options: TemporalConnectOptions,
  settings: { maxAttempts: number; apiKey?: string },
): { connection: Connection; client: Client } {
  const { namespace, ...target } = options;
  const connection = Connection.lazy({
    ...target,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: target.tls ?? true } : {}),
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: settings.maxAttempts }))],
  });
  return { connection, client: new Client({ connection, namespace }) };
}
