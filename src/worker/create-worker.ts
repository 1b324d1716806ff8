/** Builds the Temporal worker that runs thread workflows and extraction activities. */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_NAMESPACE, WORKER_SHUTDOWN_GRACE_MS } from '../defaults';

/** The worker's sizes (see `workerCapacity`); unset ones are the SDK's defaults. */
export type WorkerSizing = Partial<Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'>>;

/** Options of {@link createMemoryWorker}. */
export interface MemoryWorkerOptions extends ActivityDependencies {
  connection: NativeConnection;
  /** @default DEFAULT_TEMPORAL_NAMESPACE */
  namespace?: string;
  /** @default DEFAULT_TASK_QUEUE */
  taskQueue?: string;
  /** A pre-built workflow bundle (see scripts/build-workflow-bundle.ts); bundles from source when unset. */
  workflowBundlePath?: string;
  /** @default WORKER_SHUTDOWN_GRACE_MS */
  shutdownGraceTimeMs?: number;
  /** After this long draining, the worker gives up and `run()` rejects (the process should exit). @default none */
  shutdownForceTimeMs?: number;
  /** Cache and slot sizes. @default the SDK's (its cache grows with the heap limit, not the container) */
  sizing?: WorkerSizing;
}

/** Path of the workflows entry module, resolved so it works from TypeScript sources and from dist/. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * @example
 * const worker = await createMemoryWorker({ connection, store, batches, extractor });
 * await worker.run();
 */
export async function createMemoryWorker(options: MemoryWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workflowBundlePath, shutdownGraceTimeMs, shutdownForceTimeMs, sizing, ...deps } = options;
  return Worker.create({
    connection,
    namespace: namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    taskQueue: taskQueue ?? DEFAULT_TASK_QUEUE,
    activities: createActivities(deps),
    ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    shutdownGraceTime: shutdownGraceTimeMs ?? WORKER_SHUTDOWN_GRACE_MS,
    ...(shutdownForceTimeMs !== undefined ? { shutdownForceTime: shutdownForceTimeMs } : {}),
    ...sizing,
  });
}
