/**
 * The evaluation's report, from the dataset and the progress file (so a resumed run reports every run's work):
 * LLM-judge accuracy per category and overall, retrieved tokens per question, extraction tokens and estimated
 * cost per message (from the threads' batch log), end-to-end time; as JSON and as a Markdown table.
 */
import type { EvalProgressData } from './eval-progress';
import type { EvalRunCounts } from './eval-runner';
import type { EvalDataset } from './eval-types';

/**
 * LoCoMo LLM-judge accuracy (%) published in the mem0 paper (arXiv 2504.19413, categories 1–4), shown beside ours.
 * Its answer and judge models were OpenAI's (gpt-4o-mini), ours are Claude: a comparison of settings, not of runs.
 */
export const PUBLISHED_LOCOMO = [
  { system: 'LangMem', accuracy: 58.1 },
  { system: 'Zep', accuracy: 65.99 },
  { system: 'Mem0', accuracy: 66.88 },
  { system: 'Mem0 with graph (Mem0ᵍ)', accuracy: 68.44 },
  { system: 'Full context', accuracy: 72.9 },
] as const;

/** What each LoCoMo category number asks, as the LoCoMo data is commonly read (the file itself names none). */
export const LOCOMO_CATEGORY_NAMES: Record<string, string> = {
  '1': 'multi-hop',
  '2': 'temporal',
  '3': 'open-domain',
  '4': 'single-hop',
  '5': 'adversarial, not scored',
};

export interface CategoryScore {
  category: string;
  /** Questions of the category in the evaluated conversations. */
  questions: number;
  judged: number;
  correct: number;
  /** Percent of the judged that are correct; null before any is judged, or without a key. */
  accuracy: number | null;
}

