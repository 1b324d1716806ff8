/** The worker's health endpoint (src/worker/health-server.ts) over real HTTP, against a real worker's states. */
import '../support/quiet-temporal-logs';
import { NativeConnection, Worker, type State } from '@temporalio/worker';
import { freePort } from '../../src/testing/free-port';
import { startHealthServer, type HealthServer, type HealthSource } from '../../src/worker/health-server';
import { temporalAddress, uniqueId } from '../support/test-env';

let server: HealthServer;
afterEach(async () => server?.close());

async function get(path: string, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A worker stand-in in a given state (the real worker's transitions are checked below). */
function inState(runState: State, pollers: 'POLLING' | 'SHUTDOWN' = 'POLLING'): HealthSource {
  return {
    getState: () => runState,
    getStatus: () => ({
      runState,
      workflowPollerState: pollers,
      activityPollerState: pollers,
      hasOutstandingWorkflowPoll: false,
      hasOutstandingActivityPoll: false,
      numInFlightWorkflowActivations: 0,
      numInFlightActivities: 0,
      numInFlightNonLocalActivities: 0,
      numInFlightLocalActivities: 0,
      numCachedWorkflows: 3,
      numHeartbeatingActivities: 0,
    }),
  };
}

test('503 STARTING until a worker is attached; 200 only while RUNNING', async () => {
  server = await startHealthServer({ port: await freePort(), host: '127.0.0.1' });
  expect(await get('/healthz')).toEqual({ status: 503, body: { state: 'STARTING' } });
  expect(await get('/readyz')).toEqual({ status: 503, body: { state: 'STARTING' } });
  server.attach(inState('RUNNING'));
  expect(await get('/healthz')).toEqual({ status: 200, body: { state: 'RUNNING' } });
  expect(await get('/readyz')).toEqual({
    status: 200,
    body: { state: 'RUNNING', workflowPoller: 'POLLING', activityPoller: 'POLLING', cachedWorkflows: 3, activitiesInFlight: 0 },
  });
  for (const state of ['INITIALIZED', 'DRAINING', 'DRAINED', 'STOPPING', 'STOPPED', 'FAILED'] as const) {
    server.attach(inState(state));
    expect(await get('/healthz')).toEqual({ status: 503, body: { state } });
  }
  server.attach(inState('RUNNING', 'SHUTDOWN'));
  expect((await get('/readyz')).status).toBe(503);
  expect((await get('/healthz?verbose=1')).status).toBe(200);
  expect((await get('/metrics')).status).toBe(404);
  expect((await get('/healthz', 'POST')).status).toBe(404);
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`, { method: 'HEAD' })).status).toBe(200);
});

test('follows a real worker: 503 before run, 200 while running, 503 once shut down', async () => {
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  try {
    const worker = await Worker.create({ connection, taskQueue: uniqueId('health'), activities: { noop: () => Promise.resolve() } });
    server = await startHealthServer({ port: await freePort(), host: '127.0.0.1', worker });
    expect(await get('/healthz')).toEqual({ status: 503, body: { state: 'INITIALIZED' } });
    const seen: unknown[] = [];
    await worker.runUntil(async () => {
      seen.push(await get('/healthz'));
    });
    expect(seen).toEqual([{ status: 200, body: { state: 'RUNNING' } }]);
    expect(await get('/healthz')).toEqual({ status: 503, body: { state: 'STOPPED' } });
  } finally {
    await connection.close();
  }
});

test('a port already taken fails the start instead of serving nothing', async () => {
  server = await startHealthServer({ port: await freePort(), host: '127.0.0.1' });
  await expect(startHealthServer({ port: server.port, host: '127.0.0.1' })).rejects.toThrow(/EADDRINUSE/);
});
