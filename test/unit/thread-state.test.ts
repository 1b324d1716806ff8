import type { AddMessagesPayload, CarriedThreadState, ExtractionResult, ThreadMessage, ThreadTotals } from '../../src/contract';
import {
  DEFAULT_AFTER_SECONDS,
  FAILED_EXTRACTION_RETRY_AFTER_SECONDS,
  MAX_BATCH_BYTES,
  MAX_BATCH_FAILURES,
} from '../../src/defaults';
import { ThreadState, type PendingBatch } from '../../src/workflows/thread-state';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const SECOND = 1000;

function message(id: string): ThreadMessage {
  return { id, role: 'user', content: `content of ${id}`, timestamp: new Date(T0).toISOString() };
}

function payload(ids: string[], afterSeconds = 30, namespace = ['memories']): AddMessagesPayload {
  return { messages: ids.map(message), afterSeconds, namespace };
}

function result(batch: PendingBatch, changes: Partial<ExtractionResult> = {}): ExtractionResult {
  return {
    batchId: batch.batchId,
    inserted: [],
    updated: [],
    deleted: [],
    usage: { inputTokens: 0, outputTokens: 0 },
    model: 'test-model',
    alreadyApplied: false,
    ...changes,
  };
}

function totalsWith(counts: Partial<ThreadTotals>): ThreadTotals {
  return {
    messagesReceived: 0,
    duplicateMessagesIgnored: 0,
    messagesProcessed: 0,
    extractionsCompleted: 0,
    extractionsFailed: 0,
    memoriesInserted: 0,
    memoriesUpdated: 0,
    memoriesDeleted: 0,
    messagesParked: 0,
    invalidSignalsIgnored: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
    ...counts,
  };
}

/** A thread with messages `ids` received at T0 and one batch started (not yet finished). */
function stateWithBatch(ids: string[]): { state: ThreadState; batch: PendingBatch } {
  const state = new ThreadState('thread-1');
  state.receive(payload(ids), T0);
  const batch = state.startBatch('run-a');
  if (!batch) throw new Error('expected a batch');
  return { state, batch };
}

describe('ThreadState.receive', () => {
  it('accepts new messages and schedules the extraction afterSeconds after the last message', () => {
    const state = new ThreadState('thread-1');
    expect(state.dueAtMs()).toBeNull();
    expect(state.hasPending()).toBe(false);

    expect(state.receive(payload(['m1', 'm2'], 30), T0)).toBe(2);
    expect(state.hasPending()).toBe(true);
    expect(state.dueAtMs()).toBe(T0 + 30 * SECOND);
  });

  it('lets the latest submit decide the quiet period and restarts it', () => {
    const state = new ThreadState('thread-1');
    state.receive(payload(['m1'], 30), T0);
    state.receive(payload(['m2'], 5), T0 + 10 * SECOND);
    expect(state.dueAtMs()).toBe(T0 + 15 * SECOND);
    expect(state.view().afterSeconds).toBe(5);
  });

  it('bumps generation once per submit that brings at least one new message', () => {
    const state = new ThreadState('thread-1');
    expect(state.generation).toBe(0);
    state.receive(payload(['m1', 'm2']), T0);
    expect(state.generation).toBe(1);
    state.receive(payload(['m3']), T0 + SECOND);
    expect(state.generation).toBe(2);
    state.receive(payload(['m3']), T0 + 2 * SECOND);
    expect(state.generation).toBe(2);
  });

  it('ignores ids that are already pending without restarting the timer', () => {
    const state = new ThreadState('thread-1');
    state.receive(payload(['m1'], 30), T0);
    expect(state.receive(payload(['m1'], 300), T0 + 20 * SECOND)).toBe(0);

    expect(state.dueAtMs()).toBe(T0 + 30 * SECOND);
    expect(state.generation).toBe(1);
    const { pendingCount, afterSeconds, totals } = state.view();
    expect({ pendingCount, afterSeconds }).toEqual({ pendingCount: 1, afterSeconds: 30 });
    expect(totals.messagesReceived).toBe(1);
    expect(totals.duplicateMessagesIgnored).toBe(1);
  });

  it('ignores a repeated id inside one submit', () => {
    const state = new ThreadState('thread-1');
    expect(state.receive(payload(['m1', 'm1', 'm2']), T0)).toBe(2);
    expect(state.view().totals.duplicateMessagesIgnored).toBe(1);
  });

  it('ignores ids that were already processed', () => {
    const { state, batch } = stateWithBatch(['m1']);
    state.recordSuccess(batch, result(batch), T0 + 40 * SECOND);

    expect(state.receive(payload(['m1']), T0 + 50 * SECOND)).toBe(0);
    expect(state.hasPending()).toBe(false);
    expect(state.dueAtMs()).toBeNull();
    expect(state.view().totals.duplicateMessagesIgnored).toBe(1);
  });
});

