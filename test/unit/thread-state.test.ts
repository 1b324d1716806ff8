/** The thread's pure state: debounce clock, max-wait, drains, flush, re-drive, idle close, totals, size. */
import type { BatchRef, CarriedThreadState, ExtractionResult, MessagesAddedPayload, ThreadSettings } from '../../src/contract';
import { MAX_AFTER_SECONDS, MAX_FAILURE_MESSAGE_CHARS } from '../../src/workflows/replay-constants';
import { FlushCollector } from '../../src/workflows/flush-collector';
import { messagesAddedProblem, quietStart, resolveSettings, submitTimeOf } from '../../src/workflows/signal-payload';
import { ThreadState } from '../../src/workflows/thread-state';

const SETTINGS: ThreadSettings = { idleCloseSeconds: 3600, retryWindowSeconds: 600 };
const T0 = Date.parse('2026-11-28T10:00:00.000Z');
/** The inbox head a drain's last plan read: past every sequence number these tests signal. */
const HEAD = 1_000_000;

function signal(lastSeq: number, overrides: Partial<MessagesAddedPayload> = {}): MessagesAddedPayload {
  return { lastSeq, newMessages: 1, duplicates: 0, afterSeconds: 30, maxWaitSeconds: 300, ...overrides };
}

function ref(batchId: string, overrides: Partial<BatchRef> = {}): BatchRef {
  return {
    kind: 'inbox',
    threadId: 't',
    batchId,
    namespace: ['memories'],
    afterSeq: 0,
    fromSeq: 1,
    toSeq: 2,
    messageCount: 2,
    bytes: 100,
    idsDigest: 'd',
    ...overrides,
  };
}

function result(batchId: string, overrides: Partial<ExtractionResult> = {}): ExtractionResult {
  return {
    batchId,
    status: 'extracted',
    inserted: ['k1'],
    updated: [],
    deleted: [],
    usage: { inputTokens: 10, outputTokens: 2 },
    model: 'm',
    ...overrides,
  };
}

function fresh(): ThreadState {
  return new ThreadState('t', SETTINGS, undefined, T0);
}

describe('receiving signals', () => {
  test('a new message starts the quiet period; each later one restarts it', () => {
    const state = fresh();
    expect(state.dueAtMs()).toBeNull();
    expect(state.receive(signal(1), T0)).toBe('accepted');
    expect(state.dueAtMs()).toBe(T0 + 30_000);
    expect(state.receive(signal(2), T0 + 20_000)).toBe('accepted');
    expect(state.dueAtMs()).toBe(T0 + 50_000);
  });

  test('the latest submit’s afterSeconds and maxWaitSeconds win', () => {
    const state = fresh();
    state.receive(signal(1, { afterSeconds: 60, maxWaitSeconds: 600 }), T0);
    state.receive(signal(2, { afterSeconds: 5, maxWaitSeconds: 50 }), T0 + 1_000);
    expect(state.dueAtMs()).toBe(T0 + 6_000);
    expect(state.view()).toMatchObject({ afterSeconds: 5, maxWaitSeconds: 50 });
  });

  test('a signal of duplicates only changes the duplicate counter, not the clock', () => {
    const state = fresh();
    state.receive(signal(3, { newMessages: 3 }), T0);
    expect(state.receive(signal(3, { newMessages: 0, duplicates: 3, afterSeconds: 1 }), T0 + 10_000)).toBe('duplicate');
    expect(state.dueAtMs()).toBe(T0 + 30_000);
    expect(state.view().totals).toMatchObject({ messagesReceived: 3, duplicateMessagesIgnored: 3 });
  });

  test('a redelivered signal carrying unseen sequence numbers counts as news (its first delivery was lost)', () => {
    const state = fresh();
    expect(state.receive(signal(4, { newMessages: 0, duplicates: 2 }), T0)).toBe('accepted');
    expect(state.hasWork()).toBe(true);
  });

  test.each([
    ['not an object', 'hello', 'payload must be an object'],
    ['a fractional sequence number', signal(1.5), 'lastSeq must be a non-negative integer'],
    ['a negative count', signal(1, { newMessages: -1 }), 'newMessages must be a non-negative integer'],
    ['afterSeconds of 1e12', signal(1, { afterSeconds: 1e12 }), `afterSeconds must be between 0 and ${MAX_AFTER_SECONDS} seconds`],
    ['a non-finite maxWaitSeconds', signal(1, { maxWaitSeconds: Number.POSITIVE_INFINITY }), 'maxWaitSeconds must be a finite number'],
  ])('a malformed signal (%s) is dropped and counted', (_name, payload, problem) => {
    const state = fresh();
    expect(messagesAddedProblem(payload)).toBe(problem);
    expect(state.receive(payload, T0)).toBe('invalid');
    expect(state.hasWork()).toBe(false);
    expect(state.view().totals.invalidSignalsIgnored).toBe(1);
  });
});

