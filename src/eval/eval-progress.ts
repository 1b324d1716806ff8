/**
 * The progress file that makes a long evaluation resumable: which conversations were ingested (and into which
 * store), which questions were answered and judged. Each step is recorded as soon as it is done (written to a
 * temporary file, then renamed over the old one, so a kill never leaves half a file), and a restarted run
 * skips what is recorded.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { describeZodError } from '../schemas';

const usageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number() });

const ingestedSchema = z.object({
  /** Where the memories were written (`<DynamoDB endpoint> <table>`): another store has none of them. */
  store: z.string(),
  threadId: z.string(),
  namespace: z.array(z.string()),
  sessions: z.number(),
  messages: z.number(),
  batches: z.number(),
  usage: usageSchema,
  /** Null when a batch's cost is unknown (a model without known prices). */
  costUsd: z.number().nullable(),
  deadLetteredMessages: z.number(),
  /** More batches than the timeline returns: the extraction figures count only those it did. */
  batchesTruncated: z.boolean(),
  ms: z.number(),
});

const answerSchema = z.object({
  answer: z.string(),
  memories: z.number(),
  retrievedTokens: z.number(),
  usage: usageSchema,
  costUsd: z.number().nullable(),
  ms: z.number(),
});

const judgementSchema = z.object({
  correct: z.boolean(),
  usage: usageSchema,
  costUsd: z.number().nullable(),
});

const progressSchema = z.object({
  version: z.literal(1),
  benchmark: z.enum(['locomo', 'longmemeval']),
  /** Names this evaluation's threads and namespaces, so a resumed run finds its own in a kept store. */
  runId: z.string(),
  /** Milliseconds spent by the runs so far (a resumed run adds its own). */
  elapsedMs: z.number(),
  ingested: z.record(z.string(), ingestedSchema),
  answers: z.record(z.string(), answerSchema),
  judgements: z.record(z.string(), judgementSchema),
});

export type EvalProgressData = z.infer<typeof progressSchema>;
export type IngestRecord = z.infer<typeof ingestedSchema>;
export type AnswerRecord = z.infer<typeof answerSchema>;
export type JudgementRecord = z.infer<typeof judgementSchema>;

/** The progress of one evaluation, saved to `path` after every step. */
export class EvalProgress {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly data: EvalProgressData,
  ) {}

  /** Opens `path` (a run to resume) or starts a new progress there; a file of another benchmark is refused. */
  static async open(path: string, benchmark: EvalProgressData['benchmark']): Promise<EvalProgress> {
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) {
      return new EvalProgress(path, { version: 1, benchmark, runId: randomUUID().slice(0, 8), elapsedMs: 0, ingested: {}, answers: {}, judgements: {} });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InvalidInputError(`progress file ${path}: not JSON (delete it to start over)`);
    }
    const parsed = progressSchema.safeParse(json);
    if (!parsed.success) throw new InvalidInputError(`progress file ${path}: ${describeZodError(parsed.error)} (delete it to start over)`);
    if (parsed.data.benchmark !== benchmark) {
      throw new InvalidInputError(`progress file ${path}: records a ${parsed.data.benchmark} run, not ${benchmark} (pass another --progress file)`);
    }
    return new EvalProgress(path, parsed.data);
  }

  recordIngest(conversationId: string, record: IngestRecord): Promise<void> {
    this.data.ingested[conversationId] = record;
    return this.save();
  }

  recordAnswer(questionId: string, record: AnswerRecord): Promise<void> {
    this.data.answers[questionId] = record;
    return this.save();
  }

  recordJudgement(questionId: string, record: JudgementRecord): Promise<void> {
    this.data.judgements[questionId] = record;
    return this.save();
  }

  addElapsed(ms: number): Promise<void> {
    this.data.elapsedMs += ms;
    return this.save();
  }

  /** Writes the whole file; saves are serialized, each writes the latest state. */
  save(): Promise<void> {
    const next = this.saving.then(async () => {
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(this.data, null, 1)}\n`);
      await rename(temporary, this.path);
    });
    this.saving = next.catch(() => undefined);
    return next;
  }
}
