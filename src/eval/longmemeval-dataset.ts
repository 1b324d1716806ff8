/**
 * LongMemEval (xiaowu0162/LongMemEval: `longmemeval_s.json`, `longmemeval_m.json`, `longmemeval_oracle.json`): a
 * list of instances, each one question (`question_id`, `question_type`, `question`, `answer`, `question_date`) over
 * its own chat history (`haystack_sessions`: lists of `{role, content, has_answer?}` turns, with
 * `haystack_session_ids` and `haystack_dates` beside them, and `answer_session_ids` naming the evidence). A
 * `question_id` ending in `_abs` is an abstention question. The fields are those of the repository's README.
 * Each instance is one conversation: its history is replayed into a thread of its own.
 */
import { z } from 'zod';
import { fieldError, parseLongMemEvalDate, recordError } from './dataset-errors';
import type { EvalConversation, EvalDataset, EvalSession } from './eval-types';

/** The question types the README lists (and the judge has a prompt for). */
export const LONGMEMEVAL_QUESTION_TYPES = [
  'single-session-user',
  'single-session-assistant',
  'single-session-preference',
  'temporal-reasoning',
  'knowledge-update',
  'multi-session',
] as const;

const turnSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  has_answer: z.boolean().optional(),
});

const instanceSchema = z
  .object({
    question_id: z.string().min(1),
    question_type: z.enum(LONGMEMEVAL_QUESTION_TYPES),
    question: z.string().min(1),
    // A few answers are numbers in the released files.
    answer: z.union([z.string(), z.number()]),
    question_date: z.string(),
    haystack_session_ids: z.array(z.union([z.string(), z.number()])),
    haystack_dates: z.array(z.string()),
    haystack_sessions: z.array(z.array(turnSchema)),
    answer_session_ids: z.array(z.union([z.string(), z.number()])).default([]),
  })
  .superRefine((r, ctx) => {
    for (const key of ['haystack_session_ids', 'haystack_dates'] as const) {
      if (r[key].length !== r.haystack_sessions.length) {
        ctx.addIssue({ code: 'custom', path: [key], message: `has ${r[key].length} entries for ${r.haystack_sessions.length} haystack_sessions` });
      }
    }
  });

const DATE_HINT = 'expected a date like "2023/05/20 (Sat) 02:21"';

function parseInstance(raw: unknown, record: string): EvalConversation {
  const parsed = instanceSchema.safeParse(raw);
  if (!parsed.success) throw recordError(record, parsed.error);
  const r = parsed.data;
  const askedAt = parseLongMemEvalDate(r.question_date);
  if (askedAt === null) throw fieldError(record, ['question_date'], DATE_HINT);
  const sessions: EvalSession[] = r.haystack_sessions.map((turns, i) => {
    const at = parseLongMemEvalDate(r.haystack_dates[i]!);
    if (at === null) throw fieldError(record, ['haystack_dates', i], DATE_HINT);
    return { id: String(r.haystack_session_ids[i]), at, turns: turns.filter((t) => t.content.trim()).map((t) => ({ role: t.role, content: t.content })) };
  });
  // The oracle file does not sort its sessions by time; a thread must hear them in order.
  sessions.sort((a, b) => a.at.localeCompare(b.at));
  const abstention = r.question_id.endsWith('_abs');
  return {
    id: r.question_id,
    sessions: sessions.filter((s) => s.turns.length > 0),
    questions: [
      {
        id: r.question_id,
        question: r.question,
        answer: String(r.answer),
        category: abstention ? `${r.question_type}-abstention` : r.question_type,
        abstention,
        askedAt,
        scored: true,
      },
    ],
  };
}

/** Parses a LongMemEval file's JSON; an `InvalidInputError` naming the record and field otherwise. */
export function parseLongMemEval(data: unknown): EvalDataset {
  const list = z.array(z.unknown()).min(1, 'expected a non-empty list of instances').safeParse(data);
  if (!list.success) throw recordError('longmemeval', list.error);
  const conversations = list.data.map((raw, i) => parseInstance(raw, `longmemeval[${i}]`));
  const seen = new Set<string>();
  conversations.forEach((c, i) => {
    if (seen.has(c.id)) throw fieldError(`longmemeval[${i}]`, ['question_id'], `duplicate question_id ${JSON.stringify(c.id)}`);
    seen.add(c.id);
  });
  return { benchmark: 'longmemeval', conversations };
}
