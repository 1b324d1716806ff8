/**
 * Every default of the memory manager, in one place, each named with its unit and a one-line reason.
 * Options objects elsewhere refer back here in their `@default` tags.
 */

/** Quiet period before a thread's pending messages are extracted; LangMem's ReflectionExecutor default is 0 s, but a real debounce needs a window. */
export const DEFAULT_AFTER_SECONDS = 60;

/** Longest quiet period a caller may ask for (one week): longer waits are better served by a schedule. */
export const MAX_AFTER_SECONDS = 7 * 24 * 60 * 60;

/** Task queue shared by the client, the worker and the workflow. */
export const DEFAULT_TASK_QUEUE = 'memory-manager';

/** Temporal namespace used when TEMPORAL_NAMESPACE is unset; the dev server creates `default`. */
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** Address of a locally running Temporal server (the CLI dev server's default port). */
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/** Prefix of every thread workflow id, so thread workflows are easy to find in the Temporal UI. */
export const THREAD_WORKFLOW_ID_PREFIX = 'memory-thread:';

/** DynamoDB table holding memories, batch receipts and the namespace index. */
export const DEFAULT_TABLE_NAME = 'langmem-memories';

/** Region used when AWS_REGION is unset; DynamoDB Local accepts any. */
export const DEFAULT_AWS_REGION = 'us-east-1';

/** LangMem's default namespace for memories, `("memories",)`. */
export const DEFAULT_NAMESPACE: readonly string[] = ['memories'];

/** Claude model for extraction; a current Sonnet, overridable with ANTHROPIC_MODEL. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

/** Output budget for one extraction reply (tokens); memories are short, this leaves room for many operations. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** Per-request timeout of the Anthropic client (ms); shorter than the activity's start-to-close timeout. */
export const MODEL_REQUEST_TIMEOUT_MS = 90_000;

/** Start-to-close timeout of one extraction attempt (ms): model call plus DynamoDB reads and one transaction. */
export const EXTRACTION_TIMEOUT_MS = 120_000;

/** Attempts Temporal makes at one extraction before the workflow records the failure and keeps the messages pending. */
export const EXTRACTION_MAX_ATTEMPTS = 3;

/** First retry delay of a failed extraction attempt (ms). */
export const EXTRACTION_RETRY_INITIAL_INTERVAL_MS = 1_000;

/** Growth of the retry delay between extraction attempts (1 s, 2 s, 4 s, ...). */
export const EXTRACTION_RETRY_BACKOFF_COEFFICIENT = 2;

/** Longest retry delay between extraction attempts (ms). */
export const EXTRACTION_RETRY_MAX_INTERVAL_MS = 60_000;

/** Quiet period before a failed batch is tried again on its own (s), when no new message arrives first. */
export const FAILED_EXTRACTION_RETRY_AFTER_SECONDS = 15 * 60;

/** Most existing memories shown to the model per extraction; bounds prompt size. */
export const MAX_EXISTING_MEMORIES = 200;

/** Most operations accepted from one model reply; DynamoDB transactions hold 100 items, two go to the batch receipt and the namespace index. */
export const MAX_OPERATIONS_PER_EXTRACTION = 98;

/** Longest message content accepted by `submit` (characters). */
export const MAX_MESSAGE_CONTENT_CHARS = 32_000;

/** Most messages in one `submit` call. */
export const MAX_MESSAGES_PER_SUBMIT = 100;

/** Largest serialized `submit` payload (bytes); Temporal warns above 256 KiB per payload and rejects above 2 MiB. */
export const MAX_SUBMIT_PAYLOAD_BYTES = 256 * 1024;

/** Longest memory content accepted from the model (characters); DynamoDB items cap at 400 KB. */
export const MAX_MEMORY_CONTENT_CHARS = 8_000;

/**
 * Largest batch of message text sent to one extraction (UTF-8 bytes, about 50k–100k tokens); a thread with
 * more than this pending extracts at once instead of waiting for quiet. Keeps prompts inside the model's
 * context and the activity input and continue-as-new state far below Temporal's 2 MB payload limit.
 */
export const MAX_BATCH_BYTES = 200_000;

/**
 * Workflow-level failures (each after all activity attempts) after which a batch is parked: its messages
 * leave the queue, their ids stay in the thread's state as a dead-letter record, and later messages flow
 * again. With the 15-minute retry period this is about two hours of trying.
 */
export const MAX_BATCH_FAILURES = 8;

/** Message ids remembered after processing so a re-delivered signal is not extracted twice. */
export const PROCESSED_MESSAGE_IDS_KEPT = 1_000;

/** Days a batch receipt (the idempotency record of one extraction) is kept before DynamoDB TTL removes it. */
export const BATCH_RECEIPT_TTL_DAYS = 30;

/** How long local servers (Temporal dev server, DynamoDB Local) may take to come up (ms) on a slow 2-core machine. */
export const LOCAL_SERVER_START_TIMEOUT_MS = 60_000;

/** Worker shutdown grace (ms): in-flight extractions get this long to finish on SIGTERM before they are cancelled and retried elsewhere. */
export const WORKER_SHUTDOWN_GRACE_MS = 30_000;

/** Items `search` returns when no limit is given, as LangGraph's `BaseStore.search`. */
export const DEFAULT_SEARCH_LIMIT = 10;

/** Most items one `search` may return. */
export const MAX_SEARCH_LIMIT = 1_000;

/** Longest namespace label (characters). */
export const MAX_NAMESPACE_LABEL_CHARS = 256;

/** Most labels in a namespace tuple. */
export const MAX_NAMESPACE_LABELS = 10;

/** Longest namespace once joined (UTF-8 bytes): it is a DynamoDB sort key (limit 1,024 bytes) in the namespace index. */
export const MAX_NAMESPACE_BYTES = 1_000;

/** Longest message id (characters). */
export const MAX_MESSAGE_ID_CHARS = 256;

/** Longest thread id (characters); it becomes part of a Temporal workflow id. */
export const MAX_THREAD_ID_CHARS = 200;

/** How long the demo waits for its extraction (ms); a live model call takes seconds. */
export const DEMO_TIMEOUT_MS = 120_000;

/** Grace between SIGTERM and SIGKILL when stopping a local server (ms). */
export const LOCAL_SERVER_STOP_GRACE_MS = 5_000;

/** Poll interval while waiting for a local server to answer (ms). */
export const LOCAL_SERVER_POLL_INTERVAL_MS = 250;
