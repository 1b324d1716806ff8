/**
 * The container's health endpoint, for the ECS (or Kubernetes) health check:
 *   GET /healthz → 200 while the worker is RUNNING; 503 before it runs and once it drains, stops or fails.
 *   GET /readyz  → 200 while it is RUNNING and both its workflow and activity pollers are polling.
 * Both answer a small JSON body with the worker's state (and, for /readyz, its pollers and cache).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';

/** What the health server asks of the worker; `undefined` while it is still being created. */
export type HealthSource = Pick<Worker, 'getState' | 'getStatus'>;

/** A running health server. */
export interface HealthServer {
  /** The port it listens on (the one asked for, or the one the system chose for port 0). */
  port: number;
  /** Points the endpoints at the worker once it exists (before that they answer 503 `STARTING`). */
  attach(worker: HealthSource): void;
  close(): Promise<void>;
}

type Probe = { status: number; body: Record<string, unknown> };

function healthz(worker: HealthSource | undefined): Probe {
  const state = worker?.getState() ?? 'STARTING';
  return { status: state === 'RUNNING' ? 200 : 503, body: { state } };
}

function readyz(worker: HealthSource | undefined): Probe {
  if (!worker) return { status: 503, body: { state: 'STARTING' } };
  const status = worker.getStatus();
  const ready = status.runState === 'RUNNING' && status.workflowPollerState === 'POLLING' && status.activityPollerState === 'POLLING';
  return {
    status: ready ? 200 : 503,
    body: {
      state: status.runState,
      workflowPoller: status.workflowPollerState,
      activityPoller: status.activityPollerState,
      cachedWorkflows: status.numCachedWorkflows,
      activitiesInFlight: status.numInFlightActivities,
    },
  };
}

/**
 * Starts the health server on `host:port`.
 * @example
 * const health = await startHealthServer({ port: 8080, host: '0.0.0.0' });
 * health.attach(worker);
 */
export async function startHealthServer(options: { port: number; host: string; worker?: HealthSource }): Promise<HealthServer> {
  let worker = options.worker;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const probe =
      req.method !== 'GET' && req.method !== 'HEAD' ? undefined : path === '/healthz' ? healthz(worker) : path === '/readyz' ? readyz(worker) : undefined;
    const { status, body } = probe ?? { status: 404, body: { error: `no route ${req.method ?? ''} ${path ?? ''}` } };
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
  });
  // Health checks must not keep the process alive once the worker has stopped.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    attach(next) {
      worker = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
