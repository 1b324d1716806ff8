/** Public surface of the worker side. */
export { createMemoryWorker, WORKFLOWS_PATH, type MemoryWorkerOptions } from './create-worker';
export { createDependencies, type WiredDependencies } from './dependencies';