export interface EvalReport {
  benchmark: EvalDataset['benchmark'];
  dataset: string;
  /** True when the fake Messages API answered (`--fake`): plumbing only, the figures mean nothing. */
  fake: boolean;
  /** The run was stopped before the end (Ctrl-C, SIGTERM): the figures cover what was judged; rerun to resume. */
  interrupted: boolean;
  models: { extraction: string; answer: string; judge: string };
  retrievedTokenBudget: number;
  conversations: { total: number; ingested: number };
  questions: { total: number; scored: number; answered: number; judged: number; notScored: number };
  accuracy: { overall: number | null; byCategory: CategoryScore[] };
  retrievedTokens: { total: number; perQuestion: number | null; max: number };
  extraction: {
    messages: number;
    batches: number;
    inputTokens: number;
    outputTokens: number;
    tokensPerMessage: number | null;
    /** Null when some batch's model has no known price. */
    costUsd: number | null;
    costPerMessageUsd: number | null;
    deadLetteredMessages: number;
  };
  answering: { inputTokens: number; outputTokens: number; costUsd: number | null };
  judging: { inputTokens: number; outputTokens: number; costUsd: number | null };
  /** Wall time of every run of this evaluation (a resumed run adds its own). */
  elapsedMs: number;
  /** What the latest run did; the rest was read from the progress file. */
  run: EvalRunCounts;
  /** LoCoMo only: the mem0 paper's figures beside ours. */
  published?: readonly { system: string; accuracy: number }[];
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
const percent = (correct: number, judged: number): number | null => (judged === 0 ? null : round((100 * correct) / judged));
const sumCost = (costs: (number | null)[]): number | null =>
  costs.some((c) => c === null)
    ? null
    : round(
        costs.reduce<number>((a, c) => a + (c ?? 0), 0),
        6,
      );

/** Builds the report of the evaluated conversations (`conversations`, after `--limit`). */
export function buildReport(input: {
  dataset: EvalDataset;
  datasetPath: string;
  progress: EvalProgressData;
  fake: boolean;
  models: EvalReport['models'];
  retrievedTokenBudget: number;
  run: EvalRunCounts;
  /** @default false */
  interrupted?: boolean;
}): EvalReport {
  const { dataset, progress } = input;
  const questions = dataset.conversations.flatMap((c) => c.questions);
  const scored = questions.filter((q) => q.scored);
  const categories = [...new Set(questions.map((q) => q.category))].sort();
  const byCategory = categories.map((category): CategoryScore => {
    const inCategory = questions.filter((q) => q.category === category);
    const judged = inCategory.filter((q) => q.scored && progress.judgements[q.id]);
    const correct = judged.filter((q) => progress.judgements[q.id]!.correct).length;
    return { category, questions: inCategory.length, judged: judged.length, correct, accuracy: percent(correct, judged.length) };
  });
  const judged = scored.filter((q) => progress.judgements[q.id]);
  const answers = scored.flatMap((q) => (progress.answers[q.id] ? [progress.answers[q.id]!] : []));
  const judgements = judged.map((q) => progress.judgements[q.id]!);
  const ingested = dataset.conversations.flatMap((c) => (progress.ingested[c.id] ? [progress.ingested[c.id]!] : []));
  const messages = ingested.reduce((n, i) => n + i.messages, 0);
  const extractionTokens = ingested.reduce((n, i) => n + i.usage.inputTokens + i.usage.outputTokens, 0);
  const extractionCost = sumCost(ingested.map((i) => i.costUsd));
  const retrieved = answers.map((a) => a.retrievedTokens);
  const retrievedTotal = retrieved.reduce((a, b) => a + b, 0);
  return {
    benchmark: dataset.benchmark,
    dataset: input.datasetPath,
    fake: input.fake,
    interrupted: input.interrupted ?? false,
    models: input.models,
    retrievedTokenBudget: input.retrievedTokenBudget,
    conversations: { total: dataset.conversations.length, ingested: ingested.length },
    questions: { total: questions.length, scored: scored.length, answered: answers.length, judged: judged.length, notScored: questions.length - scored.length },
    accuracy: { overall: percent(judgements.filter((j) => j.correct).length, judged.length), byCategory },
    retrievedTokens: { total: retrievedTotal, perQuestion: answers.length ? round(retrievedTotal / answers.length, 1) : null, max: Math.max(0, ...retrieved) },
    extraction: {
      messages,
      batches: ingested.reduce((n, i) => n + i.batches, 0),
      inputTokens: ingested.reduce((n, i) => n + i.usage.inputTokens, 0),
      outputTokens: ingested.reduce((n, i) => n + i.usage.outputTokens, 0),
      tokensPerMessage: messages ? round(extractionTokens / messages, 1) : null,
      costUsd: extractionCost,
      costPerMessageUsd: messages && extractionCost !== null ? round(extractionCost / messages, 6) : null,
      deadLetteredMessages: ingested.reduce((n, i) => n + i.deadLetteredMessages, 0),
    },
    answering: {
      inputTokens: answers.reduce((n, a) => n + a.usage.inputTokens, 0),
      outputTokens: answers.reduce((n, a) => n + a.usage.outputTokens, 0),
      costUsd: sumCost(answers.map((a) => a.costUsd)),
    },
    judging: {
      inputTokens: judgements.reduce((n, j) => n + j.usage.inputTokens, 0),
      outputTokens: judgements.reduce((n, j) => n + j.usage.outputTokens, 0),
      costUsd: sumCost(judgements.map((j) => j.costUsd)),
    },
    elapsedMs: progress.elapsedMs,
    run: input.run,
    ...(dataset.benchmark === 'locomo' ? { published: PUBLISHED_LOCOMO } : {}),
  };
}

const show = (value: number | null, suffix = ''): string => (value === null ? '—' : `${value}${suffix}`);

/** The report as Markdown: the accuracy table, then the costs. */
export function reportMarkdown(report: EvalReport): string {
  const name = report.benchmark === 'locomo' ? 'LoCoMo' : 'LongMemEval';
  const categoryName = (c: string): string => (report.benchmark === 'locomo' && LOCOMO_CATEGORY_NAMES[c] ? `${c} (${LOCOMO_CATEGORY_NAMES[c]})` : c);
  const lines = [
    `## ${name} evaluation${report.fake ? ' (FAKE models: plumbing check, not a score)' : ''}`,
    '',
    ...(report.interrupted
      ? [`**Interrupted**: ${report.questions.judged} of ${report.questions.scored} questions judged so far; run the same command again to resume.`, '']
      : []),
    `Dataset \`${report.dataset}\`: ${report.conversations.total} conversation(s), ${report.questions.total} question(s), ${report.questions.scored} scored.`,
    `Models: extraction \`${report.models.extraction}\`, answer \`${report.models.answer}\`, judge \`${report.models.judge}\`; retrieved-token budget ${report.retrievedTokenBudget}.`,
    '',
    '| category | questions | judged | correct | accuracy |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...report.accuracy.byCategory.map((c) => `| ${categoryName(c.category)} | ${c.questions} | ${c.judged} | ${c.correct} | ${show(c.accuracy, '%')} |`),
    `| **overall** | ${report.questions.scored} | ${report.questions.judged} | ${report.accuracy.byCategory.reduce((n, c) => n + c.correct, 0)} | **${show(report.accuracy.overall, '%')}** |`,
    '',
    '| measure | value |',
    '| --- | ---: |',
    `| retrieved tokens per question (estimated) | ${show(report.retrievedTokens.perQuestion)} (max ${report.retrievedTokens.max}) |`,
    `| messages ingested | ${report.extraction.messages} in ${report.extraction.batches} batch(es) |`,
    `| extraction tokens per message (in + out) | ${show(report.extraction.tokensPerMessage)} |`,
    `| extraction cost per message (estimated) | ${report.extraction.costPerMessageUsd === null ? '—' : `$${report.extraction.costPerMessageUsd}`} |`,
    `| extraction cost (estimated) | ${report.extraction.costUsd === null ? '—' : `$${report.extraction.costUsd}`} |`,
    `| messages dead-lettered | ${report.extraction.deadLetteredMessages} |`,
    `| answer / judge tokens (in + out) | ${report.answering.inputTokens + report.answering.outputTokens} / ${report.judging.inputTokens + report.judging.outputTokens} |`,
    `| end-to-end time | ${round(report.elapsedMs / 1000, 1)} s |`,
  ];
  if (report.published) {
    lines.push('', '| LoCoMo, LLM-judge accuracy (categories 1–4) | % |', '| --- | ---: |');
    lines.push(...report.published.map((p) => `| ${p.system} (mem0 paper) | ${p.accuracy} |`));
    lines.push(`| **this run** | **${show(report.accuracy.overall)}** |`);
  }
  return `${lines.join('\n')}\n`;
}
