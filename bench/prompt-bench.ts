/**
 * Benchmark of the extraction prompt's size, run by hand (`npm run bench:prompt`; jest never picks it up).
 * It starts its own DynamoDB Local and the fake Messages API, and runs the real extraction path — the
 * store's `relevantTo` (what extract-batch.ts reads), then the real `ClaudeExtractor` with the default
 * manager, through the real Anthropic SDK pointed at the fake — and sizes the request the fake recorded:
 *
 * A. One extraction of a fixed 5-message batch against a namespace of 10, 1,000 and 10,000 memories: the
 *    prompt must stop growing once the namespace holds more than the manager shows (queryLimit + newestShown).
 * B. A thread growing to 10, 100 and 1,000 messages, extracted in consecutive batches of 10 (one memory
 *    inserted per extraction): tokens per message must stay flat, because a batch carries only its own
 *    messages, never the thread so far.
 *
 * The fake reports fixed usage numbers, so tokens here are the project's own conservative estimate
 * (`estimateTokens`, ~3 bytes a token) of the request's system + tools + messages, with its bytes beside.
 * Wall times are this run's observation on a shared machine, not claims. Exits 1 when a figure breaks its
 * expectation. See bench/README.md.
 */
import { BatchWriteCommand, type BatchWriteCommandInput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ThreadMessage } from '../src/contract';
import { MAX_PROMPT_TOKENS } from '../src/defaults';
import { startDynamoDbLocal } from '../src/testing/dynamodb-local';
import { FakeMessagesApi, promptData, type RecordedRequest } from '../src/testing/fake-messages-api';
import { ManagerRegistry } from '../src/managers/manager-registry';
import { DEFAULT_MANAGER_NAME, type ResolvedManager } from '../src/managers/memory-manager';
import { createAnthropicClient } from '../src/model/anthropic-client';
import { ClaudeExtractor, type ExtractionProposal } from '../src/model/claude-extractor';
import { estimateTokens, extractionData } from '../src/model/memory-prompt';
import { createDynamoClients } from '../src/store/dynamo-clients';
import { ensureTable } from '../src/store/ensure-table';
import { liveMemoryItem, registryItems } from '../src/store/memory-records';
import { DynamoMemoryStore } from '../src/store/memory-store';
import { memoryValue, type ChangeSource, type MemoryItem } from '../src/store/memory-types';
import { fmt, printTable } from './bench-output';

// ───────────────────────────── what is measured ─────────────────────────────

/** Namespace sizes of figure A. */
const NAMESPACE_SIZES = [10, 1_000, 10_000] as const;
/** Figure A's gate: the 10,000-memory prompt may be at most this many times the 1,000-memory one. */
const MAX_NAMESPACE_RATIO = 1.2;

/** Thread sizes of figure B (messages), each reached by extracting consecutive batches. */
const THREAD_SIZES = [10, 100, 1_000] as const;
/** New messages per extraction in figure B. */
const THREAD_BATCH_MESSAGES = 10;
/** Memories in figure B's namespace before the thread starts: over queryLimit + newestShown, so the memories shown are at their cap from the first batch and the figure isolates thread length. */
const THREAD_SEEDED_MEMORIES = 100;
/** Figure B's gate: tokens per message of the last extraction at 1,000 messages vs at 10. */
const MAX_THREAD_RATIO = 1.5;

/** Items per BatchWriteItem request (DynamoDB's maximum) and requests in flight while seeding (as store-bench). */
const SEED_ITEMS_PER_REQUEST = 25;
const SEED_REQUESTS_IN_FLIGHT = 8;

const TABLE = 'bench-prompt';
const NAMESPACE_A = ['memories', 'prompt-namespace'];
const NAMESPACE_B = ['memories', 'prompt-thread'];
const MODEL = 'claude-sonnet-5-5';
/** How seeded memories say where they came from. */
const SEEDED_BY: ChangeSource = { kind: 'migration', actor: 'prompt-bench' };

// ───────────────────────────── helpers ─────────────────────────────

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
const MACHINE = `on a shared ${cpus().length}-core machine, DynamoDB Local and the fake Messages API on the same cores`;

function ratio(value: number, of: number, digits = 2): string {
  return of > 0 ? `${fmt(value / of, digits)}x` : 'n/a';
}

