/**
 * Phases and steps end to end (dev server, DynamoDB Local, the real SDK against the fake Messages API): a
 * two-phase manager whose consolidation merges two memories the first pass inserted, a multi-step extraction
 * ended by `done`, one stopped at maxSteps, and the caps counted over all passes — each checked in the
 * memories' history records, which name the pass that made each change.
 */
import type { MemoryManagerDefinition } from '../../src/managers/memory-manager';
import { DONE_TOOL_NAME } from '../../src/model/memory-tool';
import { promptData, type RecordedRequest, type ScriptedReply } from '../../src/testing/fake-messages-api';
import { memoryText, memoryValue } from '../../src/store/memory-types';
import { useMemoryHarness } from '../support/memory-harness';
import { eventually, settled, uniqueId } from '../support/test-env';

const CONSOLIDATE = 'Merge memories that say the same thing into one; delete the others.';

const MANAGERS: MemoryManagerDefinition[] = [
  {
    name: 'consolidating',
    namespace: ['consolidated', '{user_id}'],
    phases: [{ name: 'consolidate', instructions: CONSOLIDATE, enableInserts: false, enableDeletes: true }],
  },
  { name: 'stepping', namespace: ['stepped', '{user_id}'], maxSteps: 3 },
  {
    name: 'capped',
    namespace: ['capped', '{user_id}'],
    enableDeletes: true,
    maxDeletesPerBatch: 1,
    phases: [{ name: 'prune', instructions: 'Delete memories that no longer hold.' }],
  },
];

const h = useMemoryHarness('manager-phases', undefined, { managers: MANAGERS });

const tool = (input: unknown): ScriptedReply => ({ kind: 'tool', input });
const done: ScriptedReply = { kind: 'tool', name: DONE_TOOL_NAME, input: {} };
const options = (userId: string, manager: string) => ({ afterSeconds: 0.2, managers: [manager], config: { configurable: { user_id: userId } } });

/** The tool results the model got before a request: the JSON line of each. */
function toolResultsOf(request: RecordedRequest | undefined): unknown[] {
  const last = request?.messages.at(-1)?.content as { type: string; content: string }[];
  return last.filter((b) => b.type === 'tool_result').map((b) => JSON.parse(b.content.split('\n')[0] ?? '') as unknown);
}

test('two phases: the consolidation merges two memories the first pass inserted; the history names the passes', async () => {
  const userId = uniqueId('user');
  const threadId = uniqueId('consolidate');
  const namespace = ['consolidated', userId];
  await h.store.put(namespace, 'dog', memoryValue('User has a dog'));
  h.fake.script(
    tool({
      operations: [
        { action: 'insert', content: 'User likes tea' },
        { action: 'insert', content: 'User likes green tea most' },
        { action: 'update', id: 'dog', content: 'User has a dog called Fido' },
      ],
    }),
    // The consolidation answers from what it is shown: the two proposed memories, by their working ids.
    {
      kind: 'respond',
      respond: (request) => {
        const proposed = promptData(request).existing_memories.filter((m) => (m as { proposed?: boolean }).proposed);
        const [first, second] = proposed.map((m) => m.id);
        return tool({
          operations: [
            { action: 'update', id: first, content: 'User likes tea, green tea most' },
            { action: 'delete', id: second },
          ],
        });
      },
    },
  );
  await h.memory.submit(threadId, [{ role: 'user', content: 'I like tea. Green tea most of all. My dog is called Fido.' }], options(userId, 'consolidating'));
  const state = await settled(h.memory, threadId, 1);

  // One commit: the merged memory inserted once, the duplicate never written, the stored one updated.
  const items = await h.memory.search(namespace);
  expect(items.map((i) => memoryText(i.value)).sort()).toEqual(['User has a dog called Fido', 'User likes tea, green tea most']);
  const merged = items.find((i) => memoryText(i.value).startsWith('User likes tea')) as (typeof items)[number];
  expect(merged.version).toBe(1);
  const [insert, ...more] = await h.memory.history(namespace, merged.key);
  expect(more).toEqual([]);
  expect(insert).toMatchObject({ action: 'insert', version: 1, by: { kind: 'extraction', phase: 'consolidate', phases: ['extract', 'consolidate'] } });
  const dogHistory = await h.memory.history(namespace, 'dog');
  expect(dogHistory.map((c) => [c.action, c.version, c.by.phase])).toEqual([
    ['insert', 1, undefined],
    ['update', 2, 'extract'],
  ]);

  // The consolidation pass saw the memories, not the messages, with its own instructions and switches.
  const phaseRequest = h.fake.requests[1] as RecordedRequest;
  expect(promptData(phaseRequest).new_messages).toEqual([]);
  expect(promptData(phaseRequest).existing_memories.map((m) => m.content['content'])).toEqual([
    'User likes tea',
    'User likes green tea most',
    'User has a dog called Fido',
  ]);
  expect(String(phaseRequest.system)).toContain(CONSOLIDATE);
  expect(JSON.stringify(phaseRequest.tools)).not.toContain('"insert"');
  // Tokens sum over both requests (the fake reports 100 in, 20 out per reply).
  expect(state?.totals.usage).toEqual({ inputTokens: 200, outputTokens: 40 });
  expect(state?.totals).toMatchObject({ memoriesInserted: 1, memoriesUpdated: 1, memoriesDeleted: 0 });
});