describe('max-wait', () => {
  test('a thread that never goes quiet is due maxWaitSeconds after its oldest untaken message', () => {
    const state = fresh();
    for (let t = 0; t <= 400_000; t += 10_000) state.receive(signal(t / 10_000 + 1), T0 + t);
    // The quiet period keeps moving (30 s after the last message); max-wait does not (300 s after the first).
    expect(state.dueAtMs()).toBe(T0 + 300_000);
  });

  test('the max-wait clock restarts with the first message after a drain began', () => {
    const state = fresh();
    state.receive(signal(1), T0);
    state.beginDrain();
    state.receive(signal(2), T0 + 100_000);
    state.finishDrain(T0 + 101_000, HEAD);
    state.receive(signal(3), T0 + 120_000);
    // Oldest untaken message: seq 2 at T0+100 s; last message: T0+120 s.
    expect(state.dueAtMs()).toBe(Math.min(T0 + 150_000, T0 + 400_000));
  });
});

describe('drains', () => {
  test('a drain covers what was signalled before it began; later messages wait for their own quiet period', () => {
    const state = fresh();
    state.receive(signal(2, { newMessages: 2 }), T0);
    expect(state.beginDrain()).toBe(2);
    state.receive(signal(3), T0 + 40_000);
    expect(state.dueAtMs()).toBe(0); // the drain in progress is resumed at once (e.g. after continue-as-new)
    state.finishDrain(T0 + 41_000, HEAD);
    expect(state.drainedThrough(2)).toBe(true);
    expect(state.drainedThrough(3)).toBe(false);
    expect(state.dueAtMs()).toBe(T0 + 70_000);
  });

  test('a drain carried across continue-as-new resumes with the same cutoff', () => {
    const state = fresh();
    state.receive(signal(5, { newMessages: 5 }), T0);
    state.beginDrain();
    state.receive(signal(6), T0 + 1_000);
    const next = new ThreadState('t', SETTINGS, JSON.parse(JSON.stringify(state.toCarried())) as CarriedThreadState, T0 + 2_000);
    expect(next.dueAtMs()).toBe(0);
    expect(next.beginDrain()).toBe(5);
  });

  test('a flush makes everything signalled so far due now, and knows when it is drained', () => {
    const state = fresh();
    state.receive(signal(4, { newMessages: 4 }), T0);
    const target = state.requestFlush();
    expect(target).toBe(4);
    expect(state.dueAtMs()).toBe(0);
    state.beginDrain();
    state.finishDrain(T0 + 1_000, HEAD);
    expect(state.drainedThrough(target)).toBe(true);
    expect(state.dueAtMs()).toBeNull();
  });

  test('a signal naming a sequence number the inbox never handed out cannot make later messages look drained', () => {
    const state = fresh();
    state.receive(signal(2), T0);
    state.receive(signal(999_999_999), T0 + 1_000); // sent around the client
    state.beginDrain();
    state.finishDrain(T0 + 2_000, 2); // the drain's last plan saw the inbox head at 2
    state.receive(signal(3), T0 + 3_000);
    expect(state.hasWork()).toBe(true);
    expect(state.dueAtMs()).toBe(T0 + 33_000);
  });

  test('messages no signal named are adopted and drained without waiting for quiet', () => {
    const state = fresh();
    state.adoptUnsignalled(4, T0);
    expect(state.hasWork()).toBe(true);
    expect(state.dueAtMs()).toBe(0);
    expect(state.beginDrain()).toBe(4);
    state.finishDrain(T0 + 1_000, 4);
    expect(state.hasWork()).toBe(false);
  });

  test('a re-drive request is work due now, even with no new message', () => {
    const state = fresh();
    state.requestRedrive();
    expect(state.hasWork()).toBe(true);
    expect(state.dueAtMs()).toBe(0);
    state.beginDrain();
    state.finishDrain(T0, HEAD);
    expect(state.hasWork()).toBe(false);
  });
});

