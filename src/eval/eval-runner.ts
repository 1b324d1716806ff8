/**
 * Runs an evaluation through the real pipeline: each conversation is replayed into a thread of its own (its
 * sessions submitted in order with their times, a flush after each, as an agent flushes at a session's end),
 * then each question is answered from the memories `search(namespace, {query})` returns within the
 * retrieved-token budget, and each answer is graded by the judge. Every step is recorded in the progress file
 * as it finishes; what it already records is skipped, so an interrupted run resumes where it stopped.
 */
import { createHash } from 'node:crypto';
import type { MemoryClient } from '../client/memory-client';
import { EvalStalledError } from '../errors';
import { MAX_MESSAGE_CONTENT_CHARS, MAX_MESSAGES_PER_SUBMIT, MAX_QUERY_CHARS, MAX_TIMELINE_LIMIT } from '../defaults';
import { MemoryOperator } from '../operator/memory-operator';
import type { SearchItem } from '../store/memory-types';
import { ANSWER_MAX_TOKENS, answerPrompt, type RetrievedMemory } from './answer-prompt';
import type { EvalProgress } from './eval-progress';
import type { EvalConversation, EvalDataset, EvalQuestion, EvalSession } from './eval-types';
import { judgeMaxTokens, judgePrompt, judgeVerdict } from './judge-prompts';
import type { TextModel } from './text-model';

/** Quiet period of the evaluation's threads: long, so a thread extracts when the session's flush asks, not before. */
export const EVAL_AFTER_SECONDS = 3_600;
/** One flush waits this long; a session still extracting is flushed again until it is through. */
export const EVAL_FLUSH_WAIT_SECONDS = 600;
/** Most memories one search returns before the token budget cuts the list. */
export const EVAL_SEARCH_LIMIT = 100;
/** @default retrieved-token budget per question (estimated tokens of the memories given to the answer model). */
export const DEFAULT_RETRIEVED_TOKENS = 2_000;

/** Estimated tokens of a text (about four characters a token for English): a budget and a figure, not a bill. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text of a memory as the answer model sees it: its content, whatever the manager's schema. */
export function memoryText(item: SearchItem): string {
  const value = item.value as { content?: unknown };
  const content = value.content;
  if (typeof content === 'object' && content !== null && 'content' in content && typeof content.content === 'string') return content.content;
  return JSON.stringify(content ?? value);
}

/** The memories that fit in `budget` estimated tokens, best ranked first; always at least none. */
export function withinBudget(items: readonly SearchItem[], budget: number): { memories: RetrievedMemory[]; tokens: number } {
  const memories: RetrievedMemory[] = [];
  let tokens = 0;
  for (const item of items) {
    const text = memoryText(item);
    const cost = estimateTokens(text);
    if (tokens + cost > budget) break;
    memories.push({ text });
    tokens += cost;
  }
  return { memories, tokens };
}

/** Where the evaluation writes: a client of a running memory system, and the store's identity for resuming. */
export interface EvalTarget {
  memory: MemoryClient;
  /** `<DynamoDB endpoint> <table>`: a conversation ingested into another store must be ingested again. */
  store: string;
}

export interface EvalRunOptions {
  dataset: EvalDataset;
  progress: EvalProgress;
  target: EvalTarget;
  answerModel: TextModel;
  judgeModel: TextModel;
  /** @default DEFAULT_RETRIEVED_TOKENS */
  retrievedTokens?: number;
  /** Conversations worked on at once. @default 1 */
  concurrency?: number;
  /** Called as questions are judged (done, total), e.g. by a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /** Once aborted, no new step starts; the steps in flight finish and are recorded, and `run` resolves. */
  signal?: AbortSignal;
}

/** What this run did (a resumed run skips what the progress file already records). */
export interface EvalRunCounts {
  conversationsIngested: number;
  /** Conversations whose every scored question was already judged. */
  conversationsSkipped: number;
  questionsAnswered: number;
  questionsJudged: number;
  /** Judged by an earlier run. */
  questionsAlreadyJudged: number;
}

/**
 * Runs `items` through `work` with at most `limit` at once; the first failure rejects (the others finish first).
 * An aborted `signal` starts no further item.
 */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failure && !signal?.aborted) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
}

/** A label safe in a namespace and a thread id (no `.`, which namespaces forbid). */
function label(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
}

export class EvalRunner {
  private readonly operator: MemoryOperator;
  private readonly counts: EvalRunCounts = {
    conversationsIngested: 0,
    conversationsSkipped: 0,
    questionsAnswered: 0,
    questionsJudged: 0,
    questionsAlreadyJudged: 0,
  };
  private judged = 0;
  private total = 0;

  constructor(private readonly options: EvalRunOptions) {
    this.operator = new MemoryOperator(options.target.memory);
  }

  /** Ingests, answers and judges every conversation of the dataset; resolves to what this run did. */
  async run(): Promise<EvalRunCounts> {
    const { dataset, progress } = this.options;
    const scored = dataset.conversations.flatMap((c) => c.questions.filter((q) => q.scored));
    this.total = scored.length;
    this.judged = scored.filter((q) => progress.data.judgements[q.id]).length;
    this.counts.questionsAlreadyJudged = this.judged;
    this.options.onProgress?.(this.judged, this.total);
    await inPool(dataset.conversations, this.options.concurrency ?? 1, (conversation) => this.conversation(conversation), this.options.signal);
    return { ...this.counts };
  }

