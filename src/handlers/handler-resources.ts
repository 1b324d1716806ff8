/**
 * What a Lambda container keeps between invocations: configuration, one lazy Temporal connection, the
 * DynamoDB clients and a tenant-bound `MemoryClient` per recent tenant. Created on the first invocation
 * (a failed creation is retried by the next one) and reused while the container is warm, so a warm
 * invocation opens no connection.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Client, Connection } from '@temporalio/client';
import { MemoryClient } from '../client/memory-client';
import { HANDLER_TEMPORAL_ATTEMPTS, HANDLER_TENANT_CLIENTS_CACHED } from '../defaults';
import { ConfigurationError } from '../errors';
import { loadManagers } from '../managers/load-managers';
import type { ManagerRegistry } from '../managers/manager-registry';
import { createDynamoClients } from '../store/dynamo-clients';
import { DynamoMemoryStore } from '../store/memory-store';
import { temporalConnectOptions, waitingCallerClient } from '../temporal-connect-options';
import { loadHandlerConfig, type HandlerConfig } from './handler-config';

/** Counters a test or a log line can read: how much this container has set up. */
export interface ContainerStats {
  /** Temporal connections this container created (1 after the first invocation, for its whole life). */
  temporalConnectionsOpened: number;
  invocations: number;
}

/** The container's shared resources. */
export interface HandlerResources {
  config: HandlerConfig;
  connection: Connection;
  /** A client bound to the tenant's namespace prefix (cached per tenant, least recently used dropped). */
  clientFor(tenant: readonly string[]): MemoryClient;
}

export const containerStats: ContainerStats = { temporalConnectionsOpened: 0, invocations: 0 };

let shared: Promise<HandlerResources> | undefined;

/** The container's resources, created on first use. */
export function handlerResources(): Promise<HandlerResources> {
  shared ??= createResources().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** The Temporal API key from a Secrets Manager secret (read once per container); else envconfig's TEMPORAL_API_KEY applies. */
async function temporalApiKey(config: HandlerConfig): Promise<string | undefined> {
  if (!config.temporalApiKeySecretArn) return undefined;
  const secrets = new SecretsManagerClient({ region: config.awsRegion });
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: config.temporalApiKeySecretArn }));
    if (!out.SecretString) throw new ConfigurationError('TEMPORAL_API_KEY_SECRET_ARN: the secret has no string value');
    return out.SecretString;
  } finally {
    secrets.destroy();
  }
}

async function createResources(): Promise<HandlerResources> {
  const config = loadHandlerConfig();
  // Address, namespace, TLS / mTLS and gRPC metadata as Temporal's envconfig reads them; the API key may come from Secrets Manager.
  const apiKey = await temporalApiKey(config);
  // A caller is waiting: a few quick attempts, then a 503 with Retry-After.
  const { connection, client: temporal } = waitingCallerClient(temporalConnectOptions(), {
    maxAttempts: HANDLER_TEMPORAL_ATTEMPTS,
    ...(apiKey ? { apiKey } : {}),
  });
  containerStats.temporalConnectionsOpened += 1;
  const managers = loadManagers(config);
  const sharedDynamo = createDynamoClients({ endpoint: config.dynamodbEndpoint, region: config.awsRegion });
  const clients = new Map<string, MemoryClient>();

  const clientFor = (tenant: readonly string[]): MemoryClient => {
    const id = JSON.stringify(tenant);
    const cached = clients.get(id);
    if (cached) {
      // Map order is insertion order: re-inserting marks the tenant as recently used.
      clients.delete(id);
      clients.set(id, cached);
      return cached;
    }
    const client = newTenantClient(config, temporal, managers, tenant, sharedDynamo);
    clients.set(id, client);
    if (clients.size > HANDLER_TENANT_CLIENTS_CACHED) clients.delete(clients.keys().next().value as string);
    return client;
  };
  return { config, connection, clientFor };
}

/**
 * A client bound to one tenant. With TENANT_ROLE_ARN, its DynamoDB calls use that role assumed with the
 * session tag `tenant` = the tenant's last label, so the role's `dynamodb:LeadingKeys` condition confines
 * them to the tenant's partitions even if this code had a bug.
 */
function newTenantClient(
  config: HandlerConfig,
  temporal: Client,
  managers: ManagerRegistry,
  tenant: readonly string[],
  sharedDynamo: ReturnType<typeof createDynamoClients>,
): MemoryClient {
  const dynamo = config.tenantRoleArn
    ? createDynamoClients({
        endpoint: config.dynamodbEndpoint,
        region: config.awsRegion,
        credentials: fromTemporaryCredentials({
          params: {
            RoleArn: config.tenantRoleArn,
            RoleSessionName: 'memory-handler',
            Tags: [{ Key: 'tenant', Value: tenant[tenant.length - 1] ?? '' }],
          },
          clientConfig: { region: config.awsRegion },
        }),
      })
    : sharedDynamo;
  const store = new DynamoMemoryStore(dynamo.doc, config.tableName);
  return new MemoryClient({ temporal, store, tenant, managers, taskQueue: config.taskQueue });
}