test('several steps: the model refines what it inserted, then calls done', async () => {
  const userId = uniqueId('user');
  const threadId = uniqueId('steps');
  const namespace = ['stepped', userId];
  h.fake.script(
    tool({ operations: [{ action: 'insert', content: 'User has a dog' }] }),
    tool({ operations: [{ action: 'update', id: 'new-1', content: 'User has a dog called Fido' }] }),
    done,
  );
  await h.memory.submit(threadId, [{ role: 'user', content: 'I have a dog. His name is Fido.' }], options(userId, 'stepping'));
  await settled(h.memory, threadId, 1);
  expect(h.fake.requests).toHaveLength(3);
  // Each round's result went back to the model, with the id its insert got.
  expect(toolResultsOf(h.fake.requests[1])).toEqual([{ applied: [{ action: 'insert', id: 'new-1' }], rounds_left: 2 }]);
  expect((h.fake.requests[1]?.tool_choice as { type: string }).type).toBe('auto');
  const items = await h.memory.search(namespace);
  expect(items.map((i) => memoryText(i.value))).toEqual(['User has a dog called Fido']);
  // One insert, the last content: no version for the draft.
  expect((await h.memory.history(namespace, items[0]?.key ?? '')).map((c) => [c.action, c.version, memoryText(c.value ?? {})])).toEqual([
    ['insert', 1, 'User has a dog called Fido'],
  ]);
});

test('several steps: maxSteps reached ends the extraction with every round’s memories, without asking again', async () => {
  const userId = uniqueId('user');
  const threadId = uniqueId('max-steps');
  const namespace = ['stepped', userId];
  h.fake.script(
    tool({ operations: [{ action: 'insert', content: 'User runs' }] }),
    tool({ operations: [{ action: 'insert', content: 'User runs marathons' }] }),
    tool({ operations: [{ action: 'insert', content: 'User lives in Porto' }] }),
  );
  await h.memory.submit(threadId, [{ role: 'user', content: 'I run marathons in Porto.' }], options(userId, 'stepping'));
  await settled(h.memory, threadId, 1);
  // A fourth request would reach past the script (the harness checks `unexpected` after each test).
  expect(h.fake.requests).toHaveLength(3);
  expect(toolResultsOf(h.fake.requests[2])).toEqual([{ applied: [{ action: 'insert', id: 'new-2' }], rounds_left: 1 }]);
  expect((await h.memory.search(namespace)).map((i) => memoryText(i.value)).sort()).toEqual(['User lives in Porto', 'User runs', 'User runs marathons']);
});

test('the delete cap counts all passes: a delete in each of two passes is over a cap of one, and nothing is applied', async () => {
  const userId = uniqueId('user');
  const threadId = uniqueId('capped');
  const namespace = ['capped', userId];
  await h.store.put(namespace, 'jazz', memoryValue('User likes jazz'));
  await h.store.put(namespace, 'rock', memoryValue('User likes rock'));
  // Each pass alone stays within the cap.
  h.fake.script(tool({ operations: [{ action: 'delete', id: 'jazz' }] }), tool({ operations: [{ action: 'delete', id: 'rock' }] }));
  await h.memory.submit(threadId, [{ role: 'user', content: 'I am done with jazz, and rock too.' }], options(userId, 'capped'));
  const state = await eventually(
    () => h.memory.state(threadId),
    (s) => s?.totals.batchesDeadLettered === 1,
  );
  expect(state?.lastFailure).toMatchObject({ type: 'ReviewRequiredError', reason: 'non-retryable' });
  expect((await h.memory.search(namespace)).map((i) => memoryText(i.value)).sort()).toEqual(['User likes jazz', 'User likes rock']);
  const [letter] = await h.memory.deadLetters(threadId);
  expect(letter?.details?.detail?.proposedOperations).toEqual([
    { action: 'delete', id: 'jazz', phase: 'extract' },
    { action: 'delete', id: 'rock', phase: 'prune' },
  ]);
  // The history is untouched: no pass's change was written.
  expect((await h.memory.history(namespace, 'jazz')).map((c) => c.action)).toEqual(['insert']);
});
