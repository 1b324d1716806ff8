/**
 * LoCoMo (snap-research/locomo, `data/locomo10.json`): a list of samples, each a long conversation between two
 * speakers in numbered sessions (`session_<n>` turns, `session_<n>_date_time`) and the questions asked about it
 * (`qa`: question, `answer` — or `adversarial_answer` for category 5 — `evidence` dialogue ids, `category` 1–5).
 * The fields are those the repository's README and loaders document; the other keys of a sample
 * (`observation`, `session_summary`, `event_summary`) are generated annotations the evaluation does not use.
 */
import { z } from 'zod';
import { fieldError, parseLocomoDate, recordError } from './dataset-errors';
import type { EvalConversation, EvalDataset, EvalQuestion, EvalSession } from './eval-types';

/** LoCoMo's category 5 is adversarial (its gold answer is the trap); the mem0 paper's judge skips it, so do we. */
export const LOCOMO_ADVERSARIAL_CATEGORY = 5;

const turnSchema = z.object({
  speaker: z.string().min(1),
  dia_id: z.string().min(1),
  text: z.string(),
  img_url: z.array(z.string()).optional(),
  blip_caption: z.string().optional(),
  query: z.string().optional(),
});

const qaSchema = z
  .object({
    question: z.string().min(1),
    // Some answers are numbers in the file (years).
    answer: z.union([z.string(), z.number()]).optional(),
    adversarial_answer: z.union([z.string(), z.number()]).optional(),
    evidence: z.array(z.string()).default([]),
    category: z.number().int().min(1).max(5),
  })
  .refine((qa) => qa.answer !== undefined || qa.category === LOCOMO_ADVERSARIAL_CATEGORY, {
    message: 'required (only category 5 questions may have adversarial_answer instead)',
    path: ['answer'],
  });

const sampleSchema = z.object({
  sample_id: z.union([z.string().min(1), z.number()]),
  conversation: z.looseObject({ speaker_a: z.string().min(1), speaker_b: z.string().min(1) }),
  qa: z.array(qaSchema),
});

const SESSION_KEY = /^session_(\d+)$/;

/** A turn's text as submitted: who said it, and the caption of an image they shared (as the mem0 evaluation adds it). */
function turnContent(turn: z.infer<typeof turnSchema>): string {
  const image = turn.blip_caption ? ` [shares ${turn.blip_caption}]` : '';
  return `${turn.speaker}: ${turn.text}${image}`;
}

/** Parses one sample; `record` names it in errors (`locomo[3]`). */
function parseSample(raw: unknown, record: string): EvalConversation {
  const parsed = sampleSchema.safeParse(raw);
  if (!parsed.success) throw recordError(record, parsed.error);
  const { sample_id, conversation, qa } = parsed.data;
  const id = String(sample_id);
  const sessions: { n: number; session: EvalSession }[] = [];
  for (const [key, value] of Object.entries(conversation)) {
    const n = SESSION_KEY.exec(key)?.[1];
    if (n === undefined) continue;
    const turns = z.array(turnSchema).safeParse(value);
    if (!turns.success) throw recordError(`${record}.conversation.${key}`, turns.error);
    const dateKey = `${key}_date_time`;
    const dateText = conversation[dateKey];
    const at = typeof dateText === 'string' ? parseLocomoDate(dateText) : null;
    if (at === null) {
      throw fieldError(record, ['conversation', dateKey], 'expected a time like "1:56 pm on 8 May, 2023"');
    }
    sessions.push({
      n: Number(n),
      session: {
        id: key,
        at,
        // speaker_a speaks as the user, speaker_b as the assistant; the names stay in the text.
        turns: turns.data
          .filter((t) => t.text.trim() || t.blip_caption)
          .map((t) => ({ role: t.speaker === conversation.speaker_b ? 'assistant' : 'user', content: turnContent(t) })),
      },
    });
  }
  if (sessions.length === 0) {
    throw fieldError(record, ['conversation'], 'no session_<n> lists');
  }
  const questions: EvalQuestion[] = qa.map((q, i) => ({
    id: `${id}#${i}`,
    question: q.question,
    answer: String(q.answer ?? q.adversarial_answer),
    category: String(q.category),
    abstention: false,
    scored: q.category !== LOCOMO_ADVERSARIAL_CATEGORY,
  }));
  return { id, sessions: sessions.sort((a, b) => a.n - b.n).map((s) => s.session), questions };
}

/** Parses a LoCoMo file's JSON; an `InvalidInputError` naming the record and field otherwise. */
export function parseLocomo(data: unknown): EvalDataset {
  const list = z.array(z.unknown()).min(1, 'expected a non-empty list of samples').safeParse(data);
  if (!list.success) throw recordError('locomo', list.error);
  const conversations = list.data.map((raw, i) => parseSample(raw, `locomo[${i}]`));
  const seen = new Set<string>();
  conversations.forEach((c, i) => {
    if (seen.has(c.id)) throw fieldError(`locomo[${i}]`, ['sample_id'], `duplicate sample_id ${JSON.stringify(c.id)}`);
    seen.add(c.id);
  });
  return { benchmark: 'locomo', conversations };
}
