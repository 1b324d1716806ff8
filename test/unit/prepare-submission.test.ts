import { derivedMessageId, prepareSubmission } from '../../src/client/prepare-submission';
import { MAX_MESSAGE_CONTENT_CHARS, MAX_MESSAGE_ID_CHARS, MAX_MESSAGES_PER_SUBMIT, MAX_SUBMIT_PAYLOAD_BYTES } from '../../src/defaults';
import { DEFAULT_AFTER_SECONDS, DEFAULT_MAX_WAIT_FACTOR, MAX_AFTER_SECONDS } from '../../src/workflows/replay-constants';
import { InvalidInputError } from '../../src/errors';
import { ManagerRegistry } from '../../src/managers/manager-registry';
import { MAX_IDEMPOTENCY_KEY_CHARS, type MessageInput, type SubmitOptionsInput } from '../../src/schemas';

const NOW = new Date('2025-03-04T05:06:07.890Z');
const fixedNow = (): Date => NOW;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const hello: MessageInput = { role: 'user', content: 'hello' };

function userMessages(count: number, content = 'hi'): MessageInput[] {
  return Array.from({ length: count }, () => ({ role: 'user', content }));
}

const managers = new ManagerRegistry([
  { name: 'semantic', namespace: ['memories', '{user_id}'] },
  { name: 'episodic', namespace: ['episodes', '{user_id}'] },
  { name: 'shadow', namespace: ['memories', '{user_id}'] },
]);

