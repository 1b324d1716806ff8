/** The in-process handoff of a planned batch's messages from planning to extraction: what it gives, and when not. */
import type { BatchRef } from '../../src/contract';
import { PlannedBatches } from '../../src/activities/planned-batches';
import type { StoredMessage } from '../../src/store/message-inbox';

function stored(seq: number, bytes = 10): StoredMessage {
  return { id: `m${seq}`, role: 'user', content: `message ${seq}`, timestamp: '2026-12-06T10:00:00.000Z', seq, namespace: ['memories'], bytes };
}

function refOf(batchId: string, messages: StoredMessage[]): BatchRef {
  return {
    kind: 'inbox',
    threadId: 't',
    batchId,
    namespace: ['memories'],
    afterSeq: (messages[0]?.seq ?? 1) - 1,
    fromSeq: messages[0]?.seq ?? 0,
    toSeq: messages.at(-1)?.seq ?? 0,
    messageCount: messages.length,
    bytes: messages.reduce((sum, m) => sum + m.bytes, 0),
    idsDigest: 'd',
  };
}

test('a kept batch is taken once, whole', () => {
  const handoff = new PlannedBatches();
  const messages = [stored(1), stored(2)];
  const ref = refOf('b-1-2', messages);
  handoff.keep(ref, messages);
  expect(handoff.take(ref)).toEqual(messages);
  expect(handoff.take(ref)).toBeUndefined();
  expect(handoff.size).toBe(0);
});

test('nothing is given for a batch whose range differs from what was kept', () => {
  const handoff = new PlannedBatches();
  const messages = [stored(1), stored(2)];
  handoff.keep(refOf('b-x', messages), messages);
  expect(handoff.take({ ...refOf('b-x', messages), toSeq: 3, messageCount: 3 })).toBeUndefined();
});

test('a batch kept longer than its age bound is not given', () => {
  let clock = 0;
  const handoff = new PlannedBatches({ maxAgeMs: 1_000 }, () => clock);
  const messages = [stored(1)];
  const ref = refOf('b-old', messages);
  handoff.keep(ref, messages);
  clock = 1_001;
  expect(handoff.take(ref)).toBeUndefined();
});

test('the oldest batches leave first beyond the count and byte bounds; a batch over the byte bound is not kept', () => {
  const handoff = new PlannedBatches({ maxBatches: 2, maxBytes: 100 });
  const refs = [1, 2, 3].map((seq) => {
    const messages = [stored(seq, 30)];
    const ref = refOf(`b-${seq}`, messages);
    handoff.keep(ref, messages);
    return { ref, messages };
  });
  expect(handoff.size).toBe(2);
  expect(handoff.take(refs[0]!.ref)).toBeUndefined();
  expect(handoff.take(refs[2]!.ref)).toEqual(refs[2]!.messages);
  const huge = [stored(9, 101)];
  handoff.keep(refOf('b-huge', huge), huge);
  expect(handoff.take(refOf('b-huge', huge))).toBeUndefined();
  // 30 + 30 + 30 bytes stay under 100, 4 × 30 do not: the oldest leaves.
  const byBytes = new PlannedBatches({ maxBatches: 10, maxBytes: 100 });
  const kept = [1, 2, 3, 4].map((seq) => refOf(`c-${seq}`, [stored(seq, 30)]));
  kept.forEach((ref, i) => byBytes.keep(ref, [stored(i + 1, 30)]));
  expect(byBytes.size).toBe(3);
  expect(byBytes.take(kept[0]!)).toBeUndefined();
});