describe('signals a running drain claims (patch drain-holds-late-signals)', () => {
  const hold = () => true;

  /** A thread whose drain began with the cutoff a made-up signal claimed, after message 2 was drained. */
  function drainingBehindABogusCutoff(): ThreadState {
    const state = fresh();
    state.receive(signal(2, { newMessages: 2 }), T0, hold);
    state.beginDrain();
    state.finishDrain(T0 + 1_000, 2);
    state.receive(signal(Number.MAX_SAFE_INTEGER, { afterSeconds: 0, maxWaitSeconds: 0 }), T0 + 2_000, hold); // around the client
    expect(state.beginDrain()).toBe(Number.MAX_SAFE_INTEGER);
    return state;
  }

  test('a real message signalled while the drain runs, beyond the inbox head it read, is untaken with its own quiet period', () => {
    const state = drainingBehindABogusCutoff();
    expect(state.receive(signal(3, { afterSeconds: 5, maxWaitSeconds: 50 }), T0 + 2_050, hold)).toBe('accepted');
    expect(state.view().pendingCount).toBe(2); // the made-up signal's message, and the held one
    state.finishDrain(T0 + 2_100, 2); // the plan read the head before message 3 was stored
    expect(state.hasWork()).toBe(true);
    expect(state.drainedThrough(3)).toBe(false);
    expect(state.dueAtMs()).toBe(T0 + 2_050 + 5_000);
    expect(state.view()).toMatchObject({ pendingCount: 1, afterSeconds: 5, maxWaitSeconds: 50 });
    expect(state.beginDrain()).toBe(3);
    state.finishDrain(T0 + 8_000, 3);
    expect(state.drainedThrough(3)).toBe(true);
    expect(state.hasWork()).toBe(false);
  });

  test('before the patch (the default) the same signal was taken by the drain and forgotten', () => {
    const state = drainingBehindABogusCutoff();
    state.receive(signal(3), T0 + 2_050);
    state.finishDrain(T0 + 2_100, 2);
    expect(state.hasWork()).toBe(false);
    expect(state.view().pendingCount).toBe(0);
  });

  test('a held signal the drain did cover (the plan read a head past it) leaves nothing pending and restarts no clock', () => {
    const state = drainingBehindABogusCutoff();
    state.receive(signal(3), T0 + 2_050, hold);
    state.startBatch(ref('b3', { fromSeq: 3, toSeq: 3, messageCount: 1 }), T0 + 2_060);
    state.recordExtraction(ref('b3', { fromSeq: 3, toSeq: 3, messageCount: 1 }), result('b3'), T0 + 2_500);
    state.finishDrain(T0 + 2_600, 3);
    expect(state.hasWork()).toBe(false);
    expect(state.view().pendingCount).toBe(0);
    // The next message's max-wait counts from its own arrival, not from the held signal's.
    state.receive(signal(4, { afterSeconds: 30, maxWaitSeconds: 40 }), T0 + 10_000, hold);
    expect(state.dueAtMs()).toBe(T0 + 40_000);
  });

  test('held signals keep the latest quiet period and the oldest max-wait clock, and survive continue-as-new', () => {
    const state = drainingBehindABogusCutoff();
    state.receive(signal(3, { afterSeconds: 10, maxWaitSeconds: 20 }), T0 + 3_000, hold);
    state.receive(signal(5, { newMessages: 2, afterSeconds: 30, maxWaitSeconds: 300 }), T0 + 4_000, hold);
    const next = new ThreadState('t', SETTINGS, JSON.parse(JSON.stringify(state.toCarried())) as CarriedThreadState, T0 + 5_000);
    expect(next.view().pendingCount).toBe(1 + 3); // the made-up signal's message, and the held ones
    next.beginDrain(); // resumed with the same cutoff
    next.finishDrain(T0 + 6_000, 2);
    expect(next.view().pendingCount).toBe(3);
    // Quiet: 30 s after the latest (T0 + 34 s); max-wait: 300 s after the oldest (T0 + 303 s).
    expect(next.dueAtMs()).toBe(T0 + 34_000);
    expect(next.beginDrain()).toBe(5);
  });

  test('a held signal of duplicates naming a sequence number beyond the head read still wakes the thread', () => {
    const state = drainingBehindABogusCutoff();
    // A retried submit whose first attempt stored message 3 and died before signalling.
    expect(state.receive(signal(3, { newMessages: 0, duplicates: 1 }), T0 + 2_050, hold)).toBe('duplicate');
    state.finishDrain(T0 + 2_100, 2);
    expect(state.hasWork()).toBe(true);
    expect(state.beginDrain()).toBe(3);
  });

  test('a signal beyond the cutoff of an honest drain is untaken as before, and asks nothing of the patch', () => {
    const state = fresh();
    state.receive(signal(2, { newMessages: 2 }), T0);
    state.beginDrain();
    const asked = jest.fn(() => true);
    state.receive(signal(3), T0 + 1_000, asked);
    state.receive(signal(4), T0 + 1_500); // no drain claims it
    expect(asked).not.toHaveBeenCalled();
    state.finishDrain(T0 + 2_000, 4);
    expect(state.drainedThrough(2)).toBe(true);
    expect(state.drainedThrough(3)).toBe(false);
    expect(state.view().pendingCount).toBe(2);
  });

  test('the carried state holds no held signals unless a drain held some, and none after it ends', () => {
    const state = drainingBehindABogusCutoff();
    expect(state.toCarried()).not.toHaveProperty('heldSignals');
    state.receive(signal(3), T0 + 2_050, hold);
    expect(state.toCarried().heldSignals).toMatchObject({ lastSeq: 3, newMessages: 1 });
    state.finishDrain(T0 + 2_100, 2);
    expect(state.toCarried()).not.toHaveProperty('heldSignals');
  });
});

