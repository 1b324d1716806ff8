/**
 * The evaluation's pure parts: the published judge prompts and how their verdicts are read, the retrieved-token
 * budget, the report's arithmetic, the progress file a resumed run reads, the terminal-only progress bar, and the
 * refusal to compute a score without a model key.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';
import { EvalProgress } from '../../src/eval/eval-progress';
import { buildReport, reportMarkdown } from '../../src/eval/eval-report';
import { EvalRunner, estimateTokens, withinBudget } from '../../src/eval/eval-runner';
import { EvalStalledError } from '../../src/errors';
import type { MemoryClient } from '../../src/client/memory-client';
import type { FlushResult } from '../../src/contract';
import type { TextModel } from '../../src/eval/text-model';
import type { EvalDataset, EvalQuestion } from '../../src/eval/eval-types';
import { judgePrompt, judgeVerdict } from '../../src/eval/judge-prompts';
import { terminalProgressBar } from '../../src/eval/progress-bar';
import type { OperatorContext } from '../../src/operator/operator-context';
import type { SearchItem } from '../../src/store/memory-types';

const question = (over: Partial<EvalQuestion> = {}): EvalQuestion => ({
  id: 'q1',
  question: 'What did Melanie paint?',
  answer: 'a sunrise',
  category: '4',
  abstention: false,
  scored: true,
  ...over,
});

describe('judge prompts', () => {
  test("LoCoMo: the mem0 paper's prompt with the question, gold and generated answers; a placeholder inside an answer stays as written", () => {
    const prompt = judgePrompt('locomo', question(), 'She painted {question} at dawn');
    expect(prompt).toContain('label an answer to a question as ’CORRECT’ or ’WRONG’');
    expect(prompt).toContain('Question: What did Melanie paint?\nGold answer: a sunrise\nGenerated answer: She painted {question} at dawn\n');
    expect(prompt).toContain('Just return the label CORRECT or WRONG in a json format with the key as "label".');
  });

  test('LongMemEval: the template of the question type, and the abstention template for _abs questions', () => {
    const base = { question: 'How many bikes?', answer: '4' };
    expect(judgePrompt('longmemeval', question({ ...base, category: 'temporal-reasoning' }), 'four')).toContain('do not penalize off-by-one errors');
    expect(judgePrompt('longmemeval', question({ ...base, category: 'knowledge-update' }), 'four')).toContain('along with an updated answer');
    expect(judgePrompt('longmemeval', question({ ...base, category: 'single-session-preference' }), 'four')).toContain(
      '\n\nRubric: 4\n\nModel Response: four\n\n',
    );
    const plain = judgePrompt('longmemeval', question({ ...base, category: 'multi-session' }), 'four');
    expect(plain).toContain(
      'answer no. \n\nQuestion: How many bikes?\n\nCorrect Answer: 4\n\nModel Response: four\n\nIs the model response correct? Answer yes or no only.',
    );
    const abstention = judgePrompt('longmemeval', question({ ...base, category: 'single-session-user-abstention', abstention: true }), "I don't know");
    expect(abstention).toContain('an unanswerable question, an explanation');
    expect(abstention).toContain('Explanation: 4');
    expect(() => judgePrompt('longmemeval', question({ category: 'trivia' }), 'x')).toThrow('no LongMemEval judge template for question type "trivia"');
  });

  test('verdicts are read as the published scripts read them', () => {
    expect(judgeVerdict('locomo', 'The answer names the same topic. {"label": "CORRECT"}')).toBe(true);
    expect(judgeVerdict('locomo', '{"label": "WRONG"}')).toBe(false);
    expect(judgeVerdict('locomo', 'Different date. WRONG')).toBe(false);
    expect(judgeVerdict('locomo', 'Same date: CORRECT')).toBe(true);
    expect(judgeVerdict('locomo', 'no label at all')).toBe(false);
    expect(judgeVerdict('longmemeval', 'Yes.')).toBe(true);
    expect(judgeVerdict('longmemeval', 'no')).toBe(false);
  });
});

describe('retrieved-token budget', () => {
  const item = (content: string): SearchItem => ({
    namespace: ['eval'],
    key: content,
    value: { kind: 'Memory', content: { content } },
    createdAt: '',
    updatedAt: '',
    version: 1,
  });

  test('memories are taken best first while they fit; the first that does not fit ends the list', () => {
    const items = [item('a'.repeat(40)), item('b'.repeat(40)), item('c'.repeat(400)), item('d'.repeat(4))];
    expect(estimateTokens('a'.repeat(40))).toBe(10);
    const { memories, tokens } = withinBudget(items, 25);
    expect(memories.map((m) => m.text[0])).toEqual(['a', 'b']);
    expect(tokens).toBe(20);
    expect(withinBudget(items, 5)).toEqual({ memories: [], tokens: 0 });
  });

  test('a memory of another schema is shown as its JSON', () => {
    const profile: SearchItem = { ...item('x'), value: { kind: 'Profile', content: { name: 'Ann' } } };
    expect(withinBudget([profile], 100).memories[0]!.text).toBe('{"name":"Ann"}');
  });
});

const dataset: EvalDataset = {
  benchmark: 'locomo',
  conversations: [
    {
      id: 'c1',
      sessions: [],
      questions: [question({ id: 'c1#0', category: '1' }), question({ id: 'c1#1', category: '2' }), question({ id: 'c1#2', category: '5', scored: false })],
    },
    { id: 'c2', sessions: [], questions: [question({ id: 'c2#0', category: '1' })] },
  ],
};

describe('the report', () => {
  test('accuracy per category and overall, tokens and costs per message, from the progress', () => {
    const usage = { inputTokens: 100, outputTokens: 10 };
    const ingest = {
      store: 's',
      threadId: 't',
      namespace: ['eval'],
      sessions: 1,
      messages: 10,
      batches: 2,
      usage,
      costUsd: 0.01,
      deadLetteredMessages: 1,
      batchesTruncated: false,
      ms: 5,
    };
    const answer = (retrievedTokens: number) => ({ answer: 'x', memories: 1, retrievedTokens, usage, costUsd: 0.001, ms: 1 });
    const report = buildReport({
      dataset,
      datasetPath: 'mini.json',
      fake: false,
      models: { extraction: 'm', answer: 'm', judge: 'm' },
      retrievedTokenBudget: 500,
      run: { conversationsIngested: 2, conversationsSkipped: 0, questionsAnswered: 3, questionsJudged: 3, questionsAlreadyJudged: 0 },
      progress: {
        version: 1,
        benchmark: 'locomo',
        runId: 'r',
        elapsedMs: 1234,
        ingested: { c1: ingest, c2: { ...ingest, costUsd: 0.03, messages: 30 } },
        answers: { 'c1#0': answer(100), 'c1#1': answer(300), 'c2#0': answer(200) },
        judgements: {
          'c1#0': { correct: true, usage, costUsd: null },
          'c1#1': { correct: false, usage, costUsd: null },
          'c2#0': { correct: true, usage, costUsd: null },
        },
      },
    });
    expect(report.questions).toEqual({ total: 4, scored: 3, answered: 3, judged: 3, notScored: 1 });
    expect(report.accuracy.overall).toBe(66.67);
    expect(report.accuracy.byCategory).toEqual([
      { category: '1', questions: 2, judged: 2, correct: 2, accuracy: 100 },
      { category: '2', questions: 1, judged: 1, correct: 0, accuracy: 0 },
      { category: '5', questions: 1, judged: 0, correct: 0, accuracy: null },
    ]);
    expect(report.retrievedTokens).toEqual({ total: 600, perQuestion: 200, max: 300 });
    expect(report.extraction).toEqual({
      messages: 40,
      batches: 4,
      inputTokens: 200,
      outputTokens: 20,
      tokensPerMessage: 5.5,
      costUsd: 0.04,
      costPerMessageUsd: 0.001,
      deadLetteredMessages: 2,
    });
    expect(report.answering.costUsd).toBe(0.003);
    expect(report.judging.costUsd).toBeNull(); // a price unknown anywhere: no total pretending to be one
    expect(report.published?.map((p) => p.accuracy)).toEqual([58.1, 65.99, 66.88, 68.44, 72.9]);
    const markdown = reportMarkdown(report);
    expect(markdown).toContain('| 2 (temporal) | 1 | 1 | 0 | 0% |');
    expect(markdown).toContain('| **overall** | 3 | 3 | 2 | **66.67%** |');
    expect(markdown).toContain('| LangMem (mem0 paper) | 58.1 |');
    expect(markdown).toContain('| end-to-end time | 1.2 s |');
  });

  test('nothing judged: no accuracy, not 0%', () => {
    const report = buildReport({
      dataset,
      datasetPath: 'mini.json',
      fake: true,
      models: { extraction: 'm', answer: 'm', judge: 'm' },
      retrievedTokenBudget: 500,
      run: { conversationsIngested: 0, conversationsSkipped: 0, questionsAnswered: 0, questionsJudged: 0, questionsAlreadyJudged: 0 },
      progress: { version: 1, benchmark: 'locomo', runId: 'r', elapsedMs: 0, ingested: {}, answers: {}, judgements: {} },
    });
    expect(report.accuracy.overall).toBeNull();
    expect(report.retrievedTokens.perQuestion).toBeNull();
    expect(reportMarkdown(report)).toContain('FAKE models: plumbing check, not a score');
    expect(reportMarkdown(report)).toContain('| **overall** | 3 | 0 | 0 | **—** |');
  });
});

describe('the progress file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-progress-'));

  test('steps are saved as they finish and read back by the next run', async () => {
    const path = join(dir, 'p.json');
    const first = await EvalProgress.open(path, 'locomo');
    const usage = { inputTokens: 1, outputTokens: 1 };
    await first.recordAnswer('c1#0', { answer: 'x', memories: 0, retrievedTokens: 0, usage, costUsd: null, ms: 1 });
    await first.recordJudgement('c1#0', { correct: true, usage, costUsd: null });
    await first.addElapsed(50);
    const second = await EvalProgress.open(path, 'locomo');
    expect(second.data.runId).toBe(first.data.runId);
    expect(second.data.judgements['c1#0']).toEqual({ correct: true, usage, costUsd: null });
    expect(second.data.elapsedMs).toBe(50);
  });

  test('a damaged file, or one of another benchmark, is refused with what to do', async () => {
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{"version": 1, "benchm');
    await expect(EvalProgress.open(damaged, 'locomo')).rejects.toThrow('not JSON (delete it to start over)');
    writeFileSync(
      damaged,
      JSON.stringify({ version: 1, benchmark: 'locomo', runId: 'r', elapsedMs: 0, ingested: {}, answers: { q: { answer: 1 } }, judgements: {} }),
    );
    await expect(EvalProgress.open(damaged, 'locomo')).rejects.toThrow(/answers\.q\.answer: .*\(delete it to start over\)/);
    const other = join(dir, 'other.json');
    await (await EvalProgress.open(other, 'longmemeval')).save();
    await expect(EvalProgress.open(other, 'locomo')).rejects.toThrow('records a longmemeval run, not locomo');
  });
});

test('the progress bar draws only on a terminal', () => {
  const written: string[] = [];
  const stream = (isTTY: boolean) => ({ isTTY, write: (text: string) => written.push(text) }) as unknown as NodeJS.WriteStream;
  expect(terminalProgressBar(stream(false), 'eval')).toBeUndefined();
  const bar = terminalProgressBar(stream(true), 'eval')!;
  bar.update(1, 4);
  bar.done();
  expect(written).toEqual([`\reval [${'#'.repeat(8)}${'.'.repeat(22)}] 1/4 judged`, '\n']);
});

test('without a model key no score is computed: exit code 2, a message saying so, nothing on stdout, no progress file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-nokey-'));
  const progress = join(dir, 'p.json');
  const fixture = join(__dirname, '..', 'fixtures', 'eval', 'locomo-mini.json');
  for (const json of [false, true]) {
    const run = { stdout: '', stderr: '' };
    const io = { out: (text: string) => void (run.stdout += text), err: (text: string) => void (run.stderr += text), env: { ANTHROPIC_API_KEY: ' ' } };
    const noContext = (): Promise<OperatorContext> => Promise.reject(new Error('eval must not open the operator context'));
    const code = await runCli(['eval', fixture, '--progress', progress, ...(json ? ['--json'] : [])], io, noContext);
    expect(code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no score computed: ANTHROPIC_API_KEY is not set');
    expect(run.stderr).toContain('pass --fake');
    if (json) expect((JSON.parse(run.stderr) as { error: { type: string } }).error.type).toBe('ConfigurationError');
  }
  expect(existsSync(progress)).toBe(false);
});

test('a thread that extracts nothing stops the run (no endless flushing) and records no ingestion', async () => {
  const flushes: string[] = [];
  const stalled: FlushResult = {
    complete: false,
    batches: [],
    batchCount: 0,
    messagesProcessed: 0,
    messagesDeadLettered: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
  };
  const memory = {
    store: { doc: {}, tableName: 't' },
    submit: () => Promise.resolve({}),
    flush: (threadId: string) => {
      flushes.push(threadId);
      return Promise.resolve(stalled);
    },
  } as unknown as MemoryClient;
  const model: TextModel = { model: 'm', complete: () => Promise.reject(new Error('no question may be answered')) };
  const progress = await EvalProgress.open(join(mkdtempSync(join(tmpdir(), 'eval-stalled-')), 'p.json'), 'locomo');
  const conversation = {
    ...dataset.conversations[1]!,
    sessions: [{ id: 'session_1', at: '2023-01-01T00:00:00.000Z', turns: [{ role: 'user' as const, content: 'hi' }] }],
  };
  const runner = new EvalRunner({
    dataset: { benchmark: 'locomo', conversations: [conversation] },
    progress,
    target: { memory, store: 's' },
    answerModel: model,
    judgeModel: model,
  });
  const failure = runner.run();
  await expect(failure).rejects.toThrow(EvalStalledError);
  await expect(failure).rejects.toThrow(/no batch finished within 600 s of a flush \(is its worker running\?\); rerun to resume/);
  expect(flushes).toHaveLength(1);
  expect(progress.data.ingested).toEqual({});
});
