import { prepareSubmission } from '../../src/client/prepare-submission';
import {
  DEFAULT_AFTER_SECONDS,
  MAX_MESSAGE_CONTENT_CHARS,
  MAX_MESSAGES_PER_SUBMIT,
  MAX_SUBMIT_PAYLOAD_BYTES,
} from '../../src/defaults';
import { InvalidInputError } from '../../src/errors';
import type { MessageInput, SubmitOptionsInput } from '../../src/schemas';

const NOW = new Date('2025-03-04T05:06:07.890Z');
const fixedNow = (): Date => NOW;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const hello: MessageInput = { role: 'user', content: 'hello' };

function userMessages(count: number, content = 'hi'): MessageInput[] {
  return Array.from({ length: count }, () => ({ role: 'user', content }));
}

/** Runs prepareSubmission and returns the InvalidInputError it throws. */
function rejection(threadId: string, messages: readonly MessageInput[], options?: SubmitOptionsInput): InvalidInputError {
  try {
    prepareSubmission(threadId, messages, options, fixedNow);
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
    expect(rejection('t1', [hello], { namespace: ['a.b'] }).message).toContain('options.namespace.0');
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

  it('names every bad field at once', () => {
    const message = rejection('', [{ role: 'user', content: '' }], { afterSeconds: -5 }).message;
    for (const field of ['threadId', 'messages.0.content', 'options.afterSeconds']) expect(message).toContain(field);
  });
});

describe('prepareSubmission accepts good input', () => {
  it('fills in missing ids and timestamps', () => {
    const { payload } = prepareSubmission('t1', [hello, { role: 'assistant', content: 'hi there' }], {}, fixedNow);
    const [first, second] = payload.messages;
    expect(first?.id).toMatch(UUID);
    expect(second?.id).toMatch(UUID);
    expect(first?.id).not.toBe(second?.id);
    expect(payload.messages.map((m) => m.timestamp)).toEqual([NOW.toISOString(), NOW.toISOString()]);
  });

  it('keeps ids and timestamps that are given', () => {
    const given = { id: 'msg-1', role: 'system', content: 'be brief', timestamp: '2024-12-31T23:59:59+01:00' } as const;
    const { payload } = prepareSubmission('t1', [given], {}, fixedNow);
    expect(payload.messages).toEqual([given]);
  });

  it('applies the default quiet period and namespace', () => {
    const prepared = prepareSubmission('t1', [hello], undefined, fixedNow);
    expect(prepared.payload.afterSeconds).toBe(DEFAULT_AFTER_SECONDS);
    expect(prepared.payload.namespace).toEqual(['memories']);
  });

  it('keeps the given options', () => {
    const { payload } = prepareSubmission('t1', [hello], { afterSeconds: 0, namespace: ['notes', 'work'] }, fixedNow);
    expect(payload.afterSeconds).toBe(0);
    expect(payload.namespace).toEqual(['notes', 'work']);
  });

  it('resolves namespace templates from config.configurable, stringifying numbers', () => {
    const options = {
      namespace: ['memories', '{user_id}', '{org}'],
      config: { configurable: { user_id: 'alice', org: 42 } },
    };
    expect(prepareSubmission('t1', [hello], options, fixedNow).payload.namespace).toEqual(['memories', 'alice', '42']);
  });

  it('derives the workflow id from the thread id', () => {
    const prepared = prepareSubmission('thread-7', [hello], {}, fixedNow);
    expect(prepared.threadId).toBe('thread-7');
    expect(prepared.workflowId).toBe('memory-thread:thread-7');
  });

  it('accepts content of exactly MAX_MESSAGE_CONTENT_CHARS', () => {
    const content = 'x'.repeat(MAX_MESSAGE_CONTENT_CHARS);
    expect(prepareSubmission('t1', [{ role: 'user', content }], {}, fixedNow).payload.messages[0]?.content).toBe(content);
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