/** A small deterministic PRNG (mulberry32), so every run builds the same memories and messages. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

// ───────────────────────────── realistic texts ─────────────────────────────

// Vocabulary shared by memories, the fixed batch and the thread, so lexical ranking picks some memories.
const NAMES = ['Ana', 'Kenji', 'Marta', 'Tom', 'Priya', 'Lukas', 'Sofia', 'Diego', 'Aiko', 'Noah', 'Leila', 'Ines'];
const RELATIONS = ['sister', 'brother', 'mother', 'father', 'partner', 'best friend', 'colleague', 'cousin', 'neighbour'];
const PLACES = ['Lisbon', 'Osaka', 'Denver', 'Tallinn', 'Cusco', 'Oslo', 'Nairobi', 'Hanoi', 'Porto', 'Quebec', 'Seville', 'Kyoto', 'Bergen'];
const HOBBIES = [
  'sailing',
  'pottery',
  'climbing',
  'jazz piano',
  'chess',
  'cycling',
  'gardening',
  'photography',
  'trail running',
  'birdwatching',
  'watercolour painting',
  'yoga',
  'sourdough baking',
];
const FOODS = ['peanuts', 'shellfish', 'gluten', 'dairy', 'sesame', 'kiwi', 'eggs', 'soy'];
const JOBS = ['backend engineer', 'nurse', 'high-school teacher', 'product designer', 'accountant', 'architect', 'data analyst', 'translator'];
const PETS = ['dog', 'cat', 'rabbit', 'parrot', 'tortoise'];
const PET_NAMES = ['Miso', 'Biscuit', 'Pixel', 'Luna', 'Captain', 'Olive', 'Noodle'];
const TOOLS = ['VS Code', 'Vim', 'Notion', 'Obsidian', 'a paper notebook', 'Excel', 'Figma', 'Linear'];
const APPLIANCES = ['espresso machine', 'dishwasher', 'bike', 'laptop', 'washing machine', 'camera', 'kettle'];
const MONTHS = ['January', 'March', 'April', 'May', 'June', 'August', 'September', 'October', 'December'];
const SEASONS = ['spring', 'summer', 'autumn', 'winter'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const LANGUAGES = ['Portuguese', 'Japanese', 'Spanish', 'Norwegian', 'Vietnamese', 'French', 'Swahili'];
const GENRES = ['science fiction', 'crime novels', 'history', 'poetry', 'biographies', 'fantasy'];

/** Memory `i` of a namespace: one of 16 shapes, ~25 to ~210 characters, as an extraction would write them. */
function memoryText(i: number): string {
  const r = random(i * 7919 + 17);
  const name = pick(r, NAMES);
  const place = pick(r, PLACES);
  const hobby = pick(r, HOBBIES);
  const month = pick(r, MONTHS);
  const templates: (() => string)[] = [
    () => `User's ${pick(r, RELATIONS)} ${name} lives in ${place} and visits every ${month}.`,
    () => `User is allergic to ${pick(r, FOODS)}; avoid suggesting recipes that contain it.`,
    () => `User works as a ${pick(r, JOBS)} and usually starts around ${7 + Math.floor(r() * 4)} am on weekdays.`,
    () => `User has a ${pick(r, PETS)} named ${pick(r, PET_NAMES)}.`,
    () => `User prefers ${pick(r, TOOLS)} over ${pick(r, TOOLS)} for note taking and planning.`,
    () => `User is learning ${pick(r, LANGUAGES)} ahead of a trip to ${place} in ${month}.`,
    () => `User took up ${hobby} in ${2015 + Math.floor(r() * 10)} and practises on ${pick(r, DAYS)}s.`,
    () => `User's favourite coffee is a cortado from a small café near the station in ${place}.`,
    () => `User is planning a ${hobby} trip to ${place} with their ${pick(r, RELATIONS)} ${name} next ${pick(r, SEASONS)}.`,
    () => `User's birthday is ${month} ${1 + Math.floor(r() * 28)}; ${name} usually organises a dinner.`,
    () =>
      `User ran a half marathon in ${place} in ${Math.floor(1 + r() * 2)}h${String(Math.floor(r() * 60)).padStart(2, '0')} and wants to beat it next ${pick(r, SEASONS)}.`,
    () => `User said their ${pick(r, APPLIANCES)} broke and is comparing replacements under ${50 * (2 + Math.floor(r() * 10))} euros.`,
    () => `User's ${pick(r, RELATIONS)} ${name} recommended ${hobby} lessons at a studio in ${place}.`,
    () => `User reads mostly ${pick(r, GENRES)} and keeps a list of books to read on ${pick(r, TOOLS)}.`,
    () => `User budgets about ${50 * (1 + Math.floor(r() * 8))} euros a month for ${hobby} gear and avoids buying on impulse.`,
    () =>
      `User explained that they moved from ${pick(r, PLACES)} to ${place} in ${2012 + Math.floor(r() * 12)} for work, still misses the food there, ` +
      `and tries to go back every ${month} to see ${name}, their ${pick(r, RELATIONS)}, who runs a ${hobby} club.`,
  ];
  return pick(r, templates)();
}

