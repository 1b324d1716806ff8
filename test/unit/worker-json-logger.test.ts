/** The worker's JSON log lines (src/worker/json-logger.ts): one object per line, fields CloudWatch filters can select on. */
import { ApplicationFailure } from '@temporalio/common';
import { createJsonLogger, jsonLogLine } from '../../src/worker/json-logger';

const at = BigInt(Date.UTC(2026, 10, 28, 12, 0, 0, 250)) * 1_000_000n;

test('timestamp, level and message first, then the metadata flattened', () => {
  const line = jsonLogLine({
    level: 'INFO',
    message: 'memories extracted',
    timestampNanos: at,
    meta: { activityType: 'extractBatch', workflowId: 'memory-thread:t1', batchId: 'b-1', inserted: 2 },
  });
  expect(line.endsWith('\n')).toBe(true);
  expect(line.trimEnd()).not.toContain('\n');
  expect(Object.keys(JSON.parse(line) as object).slice(0, 3)).toEqual(['timestamp', 'level', 'message']);
  expect(JSON.parse(line)).toEqual({
    timestamp: '2026-11-28T12:00:00.250Z',
    level: 'INFO',
    message: 'memories extracted',
    activityType: 'extractBatch',
    workflowId: 'memory-thread:t1',
    batchId: 'b-1',
    inserted: 2,
  });
});

test('metadata named like a fixed field keeps its value under meta_<name>; the log message stays what filters match', () => {
  const parsed = JSON.parse(
    jsonLogLine({
      level: 'WARN',
      message: 'batch recorded as a dead letter',
      timestampNanos: at,
      meta: { type: 'ModelRequestError', message: 'model API rejected the request (400)', level: 3 },
    }),
  ) as Record<string, unknown>;
  expect(parsed).toMatchObject({
    level: 'WARN',
    message: 'batch recorded as a dead letter',
    type: 'ModelRequestError',
    meta_message: 'model API rejected the request (400)',
    meta_level: 3,
  });
});

test('errors are spelled out (name, failure type, message, retryability, stack, causes); bigints, cycles, buffers are safe', () => {
  const failure = ApplicationFailure.create({ type: 'ModelRequestError', message: 'bad request', nonRetryable: true, cause: new TypeError('inner') });
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic['self'] = cyclic;
  const parsed = JSON.parse(
    jsonLogLine({
      level: 'WARN',
      message: 'Activity failed',
      timestampNanos: at,
      meta: { error: failure, durationMs: 12n, cyclic, body: Buffer.from('secret'), when: new Date(0), fn: () => 1, tags: new Set(['a']) },
    }),
  ) as Record<string, unknown>;
  expect(parsed['error']).toMatchObject({
    name: 'ApplicationFailure',
    type: 'ModelRequestError',
    message: 'bad request',
    nonRetryable: true,
    cause: { name: 'TypeError', message: 'inner' },
  });
  expect((parsed['error'] as { stack: string }).stack).toContain('ApplicationFailure: bad request');
  expect(parsed).toMatchObject({
    durationMs: '12',
    cyclic: { name: 'loop', self: '[Circular]' },
    body: '<6 bytes>',
    when: '1970-01-01T00:00:00.000Z',
    tags: ['a'],
  });
  expect(parsed).not.toHaveProperty('fn');
});

test('the Runtime logger writes one line per entry at or above its level', () => {
  const lines: string[] = [];
  const logger = createJsonLogger('INFO', (line) => lines.push(line));
  logger.debug('hidden');
  logger.info('shown', { a: 1 });
  logger.error('also shown');
  expect(lines.map((l) => (JSON.parse(l) as { level: string; message: string }).message)).toEqual(['shown', 'also shown']);
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'INFO', a: 1 });
});
