/**
 * Worker entry point (the container's command, `node dist/worker/main.js`): connects to the configured
 * Temporal server (local, mTLS or Temporal Cloud), serves `/healthz` and Prometheus `/metrics`, logs JSON lines
 * to stdout, sizes its workflow cache from the container's memory, and runs thread workflows and extraction
 * activities until SIGTERM/SIGINT. Then it drains: an extraction in flight gets the shutdown grace to finish,
 * and the process exits 0 once the worker has stopped.
 */
import { NativeConnection, Runtime, type Logger } from '@temporalio/worker';
import { loadConfig } from '../config';
import { ConfigurationError } from '../errors';
import { ensureTable } from '../store/ensure-table';
import { connectionOptionsOf, temporalConnectOptions } from '../temporal-connect-options';
import { createMemoryWorker } from './create-worker';
import { createDependencies } from './dependencies';
import { startHealthServer } from './health-server';
import { createJsonLogger, jsonLogLine } from './json-logger';
import { detectMemoryLimit, workerCapacity } from './memory-sizing';
import { loadWorkerConfig } from './worker-config';

/** Installs the process's Temporal Runtime: JSON logger (core's own logs forwarded to it) and the Prometheus exporter. */
function installRuntime(level: ReturnType<typeof loadWorkerConfig>['logLevel'], metrics: { host: string; port: number }): Logger {
  const logger = createJsonLogger(level);
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metrics.port > 0
        ? { metrics: { prometheus: { bindAddress: `${metrics.host.includes(':') ? `[${metrics.host}]` : metrics.host}:${metrics.port}` } } }
        : {}),
    },
  });
  return logger;
}

async function main(): Promise<void> {
  // Process start → here: Node's boot and the modules above (the largest part of a cold start).
  const modulesLoadedMs = performance.now();
  const workerConfig = loadWorkerConfig();
  const config = loadConfig();
  const temporal = temporalConnectOptions();
  const logger = installRuntime(workerConfig.logLevel, { host: workerConfig.bindHost, port: workerConfig.metricsPort });
  const deps = createDependencies(config);
  const memory = detectMemoryLimit(workerConfig.memoryLimitMiB);
  const capacity = workerCapacity(memory.mib, {
    maxCachedWorkflows: workerConfig.maxCachedWorkflows,
    maxConcurrentExtractions: workerConfig.maxConcurrentExtractions,
  });
  logger.info('worker capacity', { memorySource: memory.source, ...capacity });

  // The start-up steps that wait on the network run together, before the worker is created (a created worker
  // holds the connection open, so a failed table check after it would end in "cannot close" instead of its cause).
  const [health, connection] = await Promise.all([
    workerConfig.healthPort > 0 ? startHealthServer({ port: workerConfig.healthPort, host: workerConfig.bindHost }) : undefined,
    NativeConnection.connect(connectionOptionsOf(temporal)),
    // Local stacks only; in AWS the table belongs to the infrastructure stack.
    config.dynamodbEndpoint ? ensureTable(deps.dynamo.client, config.tableName) : undefined,
  ]);
  const connectedMs = performance.now();
  try {
    const worker = await createMemoryWorker({
      ...deps,
      connection,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      workflowBundlePath: config.workflowBundlePath,
      shutdownGraceTimeMs: workerConfig.shutdownGraceMs,
      shutdownForceTimeMs: workerConfig.shutdownForceMs,
      sizing: {
        maxCachedWorkflows: capacity.maxCachedWorkflows,
        maxConcurrentActivityTaskExecutions: capacity.maxConcurrentActivityTaskExecutions,
        maxConcurrentWorkflowTaskExecutions: capacity.maxConcurrentWorkflowTaskExecutions,
      },
    });
    health?.attach(worker);
    logger.info('worker started', {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      tls: temporal.tls !== undefined && temporal.tls !== false,
      apiKey: temporal.apiKey !== undefined,
      workflowBundle: config.workflowBundlePath ?? 'bundled from source',
      healthPort: health?.port ?? 0,
      metricsPort: workerConfig.metricsPort,
      // ms since the process started, cumulative: modules loaded, connected (with health server and table), worker created.
      startupMs: { modulesLoaded: Math.round(modulesLoadedMs), connected: Math.round(connectedMs), workerCreated: Math.round(performance.now()) },
    });
    await worker.run();
    logger.info('worker stopped', { state: worker.getState() });
  } finally {
    await health?.close();
    await connection.close();
    deps.dynamo.client.destroy();
  }
}

main().then(
  () => {
    Runtime.instance().flushLogs();
    // Clients may keep sockets alive; the container is done once the worker has stopped.
    process.exit(0);
  },
  (err: unknown) => {
    // One JSON line, like every other line; configuration mistakes without their stack.
    const error = err instanceof ConfigurationError ? `${err.name}: ${err.message}` : err;
    const message = err instanceof ConfigurationError ? 'invalid configuration' : 'worker failed';
    process.stdout.write(jsonLogLine({ level: 'ERROR', message, timestampNanos: BigInt(Date.now()) * 1_000_000n, meta: { error } }));
    process.exit(1);
  },
);
