/**
 * The benchmarks' published LLM-judge prompts, word for word, so a score here is graded as the published ones
 * were. Only the judging model differs (the papers used OpenAI models; see docs/evaluation.md "Reproducing the
 * published setting").
 *
 * - LoCoMo: the mem0 paper's judge (arXiv 2504.19413), `ACCURACY_PROMPT` in mem0ai/mem0
 *   `evaluation/metrics/llm_judge.py` (Apache-2.0). It answers CORRECT or WRONG as JSON `{"label": ...}`.
 * - LongMemEval: `get_anscheck_prompt` in xiaowu0162/LongMemEval `src/evaluation/evaluate_qa.py` (MIT), one
 *   template per question type and one for abstention questions (`_abs` ids). It answers yes or no.
 */
import type { BenchmarkName, EvalQuestion } from './eval-types';

const LOCOMO_JUDGE = `
Your task is to label an answer to a question as ’CORRECT’ or ’WRONG’. You will be given the following data:
    (1) a question (posed by one user to another user), 
    (2) a ’gold’ (ground truth) answer, 
    (3) a generated answer
which you will score as CORRECT/WRONG.

The point of the question is to ask about something one user should know about the other user based on their prior conversations.
The gold answer will usually be a concise and short answer that includes the referenced topic, for example:
Question: Do you remember what I got the last time I went to Hawaii?
Gold answer: A shell necklace
The generated answer might be much longer, but you should be generous with your grading - as long as it touches on the same topic as the gold answer, it should be counted as CORRECT. 

For time related questions, the gold answer will be a specific date, month, year, etc. The generated answer might be much longer or use relative time references (like "last Tuesday" or "next month"), but you should be generous with your grading - as long as it refers to the same date or time period as the gold answer, it should be counted as CORRECT. Even if the format differs (e.g., "May 7th" vs "7 May"), consider it CORRECT if it's the same date.

Now it's time for the real question:
Question: {question}
Gold answer: {gold_answer}
Generated answer: {generated_answer}

First, provide a short (one sentence) explanation of your reasoning, then finish with CORRECT or WRONG. 
Do NOT include both CORRECT and WRONG in your response, or it will break the evaluation script.

Just return the label CORRECT or WRONG in a json format with the key as "label".
`;

const LME_CONTAINS =
  'I will give you a question, a correct answer, and a response from a model. Please answer yes if the response contains the correct answer. Otherwise, answer no. If the response is equivalent to the correct answer or contains all the intermediate steps to get the correct answer, you should also answer yes. If the response only contains a subset of the information required by the answer, answer no.';
const LME_TAIL = '\n\nQuestion: {}\n\nCorrect Answer: {}\n\nModel Response: {}\n\nIs the model response correct? Answer yes or no only.';

const LME_TEMPLATES: Record<string, string> = {
  'single-session-user': `${LME_CONTAINS} ${LME_TAIL}`,
  'single-session-assistant': `${LME_CONTAINS} ${LME_TAIL}`,
  'multi-session': `${LME_CONTAINS} ${LME_TAIL}`,
  'temporal-reasoning': `${LME_CONTAINS} In addition, do not penalize off-by-one errors for the number of days. If the question asks for the number of days/weeks/months, etc., and the model makes off-by-one errors (e.g., predicting 19 days when the answer is 18), the model's response is still correct. ${LME_TAIL}`,
  'knowledge-update':
    'I will give you a question, a correct answer, and a response from a model. Please answer yes if the response contains the correct answer. Otherwise, answer no. If the response contains some previous information along with an updated answer, the response should be considered as correct as long as the updated answer is the required answer.' +
    LME_TAIL,
  'single-session-preference':
    "I will give you a question, a rubric for desired personalized response, and a response from a model. Please answer yes if the response satisfies the desired response. Otherwise, answer no. The model does not need to reflect all the points in the rubric. The response is correct as long as it recalls and utilizes the user's personal information correctly.\n\nQuestion: {}\n\nRubric: {}\n\nModel Response: {}\n\nIs the model response correct? Answer yes or no only.",
};

const LME_ABSTENTION =
  'I will give you an unanswerable question, an explanation, and a response from a model. Please answer yes if the model correctly identifies the question as unanswerable. The model could say that the information is incomplete, or some other information is given but the asked information is not.\n\nQuestion: {}\n\nExplanation: {}\n\nModel Response: {}\n\nDoes the model correctly identify the question as unanswerable? Answer yes or no only.';

/** Fills Python-style `{}` placeholders in order. */
function fillPositional(template: string, values: string[]): string {
  let i = 0;
  return template.replace(/\{\}/g, () => values[i++] ?? '');
}

/** The judge's prompt for one answer. */
export function judgePrompt(benchmark: BenchmarkName, question: EvalQuestion, generated: string): string {
  if (benchmark === 'locomo') {
    // One pass over the template, so a placeholder inside an answer is never filled in turn.
    const values: Record<string, string> = { question: question.question, gold_answer: question.answer, generated_answer: generated };
    return LOCOMO_JUDGE.replace(/\{(question|gold_answer|generated_answer)\}/g, (_, key: string) => values[key]!);
  }
  const type = question.category.replace(/-abstention$/, '');
  const template = question.abstention ? LME_ABSTENTION : LME_TEMPLATES[type];
  if (!template) throw new Error(`no LongMemEval judge template for question type ${JSON.stringify(type)}`);
  return fillPositional(template, [question.question, question.answer, generated]);
}

/** Most tokens the judge may answer with: mem0's judge writes a sentence and a JSON label; LongMemEval's 10 tokens ("yes"/"no"). */
export function judgeMaxTokens(benchmark: BenchmarkName): number {
  return benchmark === 'locomo' ? 200 : 10;
}

/**
 * Reads the judge's verdict as the published scripts do: mem0 parses the JSON's `label` (1 when `CORRECT`);
 * LongMemEval counts a reply containing "yes". A LoCoMo reply without parsable JSON falls back to the bare label.
 */
export function judgeVerdict(benchmark: BenchmarkName, reply: string): boolean {
  if (benchmark === 'longmemeval') return reply.toLowerCase().includes('yes');
  const json = /\{[^{}]*\}/.exec(reply)?.[0];
  if (json) {
    try {
      const label = (JSON.parse(json) as { label?: unknown }).label;
      if (typeof label === 'string') return label.trim().toUpperCase() === 'CORRECT';
    } catch {
      // not JSON after all: read the bare label below
    }
  }
  return /\bCORRECT\b/.test(reply) && !/\bWRONG\b/.test(reply);
}
