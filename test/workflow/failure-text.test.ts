/**
 * No conversation-derived text in Temporal on any failure path (issue 14, item 1). For each failure that can
 * carry model or user text — review required (over the update cap), refusal, invalid output, a model request
 * error whose body echoes the prompt — a marker is planted in the submitted message AND in the model's
 * reply. The batch becomes a dead letter whose details in DynamoDB hold the marker; then the thread gets
 * enough signals to continue as new (the test dev server suggests it at 40 events), so the failure record
 * travels in the continue-as-new input. Every run's history is then searched whole — payloads decoded,
 * failure messages, stack traces — and must not hold the marker anywhere.
 */
import { randomUUID } from 'node:crypto';
import { threadWorkflowId } from '../../src/contract';
import type { MemoryManagerDefinition } from '../../src/managers/memory-manager';
import { promptText, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { chainHistories } from '../support/history';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, uniqueId } from '../support/test-env';

const strict: MemoryManagerDefinition = { name: 'strict', namespace: ['strict', '{user_id}'], maxUpdatesPerBatch: 0 };
const h = useMemoryHarness('failure-text', undefined, { managers: [strict] });

type History = Awaited<ReturnType<typeof chainHistories>>[number];

/** Every string of a history, payload bytes decoded as UTF-8: the whole of what Temporal stores. */
function historyText(history: History): string {
  const parts: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    else if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (value !== null && typeof value === 'object') for (const child of Object.values(value as Record<string, unknown>)) visit(child);
  };
  visit(history);
  return parts.join('\n');
}

/**
 * Submits a message holding `marker` to a fresh thread, waits for its dead letter, then pushes the thread
 * past a continue-as-new with markerless signals (a long quiet period: no extraction, no model call).
 * @returns the dead letter and the texts of every run's history
 */
async function deadLetterThenContinueAsNew(marker: string, replies: ScriptedReply[], options: { manager?: string; user?: string } = {}) {
  const threadId = uniqueId('notext');
  const submitOptions = options.manager
    ? { afterSeconds: 0.2, managers: [options.manager], config: { configurable: { user_id: options.user ?? 'u' } } }
    : { afterSeconds: 0.2, namespace: ['memories', threadId] };
  h.fake.script(...replies);
  const first = await h.memory.submit(threadId, [{ role: 'user', content: `Remember this: ${marker}.` }], submitOptions);
  await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.batchesDeadLettered === 1,
    { timeoutMs: 60_000 },
  );
  for (let i = 0; ; i++) {
    const runs = await chainHistories(h.temporal, threadId, first.runId);
    if (runs.length > 1) break;
    if (i > 40) throw new Error('the thread did not continue as new');
    await h.memory.submit(threadId, [{ role: 'user', content: `filler ${i}` }], { ...submitOptions, afterSeconds: 3600 });
  }
  // The new run has started from the carried state (its first workflow task ran).
  await eventually(
    () => h.memory.state(threadId),
    (s) => s !== null,
  );
  const [letter] = await h.memory.deadLetters(threadId);
  const histories = await chainHistories(h.temporal, threadId, first.runId);
  await h.temporal.workflow.getHandle(threadWorkflowId(threadId)).terminate('test done');
  return { letter, threadId, texts: histories.map(historyText), runs: histories.length };
}

function expectNowhereInTemporal(texts: string[], marker: string): void {
  const found = texts.map((text, run) => ({ run: run + 1, hits: text.split(marker).length - 1 })).filter((r) => r.hits > 0);
  expect(found).toEqual([]);
}

const newMarker = () => `MARKER${randomUUID().replaceAll('-', '')}`;

test('review required: the proposed operations are in the dead letter details, not in any run of the history', async () => {
  const marker = newMarker();
  const user = `u${randomUUID().slice(0, 8)}`;
  await h.store.put(['strict', user], 'k1', { kind: 'Memory', content: { content: 'User has a secret' } });
  const update: ScriptedReply = { kind: 'tool', input: { operations: [{ action: 'update', id: 'k1', content: `User's secret is ${marker}` }] } };
  const { letter, texts, runs } = await deadLetterThenContinueAsNew(marker, [update], { manager: 'strict', user });
  expect(runs).toBeGreaterThan(1);
  expectNowhereInTemporal(texts, marker);
  expect(letter?.error).toMatchObject({ type: 'ReviewRequiredError', reason: 'non-retryable' });
  expect(JSON.stringify(letter?.details?.detail)).toContain(marker);
  expect(letter?.details?.detail).toMatchObject({ proposedOperations: [{ action: 'update', id: 'k1' }] });
}, 120_000);

test('refusal: the refusal text is in the dead letter details, not in any run of the history', async () => {
  const marker = newMarker();
  const { letter, texts, runs } = await deadLetterThenContinueAsNew(marker, [{ kind: 'refusal', text: `I will not store ${marker}.` }]);
  expect(runs).toBeGreaterThan(1);
  expectNowhereInTemporal(texts, marker);
  expect(letter?.error).toMatchObject({ type: 'ModelRefusalError', reason: 'non-retryable' });
  expect(letter?.details?.detail).toMatchObject({ refusal: `I will not store ${marker}.` });
}, 120_000);

test('invalid output: the offending output is in the dead letter details, not in any run of the history', async () => {
  const marker = newMarker();
  // An unknown memory id that quotes the marker, every time (3 attempts, each with its repair round).
  const invalid: ScriptedReply = { kind: 'tool', input: { operations: [{ action: 'update', id: marker, content: `about ${marker}` }] } };
  const { letter, texts, runs } = await deadLetterThenContinueAsNew(
    marker,
    Array.from({ length: 6 }, () => invalid),
  );
  expect(runs).toBeGreaterThan(1);
  expectNowhereInTemporal(texts, marker);
  expect(letter?.error).toMatchObject({ type: 'InvalidModelOutputError', reason: 'non-retryable' });
  expect(JSON.stringify(letter?.details?.detail)).toContain(marker);
}, 120_000);

test('a model request error whose body echoes the prompt: the body is in the dead letter details, not in any run of the history', async () => {
  const marker = newMarker();
  const echo: ScriptedReply = {
    kind: 'respond',
    respond: (request) => ({ kind: 'status', status: 400, message: `prompt is invalid: ${promptText(request).slice(0, 4000)} (${marker}-reply)` }),
  };
  const { letter, texts, runs } = await deadLetterThenContinueAsNew(marker, [echo]);
  expect(runs).toBeGreaterThan(1);
  expectNowhereInTemporal(texts, marker);
  expect(letter?.error).toMatchObject({ type: 'ModelRequestError', reason: 'non-retryable' });
  expect(letter?.error.message).toContain('status=400');
  expect(JSON.stringify(letter?.details?.detail)).toContain(`${marker}-reply`);
}, 120_000);
