/**
 * `memory-ops eval --fake` end to end on both committed fixtures: the real pipeline (submit, the thread workflow,
 * extraction through the fake Messages API, DynamoDB, search), the answer and judge calls, and the report; then a
 * resumed run skips what its progress file records. Runs on the servers globalSetup started (loopback), as a
 * user's own local stack would be passed with --temporal-address / --dynamodb-endpoint.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';
import type { EvalProgressData } from '../../src/eval/eval-progress';
import { reportMarkdown, type EvalReport } from '../../src/eval/eval-report';
import { runEvaluation } from '../../src/eval/run-evaluation';
import { loadDataset } from '../../src/eval/load-dataset';
import type { OperatorContext } from '../../src/operator/operator-context';
import { dynamoEndpoint, temporalAddress, uniqueId } from '../support/test-env';

const FIXTURES = join(__dirname, '..', 'fixtures', 'eval');
const dir = mkdtempSync(join(tmpdir(), 'eval-workflow-'));

/** Runs `memory-ops eval <fixture> --fake --json` on the test servers; resolves to the exit code and the report. */
async function evalFake(fixture: string, args: string[]): Promise<{ code: number; report: EvalReport; stderr: string }> {
  const run = { stdout: '', stderr: '' };
  const io = { out: (text: string) => void (run.stdout += text), err: (text: string) => void (run.stderr += text), env: {} };
  const noContext = (): Promise<OperatorContext> => Promise.reject(new Error('eval must not open the operator context'));
  const argv = ['eval', join(FIXTURES, fixture), '--fake', '--json', '--temporal-address', temporalAddress(), '--dynamodb-endpoint', dynamoEndpoint(), ...args];
  const code = await runCli(argv, io, noContext);
  if (code !== 0) throw new Error(`eval exited ${code}: ${run.stderr}`);
  return { code, report: JSON.parse(run.stdout) as EvalReport, stderr: run.stderr };
}

/** Fields every report must hold consistently, checked against the fixture itself. */
async function expectConsistent(report: EvalReport, fixture: string): Promise<void> {
  const dataset = await loadDataset(join(FIXTURES, fixture));
  const questions = dataset.conversations.flatMap((c) => c.questions);
  const turns = dataset.conversations.flatMap((c) => c.sessions).reduce((n, s) => n + s.turns.length, 0);
  expect(report.fake).toBe(true);
  expect(report.conversations).toEqual({ total: dataset.conversations.length, ingested: dataset.conversations.length });
  expect(report.questions.total).toBe(questions.length);
  expect(report.questions.scored).toBe(questions.filter((q) => q.scored).length);
  expect(report.questions.answered).toBe(report.questions.scored);
  expect(report.questions.judged).toBe(report.questions.scored);
  // Categories: every one of the file's, their counts adding up to the totals.
  expect(report.accuracy.byCategory.map((c) => c.category)).toEqual([...new Set(questions.map((q) => q.category))].sort());
  expect(report.accuracy.byCategory.reduce((n, c) => n + c.questions, 0)).toBe(report.questions.total);
  expect(report.accuracy.byCategory.reduce((n, c) => n + c.judged, 0)).toBe(report.questions.judged);
  const correct = report.accuracy.byCategory.reduce((n, c) => n + c.correct, 0);
  expect(report.accuracy.overall).toBe(Math.round((10_000 * correct) / report.questions.judged) / 100);
  // Tokens: every turn went through an extraction that recorded usage; retrieval stayed within the budget.
  expect(report.extraction.messages).toBe(turns);
  expect(report.extraction.batches).toBeGreaterThanOrEqual(dataset.conversations.length);
  expect(report.extraction.inputTokens).toBeGreaterThan(0);
  expect(report.extraction.tokensPerMessage).toBe(Math.round(((report.extraction.inputTokens + report.extraction.outputTokens) / turns) * 10) / 10);
  expect(report.extraction.costPerMessageUsd).toBeGreaterThan(0);
  expect(report.extraction.deadLetteredMessages).toBe(0);
  expect(report.retrievedTokens.total).toBeGreaterThan(0);
  expect(report.retrievedTokens.max).toBeLessThanOrEqual(report.retrievedTokenBudget);
  expect(report.answering.inputTokens).toBeGreaterThan(0);
  expect(report.judging.inputTokens).toBeGreaterThan(0);
  expect(report.elapsedMs).toBeGreaterThan(0);
}

