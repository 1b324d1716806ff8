/** The clients the activities need, passed to their factory so tests inject DynamoDB Local and the fake model. */
import type { MemoryExtractor } from '../model/claude-extractor';
import type { BatchPlanner } from '../store/batch-planner';
import type { BatchWriter } from '../store/batch-writer';
import type { DeadLetterStore } from '../store/dead-letters';
import type { MessageInbox } from '../store/message-inbox';
import type { DynamoMemoryStore } from '../store/memory-store';

export interface ActivityDependencies {
  store: DynamoMemoryStore;
  inbox: MessageInbox;
  planner: BatchPlanner;
  deadLetters: DeadLetterStore;
  batches: BatchWriter;
  extractor: MemoryExtractor;
  /** Existing memories most relevant to a batch shown to the model (LangMem's `query_limit`). @default DEFAULT_QUERY_LIMIT */
  queryLimit?: number;
  /** The namespace's newest memories also shown. @default DEFAULT_NEWEST_MEMORIES_SHOWN */
  newestMemoriesShown?: number;
}