describe('ThreadState.startBatch', () => {
  it('returns null when nothing is pending', () => {
    expect(new ThreadState('thread-1').startBatch('run-a')).toBeNull();
  });

  it("takes only the oldest pending namespace's messages and leaves the rest for a later batch", () => {
    const state = new ThreadState('thread-1');
    state.receive(payload(['a1'], 30, ['memories', 'alice']), T0);
    state.receive(payload(['b1'], 30, ['memories', 'bob']), T0 + SECOND);
    state.receive(payload(['a2'], 30, ['memories', 'alice']), T0 + 2 * SECOND);

    const first = state.startBatch('run-a');
    expect(first).toEqual({
      threadId: 'thread-1',
      batchId: 'run-a/1',
      namespace: ['memories', 'alice'],
      messages: [message('a1'), message('a2')],
      messageIds: ['a1', 'a2'],
    });
    if (!first) throw new Error('expected a batch');
    state.recordSuccess(first, result(first), T0 + 40 * SECOND);

    const second = state.startBatch('run-a');
    expect(second?.batchId).toBe('run-a/2');
    expect(second?.namespace).toEqual(['memories', 'bob']);
    expect(second?.messageIds).toEqual(['b1']);
  });

  it('retries a failed batch with the same id and messages; later messages wait for the next batch', () => {
    const { state, batch } = stateWithBatch(['m1']);
    state.recordFailure(batch, { type: 'X', message: 'boom' }, T0 + 40 * SECOND);
    state.receive(payload(['m2']), T0 + 50 * SECOND);
    const retry = state.startBatch('run-b');
    expect(retry).toMatchObject({ batchId: 'run-a/1', messageIds: ['m1'] });
    state.recordSuccess(retry as PendingBatch, result(retry as PendingBatch), T0 + 90 * SECOND);
    expect(state.startBatch('run-b')).toMatchObject({ batchId: 'run-b/2', messageIds: ['m2'] });
  });

  it('keeps batch messages pending and visible until the batch succeeds', () => {
    const { state, batch } = stateWithBatch(['m1', 'm2']);
    expect(state.view()).toMatchObject({ pendingCount: 2, extracting: true });

    state.recordSuccess(batch, result(batch), T0 + 40 * SECOND);
    expect(state.view()).toMatchObject({ pendingCount: 0, extracting: false, nextExtractionAt: null });
  });

  it('keeps messages that arrive during an extraction pending after it succeeds', () => {
    const { state, batch } = stateWithBatch(['m1']);
    state.receive(payload(['m2']), T0 + 35 * SECOND);
    state.recordSuccess(batch, result(batch), T0 + 40 * SECOND);

    expect(state.view().pendingCount).toBe(1);
    expect(state.startBatch('run-a')?.messageIds).toEqual(['m2']);
  });
});

describe('ThreadState.recordSuccess', () => {
  it('adds the result to the totals and records the extraction time', () => {
    const { state, batch } = stateWithBatch(['m1', 'm2']);
    const changes = {
      inserted: ['k1', 'k2', 'k3'],
      updated: ['k4'],
      deleted: ['k5', 'k6'],
      usage: { inputTokens: 120, outputTokens: 30 },
    };
    state.recordSuccess(batch, result(batch, changes), T0 + 40 * SECOND);

    const view = state.view();
    expect(view.lastExtractionAt).toBe(new Date(T0 + 40 * SECOND).toISOString());
    expect(view.totals).toEqual(
      totalsWith({
        messagesReceived: 2,
        messagesProcessed: 2,
        extractionsCompleted: 1,
        memoriesInserted: 3,
        memoriesUpdated: 1,
        memoriesDeleted: 2,
        usage: { inputTokens: 120, outputTokens: 30 },
      }),
    );
  });

  it('clears the last failure', () => {
    const { state, batch } = stateWithBatch(['m1']);
    state.recordFailure(batch, { type: 'ModelUnavailableError', message: 'down' }, T0 + 40 * SECOND);
    const retry = state.startBatch('run-a');
    if (!retry) throw new Error('expected a batch');
    state.recordSuccess(retry, result(retry), T0 + 1000 * SECOND);
    expect(state.view().lastFailure).toBeNull();
  });
});

