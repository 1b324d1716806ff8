/** The worker container's own settings (src/worker/worker-config.ts): defaults, and errors naming the variable. */
import {
  DEFAULT_HEALTH_PORT,
  DEFAULT_METRICS_PORT,
  DEFAULT_WORKER_BIND_HOST,
  WORKER_SHUTDOWN_FORCE_MS,
  WORKER_SHUTDOWN_GRACE_MS,
  MODEL_REQUEST_TIMEOUT_MS,
} from '../../src/defaults';
import { ConfigurationError } from '../../src/errors';
import { loadWorkerConfig } from '../../src/worker/worker-config';

test('defaults: health on 8080, metrics on 9464, every interface, shutdown grace longer than one model call', () => {
  expect(loadWorkerConfig({})).toEqual({
    healthPort: DEFAULT_HEALTH_PORT,
    metricsPort: DEFAULT_METRICS_PORT,
    bindHost: DEFAULT_WORKER_BIND_HOST,
    memoryLimitMiB: undefined,
    maxCachedWorkflows: undefined,
    maxConcurrentExtractions: undefined,
    shutdownGraceMs: WORKER_SHUTDOWN_GRACE_MS,
    shutdownForceMs: WORKER_SHUTDOWN_FORCE_MS,
    logLevel: 'INFO',
  });
  expect([DEFAULT_HEALTH_PORT, DEFAULT_METRICS_PORT]).toEqual([8080, 9464]);
  // The grace outlasts a model call; the forced stop comes before ECS's SIGKILL (stopTimeout 120 s, the Fargate maximum).
  expect(WORKER_SHUTDOWN_GRACE_MS).toBeGreaterThan(MODEL_REQUEST_TIMEOUT_MS);
  expect(WORKER_SHUTDOWN_FORCE_MS).toBeGreaterThan(WORKER_SHUTDOWN_GRACE_MS);
  expect(WORKER_SHUTDOWN_FORCE_MS).toBeLessThan(120_000);
});

test('values are parsed; blank counts as unset; 0 turns a server off', () => {
  expect(
    loadWorkerConfig({
      HEALTH_PORT: '0',
      METRICS_PORT: ' 9100 ',
      WORKER_BIND_HOST: '127.0.0.1',
      WORKER_MEMORY_LIMIT_MB: '2048',
      WORKER_MAX_CACHED_WORKFLOWS: '500',
      WORKER_MAX_CONCURRENT_EXTRACTIONS: '',
      WORKER_SHUTDOWN_GRACE_MS: '5000',
      WORKER_SHUTDOWN_FORCE_MS: '8000',
      LOG_LEVEL: 'DEBUG',
    }),
  ).toMatchObject({
    healthPort: 0,
    metricsPort: 9100,
    bindHost: '127.0.0.1',
    memoryLimitMiB: 2048,
    maxCachedWorkflows: 500,
    maxConcurrentExtractions: undefined,
    shutdownGraceMs: 5000,
    shutdownForceMs: 8000,
    logLevel: 'DEBUG',
  });
});

test.each([
  [{ HEALTH_PORT: 'eighty' }, 'HEALTH_PORT: must be a port number'],
  [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
  [{ HEALTH_PORT: '9000', METRICS_PORT: '9000' }, 'METRICS_PORT: must differ from HEALTH_PORT'],
  [{ WORKER_BIND_HOST: 'localhost' }, 'WORKER_BIND_HOST: must be an IP address'],
  [{ WORKER_MEMORY_LIMIT_MB: '1g' }, 'WORKER_MEMORY_LIMIT_MB: must be a number'],
  [{ WORKER_MEMORY_LIMIT_MB: '-5' }, 'WORKER_MEMORY_LIMIT_MB: must be positive'],
  [{ WORKER_MAX_CACHED_WORKFLOWS: '1' }, 'WORKER_MAX_CACHED_WORKFLOWS: must be at least 2'],
  [{ WORKER_SHUTDOWN_GRACE_MS: '130000' }, 'WORKER_SHUTDOWN_FORCE_MS: must be longer than WORKER_SHUTDOWN_GRACE_MS'],
  [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
])('%j is refused naming the variable', (env, message) => {
  expect(() => loadWorkerConfig(env)).toThrow(ConfigurationError);
  expect(() => loadWorkerConfig(env)).toThrow(message);
});
