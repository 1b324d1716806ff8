/**
 * The prompt the answer model gets: the memories retrieved for the question (within the retrieved-token budget)
 * and the question. It follows the setting of the mem0 paper's evaluation (mem0ai/mem0 `evaluation/prompts.py`:
 * answer from the memories only, resolve relative times against the memories' dates, prefer the newest of
 * contradicting memories, answer in a few words), in our own words, and is the same for every memory system
 * this command measures.
 */
import type { EvalQuestion } from './eval-types';

/** A retrieved memory as the answer model sees it. */
export interface RetrievedMemory {
  text: string;
}

/** The answer model's prompt. */
export function answerPrompt(question: EvalQuestion, memories: readonly RetrievedMemory[]): string {
  const listed = memories.length > 0 ? memories.map((m, i) => `${i + 1}. ${m.text}`).join('\n') : '(no memories were found)';
  const when = question.askedAt ? `\nThe question is asked on ${question.askedAt.slice(0, 10)}.` : '';
  return [
    'You answer questions about past conversations using only the memories below, which were extracted from those conversations.',
    '- Look for direct evidence in the memories; dates inside a memory tell when something happened.',
    '- Turn relative times ("last year", "two weeks ago") into specific dates, months or years using those dates.',
    '- When memories contradict each other, trust the most recent one.',
    "- If the memories do not contain the answer, say that you don't know.",
    '- Answer in a few words (at most a short sentence).',
    '',
    'Memories:',
    listed,
    '',
    `Question: ${question.question}${when}`,
    'Answer:',
  ].join('\n');
}

/** Most tokens an answer may take: a few words, with room for a date computation. */
export const ANSWER_MAX_TOKENS = 200;
