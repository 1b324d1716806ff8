/** The clients the activities need, passed to their factory so tests inject DynamoDB Local and the fake model. */
import type { ManagerRegistry } from '../managers/manager-registry';
import type { MemoryExtractor } from '../model/claude-extractor';
import type { QueryWriter } from '../model/query-writer';
import type { BatchPlanner } from '../store/batch-planner';
import type { BatchWriter } from '../store/batch-writer';
import type { DeadLetterStore } from '../store/dead-letters';
import type { MessageInbox } from '../store/message-inbox';
import type { DynamoMemoryStore } from '../store/memory-store';
import type { PlannedBatches } from './planned-batches';

export interface ActivityDependencies {
  store: DynamoMemoryStore;
  inbox: MessageInbox;
  planner: BatchPlanner;
  deadLetters: DeadLetterStore;
  batches: BatchWriter;
  extractor: MemoryExtractor;
  /** The memory managers batches may name (the same ones the client submits with). @default the default manager only */
  managers?: ManagerRegistry;
  /** Planned batches' messages for the extraction on this worker. @default one per activity set ({@link createActivities}) */
  handoff?: PlannedBatches;
  /** Writes search queries for managers with a `queryModel` (the same client as the extractor). @default none: such a manager's batches fail */
  queryWriter?: QueryWriter;
}
