/** Public surface of the worker side. */
export { createMemoryWorker, WORKFLOWS_PATH, type MemoryWorkerOptions } from './create-worker';
export { createDependencies, createStores, type WiredDependencies } from './dependencies';
