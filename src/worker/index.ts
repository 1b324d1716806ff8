/** Public surface of the worker side. */
export { createMemoryWorker, WORKFLOWS_PATH, type MemoryWorkerOptions, type WorkerSizing } from './create-worker';
export { createDependencies, createStores, type WiredDependencies } from './dependencies';
export { startHealthServer, type HealthServer, type HealthSource } from './health-server';
export { createJsonLogger, jsonLogLine } from './json-logger';
export { detectMemoryLimit, workerCapacity, type CapacityOverrides, type MemoryLimit, type MemoryProbe, type WorkerCapacity } from './memory-sizing';
export { loadWorkerConfig, type WorkerConfig } from './worker-config';
