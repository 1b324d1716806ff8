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

/** First retry delay of a failed extraction attempt (ms); doubles each attempt. */
export const EXTRACTION_RETRY_INITIAL_INTERVAL_MS = 1_000;

/** Longest retry delay between extraction attempts (ms). */
export const EXTRACTION_RETRY_MAX_INTERVAL_MS = 60_000;

/** Quiet period before a failed batch is tried again on its own (s), when no new message arrives first. */
export const FAILED_EXTRACTION_RETRY_AFTER_SECONDS = 15 * 60;

/** Most existing memories shown to the model per extraction; bounds prompt size. */
export const MAX_EXISTING_MEMORIES = 200;

/** Most operations accepted from one model reply; DynamoDB transactions hold 100 items and one is the batch receipt. */
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
 * Pending text (characters) at which a thread extracts without waiting for quiet: keeps the activity input
 * and the continue-as-new state far below Temporal's 2 MB payload limit, and prompts a sane size.
 */
export const MAX_PENDING_CHARS = 400_000;

/** Message ids remembered after processing so a re-delivered signal is not extracted twice. */
export const PROCESSED_MESSAGE_IDS_KEPT = 1_000;

/** Days a batch receipt (the idempotency record of one extraction) is kept before DynamoDB TTL removes it. */
export const BATCH_RECEIPT_TTL_DAYS = 30;

/** How long local servers (Temporal dev server, DynamoDB Local) may take to come up (ms) on a slow 2-core machine. */
export const LOCAL_SERVER_START_TIMEOUT_MS = 60_000;

/** Worker shutdown grace (ms): in-flight extractions get this long to finish on SIGTERM before they are cancelled and retried elsewhere. */
export const WORKER_SHUTDOWN_GRACE_MS = 30_000;