test('LoCoMo fixture: every scored question answered and judged from memories the pipeline extracted; a resumed run skips what was done', async () => {
  const progress = join(dir, 'locomo.json');
  const table = uniqueId('eval-locomo');
  const first = await evalFake('locomo-mini.json', ['--progress', progress, '--table', table, '--concurrency', '2']);
  await expectConsistent(first.report, 'locomo-mini.json');
  expect(first.report.published).toHaveLength(5);
  // The fake answers from what it was shown: right where the extracted memories hold the gold answer (5 of 7;
  // the temporal question wants a date no memory states, the open-domain one a fact never said).
  expect(first.report.accuracy.overall).toBe(71.43);
  expect(first.report.run).toEqual({ conversationsIngested: 2, conversationsSkipped: 0, questionsAnswered: 7, questionsJudged: 7, questionsAlreadyJudged: 0 });
  expect(first.stderr).toBe(''); // no progress bar off a terminal

  // An interruption: two judgements and one answer (with its judgement) were never recorded.
  const data = JSON.parse(readFileSync(progress, 'utf8')) as EvalProgressData;
  delete data.judgements['conv-mini-1#0'];
  delete data.judgements['conv-mini-1#1'];
  delete data.answers['conv-mini-2#2'];
  delete data.judgements['conv-mini-2#2'];
  writeFileSync(progress, JSON.stringify(data));
  const resumed = await evalFake('locomo-mini.json', ['--progress', progress, '--table', table]);
  // Same store: nothing ingested again; only the missing answer and the three missing judgements.
  expect(resumed.report.run).toEqual({
    conversationsIngested: 0,
    conversationsSkipped: 0,
    questionsAnswered: 1,
    questionsJudged: 3,
    questionsAlreadyJudged: 4,
  });
  expect(resumed.report.accuracy).toEqual(first.report.accuracy);
  expect(resumed.report.elapsedMs).toBeGreaterThan(first.report.elapsedMs);

  // Done: a rerun does nothing. In a new store an unanswered question needs its conversation ingested again.
  const done = await evalFake('locomo-mini.json', ['--progress', progress, '--table', table]);
  expect(done.report.run).toEqual({ conversationsIngested: 0, conversationsSkipped: 2, questionsAnswered: 0, questionsJudged: 0, questionsAlreadyJudged: 7 });
  const again = JSON.parse(readFileSync(progress, 'utf8')) as EvalProgressData;
  delete again.answers['conv-mini-2#2'];
  delete again.judgements['conv-mini-2#2'];
  writeFileSync(progress, JSON.stringify(again));
  const elsewhere = await evalFake('locomo-mini.json', ['--progress', progress, '--table', uniqueId('eval-locomo-other')]);
  expect(elsewhere.report.run).toEqual({
    conversationsIngested: 1,
    conversationsSkipped: 1,
    questionsAnswered: 1,
    questionsJudged: 1,
    questionsAlreadyJudged: 6,
  });
});

test('LongMemEval fixture: one thread per instance, per-type and abstention categories, --limit', async () => {
  const all = await evalFake('longmemeval-mini.json', ['--progress', join(dir, 'lme.json')]);
  await expectConsistent(all.report, 'longmemeval-mini.json');
  expect(all.report.published).toBeUndefined();
  expect(all.report.accuracy.byCategory.map((c) => [c.category, c.correct])).toEqual([
    ['knowledge-update', 1],
    ['single-session-user', 1],
    ['single-session-user-abstention', 1],
  ]);
  const limited = await evalFake('longmemeval-mini.json', ['--progress', join(dir, 'lme-limited.json'), '--limit', '1']);
  expect(limited.report.conversations).toEqual({ total: 1, ingested: 1 });
  expect(limited.report.questions.judged).toBe(1);
});

test('an interrupted run (its signal aborted mid-run) records what finished, stops, and the next run does only the rest', async () => {
  const progressPath = join(dir, 'interrupted.json');
  const tableName = uniqueId('eval-interrupted');
  const common = {
    datasetPath: join(FIXTURES, 'locomo-mini.json'),
    fake: true,
    progressPath,
    models: { extraction: 'claude-haiku-5-5', answer: 'claude-haiku-5-5', judge: 'claude-haiku-5-5' },
    temporalAddress: temporalAddress(),
    dynamodbEndpoint: dynamoEndpoint(),
    tableName,
  };
  const interrupt = new AbortController();
  // As Ctrl-C does, at the first judgement: the step in flight finishes, no other starts.
  const stopped = await runEvaluation({ ...common, signal: interrupt.signal, onProgress: (done) => done === 1 && interrupt.abort() });
  expect(stopped.interrupted).toBe(true);
  expect(stopped.run).toMatchObject({ conversationsIngested: 1, questionsAnswered: 1, questionsJudged: 1 });
  expect(stopped.questions.judged).toBe(1);
  expect(reportMarkdown(stopped)).toContain('**Interrupted**: 1 of 7 questions judged so far');
  const recorded = JSON.parse(readFileSync(progressPath, 'utf8')) as EvalProgressData;
  expect(Object.keys(recorded.judgements)).toEqual(['conv-mini-1#0']);

  const resumed = await runEvaluation(common);
  expect(resumed.interrupted).toBe(false);
  expect(resumed.run).toEqual({ conversationsIngested: 1, conversationsSkipped: 0, questionsAnswered: 6, questionsJudged: 6, questionsAlreadyJudged: 1 });
  expect(resumed.questions.judged).toBe(7);
});
