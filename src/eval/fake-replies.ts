/**
 * `--fake`: what the fake Messages API answers, so a committed fixture runs through the whole pipeline with no
 * key. Extraction stores each new message as a memory (with its date); the answer model gives the gold answer
 * when a memory it was shown contains it, else says it doesn't know; the judge compares the answer with the gold
 * one as the prompt states them. The figures it yields check the plumbing, never a memory system.
 */
import type { RecordedRequest, ScriptedReply } from '../testing/fake-messages-api';
import { MAX_OPERATIONS_PER_EXTRACTION } from '../defaults';
import type { EvalDataset } from './eval-types';

/** The text of the (single) user turn of a request. */
function userText(request: RecordedRequest): string {
  const content = request.messages[0]?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((b: { text?: string }) => b.text ?? '').join('') : '';
}

const normalize = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** The fake's reply to one request of the evaluation (extraction, answer or judge). */
export function fakeEvalReply(dataset: EvalDataset, request: RecordedRequest): ScriptedReply {
  if (request.tools?.length) {
    // Extraction: the request carries the batch as JSON ({existing_memories, new_messages}).
    const data = JSON.parse(userText(request)) as { new_messages: { time: string; text: string }[] };
    const operations = data.new_messages
      .slice(0, MAX_OPERATIONS_PER_EXTRACTION)
      .map((m) => ({ action: 'insert', content: `On ${m.time.slice(0, 10)}: ${m.text}`.slice(0, 2_000) }));
    return { kind: 'tool', input: { operations }, usage: { input_tokens: 50 + 20 * data.new_messages.length, output_tokens: 10 + 15 * operations.length } };
  }
  const text = userText(request);
  const question = /\nQuestion: (.*)\n/.exec(text)?.[1]?.replace(/\nThe question is asked on .*$/, '');
  if (question !== undefined && text.includes('\nMemories:\n')) {
    const gold = dataset.conversations.flatMap((c) => c.questions).find((q) => text.includes(`\nQuestion: ${q.question}`))?.answer;
    const memories = normalize(text.slice(text.indexOf('\nMemories:\n'), text.lastIndexOf('\nQuestion: ')));
    return { kind: 'text', text: gold !== undefined && memories.includes(normalize(gold)) ? gold : "I don't know." };
  }
  // A judge: LoCoMo's (Gold answer / Generated answer) or LongMemEval's (Correct Answer or Rubric or Explanation / Model Response).
  const locomo = /Gold answer: ([^\n]*)\nGenerated answer: ([^\n]*)/.exec(text);
  if (locomo) return { kind: 'text', text: `{"label": "${normalize(locomo[2]!).includes(normalize(locomo[1]!)) ? 'CORRECT' : 'WRONG'}"}` };
  const lme = /(?:Correct Answer|Rubric|Explanation): ([\s\S]*?)\n\nModel Response: ([\s\S]*?)\n\n/.exec(text);
  if (lme) {
    const response = normalize(lme[2]!);
    const right = text.includes('unanswerable') ? response.includes('don t know') : response.includes(normalize(lme[1]!));
    return { kind: 'text', text: right ? 'yes' : 'no' };
  }
  return { kind: 'status', status: 400, message: 'fake eval: a request that is neither an extraction, an answer nor a judgement' };
}