/** Figure A's batch: 5 messages of one conversation, sharing some words with the memories. */
const FIXED_BATCH: readonly Omit<ThreadMessage, 'id' | 'timestamp'>[] = [
  { role: 'user', content: 'I just got back from Lisbon — we went sailing every morning and ate far too many pastéis de nata.' },
  { role: 'assistant', content: 'That sounds wonderful! Did you sail on the Tagus, or further out along the coast?' },
  { role: 'user', content: "Mostly the Tagus. Also, my espresso machine broke the day I got home, so I'm living on instant coffee." },
  { role: 'user', content: "Thinking of taking up pottery again this autumn; there's a studio two streets away." },
  { role: 'user', content: 'And my sister wants me to try climbing with her in Osaka next spring.' },
];

/**
 * Message `i` of figure B's thread. Ten shapes, chosen by `i mod 10`, so every batch of ten consecutive
 * messages has the same mix and the per-batch sizes differ only by their fillers.
 */
function threadMessage(i: number, baseMs: number): ThreadMessage {
  const r = random(i * 104729 + 3);
  const place = pick(r, PLACES);
  const hobby = pick(r, HOBBIES);
  const name = pick(r, NAMES);
  const shapes: [ThreadMessage['role'], () => string][] = [
    ['user', () => `Quick update: I booked the trip to ${place} for ${pick(r, MONTHS)}, mostly for the ${hobby}.`],
    ['assistant', () => `Nice! ${place} is lovely then. Do you want a packing list, or ideas for what to do on rest days?`],
    ['user', () => `Rest days, please. My ${pick(r, RELATIONS)} ${name} is coming too and doesn't care much for ${hobby}.`],
    ['assistant', () => `Got it. A food market tour, a day trip by train and a museum morning would suit both of you. Any foods to avoid?`],
    ['user', () => `${name} can't have ${pick(r, FOODS)}, and I'm trying to cut down on coffee, so no café crawls.`],
    ['assistant', () => `Noted. I'll keep the suggestions ${pick(r, FOODS)}-free and light on cafés.`],
    ['user', () => `Also my ${pick(r, APPLIANCES)} died again; I think I'll finally replace it after the trip.`],
    ['assistant', () => `Makes sense. Want me to compare a few models under ${50 * (2 + Math.floor(r() * 8))} euros when you're back?`],
    ['user', () => `Sure. And remind me that I promised ${name} a ${hobby} session on ${pick(r, DAYS)}.`],
    ['assistant', () => `Will do. Enjoy ${place}, and say hi to ${name}!`],
  ];
  const [role, text] = shapes[i % shapes.length] as [ThreadMessage['role'], () => string];
  return { id: `msg-${String(i).padStart(4, '0')}`, role, content: text(), timestamp: new Date(baseMs + i * 30_000).toISOString() };
}

// ───────────────────────────── seeding ─────────────────────────────

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** One BatchWriteItem request, re-sending what DynamoDB left unprocessed. */
async function batchWrite(doc: DynamoDBDocumentClient, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 10) throw new Error(`BatchWriteItem: ${pending.length} requests still unprocessed after 10 attempts`);
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
    pending = out.UnprocessedItems?.[TABLE] ?? [];
    if (pending.length > 0) await pause(50 * attempt);
  }
}

