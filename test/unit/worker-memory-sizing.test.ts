/**
 * Worker sizing from memory (src/worker/memory-sizing.ts): which memory figure is used (WORKER_MEMORY_LIMIT_MB,
 * cgroup v2, cgroup v1, V8 heap limit) and the formula from it to the workflow cache and slots.
 */
import {
  CACHED_WORKFLOW_KIB,
  DEFAULT_WORKER_MEMORY_MIB,
  EXTRACTION_MEMORY_MIB,
  EXTRACTION_MEMORY_SHARE,
  MAX_CACHED_WORKFLOWS,
  MAX_CONCURRENT_WORKFLOW_TASKS,
  MIN_CACHED_WORKFLOWS,
  MIN_CONCURRENT_EXTRACTIONS,
  WORKER_BASE_MEMORY_MIB,
  WORKER_MEMORY_HEADROOM_FRACTION,
} from '../../src/defaults';
import { CGROUP_V1_MEMORY_LIMIT, CGROUP_V2_MEMORY_MAX, detectMemoryLimit, workerCapacity } from '../../src/worker/memory-sizing';

const GIB = 1024 ** 3;
const machine = { totalMemoryBytes: 16 * GIB, heapLimitBytes: 4 * GIB };
/** cgroup files as a container would show them. */
const files = (contents: Record<string, string>) => ({ ...machine, readFile: (path: string) => contents[path] });

describe('detectMemoryLimit', () => {
  test('WORKER_MEMORY_LIMIT_MB wins over everything', () => {
    expect(detectMemoryLimit(1024, files({ [CGROUP_V2_MEMORY_MAX]: String(2 * GIB) }))).toEqual({ mib: 1024, source: 'WORKER_MEMORY_LIMIT_MB' });
  });
  test('cgroup v2 memory.max, then v1 memory.limit_in_bytes', () => {
    expect(detectMemoryLimit(undefined, files({ [CGROUP_V2_MEMORY_MAX]: `${2 * GIB}\n`, [CGROUP_V1_MEMORY_LIMIT]: String(GIB) }))).toEqual({
      mib: 2048,
      source: 'cgroup v2 memory.max',
    });
    expect(detectMemoryLimit(undefined, files({ [CGROUP_V1_MEMORY_LIMIT]: `${512 * 1024 * 1024}\n` }))).toEqual({
      mib: 512,
      source: 'cgroup v1 memory.limit_in_bytes',
    });
  });
  test('no limit ("max", v1\'s 2^63 − page, or above the machine) sizes for the fixed default budget, not the 4 GiB heap limit', () => {
    const budget = { mib: DEFAULT_WORKER_MEMORY_MIB, source: 'default budget (no limit stated)' };
    expect(detectMemoryLimit(undefined, files({ [CGROUP_V2_MEMORY_MAX]: 'max\n', [CGROUP_V1_MEMORY_LIMIT]: '9223372036854771712\n' }))).toEqual(budget);
    expect(detectMemoryLimit(undefined, files({ [CGROUP_V2_MEMORY_MAX]: String(32 * GIB) }))).toEqual(budget);
    expect(detectMemoryLimit(undefined, files({}))).toEqual(budget);
    // The default budget's cache stays far below the SDK's own default (2,310 here) and what the heap limit gave (4,218).
    expect(workerCapacity(DEFAULT_WORKER_MEMORY_MIB).maxCachedWorkflows).toBeLessThan(2_000);
  });
  test('a V8 heap limit below the default budget is the limit', () => {
    expect(detectMemoryLimit(undefined, { ...files({}), heapLimitBytes: 512 * 1024 * 1024 })).toEqual({ mib: 512, source: 'V8 heap limit' });
  });
  test('reads real files by default (this machine: some figure, from a known source)', () => {
    const limit = detectMemoryLimit(undefined);
    expect(limit.mib).toBeGreaterThan(0);
    expect(['cgroup v2 memory.max', 'cgroup v1 memory.limit_in_bytes', 'default budget (no limit stated)', 'V8 heap limit']).toContain(limit.source);
  });
  test('a garbled or zero limit counts as absent', () => {
    expect(detectMemoryLimit(undefined, files({ [CGROUP_V2_MEMORY_MAX]: 'garbage', [CGROUP_V1_MEMORY_LIMIT]: '0' })).source).toBe(
      'default budget (no limit stated)',
    );
  });
});

describe('workerCapacity', () => {
  test('the documented formula, for a 1 GiB container', () => {
    const usable = Math.floor(1024 * (1 - WORKER_MEMORY_HEADROOM_FRACTION) - WORKER_BASE_MEMORY_MIB);
    const extractions = Math.max(MIN_CONCURRENT_EXTRACTIONS, Math.floor((usable * EXTRACTION_MEMORY_SHARE) / EXTRACTION_MEMORY_MIB));
    const cache = Math.floor(((usable - extractions * EXTRACTION_MEMORY_MIB) * 1024) / CACHED_WORKFLOW_KIB);
    expect(workerCapacity(1024)).toEqual({
      memoryMiB: 1024,
      usableMiB: usable,
      maxCachedWorkflows: cache,
      maxConcurrentActivityTaskExecutions: extractions,
      maxConcurrentWorkflowTaskExecutions: Math.min(cache, MAX_CONCURRENT_WORKFLOW_TASKS),
    });
    // What the cache and extractions are planned to hold stays within the container, with the headroom left over.
    const plannedMiB = WORKER_BASE_MEMORY_MIB + (cache * CACHED_WORKFLOW_KIB) / 1024 + extractions * EXTRACTION_MEMORY_MIB;
    expect(plannedMiB).toBeLessThanOrEqual(1024 * (1 - WORKER_MEMORY_HEADROOM_FRACTION));
    // Far below the SDK default on this kind of machine (2,310 cached workflows at a 4 GiB heap limit).
    expect(cache).toBeLessThan(2_310);
  });
  test('grows with memory and stays within its bounds', () => {
    const sizes = [256, 512, 1024, 2048, 4096, 8192, 65_536].map((mib) => workerCapacity(mib));
    for (let i = 1; i < sizes.length; i++) {
      expect(sizes[i]?.maxCachedWorkflows).toBeGreaterThanOrEqual(sizes[i - 1]?.maxCachedWorkflows ?? 0);
      expect(sizes[i]?.maxConcurrentActivityTaskExecutions).toBeGreaterThanOrEqual(sizes[i - 1]?.maxConcurrentActivityTaskExecutions ?? 0);
    }
    expect(sizes.at(-1)?.maxCachedWorkflows).toBe(MAX_CACHED_WORKFLOWS);
  });
  test('a container smaller than the base still gets the minimum sizes the SDK accepts', () => {
    expect(workerCapacity(128)).toMatchObject({
      maxCachedWorkflows: MIN_CACHED_WORKFLOWS,
      maxConcurrentActivityTaskExecutions: MIN_CONCURRENT_EXTRACTIONS,
      maxConcurrentWorkflowTaskExecutions: MIN_CACHED_WORKFLOWS,
    });
    expect(workerCapacity(128).usableMiB).toBeLessThan(0);
  });
  test('explicit sizes win; workflow task slots never exceed the cache', () => {
    expect(workerCapacity(1024, { maxCachedWorkflows: 5, maxConcurrentExtractions: 3 })).toMatchObject({
      maxCachedWorkflows: 5,
      maxConcurrentActivityTaskExecutions: 3,
      maxConcurrentWorkflowTaskExecutions: 5,
    });
  });
});
