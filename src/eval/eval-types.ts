/**
 * What the evaluation works on, whatever the benchmark: conversations (each replayed through one thread),
 * their sessions in order with the time each took place, and the questions asked about them afterwards.
 * The LoCoMo and LongMemEval parsers both produce this.
 */

/** The benchmarks the evaluation reads. */
export type BenchmarkName = 'locomo' | 'longmemeval';

/** One turn of a session, as it is submitted. */
export interface EvalTurn {
  role: 'user' | 'assistant';
  /** The turn's text (LoCoMo: "Speaker: text", with a shared image's caption). */
  content: string;
}

/** One session: turns spoken at one time. */
export interface EvalSession {
  /** The session's id in the file (LoCoMo `session_3`, LongMemEval's haystack session id). */
  id: string;
  /** ISO-8601 time the session took place (from the file's own date format). */
  at: string;
  turns: EvalTurn[];
}

/** One question about a conversation, with the benchmark's expected answer. */
export interface EvalQuestion {
  /** Unique within the file: `<conversation id>#<index>` for LoCoMo, `question_id` for LongMemEval. */
  id: string;
  question: string;
  /** The gold answer (LongMemEval preference questions: the rubric). */
  answer: string;
  /** The category the report groups by: LoCoMo's `1`–`5`, LongMemEval's `question_type` (`…-abstention` for `_abs` ids). */
  category: string;
  /** LongMemEval: the question is unanswerable and the judge checks that the answer says so. */
  abstention: boolean;
  /** ISO-8601 time the question is asked (LongMemEval `question_date`), when the file gives one. */
  askedAt?: string;
  /** LoCoMo category 5 (adversarial) is parsed but not scored, as in the mem0 paper's evaluation. */
  scored: boolean;
}

/** One conversation and its questions. */
export interface EvalConversation {
  /** LoCoMo `sample_id`, LongMemEval `question_id` (each of its records is one history and one question). */
  id: string;
  sessions: EvalSession[];
  questions: EvalQuestion[];
}

/** A parsed benchmark file. */
export interface EvalDataset {
  benchmark: BenchmarkName;
  conversations: EvalConversation[];
}