  private async conversation(conversation: EvalConversation): Promise<void> {
    const { progress, target } = this.options;
    const pending = conversation.questions.filter((q) => q.scored && !progress.data.judgements[q.id]);
    if (pending.length === 0) {
      this.counts.conversationsSkipped += 1;
      return;
    }
    const unanswered = pending.filter((q) => !progress.data.answers[q.id]);
    // Answering needs the memories: ingest unless this store already holds this run's ingestion.
    if (unanswered.length > 0 && progress.data.ingested[conversation.id]?.store !== target.store) await this.ingest(conversation);
    for (const question of pending) {
      if (this.options.signal?.aborted) return;
      if (!progress.data.answers[question.id]) await this.answer(conversation, question);
      await this.judge(question);
    }
  }

  private async ingest(conversation: EvalConversation): Promise<void> {
    const { progress, target } = this.options;
    const started = Date.now();
    // Named after the store too: a thread ingested into another store may still run on another worker's task queue.
    const storeTag = createHash('sha256').update(target.store).digest('hex').slice(0, 8);
    const threadId = `eval-${progress.data.runId}-${storeTag}-${label(conversation.id)}`;
    const namespace = ['eval', progress.data.runId, storeTag, label(conversation.id)];
    let deadLetteredMessages = 0;
    let messages = 0;
    for (const session of conversation.sessions) {
      messages += await this.submitSession(threadId, namespace, session);
      deadLetteredMessages += await this.flushAll(threadId);
    }
    const timeline = await this.operator.timeline(threadId, { limit: MAX_TIMELINE_LIMIT });
    const batches = timeline.batches;
    const usage = { inputTokens: 0, outputTokens: 0 };
    let costUsd: number | null = 0;
    for (const batch of batches) {
      usage.inputTokens += batch.usage.inputTokens;
      usage.outputTokens += batch.usage.outputTokens;
      costUsd = costUsd === null || batch.costUsd === undefined ? null : costUsd + batch.costUsd;
    }
    await progress.recordIngest(conversation.id, {
      store: target.store,
      threadId,
      namespace,
      sessions: conversation.sessions.length,
      messages,
      batches: batches.length,
      usage,
      costUsd,
      deadLetteredMessages,
      batchesTruncated: batches.length >= MAX_TIMELINE_LIMIT,
      ms: Date.now() - started,
    });
    this.counts.conversationsIngested += 1;
  }

  /** Submits one session's turns, in order, stamped with the session's time (a second apart, to keep their order). */
  private async submitSession(threadId: string, namespace: string[], session: EvalSession): Promise<number> {
    const start = Date.parse(session.at);
    const messages = session.turns.map((turn, i) => ({
      // Ids from the file's structure: a retried submit stores each turn once.
      id: `${label(session.id)}-${i}`,
      role: turn.role,
      content: turn.content.slice(0, MAX_MESSAGE_CONTENT_CHARS),
      timestamp: new Date(start + i * 1_000).toISOString(),
    }));
    for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_SUBMIT) {
      await this.options.target.memory.submit(threadId, messages.slice(i, i + MAX_MESSAGES_PER_SUBMIT), { afterSeconds: EVAL_AFTER_SECONDS, namespace });
    }
    return messages.length;
  }

  /**
   * Flushes until everything submitted went through a batch; returns the messages dead-lettered. A flush that
   * waited its whole time without any batch ending means nothing extracts (no worker polls the thread's task
   * queue, the model hangs): the run stops with what it recorded, instead of flushing forever.
   */
  private async flushAll(threadId: string): Promise<number> {
    let deadLettered = 0;
    for (;;) {
      const result = await this.options.target.memory.flush(threadId, { timeoutSeconds: EVAL_FLUSH_WAIT_SECONDS });
      deadLettered += result.messagesDeadLettered;
      if (result.complete) return deadLettered;
      if (result.batchCount === 0) {
        throw new EvalStalledError(
          `thread ${threadId}: no batch finished within ${EVAL_FLUSH_WAIT_SECONDS} s of a flush (is its worker running?); rerun to resume`,
        );
      }
    }
  }

  private async answer(conversation: EvalConversation, question: EvalQuestion): Promise<void> {
    const { progress, target, answerModel } = this.options;
    const started = Date.now();
    const ingested = progress.data.ingested[conversation.id]!;
    const items = await target.memory.search(ingested.namespace, { query: question.question.slice(0, MAX_QUERY_CHARS), limit: EVAL_SEARCH_LIMIT });
    const { memories, tokens } = withinBudget(items, this.options.retrievedTokens ?? DEFAULT_RETRIEVED_TOKENS);
    const reply = await answerModel.complete(answerPrompt(question, memories), ANSWER_MAX_TOKENS);
    await progress.recordAnswer(question.id, {
      answer: reply.text,
      memories: memories.length,
      retrievedTokens: tokens,
      usage: reply.usage,
      costUsd: reply.costUsd ?? null,
      ms: Date.now() - started,
    });
    this.counts.questionsAnswered += 1;
  }

  private async judge(question: EvalQuestion): Promise<void> {
    const { progress, judgeModel, dataset } = this.options;
    const answer = progress.data.answers[question.id]!;
    const reply = await judgeModel.complete(judgePrompt(dataset.benchmark, question, answer.answer), judgeMaxTokens(dataset.benchmark));
    await progress.recordJudgement(question.id, { correct: judgeVerdict(dataset.benchmark, reply.text), usage: reply.usage, costUsd: reply.costUsd ?? null });
    this.counts.questionsJudged += 1;
    this.judged += 1;
    this.options.onProgress?.(this.judged, this.total);
  }
}