/** Runs prepareSubmission and returns the InvalidInputError it throws. */
function rejection(threadId: string, messages: readonly MessageInput[], options?: SubmitOptionsInput, registry?: ManagerRegistry): InvalidInputError {
  try {
    prepareSubmission(threadId, messages, options, fixedNow, registry);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected prepareSubmission to throw');
}

describe('prepareSubmission rejects bad input, naming the field', () => {
  it.each([
    ['an empty threadId', ''],
    ['a whitespace-only threadId', '   '],
  ])('%s', (_label, threadId) => {
    expect(rejection(threadId, [hello]).message).toContain('threadId');
  });

  it.each<[string, unknown, string]>([
    ['a message without content', { role: 'user' }, 'messages.0.content'],
    ['empty content', { role: 'user', content: '' }, 'messages.0.content'],
    ['whitespace-only content', { role: 'user', content: ' \n ' }, 'messages.0.content'],
    ['an unknown role', { role: 'robot', content: 'beep' }, 'messages.0.role'],
    ['oversized content', { role: 'user', content: 'x'.repeat(MAX_MESSAGE_CONTENT_CHARS + 1) }, 'messages.0.content'],
    ['a malformed timestamp', { role: 'user', content: 'hi', timestamp: 'yesterday' }, 'messages.0.timestamp'],
  ])('%s', (_label, message, field) => {
    expect(rejection('t1', [message as MessageInput]).message).toContain(field);
  });

  it.each<[string, unknown, string]>([
    ['an unknown field in a message', { role: 'user', content: 'hi', name: 'alice' }, 'messages.0: Unrecognized key: "name"'],
    ['a misspelt field in a message', { role: 'user', contents: 'hi' }, 'messages.0: Unrecognized key: "contents"'],
  ])('%s, named rather than dropped', (_label, message, field) => {
    expect(rejection('t1', [message as MessageInput]).message).toContain(field);
  });

  it.each<[string, string, string]>([
    ['an empty idempotencyKey', '', 'options.idempotencyKey: must not be empty'],
    ['an idempotencyKey with "#" (the position separator)', 'a#1', 'options.idempotencyKey: may contain only'],
    ['an idempotencyKey with whitespace', 'retry 1', 'options.idempotencyKey: may contain only'],
    ['an idempotencyKey that is too long', 'k'.repeat(MAX_IDEMPOTENCY_KEY_CHARS + 1), `options.idempotencyKey: must be at most ${MAX_IDEMPOTENCY_KEY_CHARS}`],
  ])('%s', (_label, idempotencyKey, field) => {
    expect(rejection('t1', [hello], { idempotencyKey }).message).toContain(field);
  });

  it('names the index of the bad message', () => {
    const message = rejection('t1', [hello, { role: 'user', content: '' }]).message;
    expect(message).toContain('messages.1.content');
    expect(message).not.toContain('messages.0');
  });

  it('an empty messages array', () => {
    expect(rejection('t1', []).message).toContain('messages');
  });

  it('too many messages', () => {
    expect(rejection('t1', userMessages(MAX_MESSAGES_PER_SUBMIT + 1)).message).toContain('messages');
  });

  it('a negative afterSeconds', () => {
    expect(rejection('t1', [hello], { afterSeconds: -1 }).message).toContain('options.afterSeconds');
  });

  it('a namespace label containing "."', () => {
    expect(rejection('t1', [hello], { namespace: ['a.b'] }).message).toContain('options.namespace.0: namespace labels must not contain "."');
  });

  it('a namespace label containing U+001F (the separator inside DynamoDB keys)', () => {
    // ["a\u001fb"] would otherwise share a partition with ["a", "b"].
    const message = rejection('t1', [hello], { namespace: ['a\u001fb'] }).message;
    expect(message).toContain('options.namespace.0: namespace labels must not contain U+001F');
  });

  it('a template value containing U+001F', () => {
    const options = { namespace: ['memories', '{user_id}'], config: { configurable: { user_id: 'alice\u001fbob' } } };
    const message = rejection('t1', [hello], options).message;
    expect(message).toContain('options.config.configurable.user_id: namespace labels must not contain U+001F');
    expect(message).not.toContain('(root)');
  });

  it.each<[string, number]>([
    ['an afterSeconds of 1e12', 1e12],
    ['an afterSeconds one over MAX_AFTER_SECONDS', MAX_AFTER_SECONDS + 1],
    ['an infinite afterSeconds', Number.POSITIVE_INFINITY],
  ])('%s', (_label, afterSeconds) => {
    expect(rejection('t1', [hello], { afterSeconds }).message).toContain('options.afterSeconds');
  });

  it.each<[string, number]>([
    ['a negative maxWaitSeconds', -1],
    ['a maxWaitSeconds of 1e12', 1e12],
    ['a NaN maxWaitSeconds', Number.NaN],
  ])('%s', (_label, maxWaitSeconds) => {
    expect(rejection('t1', [hello], { maxWaitSeconds }).message).toContain('options.maxWaitSeconds');
  });

  it('a namespace template missing from config.configurable', () => {
    const options = { namespace: ['memories', '{user_id}'], config: { configurable: { other: 'x' } } };
    expect(rejection('t1', [hello], options).message).toContain('options.config.configurable.user_id');
  });

  it('a template value that is not a valid label', () => {
    const options = { namespace: ['{user_id}'], config: { configurable: { user_id: 'a.b' } } };
    expect(rejection('t1', [hello], options).message).toContain('options.config.configurable.user_id');
  });

  it('a payload larger than MAX_SUBMIT_PAYLOAD_BYTES', () => {
    const messages = userMessages(100, 'x'.repeat(31_000));
    expect(rejection('t1', messages).message).toContain(String(MAX_SUBMIT_PAYLOAD_BYTES));
  });

  it('a namespace together with managers (each manager brings its own)', () => {
    const options = { managers: ['semantic'], namespace: ['notes'], config: { configurable: { user_id: 'alice' } } };
    expect(rejection('t1', [hello], options, managers).message).toContain('options.namespace: with options.managers');
  });

  it('two managers writing to the same namespace', () => {
    const options = { managers: ['semantic', 'shadow'], config: { configurable: { user_id: 'alice' } } };
    const message = rejection('t1', [hello], options, managers).message;
    expect(message).toContain('options.managers: semantic and shadow write to the same namespace ["memories","alice"]');
  });

  it('a manager the registry does not know, naming options.managers.<i>', () => {
    const options = { managers: ['semantic', 'nope'], config: { configurable: { user_id: 'alice' } } };
    const message = rejection('t1', [hello], options, managers).message;
    expect(message).toContain('options.managers.1: no memory manager named "nope"');
    expect(message).toContain('known: memories, semantic, episodic, shadow');
  });

  it('a manager named without a registry that knows it', () => {
    expect(rejection('t1', [hello], { managers: ['semantic'] }).message).toContain('options.managers.0');
  });

  it('an empty managers list', () => {
    expect(rejection('t1', [hello], { managers: [] }, managers).message).toContain('options.managers');
  });

  it('a manager whose namespace template is missing from config.configurable, naming the template', () => {
    const message = rejection('t1', [hello], { managers: ['episodic'] }, managers).message;
    expect(message).toContain('options.config.configurable.user_id: required by namespace template managers.episodic.namespace.1');
  });

  it('names every bad field at once', () => {
    const message = rejection('', [{ role: 'user', content: '' }], { afterSeconds: -5 }).message;
    for (const field of ['threadId', 'messages.0.content', 'options.afterSeconds']) expect(message).toContain(field);
  });
});

describe('prepareSubmission accepts good input', () => {
  it('fills in missing ids and timestamps', () => {
    const { messages } = prepareSubmission('t1', [hello, { role: 'assistant', content: 'hi there' }], {}, fixedNow);
    const [first, second] = messages;
    expect(first?.id).toMatch(UUID);
    expect(second?.id).toMatch(UUID);
    expect(first?.id).not.toBe(second?.id);
    expect(messages.map((m) => m.timestamp)).toEqual([NOW.toISOString(), NOW.toISOString()]);
  });

  it('derives missing ids from the idempotency key and the position: a retry gets the same ids', () => {
    const messages: MessageInput[] = [hello, { id: 'given', role: 'assistant', content: 'hi' }, hello];
    const key = '0b6f7a52-6f35-4b8e-9d7f-1c1f3e0c2a11';
    const first = prepareSubmission('t1', messages, { idempotencyKey: key }, fixedNow).messages.map((m) => m.id);
    expect(first).toEqual([`${key}#0`, 'given', `${key}#2`]);
    expect(first[0]).toBe(derivedMessageId(key, 0));
    const retried = prepareSubmission('t1', messages, { idempotencyKey: key }, () => new Date(NOW.getTime() + 60_000)).messages.map((m) => m.id);
    expect(retried).toEqual(first);
    // Another key is another submit: other ids.
    expect(prepareSubmission('t1', messages, { idempotencyKey: `${key}x` }, fixedNow).messages[0]?.id).not.toBe(first[0]);
  });

  it('without an idempotency key, a missing id is random: two calls with the same messages give different ids', () => {
    const [a, b] = [prepareSubmission('t1', [hello], {}, fixedNow), prepareSubmission('t1', [hello], {}, fixedNow)];
    expect(a.messages[0]?.id).not.toBe(b.messages[0]?.id);
  });

  it('a derived id of the longest key at the last position still fits a message id', () => {
    const { messages } = prepareSubmission('t1', userMessages(MAX_MESSAGES_PER_SUBMIT), { idempotencyKey: 'k'.repeat(MAX_IDEMPOTENCY_KEY_CHARS) }, fixedNow);
    expect(messages.at(-1)?.id.length).toBeLessThanOrEqual(MAX_MESSAGE_ID_CHARS);
  });

  it('keeps ids and timestamps that are given', () => {
    const given = { id: 'msg-1', role: 'system', content: 'be brief', timestamp: '2024-12-31T23:59:59+01:00' } as const;
    expect(prepareSubmission('t1', [given], {}, fixedNow).messages).toEqual([given]);
  });

  it('returns the thread, workflow, namespace, targets, messages and timing, and nothing else', () => {
    const prepared = prepareSubmission('t1', [{ ...hello, id: 'm1' }], { afterSeconds: 5 }, fixedNow);
    expect(prepared).toEqual({
      threadId: 't1',
      workflowId: 'memory-thread:t1',
      namespace: ['memories'],
      targets: [{ manager: 'memories', namespace: ['memories'] }],
      messages: [{ id: 'm1', role: 'user', content: 'hello', timestamp: NOW.toISOString() }],
      afterSeconds: 5,
      maxWaitSeconds: 5 * DEFAULT_MAX_WAIT_FACTOR,
    });
  });

  it('applies the default quiet period, max-wait and namespace', () => {
    const prepared = prepareSubmission('t1', [hello], undefined, fixedNow);
    expect(prepared.afterSeconds).toBe(DEFAULT_AFTER_SECONDS);
    expect(prepared.maxWaitSeconds).toBe(DEFAULT_AFTER_SECONDS * DEFAULT_MAX_WAIT_FACTOR);
    expect(prepared.namespace).toEqual(['memories']);
  });

  it('keeps the given options', () => {
    const prepared = prepareSubmission('t1', [hello], { afterSeconds: 0, maxWaitSeconds: 30, namespace: ['notes', 'work'] }, fixedNow);
    expect(prepared.afterSeconds).toBe(0);
    expect(prepared.maxWaitSeconds).toBe(30);
    expect(prepared.namespace).toEqual(['notes', 'work']);
  });

  it('defaults max-wait to DEFAULT_MAX_WAIT_FACTOR × afterSeconds', () => {
    expect(prepareSubmission('t1', [hello], { afterSeconds: 7 }, fixedNow).maxWaitSeconds).toBe(7 * DEFAULT_MAX_WAIT_FACTOR);
    expect(prepareSubmission('t1', [hello], { afterSeconds: 0 }, fixedNow).maxWaitSeconds).toBe(0);
  });

  it('caps the default max-wait at MAX_AFTER_SECONDS', () => {
    const afterSeconds = Math.ceil(MAX_AFTER_SECONDS / DEFAULT_MAX_WAIT_FACTOR) + 1;
    expect(prepareSubmission('t1', [hello], { afterSeconds }, fixedNow).maxWaitSeconds).toBe(MAX_AFTER_SECONDS);
    expect(prepareSubmission('t1', [hello], { afterSeconds: MAX_AFTER_SECONDS }, fixedNow).maxWaitSeconds).toBe(MAX_AFTER_SECONDS);
  });

  it('accepts a max-wait of exactly MAX_AFTER_SECONDS', () => {
    expect(prepareSubmission('t1', [hello], { maxWaitSeconds: MAX_AFTER_SECONDS }, fixedNow).maxWaitSeconds).toBe(MAX_AFTER_SECONDS);
  });

  it('resolves namespace templates from config.configurable, stringifying numbers', () => {
    const options = {
      namespace: ['memories', '{user_id}', '{org}'],
      config: { configurable: { user_id: 'alice', org: 42 } },
    };
    expect(prepareSubmission('t1', [hello], options, fixedNow).namespace).toEqual(['memories', 'alice', '42']);
  });

  it('sends to the default manager with options.namespace when no managers are named', () => {
    const prepared = prepareSubmission('t1', [hello], { namespace: ['notes', '{user_id}'], config: { configurable: { user_id: 'bob' } } }, fixedNow, managers);
    expect(prepared.targets).toEqual([{ manager: 'memories', namespace: ['notes', 'bob'] }]);
    expect(prepared.namespace).toEqual(['notes', 'bob']);
  });

  it('sends to each named manager in its own namespace, templates filled; namespace is the first target’s', () => {
    const options = { managers: ['episodic', 'semantic'], config: { configurable: { user_id: 'alice' } } };
    const prepared = prepareSubmission('t1', [hello], options, fixedNow, managers);
    expect(prepared.targets).toEqual([
      { manager: 'episodic', namespace: ['episodes', 'alice'] },
      { manager: 'semantic', namespace: ['memories', 'alice'] },
    ]);
    expect(prepared.namespace).toEqual(['episodes', 'alice']);
  });

  it('derives the workflow id from the thread id', () => {
    const prepared = prepareSubmission('thread-7', [hello], {}, fixedNow);
    expect(prepared.threadId).toBe('thread-7');
    expect(prepared.workflowId).toBe('memory-thread:thread-7');
  });

  it('accepts content of exactly MAX_MESSAGE_CONTENT_CHARS', () => {
    const content = 'x'.repeat(MAX_MESSAGE_CONTENT_CHARS);
    expect(prepareSubmission('t1', [{ role: 'user', content }], {}, fixedNow).messages[0]?.content).toBe(content);
  });
});

describe('prepareSubmission key-size limits', () => {
  it('rejects a thread id with surrounding whitespace instead of trimming it', () => {
    expect(rejection(' t1 ', [hello]).message).toContain('threadId: threadId must not start or end with whitespace');
  });

  it('rejects a namespace longer than a DynamoDB key allows, naming the field', () => {
    const long = ['memories', 'a'.repeat(256), 'b'.repeat(256), 'c'.repeat(256), 'd'.repeat(256)];
    expect(rejection('t1', [hello], { namespace: long }).message).toContain('options.namespace: namespace must be at most');
  });

  it('rejects a namespace that a filled template makes too long', () => {
    const error = rejection('t1', [hello], {
      namespace: ['memories', '{a}', '{b}', '{c}', '{d}'],
      config: { configurable: { a: 'a'.repeat(256), b: 'b'.repeat(256), c: 'c'.repeat(256), d: 'd'.repeat(256) } },
    });
    expect(error.message).toContain('options.namespace (templates filled)');
  });
});