describe('batches', () => {
  test('the retry window counts from the first attempt of a batch, also across continue-as-new', () => {
    const state = fresh();
    state.receive(signal(2, { newMessages: 2 }), T0);
    expect(state.startBatch(ref('b1'), T0 + 5_000)).toEqual({ firstAttemptAtMs: T0 + 5_000 });
    const next = new ThreadState('t', SETTINGS, state.toCarried(), T0 + 60_000);
    expect(next.interruptedBatch()?.batchId).toBe('b1');
    expect(next.startBatch(ref('b1'), T0 + 60_000)).toEqual({ firstAttemptAtMs: T0 + 5_000 });
    expect(next.startBatch(ref('b2'), T0 + 61_000)).toEqual({ firstAttemptAtMs: T0 + 61_000 });
  });

  test('a batch whose retries ended is carried with its failure, so a new run records it without trying again', () => {
    const state = fresh();
    state.startBatch(ref('b1'), T0);
    state.recordFinalFailure({ type: 'ModelRequestError', message: '400', reason: 'non-retryable' });
    const next = new ThreadState('t', SETTINGS, state.toCarried(), T0 + 60_000);
    expect(next.startBatch(ref('b1'), T0 + 60_000)).toEqual({
      firstAttemptAtMs: T0,
      failure: { type: 'ModelRequestError', message: '400', reason: 'non-retryable' },
    });
  });

  test('an extracted batch adds to the totals and clears the last failure', () => {
    const state = fresh();
    state.receive(signal(2, { newMessages: 2 }), T0);
    state.beginDrain();
    state.startBatch(ref('b0'), T0);
    state.recordDeadLetter(ref('b0', { messageCount: 1 }), { type: 'ModelRequestError', message: '400' }, { status: 'dead-lettered' }, T0);
    state.startBatch(ref('b1'), T0);
    const outcome = state.recordExtraction(ref('b1', { messageCount: 1 }), result('b1'), T0 + 1_000);
    expect(outcome).toMatchObject({ batchId: 'b1', status: 'extracted', inserted: ['k1'], messageCount: 1 });
    const view = state.view();
    expect(view.lastFailure).toBeNull();
    expect(view.extracting).toBeNull();
    expect(view.totals).toMatchObject({
      messagesReceived: 2,
      messagesProcessed: 1,
      messagesDeadLettered: 1,
      batchesDeadLettered: 1,
      extractionsCompleted: 1,
      memoriesInserted: 1,
      usage: { inputTokens: 10, outputTokens: 2 },
    });
    expect(view.pendingCount).toBe(0);
  });

  test('pending counts what is signalled and not yet through a batch; a drain that finds everything done clears it', () => {
    const state = fresh();
    state.receive(signal(5, { newMessages: 5 }), T0);
    state.beginDrain();
    state.receive(signal(6), T0 + 1_000);
    expect(state.view().pendingCount).toBe(6);
    state.startBatch(ref('b1'), T0);
    state.recordExtraction(ref('b1', { messageCount: 2 }), result('b1'), T0);
    expect(state.view().pendingCount).toBe(4);
    // E.g. after a reset: the other three were committed by the run before the reset; the drain finds none.
    state.finishDrain(T0 + 2_000, HEAD);
    expect(state.view().pendingCount).toBe(1);
  });

  test('signals arriving after a drain already took their messages (concurrent submits, out of order) leave nothing pending', () => {
    const state = fresh();
    // Submits got sequence numbers 1..3; the signal of 3 arrives first, so the drain covers 1..3.
    state.receive(signal(3), T0);
    state.beginDrain();
    state.startBatch(ref('b1', { toSeq: 3 }), T0);
    state.recordExtraction(ref('b1', { toSeq: 3, messageCount: 3 }), result('b1'), T0 + 500);
    state.receive(signal(1), T0 + 600); // late: already in the batch
    state.finishDrain(T0 + 700, HEAD);
    state.receive(signal(2), T0 + 800); // later still
    expect(state.view().pendingCount).toBe(0);
    expect(state.hasWork()).toBe(false);
    expect(state.view().totals.messagesReceived).toBe(3);
  });

  test('a stale plan changes nothing', () => {
    const state = fresh();
    state.receive(signal(2, { newMessages: 2 }), T0);
    state.startBatch(ref('b1'), T0);
    expect(state.recordExtraction(ref('b1'), result('b1', { status: 'stale', inserted: [] }), T0)).toBeNull();
    expect(state.recordDeadLetter(ref('b1'), { type: 'X', message: 'x' }, { status: 'stale' }, T0)).toBeNull();
    expect(state.view().totals).toMatchObject({ messagesProcessed: 0, messagesDeadLettered: 0, extractionsCompleted: 0 });
  });

  test('a dead letter that turns out committed counts as processed, with the receipt’s result', () => {
    const state = fresh();
    state.receive(signal(2, { newMessages: 2 }), T0);
    state.startBatch(ref('b1'), T0);
    const outcome = state.recordDeadLetter(ref('b1'), { type: 'X', message: 'x' }, { status: 'already-applied', result: result('b1') }, T0);
    expect(outcome).toMatchObject({ status: 'already-applied', inserted: ['k1'] });
    expect(state.view().totals).toMatchObject({ messagesProcessed: 2, memoriesInserted: 1 });
  });

  test('re-driven messages are counted apart from inbox messages', () => {
    const state = fresh();
    state.startBatch(ref('r1', { kind: 'redrive' }), T0);
    state.recordExtraction(ref('r1', { kind: 'redrive', messageCount: 3 }), result('r1'), T0);
    expect(state.view().totals).toMatchObject({ messagesRedriven: 3, messagesProcessed: 0 });
  });

  test('long failure messages are clipped so the state keeps a fixed size', () => {
    const state = fresh();
    state.recordDeadLetter(ref('b1'), { type: 'X', message: 'x'.repeat(100_000) }, { status: 'dead-lettered' }, T0);
    expect(state.view().lastFailure?.message.length).toBe(MAX_FAILURE_MESSAGE_CHARS);
  });
});