describe('ThreadState.recordFailure', () => {
  const failedAt = T0 + 40 * SECOND;
  const retryAt = failedAt + FAILED_EXTRACTION_RETRY_AFTER_SECONDS * SECOND;

  function failedState(): ThreadState {
    const { state, batch } = stateWithBatch(['m1', 'm2']);
    state.recordFailure(batch, { type: 'InvalidModelOutputError', message: 'no tool call' }, failedAt);
    return state;
  }

  it('keeps the messages pending and records the failure', () => {
    const view = failedState().view();
    expect(view.pendingCount).toBe(2);
    expect(view.extracting).toBe(false);
    expect(view.totals.extractionsFailed).toBe(1);
    expect(view.totals.messagesProcessed).toBe(0);
    expect(view.lastFailure).toEqual({
      batchId: 'run-a/1',
      at: new Date(failedAt).toISOString(),
      type: 'InvalidModelOutputError',
      message: 'no tool call',
      messageCount: 2,
      failures: 1,
    });
  });

  it('retries after FAILED_EXTRACTION_RETRY_AFTER_SECONDS when no newer message arrives', () => {
    const state = failedState();
    expect(state.dueAtMs()).toBe(retryAt);
    expect(state.view().nextExtractionAt).toBe(new Date(retryAt).toISOString());
  });

  it('goes back to the normal quiet period once a newer message arrives', () => {
    const state = failedState();
    const newerAt = failedAt + 60 * SECOND;
    state.receive(payload(['m3'], 10), newerAt);
    expect(state.dueAtMs()).toBe(newerAt + 10 * SECOND);
  });

  it('lets a message that arrived during the failed extraction wait only its own quiet period', () => {
    const { state, batch } = stateWithBatch(['m1']);
    state.receive(payload(['m2'], 10), T0 + 35 * SECOND); // while m1's extraction runs
    state.recordFailure(batch, { type: 'X', message: 'boom' }, failedAt);
    expect(state.dueAtMs()).toBe(T0 + 45 * SECOND);
  });

  it(`parks a batch after ${MAX_BATCH_FAILURES} failures so later messages flow again`, () => {
    const { state, batch } = stateWithBatch(['m1', 'm2']);
    state.receive(payload(['m3']), T0 + 1);
    let attempt = batch;
    for (let i = 1; i <= MAX_BATCH_FAILURES; i++) {
      expect(attempt).toMatchObject({ batchId: 'run-a/1', messageIds: ['m1', 'm2'] });
      const parked = state.recordFailure(attempt, { type: 'ModelRequestError', message: 'prompt too long' }, failedAt + i);
      expect(parked).toBe(i === MAX_BATCH_FAILURES);
      if (!parked) attempt = state.startBatch('run-a') as PendingBatch;
    }
    const view = state.view();
    expect(view.pendingCount).toBe(1);
    expect(view.totals).toMatchObject({ messagesParked: 2, extractionsFailed: MAX_BATCH_FAILURES });
    expect(view.lastParked).toMatchObject({ batchId: 'run-a/1', messageIds: ['m1', 'm2'], type: 'ModelRequestError' });
    expect(view.lastFailure?.failures).toBe(MAX_BATCH_FAILURES);
    expect(state.startBatch('run-a')?.messageIds).toEqual(['m3']);
    // A re-delivered parked message is recognised, not queued again.
    expect(state.receive(payload(['m1']), failedAt + 100)).toBe(0);
  });

  it('keeps the failure delay when only a duplicate arrives', () => {
    const state = failedState();
    state.receive(payload(['m1'], 10), failedAt + 60 * SECOND);
    expect(state.dueAtMs()).toBe(retryAt);
  });
});

describe('ThreadState.view', () => {
  it('describes an idle thread', () => {
    const { totals, ...rest } = new ThreadState('thread-1').view();
    expect(rest).toEqual({
      threadId: 'thread-1',
      pendingCount: 0,
      nextExtractionAt: null,
      extracting: false,
      afterSeconds: DEFAULT_AFTER_SECONDS,
      lastExtractionAt: null,
      lastFailure: null,
      lastParked: null,
    });
    expect(totals).toEqual(totalsWith({}));
  });

  it('reports pending messages and the due time as ISO-8601', () => {
    const state = new ThreadState('thread-1');
    state.receive(payload(['m1', 'm2', 'm3'], 30), T0);
    expect(state.view()).toMatchObject({
      pendingCount: 3,
      nextExtractionAt: '2025-01-01T00:00:30.000Z',
      extracting: false,
    });
  });

  it('returns a copy of the totals', () => {
    const state = new ThreadState('thread-1');
    state.view().totals.messagesReceived = 99;
    expect(state.view().totals.messagesReceived).toBe(0);
  });

  it('returns a copy of the last failure', () => {
    const { state, batch } = stateWithBatch(['m1']);
    state.recordFailure(batch, { type: 'X', message: 'boom' }, T0);
    (state.view().lastFailure as { message: string }).message = 'changed';
    expect(state.view().lastFailure?.message).toBe('boom');
  });
});