/** The memory item `i` of a namespace, changed at `baseMs + i` s (older than anything the bench writes later). */
function seededMemory(namespace: string[], i: number, baseMs: number): MemoryItem {
  const at = new Date(baseMs + i * 1000).toISOString();
  return { namespace, key: `mem-${String(i).padStart(6, '0')}`, value: memoryValue(memoryText(i)), createdAt: at, updatedAt: at, version: 1 };
}

/**
 * Grows a namespace to `total` memories straight as DynamoDB items (the store's own `liveMemoryItem`, plus
 * `registryItems` on the first step), SEED_ITEMS_PER_REQUEST a request, SEED_REQUESTS_IN_FLIGHT at once.
 */
async function seedNamespace(doc: DynamoDBDocumentClient, namespace: string[], from: number, total: number, baseMs: number): Promise<number> {
  const items = [
    ...(from === 0 ? registryItems(namespace) : []),
    ...Array.from({ length: total - from }, (_, j) => liveMemoryItem(seededMemory(namespace, from + j, baseMs), { changedBy: SEEDED_BY })),
  ];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + SEED_ITEMS_PER_REQUEST);
      next += chunk.length;
      await batchWrite(
        doc,
        chunk.map((Item) => ({ PutRequest: { Item } })),
      );
    }
  };
  await Promise.all(Array.from({ length: SEED_REQUESTS_IN_FLIGHT }, worker));
  return (performance.now() - started) / 1000;
}

// ───────────────────────────── one extraction, sized ─────────────────────────────

/** A recorded request's size: the whole of it as estimated, and its parts in bytes. */
interface PromptSize {
  tokens: number;
  bytes: number;
  fixedBytes: number;
  memoriesBytes: number;
  messagesBytes: number;
  memoriesInPrompt: number;
  messageIds: string[];
}

/** The project's estimate over JSON of the request's system + tools + messages (what the model reads). */
function sizeOf(request: RecordedRequest): PromptSize {
  const whole = JSON.stringify({ system: request.system, tools: request.tools, messages: request.messages });
  const data = promptData(request);
  return {
    tokens: estimateTokens(whole),
    bytes: Buffer.byteLength(whole),
    fixedBytes: Buffer.byteLength(JSON.stringify({ system: request.system, tools: request.tools })),
    memoriesBytes: Buffer.byteLength(JSON.stringify(data.existing_memories)),
    messagesBytes: Buffer.byteLength(JSON.stringify(data.new_messages)),
    memoriesInPrompt: data.existing_memories.length,
    messageIds: data.new_messages.map((m) => m.id),
  };
}

interface Extraction {
  proposal: ExtractionProposal;
  size: PromptSize;
  shown: number;
  ms: number;
}

interface Harness {
  store: DynamoMemoryStore;
  extractor: ClaudeExtractor;
  fake: FakeMessagesApi;
  manager: ResolvedManager;
  problems: string[];
}

/**
 * What extract-batch.ts does between reading the batch and committing: the memories to show
 * (`relevantTo` with the manager's limits), then the extractor. The fake answers with `operations`.
 */
async function extractOnce(h: Harness, namespace: string[], messages: readonly ThreadMessage[], operations: unknown[], label: string): Promise<Extraction> {
  h.fake.script({ kind: 'respond', respond: () => ({ kind: 'tool', input: { operations } }) });
  const before = h.fake.requests.length;
  const started = performance.now();
  const existing = await h.store.relevantTo(namespace, messages.map((m) => m.content).join('\n'), {
    queryLimit: h.manager.queryLimit,
    newest: h.manager.newestShown,
  });
  const proposal = await h.extractor.extract({ manager: h.manager, messages, existing });
  const ms = performance.now() - started;
  const request = h.fake.requests[h.fake.requests.length - 1];
  if (h.fake.requests.length !== before + 1 || !request)
    throw new Error(`${label}: expected one Messages API request, the fake recorded ${h.fake.requests.length - before}`);
  const size = sizeOf(request);
  if (size.memoriesInPrompt !== proposal.memoriesShown)
    h.problems.push(`${label}: the prompt carried ${size.memoriesInPrompt} memories, the extractor reported ${proposal.memoriesShown}`);
  const sent = messages.map((m) => m.id);
  if (size.messageIds.join(',') !== sent.join(','))
    h.problems.push(`${label}: the prompt carried messages [${size.messageIds.join(', ')}], the batch was [${sent.join(', ')}]`);
  return { proposal, size, shown: existing.length, ms };
}

