/**
 * The evaluation's benchmark parsers on the committed fixtures (test/fixtures/eval), and malformed records: every
 * error names the record and the field, e.g. `locomo[0].qa[2].category: ...`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/errors';
import { parseLocomoDate, parseLongMemEvalDate } from '../../src/eval/dataset-errors';
import { detectBenchmark, loadDataset, parseDataset } from '../../src/eval/load-dataset';
import { parseLocomo } from '../../src/eval/locomo-dataset';
import { parseLongMemEval } from '../../src/eval/longmemeval-dataset';

const FIXTURES = join(__dirname, '..', 'fixtures', 'eval');
const locomoPath = join(FIXTURES, 'locomo-mini.json');
const lmePath = join(FIXTURES, 'longmemeval-mini.json');
const fixture = (path: string): Record<string, unknown>[] => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];

/** Marks a field to delete in {@link edited}. */
const DELETE = Symbol('delete');

/** The fixture (a fresh copy) with the value at `at` (keys and indexes) set, or deleted. */
function edited(path: string, at: readonly (string | number)[], value: unknown): unknown {
  const data: unknown = fixture(path);
  const parent = at.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], data) as Record<string | number, unknown>;
  const last = at[at.length - 1]!;
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
  return data;
}

function errorOf(parse: () => unknown): InvalidInputError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected the parse to fail');
}

describe('LoCoMo', () => {
  test('the fixture: sessions in order with their times, speakers as roles, captions in the text, category 5 parsed but not scored', async () => {
    const dataset = await loadDataset(locomoPath);
    expect(dataset.benchmark).toBe('locomo');
    expect(dataset.conversations.map((c) => c.id)).toEqual(['conv-mini-1', 'conv-mini-2']);
    const [first, second] = dataset.conversations;
    expect(first!.sessions.map((s) => [s.id, s.at])).toEqual([
      ['session_1', '2023-05-08T13:56:00.000Z'],
      ['session_2', '2023-06-27T10:37:00.000Z'],
    ]);
    expect(first!.sessions[0]!.turns[0]).toEqual({ role: 'user', content: 'Caroline: Hey Mel! I went to a support group yesterday and it was so powerful.' });
    expect(first!.sessions[0]!.turns[1]!.role).toBe('assistant');
    expect(first!.sessions[0]!.turns[2]!.content).toBe('Caroline: Look what I found at the market. [shares a photo of a shell necklace]');
    expect(first!.questions.map((q) => [q.id, q.category, q.scored])).toEqual([
      ['conv-mini-1#0', '4', true],
      ['conv-mini-1#1', '4', true],
      ['conv-mini-1#2', '1', true],
      ['conv-mini-1#3', '2', true],
      ['conv-mini-1#4', '5', false],
    ]);
    expect(first!.questions[4]!.answer).toBe('a shell necklace'); // the adversarial answer, kept for the record
    expect(second!.questions[1]!.answer).toBe('2022'); // a number in the file
  });

  test.each([
    ['a category out of range', [0, 'qa', 2, 'category'], 7, 'locomo[0].qa[2].category: '],
    ['a question without answer (not category 5)', [1, 'qa', 0, 'answer'], DELETE, 'locomo[1].qa[0].answer: required'],
    ['a turn without text', [0, 'conversation', 'session_2', 1, 'text'], DELETE, 'locomo[0].conversation.session_2[1].text: '],
    [
      'a session time of another shape',
      [1, 'conversation', 'session_1_date_time'],
      '2023-01-20',
      'locomo[1].conversation.session_1_date_time: expected a time like',
    ],
    ['a session without its time', [0, 'conversation', 'session_2_date_time'], DELETE, 'locomo[0].conversation.session_2_date_time: '],
    ['no speaker_b', [1, 'conversation', 'speaker_b'], DELETE, 'locomo[1].conversation.speaker_b: '],
    ['no sessions at all', [1, 'conversation'], { speaker_a: 'Jon', speaker_b: 'Gina' }, 'locomo[1].conversation: no session_<n> lists'],
    ['a duplicate sample_id', [1, 'sample_id'], 'conv-mini-1', 'locomo[1].sample_id: duplicate'],
  ] as const)('%s is refused, naming the record and field', (_name, at, value, message) => {
    expect(errorOf(() => parseLocomo(edited(locomoPath, at, value))).message).toContain(message);
  });

  test('a file that is no list of samples is refused', () => {
    expect(errorOf(() => parseLocomo({ qa: [] })).message).toContain('locomo: ');
    expect(errorOf(() => parseLocomo([])).message).toContain('non-empty list');
  });
});