describe('ThreadState.toCarried', () => {
  /** A thread with one processed message, two pending messages in another namespace and some totals. */
  function busyState(): ThreadState {
    const { state, batch } = stateWithBatch(['m1']);
    state.recordSuccess(batch, result(batch, { inserted: ['k1'], usage: { inputTokens: 7, outputTokens: 3 } }), T0 + 40 * SECOND);
    state.receive(payload(['m2', 'm3'], 20, ['memories', 'alice']), T0 + 50 * SECOND);
    return state;
  }

  function roundTrip(state: ThreadState): ThreadState {
    return new ThreadState(state.threadId, JSON.parse(JSON.stringify(state.toCarried())) as CarriedThreadState);
  }

  it('restores the same view', () => {
    const state = busyState();
    expect(roundTrip(state).view()).toEqual(state.view());
  });

  it('still ignores processed and pending ids after the round trip', () => {
    const restored = roundTrip(busyState());
    expect(restored.receive(payload(['m1', 'm2', 'm4']), T0 + 60 * SECOND)).toBe(1);
    expect(restored.view().totals.duplicateMessagesIgnored).toBe(2);
  });

  it('continues the batch sequence and keeps pending namespaces', () => {
    const batch = roundTrip(busyState()).startBatch('run-b');
    expect(batch).toMatchObject({ batchId: 'run-b/2', namespace: ['memories', 'alice'], messageIds: ['m2', 'm3'] });
  });

  it('does not share state with the original', () => {
    const state = busyState();
    const restored = roundTrip(state);
    restored.receive(payload(['m9']), T0 + 70 * SECOND);
    expect(state.view().pendingCount).toBe(2);
    expect(restored.view().pendingCount).toBe(3);
  });
});

describe('ThreadState batch size cap', () => {
  function big(id: string, text: string): AddMessagesPayload {
    return { messages: [{ ...message(id), content: text }], afterSeconds: 30, namespace: ['memories'] };
  }

  it('waits for quiet while the pending text is at most MAX_BATCH_BYTES', () => {
    const state = new ThreadState('thread-1');
    state.receive(big('a', 'x'.repeat(MAX_BATCH_BYTES)), T0);
    expect(state.dueAtMs()).toBe(T0 + 30_000);
  });

  it('is due at once when more than MAX_BATCH_BYTES of text is pending, counting UTF-8 bytes', () => {
    const state = new ThreadState('thread-1');
    state.receive(big('a', '猫'.repeat(MAX_BATCH_BYTES / 2)), T0); // fewer characters than the cap, 3 bytes each
    state.receive(big('b', 'x'), T0 + 5);
    expect(state.dueAtMs()).toBe(T0 + 5);
  });

  it('splits the pending messages into batches of at most MAX_BATCH_BYTES, oldest first', () => {
    const state = new ThreadState('thread-1');
    const third = 'x'.repeat(MAX_BATCH_BYTES / 3);
    for (const id of ['a', 'b', 'c', 'd']) state.receive(big(id, third), T0);
    const first = state.startBatch('run') as PendingBatch;
    expect(first.messageIds).toEqual(['a', 'b', 'c']);
    state.recordSuccess(first, result(first), T0 + 1);
    expect(state.startBatch('run')?.messageIds).toEqual(['d']);
  });
});

describe('ThreadState malformed signals', () => {
  it.each([
    ['null', null],
    ['no messages', { afterSeconds: 1, namespace: ['memories'] }],
    ['a message without content', { messages: [{ id: 'x', role: 'user', timestamp: 't' }], afterSeconds: 1, namespace: ['m'] }],
    ['a bad role', { messages: [{ ...message('x'), role: 'robot' }], afterSeconds: 1, namespace: ['m'] }],
    ['a negative afterSeconds', { ...payload(['x']), afterSeconds: -1 }],
    ['an empty namespace', { ...payload(['x']), namespace: [] }],
  ])('drops %s and counts it, leaving the state as it was', (_name, bad) => {
    const state = new ThreadState('thread-1');
    expect(state.receive(bad, T0)).toBeNull();
    expect(state.view()).toMatchObject({ pendingCount: 0, totals: { invalidSignalsIgnored: 1, messagesReceived: 0 } });
    expect(state.generation).toBe(0);
  });
});
