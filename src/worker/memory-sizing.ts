/**
 * Sizes the worker from the memory it is given, so its footprint is bounded by configuration, not by
 * traffic: the workflow cache (each cached sleeping thread holds a few hundred KiB of V8 heap) and the
 * concurrent extractions. An evicted thread workflow costs nothing but a replay of its history when its
 * timer fires; an unbounded cache costs the container. Formula and constants: src/defaults.ts, "worker sizing".
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import {
  CACHED_WORKFLOW_KIB,
  DEFAULT_WORKER_MEMORY_MIB,
  EXTRACTION_MEMORY_MIB,
  EXTRACTION_MEMORY_SHARE,
  MAX_CACHED_WORKFLOWS,
  MAX_CONCURRENT_EXTRACTIONS,
  MAX_CONCURRENT_WORKFLOW_TASKS,
  MIN_CACHED_WORKFLOWS,
  MIN_CONCURRENT_EXTRACTIONS,
  WORKER_BASE_MEMORY_MIB,
  WORKER_MEMORY_HEADROOM_FRACTION,
} from '../defaults';

const MIB = 1024 * 1024;

/** The memory the worker may use and where that figure came from. */
export interface MemoryLimit {
  mib: number;
  source: 'WORKER_MEMORY_LIMIT_MB' | 'cgroup v2 memory.max' | 'cgroup v1 memory.limit_in_bytes' | 'default budget (no limit stated)' | 'V8 heap limit';
}

/** What {@link detectMemoryLimit} reads; tests pass their own files and figures. */
export interface MemoryProbe {
  /** A file's text, or undefined when it cannot be read. @default readFileSync, errors → undefined */
  readFile?: (path: string) => string | undefined;
  /** @default os.totalmem() */
  totalMemoryBytes?: number;
  /** @default v8.getHeapStatistics().heap_size_limit */
  heapLimitBytes?: number;
}

export const CGROUP_V2_MEMORY_MAX = '/sys/fs/cgroup/memory.max';
export const CGROUP_V1_MEMORY_LIMIT = '/sys/fs/cgroup/memory/memory.limit_in_bytes';

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A cgroup limit in bytes, or undefined when absent, `max`, or no tighter than the machine (v1 writes ~2^63 for "none"). */
function cgroupBytes(text: string | undefined, totalMemoryBytes: number): number | undefined {
  const value = text?.trim();
  if (!value || value === 'max' || !/^\d+$/.test(value)) return undefined;
  const bytes = Number(value);
  return bytes > 0 && bytes < totalMemoryBytes ? bytes : undefined;
}

/**
 * The memory the worker may use: WORKER_MEMORY_LIMIT_MB when set, else the container's cgroup limit (v2,
 * then v1), else a fixed, modest budget (DEFAULT_WORKER_MEMORY_MIB) — never V8's heap limit, which on a host
 * without a limit is a quarter or more of the machine — or the V8 heap limit when that is smaller still.
 * The worker's start-up log line names the source, so a default budget is visible.
 */
export function detectMemoryLimit(configuredMiB: number | undefined, probe: MemoryProbe = {}): MemoryLimit {
  if (configuredMiB !== undefined) return { mib: configuredMiB, source: 'WORKER_MEMORY_LIMIT_MB' };
  const read = probe.readFile ?? readOrUndefined;
  const total = probe.totalMemoryBytes ?? totalmem();
  const v2 = cgroupBytes(read(CGROUP_V2_MEMORY_MAX), total);
  if (v2 !== undefined) return { mib: Math.floor(v2 / MIB), source: 'cgroup v2 memory.max' };
  const v1 = cgroupBytes(read(CGROUP_V1_MEMORY_LIMIT), total);
  if (v1 !== undefined) return { mib: Math.floor(v1 / MIB), source: 'cgroup v1 memory.limit_in_bytes' };
  const heapMiB = Math.floor((probe.heapLimitBytes ?? getHeapStatistics().heap_size_limit) / MIB);
  return heapMiB < DEFAULT_WORKER_MEMORY_MIB
    ? { mib: heapMiB, source: 'V8 heap limit' }
    : { mib: DEFAULT_WORKER_MEMORY_MIB, source: 'default budget (no limit stated)' };
}

/** The worker's sizes, as `Worker.create` options, and the memory they were computed from. */
export interface WorkerCapacity {
  memoryMiB: number;
  /** Memory left for the cache and extractions after headroom and the fixed base (MiB; may be ≤ 0 on a tiny container). */
  usableMiB: number;
  maxCachedWorkflows: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
}

/** Explicit sizes that win over the computed ones (WORKER_MAX_CACHED_WORKFLOWS, WORKER_MAX_CONCURRENT_EXTRACTIONS). */
export interface CapacityOverrides {
  maxCachedWorkflows?: number;
  maxConcurrentExtractions?: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * The formula (constants in src/defaults.ts):
 *
 *     usable      = memory × (1 − WORKER_MEMORY_HEADROOM_FRACTION) − WORKER_BASE_MEMORY_MIB
 *     extractions = clamp(⌊usable × EXTRACTION_MEMORY_SHARE / EXTRACTION_MEMORY_MIB⌋, MIN_CONCURRENT_EXTRACTIONS, MAX_CONCURRENT_EXTRACTIONS)
 *     cache       = clamp(⌊(usable − extractions × EXTRACTION_MEMORY_MIB) × 1024 / CACHED_WORKFLOW_KIB⌋, MIN_CACHED_WORKFLOWS, MAX_CACHED_WORKFLOWS)
 *     wf tasks    = min(cache, MAX_CONCURRENT_WORKFLOW_TASKS)   (the SDK refuses more task slots than cached workflows)
 *
 * @example
 * workerCapacity(1024) // { maxCachedWorkflows: …, maxConcurrentActivityTaskExecutions: …, … } for a 1 GiB container
 */
export function workerCapacity(memoryMiB: number, overrides: CapacityOverrides = {}): WorkerCapacity {
  const usableMiB = Math.floor(memoryMiB * (1 - WORKER_MEMORY_HEADROOM_FRACTION) - WORKER_BASE_MEMORY_MIB);
  const extractions =
    overrides.maxConcurrentExtractions ??
    clamp(Math.floor((usableMiB * EXTRACTION_MEMORY_SHARE) / EXTRACTION_MEMORY_MIB), MIN_CONCURRENT_EXTRACTIONS, MAX_CONCURRENT_EXTRACTIONS);
  const cacheMiB = usableMiB - extractions * EXTRACTION_MEMORY_MIB;
  const cache = overrides.maxCachedWorkflows ?? clamp(Math.floor((cacheMiB * 1024) / CACHED_WORKFLOW_KIB), MIN_CACHED_WORKFLOWS, MAX_CACHED_WORKFLOWS);
  return {
    memoryMiB,
    usableMiB,
    maxCachedWorkflows: cache,
    maxConcurrentActivityTaskExecutions: extractions,
    maxConcurrentWorkflowTaskExecutions: clamp(Math.min(cache, MAX_CONCURRENT_WORKFLOW_TASKS), 2, MAX_CONCURRENT_WORKFLOW_TASKS),
  };
}
