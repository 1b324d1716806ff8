/**
 * The operational defaults of the memory manager, in one place, each named with its unit and a one-line
 * reason. Options objects elsewhere refer back here in their `@default` tags. None of them shapes the
 * thread workflow's commands, so they may change freely: what the workflow's replay depends on lives in
 * `workflows/replay-constants.ts` (changes there need `patched()`; see docs/versioning.md).
 */

/** Attempts after which an invalid model reply stops being retried (the batch becomes a dead letter): output that fails this often will keep failing. */
export const INVALID_OUTPUT_MAX_ATTEMPTS = 3;

/** Interval of extraction heartbeats (ms); well under the heartbeat timeout. */
export const EXTRACTION_HEARTBEAT_INTERVAL_MS = 2_000;

/** Task queue shared by the client, the worker and the workflow. */
export const DEFAULT_TASK_QUEUE = 'memory-manager';

/** Temporal namespace used when TEMPORAL_NAMESPACE is unset; the dev server creates `default`. */
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** Address of a locally running Temporal server (the CLI dev server's default port). */
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/** Prefix of every thread workflow id, so thread workflows are easy to find in the Temporal UI. */
export const THREAD_WORKFLOW_ID_PREFIX = 'memory-thread:';

/** DynamoDB table holding memories, thread inboxes, batch receipts, dead letters and the namespace index. */
export const DEFAULT_TABLE_NAME = 'langmem-memories';

/** Region used when AWS_REGION is unset; DynamoDB Local accepts any. */
export const DEFAULT_AWS_REGION = 'us-east-1';

/** LangMem's default namespace for memories, `("memories",)`. */
export const DEFAULT_NAMESPACE: readonly string[] = ['memories'];

/** Claude model for extraction; a current Sonnet, overridable with ANTHROPIC_MODEL. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

/** Output budget for one extraction reply (tokens); memories are short, this leaves room for many operations. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** Highest output budget a truncated reply (`stop_reason: max_tokens`) is retried with, doubling from the above (tokens). */
export const MAX_OUTPUT_TOKENS_CEILING = 32_000;

/**
 * Prompt budget of one extraction (estimated tokens): the model's 200k context less the output ceiling and a
 * margin. Over it, the least relevant existing memories are left out; the messages always fit (MAX_BATCH_BYTES).
 */
export const MAX_PROMPT_TOKENS = 150_000;

/** Per-request timeout of the Anthropic client (ms); shorter than the activity's start-to-close timeout. */
export const MODEL_REQUEST_TIMEOUT_MS = 90_000;

/**
 * Existing memories shown to the model per extraction: those most relevant to the batch's text (LangMem's
 * `query_limit`; its default is 5, a little more context costs little and avoids duplicates) ...
 */
export const DEFAULT_QUERY_LIMIT = 20;

/** ... plus this many of the namespace's newest memories, so recent facts are always in view. */
export const DEFAULT_NEWEST_MEMORIES_SHOWN = 10;

/**
 * Most memories a query search ranks: the newest this many under the prefix. Bounds the items one search
 * (and one extraction) reads, whatever the namespace's size; older memories beyond it are not ranked.
 */
export const SEARCH_CANDIDATES = 1_000;

/** Items requested per Query page when reading newest-first (enough for a default search in one page). */
export const SEARCH_PAGE_ITEMS = 25;

/** Items per Query page while collecting a query or filter search's candidates (each stream is read lazily). */
export const SEARCH_QUERY_PAGE_ITEMS = 100;

/** More deletes than this in one reply are not applied: the batch becomes a dead letter for review (a reply that deletes much is more likely wrong or coerced). */
export const DEFAULT_MAX_DELETES_PER_BATCH = 5;

/** Likewise for updates; generous, since refining memories is the point. */
export const DEFAULT_MAX_UPDATES_PER_BATCH = 25;

/** Tool rounds of one extraction pass (LangMem's `max_steps`): 1 = one forced tool call, as LangMem's default. */
export const DEFAULT_MAX_STEPS = 1;

/** Highest `maxSteps` a manager may set: each round is a model request over a growing conversation. */
export const MAX_STEPS_LIMIT = 10;

/** Most phases (further passes after the first) a manager may define: each is at least one model request per batch. */
export const MAX_PHASES = 5;

/** Days a deleted memory stays restorable as a tombstone before DynamoDB's TTL removes it (its history stays). */
export const TOMBSTONE_TTL_DAYS = 30;

/** Message ids an extraction's history record keeps (with the batch's inbox range and size for the rest). */
export const HISTORY_MESSAGE_IDS_KEPT = 20;

/** Longest memory key (UTF-8 bytes): it is part of a DynamoDB sort key (limit 1,024 bytes). */
export const MAX_MEMORY_KEY_BYTES = 512;

/** Attempts of a client `put`/`delete`/`restore` racing other writers of the same memory (optimistic concurrency). */
export const MEMORY_WRITE_MAX_ATTEMPTS = 10;

/** Namespaces `listNamespaces` returns when no limit is given, as LangGraph's store. */
export const DEFAULT_LIST_NAMESPACES_LIMIT = 100;

/** Longest query text accepted by `search` (characters). */
export const MAX_QUERY_CHARS = 2_000;

/**
 * Most operations accepted from one model reply. A DynamoDB transaction holds 100 items: two per operation
 * (the memory and its history record), the batch receipt, the progress marker (the inbox cursor; for a
 * re-drive, the dead letter and its request marker) and up to three namespace registry entries.
 */
export const MAX_OPERATIONS_PER_EXTRACTION = 47;

/** Longest message content accepted by `submit` (characters). */
export const MAX_MESSAGE_CONTENT_CHARS = 32_000;

/** Most messages in one `submit` call. */
export const MAX_MESSAGES_PER_SUBMIT = 100;

/** Largest serialized `submit` (bytes): the messages are written to DynamoDB in transactions capped at 4 MB. */
export const MAX_SUBMIT_PAYLOAD_BYTES = 256 * 1024;

/** Messages written per DynamoDB transaction by `submit`: two items each (body, dedupe key) plus the inbox head and the namespace cursor. */
export const INBOX_WRITE_CHUNK = 48;

/** Attempts `submit` makes when concurrent submits to the same thread race for sequence numbers (optimistic concurrency, not failure retries). */
export const INBOX_APPEND_MAX_ATTEMPTS = 30;

/** Upper bound of the random pause after losing such a race, per attempt so far (ms). */
export const INBOX_APPEND_BACKOFF_MS = 10;
/**
 * Threads whose inbox head one client remembers after appending (~100 bytes each), so its next submit to
 * the thread writes without reading the head first: one DynamoDB request per submit instead of two.
 */
export const KNOWN_INBOX_HEADS = 10_000;

/** Planned batches whose messages a worker holds for their extraction (a shortcut only: an extraction that misses reads the inbox). */
export const PLANNED_BATCHES_KEPT = 64;

/** Bytes of message content those batches may hold together (the planner's count): far below a worker's memory. */
export const PLANNED_BATCH_BYTES_KEPT = 16_000_000;

/** How long a planned batch's messages are held (ms): an extraction starts within this when it runs on this worker at all. */
export const PLANNED_BATCH_MAX_AGE_MS = 60_000;

/** Times one DynamoDB transaction is sent when concurrent transactions on the same items cancel it (conflicts only). */
export const TRANSACTION_CONFLICT_ATTEMPTS = 5;

/** Upper bound of the random pause before sending a conflicted transaction again, per attempt so far (ms). */
export const TRANSACTION_CONFLICT_BACKOFF_MS = 20;

/** Longest memory content accepted from the model (characters); DynamoDB items cap at 400 KB. */
export const MAX_MEMORY_CONTENT_CHARS = 8_000;

/**
 * Largest batch sent to one extraction: the messages' serialized size as the prompt carries them (UTF-8
 * bytes of their JSON, about 50k–100k tokens). Backlog beyond it drains in consecutive batches.
 */
export const MAX_BATCH_BYTES = 200_000;

/** Most messages in one batch, whatever their size (a prompt of thousands of one-word messages helps nobody). */
export const MAX_BATCH_MESSAGES = 1_000;

/**
 * Days a batch receipt (the result of one committed extraction, for retries that lost the reply) is kept
 * (`RECEIPT_RETENTION_DAYS`): a retry comes within the batch's retry window (6 hours by default), so a month
 * is ample, and a receipt holds memory keys and counts, no content.
 */
export const BATCH_RECEIPT_TTL_DAYS = 30;

/**
 * Days a processed message (and its dedupe key) is kept after its batch committed, or after its dead letter
 * was re-driven (`MESSAGE_RETENTION_DAYS`): longer than SQS's longest retention (14 days), so a redelivered
 * record is still recognised as a duplicate, and a month for an operator to read a thread's timeline; after
 * that, the memories are what is kept, not the conversation.
 */
export const DEFAULT_MESSAGE_RETENTION_DAYS = 30;

/**
 * Days a batch log entry (what a committed batch changed: memory keys, tokens, model; no content) is kept
 * (`BATCH_LOG_RETENTION_DAYS`): a quarter of token and change records for an operator; each memory's own
 * history keeps its provenance longer.
 */
export const DEFAULT_BATCH_LOG_RETENTION_DAYS = 90;

/** Longest retention a setting accepts (days): ten years; more is almost certainly a unit mistake (seconds?). */
export const MAX_RETENTION_DAYS = 3_650;

/** Messages marked to expire at once after a commit (count of concurrent UpdateItem calls). */
export const RETENTION_MARK_CONCURRENCY = 16;

/** How long local servers (Temporal dev server, DynamoDB Local) may take to come up (ms) on a slow 2-core machine. */
export const LOCAL_SERVER_START_TIMEOUT_MS = 60_000;

/** Starts of a local server when another process took a port it was binding (count); a fresh port each time unless one was given. */
export const LOCAL_SERVER_PORT_ATTEMPTS = 3;

/**
 * Worker shutdown grace (ms): on SIGTERM an in-flight extraction gets this long to finish before it is cancelled
 * and retried elsewhere. Longer than one model call (MODEL_REQUEST_TIMEOUT_MS, 90 s) so a deploy never throws a
 * paid-for reply away; shorter than the container's stop timeout (ECS `stopTimeout` 120 s, the Fargate maximum).
 */
export const WORKER_SHUTDOWN_GRACE_MS = 100_000;

/** Items `search` returns when no limit is given, as LangGraph's `BaseStore.search`. */
export const DEFAULT_SEARCH_LIMIT = 10;

/** Most items one `search` may return. */
export const MAX_SEARCH_LIMIT = 1_000;

/** Longest namespace label (characters). */
export const MAX_NAMESPACE_LABEL_CHARS = 256;

/** Most labels in a namespace tuple. */
export const MAX_NAMESPACE_LABELS = 10;

/** Longest namespace once joined (UTF-8 bytes): it is part of DynamoDB sort keys (limit 1,024 bytes). */
export const MAX_NAMESPACE_BYTES = 1_000;

/** Longest message id (characters). */
export const MAX_MESSAGE_ID_CHARS = 256;

/** Longest thread id (characters); it becomes part of a Temporal workflow id and of DynamoDB keys. */
export const MAX_THREAD_ID_CHARS = 200;

/** How long the demo waits for its extraction (ms); a live model call takes seconds. */
export const DEMO_TIMEOUT_MS = 120_000;

/** Grace between SIGTERM and SIGKILL when stopping a local server (ms). */
export const LOCAL_SERVER_STOP_GRACE_MS = 5_000;

/** Poll interval while waiting for a local server to answer (ms). */
export const LOCAL_SERVER_POLL_INTERVAL_MS = 250;

/** Bedrock embedding model for memory search: Titan Text Embeddings v2 (one text per request, 256/512/1024 dimensions). */
export const DEFAULT_BEDROCK_EMBEDDING_MODEL = 'amazon.titan-embed-text-v2:0';

/** Voyage AI embedding model for memory search: the cheap, fast tier, which accepts `input_type` and `output_dimension`. */
export const DEFAULT_VOYAGE_EMBEDDING_MODEL = 'voyage-3.5-lite';

/** Voyage AI API root (`/v1/embeddings` is appended); tests point it at the fake on 127.0.0.1. */
export const DEFAULT_VOYAGE_BASE_URL = 'https://api.voyageai.com';

/** Embedding size (dimensions): Titan v2's default and Voyage 3.5's, so vectors from either provider have one shape. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 1024;

/** Texts per Voyage request (count): the list limit Voyage documents for its older models, so every model accepts it. */
export const VOYAGE_MAX_INPUTS_PER_REQUEST = 128;

/** Titan v2 requests in flight per `embed` call (count): Titan takes one text per request; a few at once stay under default Bedrock quotas. */
export const BEDROCK_EMBED_CONCURRENCY = 4;

/** Per-request timeout of the embedding clients (ms): an embedding answers in well under a second; a hung request should fail fast. */
export const EMBEDDING_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Typo tolerance of lexical memory search (fraction of a query term's length, rounded to whole edits;
 * minisearch's `fuzzy`): 0.2 allows one typo per five letters and is what minisearch uses for `fuzzy: true`.
 */
export const LEXICAL_FUZZY_FRACTION = 0.2;

/** Shortest query term matched with typos (characters): one edit in a three-letter word is another word ("dog", "dot", "log"). */
export const LEXICAL_FUZZY_MIN_TERM_CHARS = 4;

/** Nesting depth of a stored value walked for searchable text (levels): values are model-written JSON, anything deeper is not prose. */
export const MEMORY_TEXT_MAX_DEPTH = 8;

// ---- Lambda handlers (operational: no workflow history depends on these)

/**
 * The tenant of an HTTP or SQS request, as a namespace prefix filled from the JWT's claims (or an SQS
 * record's identity): two labels, so DynamoDB `LeadingKeys` conditions can confine it (docs/design.md "Tenancy").
 */
export const DEFAULT_TENANT_NAMESPACE: readonly string[] = ['memories', '{sub}'];

/** A handler answers this long before Lambda's own timeout (ms), so a slow dependency becomes a 503, not a killed invocation. */
export const HANDLER_DEADLINE_MARGIN_MS = 1_000;

/** Attempts of one Temporal call from a handler (count): a user is waiting; fail fast with 503 + Retry-After and let the caller retry. */
export const HANDLER_TEMPORAL_ATTEMPTS = 3;

/** `Retry-After` of a 503 or 429 from a handler (s): Temporal restarts and DynamoDB throttling clear within seconds. */
export const HANDLER_RETRY_AFTER_SECONDS = 2;

/** Tenant-bound clients a warm handler keeps (count, least recently used dropped): bounds memory at any number of tenants. */
export const HANDLER_TENANT_CLIENTS_CACHED = 256;

// ---- Worker container (operational: no workflow history depends on these)

/** After this long draining on SIGTERM the worker stops waiting and exits 1 by itself (ms): after the grace, before ECS's SIGKILL at 120 s. */
export const WORKER_SHUTDOWN_FORCE_MS = 110_000;

/** Port of the worker's `/healthz` and `/readyz` (the container health check); 0 turns the server off. */
export const DEFAULT_HEALTH_PORT = 8080;

/** Port of the worker's Prometheus `/metrics` (the SDK's metrics and ours); 9464 is the OpenTelemetry Prometheus exporter's usual port; 0 turns it off. */
export const DEFAULT_METRICS_PORT = 9464;

/** Address the health and metrics servers bind: every interface, so the container's health check and a scraper in the task reach them. */
export const DEFAULT_WORKER_BIND_HOST = '0.0.0.0';

/** Lowest level the worker logs (stdout, JSON lines); INFO keeps one line per extraction, enough to follow a batch. */
export const DEFAULT_WORKER_LOG_LEVEL = 'INFO';

// Worker sizing from memory (src/worker/memory-sizing.ts). With the container's memory M (MiB):
//   usable      = M × (1 − WORKER_MEMORY_HEADROOM_FRACTION) − WORKER_BASE_MEMORY_MIB
//   extractions = clamp(⌊usable × EXTRACTION_MEMORY_SHARE / EXTRACTION_MEMORY_MIB⌋, MIN_CONCURRENT_EXTRACTIONS, MAX_CONCURRENT_EXTRACTIONS)
//   cache       = clamp(⌊(usable − extractions × EXTRACTION_MEMORY_MIB) × 1024 / CACHED_WORKFLOW_KIB⌋, MIN_CACHED_WORKFLOWS, MAX_CACHED_WORKFLOWS)
//   wf tasks    = min(cache, MAX_CONCURRENT_WORKFLOW_TASKS)
// M is WORKER_MEMORY_LIMIT_MB, else the cgroup limit, else DEFAULT_WORKER_MEMORY_MIB (or a smaller V8 heap limit). bench/worker-bench.ts measures the inputs.

/** Share of the container's memory never planned for (fraction): V8 keeps garbage between collections and native allocations fragment. */
export const WORKER_MEMORY_HEADROOM_FRACTION = 0.2;

/**
 * The memory a worker sizes itself for when nothing states a limit (no WORKER_MEMORY_LIMIT_MB, no container
 * cgroup limit), in MiB: a laptop's `npm run worker` or a VM gets a modest, fixed budget rather than V8's heap
 * limit (4 GiB here, which sized the cache past the SDK's own default and let 10,000 sleeping threads hold
 * ~2 GiB). A deployment that has more states it (WORKER_MEMORY_LIMIT_MB or a container limit).
 */
export const DEFAULT_WORKER_MEMORY_MIB = 1024;

/** RSS of an idle worker with the pre-built bundle loaded and no workflow cached (MiB): 231–233 MiB measured by bench/worker-bench.ts on Node 20, rounded up. */
export const WORKER_BASE_MEMORY_MIB = 240;

/**
 * Memory per cached thread workflow (KiB): RSS growth per cached thread with 10,000 sleeping threads was 495–548 KiB
 * (bench/worker-bench.ts, both cache sizes; it includes the garbage evictions leave behind), rounded up.
 */
export const CACHED_WORKFLOW_KIB = 560;

/** Memory one extraction in flight may hold (MiB): up to 1,000 candidate memories read, a ≤200 KB batch, the prompt and the reply, a few copies each. */
export const EXTRACTION_MEMORY_MIB = 16;

/** Share of the usable memory planned for extractions in flight (fraction); the rest caches workflows. */
export const EXTRACTION_MEMORY_SHARE = 0.25;

/** Fewest extractions a worker runs at once (count): even a tiny container makes progress while one model call is slow. */
export const MIN_CONCURRENT_EXTRACTIONS = 2;

/** Most extractions a worker runs at once (count): the SDK's default activity slots; beyond it, add workers. */
export const MAX_CONCURRENT_EXTRACTIONS = 100;

/** Smallest workflow cache (count): the SDK's own floor; below it every workflow task replays its history. */
export const MIN_CACHED_WORKFLOWS = 10;

/** Largest workflow cache (count): bounds the heap-limit fallback on a big machine; an evicted thread only replays when its timer fires. */
export const MAX_CACHED_WORKFLOWS = 20_000;

/** Most workflow tasks a worker runs at once (count): the SDK's default; thread workflow tasks are short. */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 40;

/** How long the container health check command waits for `/healthz` (ms): well under the check's own timeout (5 s). */
export const HEALTH_CHECK_TIMEOUT_MS = 3_000;

// ---------------------------------------------------------------------------------------------------------
// Operator tools (CLI and web console)
// ---------------------------------------------------------------------------------------------------------

/** Threads `listThreads` returns by default (count), newest first. */
export const DEFAULT_LIST_THREADS_LIMIT = 50;

/** Most threads `listThreads` returns (count): each running one costs a workflow query. */
export const MAX_LIST_THREADS_LIMIT = 1_000;

/** Threads whose state `listThreads` queries at once (count). */
export const LIST_THREADS_QUERY_CONCURRENCY = 16;

/** Longest wait for one thread's state query in operator views (ms): a thread nobody's worker answers shows as unknown. */
export const OPERATOR_QUERY_TIMEOUT_MS = 3_000;

/** Newest messages (and batches) a timeline shows by default (count). */
export const DEFAULT_TIMELINE_LIMIT = 200;

/** Most messages (and batches) a timeline shows (count). */
export const MAX_TIMELINE_LIMIT = 5_000;

/** Items `forget` deletes per BatchWriteItem (count): DynamoDB's maximum. */
export const FORGET_DELETE_CHUNK = 25;

/** Sends of one BatchWriteItem chunk whose items come back unprocessed (throttling) before `forget` gives up (count). */
export const FORGET_WRITE_ATTEMPTS = 8;

/** Backoff between those sends: doubling from this (ms)… */
export const FORGET_BACKOFF_BASE_MS = 50;

/** …up to this (ms). */
export const FORGET_BACKOFF_MAX_MS = 2_000;

/** Longest wait for one DynamoDB request from the CLI or console (ms; the SDK retries within its attempts). */
export const OPERATOR_DYNAMODB_TIMEOUT_MS = 10_000;

/** Each doctor check's time limit (ms). */
export const DOCTOR_CHECK_TIMEOUT_MS = 5_000;

// ---- Operator console (operational: no workflow history depends on these)

/** Port of the web console (`npm run console`); CONSOLE_PORT overrides it, 0 picks a free port. */
export const DEFAULT_CONSOLE_PORT = 8787;

/** Address the console binds (loopback): it has no authentication, so it must never listen on a reachable interface. */
export const DEFAULT_CONSOLE_HOST = '127.0.0.1';

/** Longest time one console API request may take (ms) before it answers 503: a stopped Temporal or DynamoDB must not hang the page. */
export const CONSOLE_REQUEST_TIMEOUT_MS = 20_000;

/** How long the console's "Flush now" waits for the extraction (s); shorter than the request timeout, what is left finishes in the background. */
export const CONSOLE_FLUSH_WAIT_SECONDS = 10;

/** Largest JSON body a console POST may carry (bytes): the actions take a few small fields. */
export const CONSOLE_MAX_BODY_BYTES = 16 * 1024;

/** Most memories the console's memory browser lists per namespace (count). */
export const CONSOLE_MEMORY_LIST_LIMIT = 200;

/** Longest memory or message text the CLI shows in a table cell (characters); `--json` has the whole text. */
export const CONTENT_MAX_CHARS = 60;

/** Longest error message the CLI shows in a table cell (characters). */
export const ERROR_MAX_CHARS = 80;

/** Who the history records as making a `memories restore` from the CLI, unless `--actor` says. */
export const DEFAULT_RESTORE_ACTOR = 'memory-ops';

/** Longest message id the CLI shows in a `threads show` table cell (characters); `--json` has the whole id. */
export const ID_MAX_CHARS = 24;

/** Longest list of message ids the CLI shows in a `memories show` history cell (characters); `--json` has them all. */
export const MESSAGE_IDS_MAX_CHARS = 40;

/** Longest batch id a console re-drive may name (characters): the ids batches get are far shorter; this only bounds the input. */
export const MAX_BATCH_ID_CHARS = 200;

/**
 * Longest `timeoutSeconds` a console flush may ask for (s): below CONSOLE_REQUEST_TIMEOUT_MS (20 s), so a slow
 * flush answers `complete: false` rather than the request budget's 503. `memory-ops threads flush --timeout` waits longer.
 */
export const CONSOLE_MAX_FLUSH_WAIT_SECONDS = 15;

/**
 * After the first Ctrl-C, how long `npm run console` ignores another (ms): a terminal's Ctrl-C reaches it twice
 * (directly, and relayed by tsx) while it stops its servers; one after this exits at once.
 */
export const CONSOLE_FORCE_EXIT_AFTER_MS = 2_000;

/** Who the history records as making a restore from the web console (it has no users to name). */
export const CONSOLE_RESTORE_ACTOR = 'console';
