/**
 * One evaluation, from a benchmark file to its report: parse the file, open the progress file, start the
 * embedded stack (with Claude, or the fake Messages API with `fake`), run, report. The CLI's `eval` command
 * and `npm run eval` are thin over this.
 */
import { ConfigurationError, InvalidInputError } from '../errors';
import { DEFAULT_RETRIEVED_TOKENS, EvalRunner, type EvalRunCounts } from './eval-runner';
import { EvalProgress } from './eval-progress';
import { buildReport, type EvalReport } from './eval-report';
import { startEvalStack } from './eval-stack';
import type { BenchmarkName } from './eval-types';
import { loadDataset } from './load-dataset';
import { MessagesTextModel } from './text-model';

/** The API key the SDK sends to the fake Messages API (which checks none); never a real credential. */
const FAKE_API_KEY = 'fake-key-for-the-local-fake-messages-api';

export interface EvaluationOptions {
  /** The LoCoMo or LongMemEval file (the data sets are not bundled). */
  datasetPath: string;
  /** @default detected from the file */
  benchmark?: BenchmarkName;
  /** Run with the fake Messages API (no key, figures meaningless). @default false */
  fake?: boolean;
  /** Anthropic API key for extraction, answers and judging; without it (and without `fake`) nothing runs. */
  apiKey?: string;
  /** Evaluate only the first `limit` conversations. @default all */
  limit?: number;
  /** Conversations worked on at once. @default 1 */
  concurrency?: number;
  /** The progress file: what it records is skipped, and every finished step is added to it. */
  progressPath: string;
  /** @default DEFAULT_RETRIEVED_TOKENS */
  retrievedTokens?: number;
  models: { extraction: string; answer: string; judge: string };
  /** A local stack of your own (loopback only), e.g. one with its data on disk so a resumed run keeps its memories. @default the embedded stack's */
  temporalAddress?: string;
  dynamodbEndpoint?: string;
  /** @default a new table per run */
  tableName?: string;
  onProgress?: (done: number, total: number) => void;
  /** Stops the run between steps (Ctrl-C, SIGTERM): what finished is recorded, the stack is stopped, the report says `interrupted`. */
  signal?: AbortSignal;
}

/** The message of an evaluation refused for want of a key: no score is computed. */
export const NO_KEY_MESSAGE =
  'no score computed: ANTHROPIC_API_KEY is not set, and the evaluation needs a model to extract memories, answer and judge. Set ANTHROPIC_API_KEY, or pass --fake to check the plumbing with the fake Messages API (its figures are not a score).';

export async function runEvaluation(options: EvaluationOptions): Promise<EvalReport> {
  const loaded = await loadDataset(options.datasetPath, options.benchmark);
  if (!options.fake && !options.apiKey) throw new ConfigurationError(NO_KEY_MESSAGE);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) throw new InvalidInputError('limit: must be a positive integer');
  const dataset = { ...loaded, conversations: loaded.conversations.slice(0, options.limit) };
  const progress = await EvalProgress.open(options.progressPath, dataset.benchmark);
  const started = Date.now();
  const retrievedTokens = options.retrievedTokens ?? DEFAULT_RETRIEVED_TOKENS;
  const env = await startEvalStack({
    temporalAddress: options.temporalAddress,
    dynamodbEndpoint: options.dynamodbEndpoint,
    tableName: options.tableName,
    model: options.models.extraction,
    ...(options.fake ? { fake: { dataset } } : { anthropicApiKey: options.apiKey }),
  });
  let run: EvalRunCounts;
  try {
    const key = { apiKey: options.fake ? FAKE_API_KEY : options.apiKey!, baseURL: env.fakeBaseUrl };
    run = await new EvalRunner({
      dataset,
      progress,
      target: { memory: env.stack.memory, store: `${env.stack.dynamodbEndpoint} ${env.stack.tableName}` },
      answerModel: new MessagesTextModel(key, options.models.answer),
      judgeModel: new MessagesTextModel(key, options.models.judge),
      retrievedTokens,
      concurrency: options.concurrency,
      onProgress: options.onProgress,
      signal: options.signal,
    }).run();
  } finally {
    await progress.addElapsed(Date.now() - started);
    await env.stop();
  }
  return buildReport({
    dataset,
    datasetPath: options.datasetPath,
    progress: progress.data,
    fake: options.fake ?? false,
    models: options.models,
    retrievedTokenBudget: retrievedTokens,
    run,
    interrupted: options.signal?.aborted ?? false,
  });
}