describe('idle close and size', () => {
  test('the idle clock starts when a drain leaves nothing to do', () => {
    const state = fresh();
    expect(state.idleDeadlineMs()).toBe(T0 + 3_600_000);
    state.receive(signal(1), T0 + 10_000);
    state.beginDrain();
    state.finishDrain(T0 + 50_000, HEAD);
    expect(state.idleDeadlineMs()).toBe(T0 + 50_000 + 3_600_000);
  });

  test('the carried state has the same size whatever the backlog', () => {
    const sizes = [10, 10_000, 100_000].map((pending) => {
      const state = fresh();
      for (let seq = 100; seq <= pending; seq += 100) state.receive(signal(seq, { newMessages: 100 }), T0 + seq);
      return JSON.stringify(state.toCarried()).length;
    });
    // Only the digits of the counters grow.
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(40);
  });

  test('invalid start settings fall back to the defaults instead of wedging the thread', () => {
    expect(resolveSettings({ idleCloseSeconds: -1, retryWindowSeconds: 0 })).toEqual(resolveSettings(undefined));
    expect(resolveSettings({ idleCloseSeconds: 5, retryWindowSeconds: 10 })).toEqual({ idleCloseSeconds: 5, retryWindowSeconds: 10 });
  });
});

describe('flush results', () => {
  test('a flush returns the first batches in full and counts them all', () => {
    const collector = new FlushCollector();
    const base = { kind: 'inbox' as const, namespace: ['m'], messageCount: 2, updated: [], deleted: [], at: 'now' };
    for (let i = 0; i < 25; i++) collector.add({ ...base, batchId: `b${i}`, status: 'extracted', inserted: ['k'] });
    collector.add({ ...base, batchId: 'dead', status: 'dead-lettered', inserted: [] });
    const flushed = collector.finish(true);
    expect(flushed).toMatchObject({ complete: true, batchCount: 26, messagesProcessed: 50, messagesDeadLettered: 2, inserted: 25 });
    expect(flushed.batches).toHaveLength(20);
  });
});

