/**
 * Backlogs far larger than one batch, on the real dev server (issue: "backlog → wedged, then lost"). The
 * thread's Temporal state holds references only, so however much text waits, `state()` keeps answering,
 * no workflow task fails, and every message is extracted exactly once, in consecutive batches.
 */
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, MAX_MESSAGE_CONTENT_CHARS } from '../../src/defaults';
import { promptText, type RecordedRequest, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { chainHistories, payloadTexts, workflowTaskFailures } from '../support/history';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, uniqueId } from '../support/test-env';

// Retention marking (two TTL writes per processed message, after each commit) is tested in
// test/integration/retention.test.ts; kept off here, where 100,000 messages would double DynamoDB Local's writes
// (docs/design.md "Retention" gives its cost).
const h = useMemoryHarness('backlog', undefined, { retention: { messagesDays: 'keep' } });

/** A reply that inserts one memory per batch and records which markers each prompt carried. */
function recordingReply(marker: RegExp, seen: string[][]): ScriptedReply {
  return {
    kind: 'respond',
    respond: (request: RecordedRequest) => {
      const markers = promptText(request).match(marker) ?? [];
      seen.push(markers);
      return { kind: 'tool', input: { operations: [{ action: 'insert', content: `batch ${seen.length}` }] } };
    },
  };
}

/** Polls `state()` until `done`, failing if any single call takes longer than `maxCallMs`. */
async function watchState(threadId: string, done: (s: Awaited<ReturnType<typeof h.memory.state>>) => boolean, timeoutMs: number) {
  let answers = 0;
  const state = await eventually(
    async () => {
      const started = Date.now();
      const s = await h.memory.state(threadId);
      expect(Date.now() - started).toBeLessThan(10_000);
      answers += 1;
      return s;
    },
    done,
    { timeoutMs, intervalMs: 250 },
  );
  return { state, answers };
}

test('ten 256 KiB submits during one slow extraction: state() answers, each message extracted once, no task failure', async () => {
  const threadId = uniqueId('big');
  const namespace = ['memories', threadId];
  const seen: string[][] = [];
  // The first extraction takes 6 s; the ten large submits arrive while it runs.
  h.fake.script({ kind: 'slow', delayMs: 6_000, reply: recordingReply(/big-\d+-\d+:/g, seen) });
  h.fake.script(...Array.from({ length: 30 }, () => recordingReply(/big-\d+-\d+:/g, seen)));
  const first = await h.memory.submit(threadId, [{ id: 'small', role: 'user', content: 'Hello there.' }], { afterSeconds: 0.2, namespace });
  await eventually(
    () => h.fake.requests.length,
    (n) => n === 1,
  );

  const big = (s: number, m: number) => `big-${s}-${m}:`.padEnd(MAX_MESSAGE_CONTENT_CHARS, 'x');
  for (let s = 0; s < 10; s++) {
    const messages = Array.from({ length: 8 }, (_, m) => ({ id: `big-${s}-${m}`, role: 'user' as const, content: big(s, m) }));
    await h.memory.submit(threadId, messages, { afterSeconds: 0.5, namespace });
  }
  // All ten arrived while the first, slow extraction was still running.
  expect(h.fake.requests).toHaveLength(1);

  const { state, answers } = await watchState(threadId, (s) => s?.totals.messagesProcessed === 81 && s.pendingCount === 0, 90_000);
  expect(answers).toBeGreaterThan(1);
  const markers = seen.flat();
  expect(markers).toHaveLength(80);
  expect(new Set(markers).size).toBe(80);
  // Batches are capped by their serialized size: ~32 KB messages, at most MAX_BATCH_BYTES per batch.
  const perBatch = Math.floor(MAX_BATCH_BYTES / (MAX_MESSAGE_CONTENT_CHARS + 100));
  expect(Math.max(...seen.slice(1).map((b) => b.length))).toBeLessThanOrEqual(perBatch);
  expect(state?.totals.extractionsCompleted).toBe(seen.length);
  expect(await h.memory.search(namespace, { limit: 1000 })).toHaveLength(seen.length);
  h.fake.reset();

  const histories = await chainHistories(h.temporal, threadId, first.runId);
  expect(workflowTaskFailures(histories)).toBe(0);
  // The claim check: no message content ever entered Temporal's history.
  const texts = payloadTexts(histories).join('\n');
  expect(texts).not.toContain('big-0-0:');
  expect(texts).not.toContain('Hello there.');
}, 150_000);

test('100,000 tiny messages: state() answers throughout, each extracted exactly once in capped batches', async () => {
  const threadId = uniqueId('tiny');
  const namespace = ['memories', threadId];
  const seen: string[][] = [];
  h.fake.script(...Array.from({ length: 400 }, () => recordingReply(/tiny-\d+\b/g, seen)));
  const total = 100_000;
  const started = Date.now();
  let firstRunId = '';
  for (let s = 0; s < total / 100; s++) {
    const messages = Array.from({ length: 100 }, (_, m) => ({ id: `t${s}-${m}`, role: 'user' as const, content: `tiny-${s * 100 + m}` }));
    const receipt = await h.memory.submit(threadId, messages, { afterSeconds: 2, namespace });
    if (s === 0) firstRunId = receipt.runId;
  }
  console.log(`submitted ${total} in ${Date.now() - started} ms; ${seen.length} batches extracted meanwhile`);
  const { state, answers } = await watchState(threadId, (s) => s?.totals.messagesProcessed === total && s.pendingCount === 0, 300_000);
  console.log(`all extracted after ${Date.now() - started} ms in ${seen.length} batches`);
  expect(answers).toBeGreaterThan(0);
  const markers = seen.flat();
  expect(markers).toHaveLength(total);
  expect(new Set(markers).size).toBe(total);
  expect(Math.max(...seen.map((b) => b.length))).toBeLessThanOrEqual(MAX_BATCH_MESSAGES);
  expect(state?.totals.extractionsCompleted).toBe(seen.length);
  h.fake.reset();
  expect(workflowTaskFailures(await chainHistories(h.temporal, threadId, firstRunId))).toBe(0);
}, 420_000);
