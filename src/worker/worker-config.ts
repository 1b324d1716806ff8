/**
 * The worker container's own settings (ports, memory, shutdown, logging), from environment variables
 * validated with zod so a bad value fails at startup naming the variable. The shared settings (Temporal
 * task queue, DynamoDB, model) are `loadConfig`'s; the Temporal connection is `temporalConnectOptions`'.
 */
import { z } from 'zod';
import {
  DEFAULT_HEALTH_PORT,
  DEFAULT_METRICS_PORT,
  DEFAULT_WORKER_BIND_HOST,
  DEFAULT_WORKER_LOG_LEVEL,
  WORKER_SHUTDOWN_FORCE_MS,
  WORKER_SHUTDOWN_GRACE_MS,
} from '../defaults';
import { parseEnv } from '../config';

/** A TCP port, or 0 to turn the server off. */
const port = z.coerce.number({ message: 'must be a port number' }).int('must be a whole number').min(0).max(65_535);
const positiveInt = z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be positive');

const envSchema = z
  .object({
    HEALTH_PORT: port.default(DEFAULT_HEALTH_PORT),
    METRICS_PORT: port.default(DEFAULT_METRICS_PORT),
    WORKER_BIND_HOST: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IP address, e.g. 0.0.0.0 or 127.0.0.1' }).default(DEFAULT_WORKER_BIND_HOST),
    WORKER_MEMORY_LIMIT_MB: positiveInt.optional(),
    WORKER_MAX_CACHED_WORKFLOWS: positiveInt.min(2, 'must be at least 2 (the SDK needs two cached workflows)').optional(),
    WORKER_MAX_CONCURRENT_EXTRACTIONS: positiveInt.optional(),
    WORKER_SHUTDOWN_GRACE_MS: z.coerce.number({ message: 'must be a number of ms' }).int().min(0).default(WORKER_SHUTDOWN_GRACE_MS),
    WORKER_SHUTDOWN_FORCE_MS: z.coerce.number({ message: 'must be a number of ms' }).int().positive().default(WORKER_SHUTDOWN_FORCE_MS),
    LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default(DEFAULT_WORKER_LOG_LEVEL),
  })
  .superRefine((env, ctx) => {
    if (env.WORKER_SHUTDOWN_FORCE_MS <= env.WORKER_SHUTDOWN_GRACE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_SHUTDOWN_FORCE_MS'],
        message: `must be longer than WORKER_SHUTDOWN_GRACE_MS (${env.WORKER_SHUTDOWN_GRACE_MS})`,
      });
    }
    if (env.HEALTH_PORT !== 0 && env.HEALTH_PORT === env.METRICS_PORT) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from HEALTH_PORT' });
    }
  });

/** The worker container's validated settings. */
export interface WorkerConfig {
  /** Port of `/healthz` and `/readyz`; 0: no health server. @default DEFAULT_HEALTH_PORT */
  healthPort: number;
  /** Port of the Prometheus `/metrics` endpoint; 0: no metrics. @default DEFAULT_METRICS_PORT */
  metricsPort: number;
  /** Address both servers bind. @default DEFAULT_WORKER_BIND_HOST */
  bindHost: string;
  /** The container's memory (MiB) when set explicitly; else detected (cgroup, else DEFAULT_WORKER_MEMORY_MIB). */
  memoryLimitMiB: number | undefined;
  /** Overrides of the sizes computed from memory. */
  maxCachedWorkflows: number | undefined;
  maxConcurrentExtractions: number | undefined;
  /** @default WORKER_SHUTDOWN_GRACE_MS */
  shutdownGraceMs: number;
  /** @default WORKER_SHUTDOWN_FORCE_MS */
  shutdownForceMs: number;
  /** @default DEFAULT_WORKER_LOG_LEVEL */
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Reads and validates the worker's settings; throws a `ConfigurationError` naming each bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(envSchema, env, 'worker configuration');
  return {
    healthPort: e.HEALTH_PORT,
    metricsPort: e.METRICS_PORT,
    bindHost: e.WORKER_BIND_HOST,
    memoryLimitMiB: e.WORKER_MEMORY_LIMIT_MB,
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentExtractions: e.WORKER_MAX_CONCURRENT_EXTRACTIONS,
    shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
    shutdownForceMs: e.WORKER_SHUTDOWN_FORCE_MS,
    logLevel: e.LOG_LEVEL,
  };
}