// ───────────────────────────── figure A: by namespace size ─────────────────────────────

interface NamespaceRow {
  memories: number;
  seedSeconds: number;
  extraction: Extraction;
  /** The user turn had every memory of the namespace been shown (computed, not sent). */
  allMemoriesTokens: number;
}

async function namespaceFigure(h: Harness, doc: DynamoDBDocumentClient, baseMs: number): Promise<NamespaceRow[]> {
  const at = new Date().toISOString();
  const batch = FIXED_BATCH.map((m, i): ThreadMessage => ({ ...m, id: `batch-${i}`, timestamp: at }));
  const rows: NamespaceRow[] = [];
  let seeded = 0;
  for (const size of NAMESPACE_SIZES) {
    const seedSeconds = await seedNamespace(doc, NAMESPACE_A, seeded, size, baseMs);
    seeded = size;
    const extraction = await extractOnce(h, NAMESPACE_A, batch, [], `figure A at ${fmt(size)} memories`);
    const all = Array.from({ length: size }, (_, i) => seededMemory(NAMESPACE_A, i, baseMs));
    rows.push({ memories: size, seedSeconds, extraction, allMemoriesTokens: estimateTokens(extractionData(batch, all)) });
    progress(`figure A: ${fmt(size)} memories (seeded in ${fmt(seedSeconds, 1)} s)`);
  }
  return rows;
}

// ───────────────────────────── figure B: by thread length ─────────────────────────────

interface ThreadRow {
  messages: number;
  extractions: number;
  memoriesInNamespace: number;
  last: Extraction;
  /** Tokens of every extraction so far. */
  totalTokens: number;
  /** The prompt's messages part had the last extraction re-sent the whole thread so far (computed, not sent). */
  wholeThreadMessagesTokens: number;
}

