/**
 * A model outage on the real dev server (issue: "outage → parked in seconds"). A batch answered 401 keeps
 * being retried by Temporal's policy with exponential backoff; a newer message on the same thread waits
 * behind it; when no further attempt fits in the retry window the batch becomes a dead letter in
 * DynamoDB, the newer message is extracted, and the dead letter can be listed and re-driven.
 */
import { EXTRACTION_RETRY_BACKOFF_COEFFICIENT, EXTRACTION_RETRY_INITIAL_INTERVAL_MS } from '../../src/workflows/replay-constants';
import { promptText, type RecordedRequest, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { memoryText } from '../../src/store/memory-types';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, uniqueId } from '../support/test-env';

const RETRY_WINDOW_SECONDS = 12;
const h = useMemoryHarness('outage', undefined, { thread: { retryWindowSeconds: RETRY_WINDOW_SECONDS } });

test('a 401 batch is retried with backoff, dead-lettered only when the window is used up; the newer message flows; the letter re-drives', async () => {
  const threadId = uniqueId('outage');
  const namespace = ['memories', threadId];
  const keyRotated = { down: true };
  const attemptsAt: number[] = [];
  // Every request for the first message gets 401 while the key is "rotated"; others get their memory.
  const reply: ScriptedReply = {
    kind: 'respond',
    respond: (request: RecordedRequest) => {
      const prompt = promptText(request);
      if (prompt.includes('I rotated my key.')) {
        attemptsAt.push(Date.now());
        if (keyRotated.down) return { kind: 'status', status: 401, message: 'invalid x-api-key' };
        return { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User rotated their key' }] } };
      }
      return { kind: 'tool', input: { operations: [{ action: 'insert', content: 'User likes tea' }] } };
    },
  };
  h.fake.script(...Array.from({ length: 20 }, () => reply));

  await h.memory.submit(threadId, [{ role: 'user', content: 'I rotated my key.' }], { afterSeconds: 0.2, namespace });
  await eventually(
    () => attemptsAt.length,
    (n) => n >= 1,
  );
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like tea.' }], { afterSeconds: 0.2, namespace });

  // While retrying, the thread says so, and nothing is dead-lettered.
  const retrying = await eventually(
    () => h.memory.state(threadId),
    (s) => (s?.retrying?.attempt ?? 0) >= 2,
  );
  expect(retrying?.retrying?.lastFailure?.type).toBe('ModelAccessError');
  expect(retrying?.extracting).toMatchObject({ kind: 'inbox', messageCount: 1 });
  expect(await h.memory.deadLetters(threadId)).toEqual([]);

  const dead = await eventually(
    () => h.memory.deadLetters(threadId),
    (letters) => letters.length === 1,
    { timeoutMs: 60_000 },
  );
  const deadSeenAt = Date.now();
  const first = attemptsAt[0] as number;
  // Backoff: each attempt waits at least the policy's interval after the previous one (2 s, 4 s, ...).
  attemptsAt.slice(1).forEach((at, i) => {
    const interval = EXTRACTION_RETRY_INITIAL_INTERVAL_MS * EXTRACTION_RETRY_BACKOFF_COEFFICIENT ** i;
    expect(at - (attemptsAt[i] as number)).toBeGreaterThanOrEqual(interval - 100);
  });
  expect(attemptsAt[1]! - first).toBeGreaterThanOrEqual(1_000);
  // Every attempt that fits in the window was made; the next one would not have fitted.
  const last = attemptsAt.at(-1) as number;
  const nextInterval = EXTRACTION_RETRY_INITIAL_INTERVAL_MS * EXTRACTION_RETRY_BACKOFF_COEFFICIENT ** (attemptsAt.length - 1);
  expect(last - first).toBeLessThanOrEqual(RETRY_WINDOW_SECONDS * 1000);
  expect(last + nextInterval - first).toBeGreaterThan(RETRY_WINDOW_SECONDS * 1000 - 500);
  expect(deadSeenAt).toBeGreaterThanOrEqual(last);
  console.log(
    'attempts (ms after the first):',
    attemptsAt.map((t) => t - first),
    'dead letter seen at',
    deadSeenAt - first,
  );

  const [letter] = dead;
  expect(letter).toMatchObject({ status: 'open', messageCount: 1, namespace });
  expect(letter?.error).toMatchObject({ type: 'ModelAccessError', reason: 'retry-window-used-up' });

  // The newer message was not blocked for good: it is extracted after the dead letter.
  await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.extractionsCompleted === 1 && s.pendingCount === 0,
  );
  expect((await h.memory.search(namespace)).map((item) => memoryText(item.value))).toEqual(['User likes tea']);

  // The key is fixed; re-driving extracts the original message.
  keyRotated.down = false;
  await h.memory.redrive(threadId, letter?.batchId);
  await eventually(
    () => h.memory.deadLetters(threadId),
    (letters) => letters[0]?.status === 'redriven',
  );
  expect((await h.memory.search(namespace)).map((item) => memoryText(item.value)).sort()).toEqual(['User likes tea', 'User rotated their key']);
  h.fake.reset(); // the unused scripted replies
});
