/**
 * The CLI's text rendering, without servers: control characters in stored text never reach the terminal
 * raw, and views say "unavailable" (not "closed" or "none") when a thread's live state could not be read.
 */
import type { ThreadSummary, ThreadTimeline, TimelineMessage } from '../../src/operator/operator-types';
import { fields, oneLine, printable, table, truncate } from '../../src/cli/render';
import { renderThreadList } from '../../src/cli/threads-commands';
import { renderTimeline } from '../../src/cli/timeline-render';

/** ESC and BEL, and the C1 CSI, as raw bytes. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = 'hi\u001b[2J\u001b]52;c;ZXZpbA==\u0007 there\u009b31m\u202eevil';

describe('printable text', () => {
  test('control characters become visible escapes; whitespace runs one space in a line', () => {
    expect(printable('a\u001b[2Jb\u0007c\u009bd\u202ee')).toBe('a\\u001b[2Jb\\u0007c\\u009bd\\u202ee');
    expect(printable('one\ntwo\tthree', { keepNewlines: true })).toBe('one\ntwo\\u0009three');
    expect(oneLine('  one\n\ttwo\r\n three  ')).toBe('one two three');
    expect(oneLine(HOSTILE)).toBe('hi\\u001b[2J\\u001b]52;c;ZXZpbA==\\u0007 there\\u009b31m\\u202eevil');
    expect(printable('naïve — ✓ 🐕')).toBe('naïve — ✓ 🐕');
  });

  test('tables, truncated cells and fields carry no raw control character', () => {
    expect(truncate(HOSTILE, 10)).toBe('hi\\u001b[…');
    const rows = table([{ text: HOSTILE }], [{ header: 'text', value: (r) => r.text }]);
    expect(rows).not.toMatch(RAW_CONTROL);
    expect(rows).toContain('\\u001b]52;c;ZXZpbA==\\u0007');
    const lines = fields([['value', `first\n${HOSTILE}`]]);
    expect(lines).not.toMatch(RAW_CONTROL);
    expect(lines.split('\n')).toHaveLength(1);
  });
});

const message = (overrides: Partial<TimelineMessage>): TimelineMessage => ({
  seq: 1,
  id: 'm1',
  role: 'user',
  content: 'hello',
  namespace: ['memories'],
  storedAt: '2026-01-01T00:00:00.000Z',
  batchId: null,
  processed: false,
  ...overrides,
});

const timeline = (overrides: Partial<ThreadTimeline>): ThreadTimeline => ({
  threadId: 't1',
  workflowId: 'memory-thread-t1',
  state: null,
  stateError: null,
  messages: [],
  batches: [],
  deadLetters: [],
  truncated: false,
  ...overrides,
});

describe('threads show', () => {
  test('a state that could not be read is "unavailable", not "closed"', () => {
    const text = renderTimeline(timeline({ stateError: 'no answer within 3000 ms', messages: [message({})] }), null);
    expect(text).toContain('live state unavailable: no answer within 3000 ms');
    expect(text).not.toContain('closed');
    expect(renderTimeline(timeline({}), null)).toContain('closed (no live state');
  });

  test('the BATCH column: the batch id, else "processed" when through a batch the log does not name, else "pending"', () => {
    const text = renderTimeline(
      timeline({
        messages: [
          message({ seq: 1, id: 'named', batchId: 'b-1-1-abc', processed: true }),
          message({ seq: 2, id: 'old', processed: true }),
          message({ seq: 3, id: 'waiting' }),
        ],
      }),
      null,
    );
    const line = (id: string) => text.split('\n').find((l) => l.includes(` ${id} `)) ?? '';
    expect(line('named')).toContain('b-1-1-abc');
    expect(line('old')).toMatch(/\sprocessed\s/);
    expect(line('waiting')).toMatch(/\spending\s/);
  });

  test('hostile message content, ids and errors are escaped', () => {
    const text = renderTimeline(timeline({ stateError: `failed\u001b[31m`, messages: [message({ id: 'id\u0007', content: HOSTILE })] }), null);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('\\u001b[2J');
    expect(text).toContain('failed\\u001b[31m');
  });
});

describe('threads list', () => {
  const row = (overrides: Partial<ThreadSummary>): ThreadSummary => ({
    threadId: 't1',
    workflowId: 'memory-thread-t1',
    workflowStatus: 'RUNNING',
    startedAt: '2026-01-01T00:00:00.000Z',
    closedAt: null,
    pendingCount: null,
    nextExtractionAt: null,
    lastExtractionAt: null,
    extractionsCompleted: null,
    batchesDeadLettered: null,
    retryingAttempt: null,
    lastFailure: null,
    openDeadLetters: 0,
    stateError: null,
    ...overrides,
  });

  test('live columns of a thread that did not answer show "?" and why; a closed thread shows "-"', () => {
    const text = renderThreadList([row({ threadId: 'silent', stateError: 'no answer' }), row({ threadId: 'done', workflowStatus: 'COMPLETED' })]);
    const line = (id: string) => text.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(line('silent')).toMatch(/^silent\s+RUNNING\s+\?\s+\?\s+\?\s+\?\s+\?\s+0\s+live state unavailable: no answer$/);
    expect(line('done')).toMatch(/^done\s+COMPLETED\s+-\s+-\s+-\s+-\s+-\s+0\s+-$/);
    expect(text).toContain('2 threads (1 thread did not answer');
  });
});