async function threadFigure(h: Harness, doc: DynamoDBDocumentClient, baseMs: number): Promise<ThreadRow[]> {
  await seedNamespace(doc, NAMESPACE_B, 0, THREAD_SEEDED_MEMORIES, baseMs);
  const threadStart = Date.now() - 60 * 60 * 1000;
  const thread: ThreadMessage[] = [];
  const rows: ThreadRow[] = [];
  let totalTokens = 0;
  let extractions = 0;
  const largest = THREAD_SIZES[THREAD_SIZES.length - 1] ?? 0;
  while (thread.length < largest) {
    const batch = Array.from({ length: THREAD_BATCH_MESSAGES }, (_, j) => threadMessage(thread.length + j, threadStart));
    thread.push(...batch);
    const k = extractions;
    const insert = { action: 'insert', content: `User booked a trip and mentioned ${batch[0]?.content.slice(0, 60) ?? ''} (batch ${k}).` };
    const extraction = await extractOnce(h, NAMESPACE_B, batch, [insert], `figure B batch ${k}`);
    extractions += 1;
    totalTokens += extraction.size.tokens;
    // Commit what the model proposed, so the namespace grows one memory per extraction.
    for (const [i, op] of extraction.proposal.operations.entries()) {
      if (op.action === 'insert') await h.store.put(NAMESPACE_B, `thread-${String(k).padStart(4, '0')}-${i}`, { kind: op.kind, content: op.content });
    }
    if ((THREAD_SIZES as readonly number[]).includes(thread.length)) {
      rows.push({
        messages: thread.length,
        extractions,
        memoriesInNamespace: THREAD_SEEDED_MEMORIES + extractions,
        last: extraction,
        totalTokens,
        wholeThreadMessagesTokens: estimateTokens(extractionData(thread, [])),
      });
      progress(`figure B: ${fmt(thread.length)} messages, ${extractions} extraction(s)`);
    }
  }
  return rows;
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const benchStarted = performance.now();
  const problems: string[] = [];

  progress('starting DynamoDB Local and the fake Messages API');
  const dynamo = await startDynamoDbLocal();
  const fake = await FakeMessagesApi.start();
  const { client, doc } = createDynamoClients({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  try {
    await ensureTable(client, TABLE);
    const manager = new ManagerRegistry().forBatch(DEFAULT_MANAGER_NAME);
    const h: Harness = {
      store: new DynamoMemoryStore(doc, TABLE),
      extractor: new ClaudeExtractor(createAnthropicClient({ apiKey: 'prompt-bench', baseURL: fake.baseURL }), { model: MODEL }),
      fake,
      manager,
      problems,
    };
    // Seeded memories are a day old, a second apart: everything the bench writes later is newer.
    const baseMs = Date.now() - 24 * 60 * 60 * 1000;
    const cap = manager.queryLimit + manager.newestShown;
    const estimateNote =
      "tokens = estimateTokens (the project's conservative estimate, ~3 bytes a token; English averages nearer 4) of JSON.stringify({system, tools, messages})";

    // ── Figure A.
    const figureAStarted = performance.now();
    const byNamespace = await namespaceFigure(h, doc, baseMs);
    const figureASeconds = (performance.now() - figureAStarted) / 1000;
    const at1k = byNamespace.find((r) => r.memories === 1_000);
    const at10k = byNamespace.find((r) => r.memories === 10_000);
    printTable(
      `A. One extraction of a fixed ${FIXED_BATCH.length}-message batch by namespace size (default manager: queryLimit ${manager.queryLimit}, newestShown ${manager.newestShown})`,
      ['memories', 'shown', 'tokens (est.)', 'bytes', 'system + tools B', 'memories B', 'messages B', 'every memory shown†', 'extraction ms*', 'seeding s*'],
      byNamespace.map((r) => [
        fmt(r.memories),
        fmt(r.extraction.shown),
        fmt(r.extraction.size.tokens),
        fmt(r.extraction.size.bytes),
        fmt(r.extraction.size.fixedBytes),
        fmt(r.extraction.size.memoriesBytes),
        fmt(r.extraction.size.messagesBytes),
        fmt(r.allMemoriesTokens),
        fmt(r.extraction.ms, 0),
        fmt(r.seedSeconds, 1),
      ]),
      [
        at1k && at10k
          ? `10,000 vs 1,000 memories: tokens ${ratio(at10k.extraction.size.tokens, at1k.extraction.size.tokens)} (gate: at most ${MAX_NAMESPACE_RATIO}x), memories shown ${at1k.extraction.shown} → ${at10k.extraction.shown} (cap ${cap} = queryLimit + newestShown).`
          : '',
        `${estimateNote} of the request the fake Messages API recorded (its reported usage is a fixed number, so not used).`,
        'path: store.relevantTo(ns, batch text, {queryLimit, newest: newestShown}) → ClaudeExtractor.extract (real Anthropic SDK → fake); the fake replies with no operations.',
        "system + tools / memories / messages B = bytes of JSON of those parts (the user turn's existing_memories and new_messages); they do not add up to bytes, which counts the escaping of the",
        'user turn (a JSON document inside a JSON string).',
        `† estimateTokens of the user turn had every memory of the namespace been shown: computed here, never sent (the extractor would cut it to its ${fmt(MAX_PROMPT_TOKENS)}-token budget).`,
        'Seeded memories: 16 shapes of realistic statements (26–206 characters), sharing places, hobbies and people with the batch, so lexical ranking picks some.',
        `* this run's wall times ${MACHINE}: observations, not claims. Extraction ms includes the memory read and the fake's HTTP round trip.`,
      ],
    );
    if (at1k && at10k && at10k.extraction.size.tokens > MAX_NAMESPACE_RATIO * at1k.extraction.size.tokens) {
      problems.push(
        `figure A: the prompt at 10,000 memories (${fmt(at10k.extraction.size.tokens)} tokens) is over ${MAX_NAMESPACE_RATIO}x the one at 1,000 (${fmt(at1k.extraction.size.tokens)})`,
      );
    }
    for (const r of byNamespace) {
      if (r.extraction.shown > cap)
        problems.push(`figure A: ${r.extraction.shown} memories shown at ${fmt(r.memories)} memories, over queryLimit + newestShown (${cap})`);
    }

    // ── Figure B.
    const figureBStarted = performance.now();
    const byThread = await threadFigure(h, doc, baseMs);
    const figureBSeconds = (performance.now() - figureBStarted) / 1000;
    const first = byThread[0];
    const last = byThread[byThread.length - 1];
    const perMessage = (r: ThreadRow) => r.last.size.tokens / THREAD_BATCH_MESSAGES;
    printTable(
      `B. A thread growing in batches of ${THREAD_BATCH_MESSAGES} new messages (one memory inserted per extraction; namespace seeded with ${THREAD_SEEDED_MEMORIES} memories)`,
      [
        'thread messages',
        'extractions',
        'memories in ns',
        'last: messages in prompt',
        'shown',
        'tokens (est.)',
        'bytes',
        'tokens / message',
        'all extractions: tokens / message',
        're-sent thread: messages tokens / new message†',
      ],
      byThread.map((r) => [
        fmt(r.messages),
        fmt(r.extractions),
        fmt(r.memoriesInNamespace),
        fmt(r.last.size.messageIds.length),
        fmt(r.last.shown),
        fmt(r.last.size.tokens),
        fmt(r.last.size.bytes),
        fmt(perMessage(r), 1),
        fmt(r.totalTokens / r.messages, 1),
        fmt(r.wholeThreadMessagesTokens / THREAD_BATCH_MESSAGES, 1),
      ]),
      [
        first && last
          ? `${fmt(last.messages)} vs ${fmt(first.messages)} messages: tokens per message of the last extraction ${ratio(perMessage(last), perMessage(first))} (gate: at most ${MAX_THREAD_RATIO}x).`
          : '',
        `Each extraction is relevantTo + ClaudeExtractor.extract over only its ${THREAD_BATCH_MESSAGES} new messages (checked: the recorded prompt carried exactly the batch's message ids);`,
        'the fake proposes one insert, written with store.put, so the namespace grows with the thread. Store + extractor directly: no Temporal, no inbox.',
        `tokens / message = the last extraction's tokens / ${THREAD_BATCH_MESSAGES}; all extractions = the sum of every extraction's tokens so far / thread messages.`,
        `${estimateNote}.`,
        'Thread messages: ten shapes (alternating user / assistant, 39–112 characters), chosen by position mod 10, so every batch has the same mix.',
        `The namespace starts over the cap of memories shown (${cap} = queryLimit + newestShown), so the memories shown stay near it from the first batch (below it when the`,
        'relevant and the newest overlap, or fewer memories match) and the figure isolates thread length rather than namespace growth.',
        '† had each extraction re-sent the whole thread so far: estimateTokens of a user turn with every message of the thread and no memories, divided by the',
        `batch's ${THREAD_BATCH_MESSAGES} new messages. Computed here, never sent: what the batching avoids.`,
      ],
    );
    if (first && last && perMessage(last) > MAX_THREAD_RATIO * perMessage(first)) {
      problems.push(
        `figure B: ${fmt(perMessage(last), 1)} tokens per message at ${fmt(last.messages)} messages, over ${MAX_THREAD_RATIO}x the ${fmt(perMessage(first), 1)} at ${fmt(first.messages)}`,
      );
    }
    for (const r of byThread) {
      if (r.last.size.messageIds.length !== THREAD_BATCH_MESSAGES)
        problems.push(
          `figure B: the last extraction at ${fmt(r.messages)} messages carried ${r.last.size.messageIds.length} messages, not ${THREAD_BATCH_MESSAGES}`,
        );
    }
    if (fake.unexpected.length > 0) problems.push(`the fake Messages API got ${fake.unexpected.length} unscripted requests`);

    console.log(
      `\nfigure A: ${fmt(figureASeconds, 1)} s (seeding included); figure B: ${fmt(figureBSeconds, 1)} s for ${fmt(last?.extractions ?? 0)} extractions (this run's observation)`,
    );
  } finally {
    progress('stopping the fake Messages API and DynamoDB Local');
    client.destroy();
    await fake.close();
    await dynamo.stop();
  }

  console.log(`bench wall time: ${fmt((performance.now() - benchStarted) / 1000, 0)} s (this run's observation)`);
  if (problems.length > 0) {
    console.log('\nEXPECTATIONS NOT MET:');
    for (const problem of problems) console.log(`  - ${problem}`);
    process.exitCode = 1;
  } else {
    console.log(
      "all expectations met: the prompt stops growing with the namespace past what the manager shows, and a thread's batches carry only their own messages.",
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