describe('the quiet period from the submit (quiet-from-submit)', () => {
  test('a signal is never refused for its submit time; a time that is not a number is ignored', () => {
    expect(messagesAddedProblem({ ...signal(1), submittedAtMs: 'yesterday' })).toBeNull();
    expect(submitTimeOf({ ...signal(1), submittedAtMs: 'yesterday' })).toBeNull();
    expect(submitTimeOf({ ...signal(1), submittedAtMs: Number.NaN })).toBeNull();
    expect(submitTimeOf(signal(1))).toBeNull();
    expect(submitTimeOf({ ...signal(1), submittedAtMs: T0 })).toBe(T0);
  });

  test('it starts at the submit, believed at most 2 s back, never ahead, never before the running quiet period', () => {
    expect(quietStart(T0 - 40, T0, null)).toBe(T0 - 40);
    expect(quietStart(T0 - 60_000, T0, null)).toBe(T0 - 2_000);
    expect(quietStart(-1, T0, null)).toBe(T0 - 2_000);
    expect(quietStart(T0 + 60_000, T0, null)).toBe(T0);
    // A signal handled after another but submitted before it keeps the later start.
    expect(quietStart(T0 - 1_500, T0, T0 - 100)).toBe(T0 - 100);
    expect(quietStart(T0 - 50, T0, T0 - 100)).toBe(T0 - 50);
  });
});