describe('LongMemEval', () => {
  test('the fixture: one conversation per instance, sessions sorted by date, abstention ids get their own category', async () => {
    const dataset = await loadDataset(lmePath);
    expect(dataset.benchmark).toBe('longmemeval');
    expect(dataset.conversations.map((c) => [c.id, c.sessions.length, c.questions.length])).toEqual([
      ['mini_q1', 2, 1],
      ['mini_q2', 2, 1],
      ['mini_q3_abs', 1, 1],
    ]);
    const [q1, , q3] = dataset.conversations;
    expect(q1!.sessions.map((s) => s.at)).toEqual(['2023-05-20T02:21:00.000Z', '2023-05-22T09:15:00.000Z']);
    expect(q1!.sessions[1]!.turns[0]).toEqual({ role: 'user', content: "I graduated with a degree in Business Administration, and I'm looking for jobs." });
    expect(q1!.questions[0]).toMatchObject({
      id: 'mini_q1',
      category: 'single-session-user',
      abstention: false,
      askedAt: '2023-05-30T23:40:00.000Z',
      scored: true,
    });
    expect(q3!.questions[0]).toMatchObject({ category: 'single-session-user-abstention', abstention: true });
  });

  test('unsorted sessions (the oracle file) are replayed in time order', () => {
    const data = edited(lmePath, [0, 'haystack_dates'], ['2023/05/22 (Mon) 09:15', '2023/05/20 (Sat) 02:21']);
    const [conversation] = parseLongMemEval(data).conversations;
    expect(conversation!.sessions.map((s) => s.id)).toEqual(['answer_mini_1', 'sharegpt_a_0']);
  });

  test.each([
    ['an unknown question type', [1, 'question_type'], 'trivia', 'longmemeval[1].question_type: '],
    ['a turn with another role', [0, 'haystack_sessions', 1, 0, 'role'], 'system', 'longmemeval[0].haystack_sessions[1][0].role: '],
    ['a session date of another shape', [0, 'haystack_dates', 1], 'May 22', 'longmemeval[0].haystack_dates[1]: expected a date like'],
    ['a question date of another shape', [2, 'question_date'], 'yesterday', 'longmemeval[2].question_date: expected a date like'],
    [
      'dates that do not match the sessions',
      [1, 'haystack_dates'],
      ['2023/06/01 (Thu) 08:00'],
      'longmemeval[1].haystack_dates: has 1 entries for 2 haystack_sessions',
    ],
    ['no answer', [2, 'answer'], DELETE, 'longmemeval[2].answer: '],
    ['a duplicate question_id', [1, 'question_id'], 'mini_q1', 'longmemeval[1].question_id: duplicate'],
  ] as const)('%s is refused, naming the record and field', (_name, at, value, message) => {
    expect(errorOf(() => parseLongMemEval(edited(lmePath, at, value))).message).toContain(message);
  });
});

describe('reading a file', () => {
  test('the format is detected from the records, or named', () => {
    expect(detectBenchmark(fixture(locomoPath))).toBe('locomo');
    expect(detectBenchmark(fixture(lmePath))).toBe('longmemeval');
    expect(detectBenchmark([{ foo: 1 }])).toBeNull();
    expect(errorOf(() => parseDataset([{ foo: 1 }])).message).toContain('pass --benchmark');
    // Named as the wrong benchmark: the parser says what is missing.
    expect(errorOf(() => parseDataset(fixture(lmePath), 'locomo')).message).toContain('locomo[0].sample_id: ');
  });

  test('errors name the file: missing, not JSON, malformed', async () => {
    const dir = tmpdir();
    await expect(loadDataset(join(dir, 'no-such-eval-file.json'))).rejects.toThrow(/no-such-eval-file\.json: cannot read it \(ENOENT\)/);
    const notJson = join(dir, `eval-not-json-${process.pid}.json`);
    writeFileSync(notJson, '[{"sample_id": ');
    await expect(loadDataset(notJson)).rejects.toThrow(/not JSON/);
    const bad = join(dir, `eval-bad-${process.pid}.json`);
    writeFileSync(bad, JSON.stringify(edited(locomoPath, [0, 'qa', 2, 'category'], 0)));
    await expect(loadDataset(bad)).rejects.toThrow(`dataset ${bad}: locomo[0].qa[2].category: `);
  });

  test('dates: the two formats, and impossible dates refused', () => {
    expect(parseLocomoDate('12:09 am on 13 October, 2023')).toBe('2023-10-13T00:09:00.000Z');
    expect(parseLocomoDate('12:30 pm on 1 July, 2023')).toBe('2023-07-01T12:30:00.000Z');
    expect(parseLocomoDate('1:56 pm on 31 April, 2023')).toBeNull();
    expect(parseLocomoDate('13:56 pm on 8 May, 2023')).toBeNull();
    expect(parseLongMemEvalDate('2023/05/20 (Sat) 02:21')).toBe('2023-05-20T02:21:00.000Z');
    expect(parseLongMemEvalDate('2023/02/30 (Thu) 02:21')).toBeNull();
  });
});
