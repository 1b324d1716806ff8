import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { INVALID_OUTPUT_MAX_ATTEMPTS } from '../../src/defaults';
import {
  BatchIdentityError,
  ConfigurationError,
  InboxConflictError,
  InvalidInputError,
  InvalidModelOutputError,
  MemoryConflictError,
  MemoryWriteRejectedError,
  ModelAccessError,
  ModelRefusalError,
  ModelRequestError,
  ModelUnavailableError,
  NON_RETRYABLE_ERROR_TYPES,
  ReviewRequiredError,
  TenantAccessError,
  toApplicationFailure,
} from '../../src/errors';
import { mapModelError } from '../../src/model/model-errors';
import { retryAfterMs } from '../../src/retry-after';

const NOW = Date.parse('2025-01-01T00:00:00.000Z');

/** An SDK error as the client throws it for an HTTP status. */
function apiError(status: number, headers: Record<string, string> = {}): APIError {
  const body = { type: 'error', error: { type: 'x', message: 'm' } };
  return Anthropic.APIError.generate(status, body, 'm', new Headers(headers));
}

describe('retryAfterMs', () => {
  it.each<[string, Record<string, string>, number | undefined]>([
    ['no header', {}, undefined],
    ['whole seconds', { 'retry-after': '3' }, 3_000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1_500],
    ['negative seconds, clamped', { 'retry-after': '-4' }, 0],
    ['retry-after-ms', { 'retry-after-ms': '250' }, 250],
    ['retry-after-ms before retry-after', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['garbage retry-after-ms, falling back to retry-after', { 'retry-after-ms': 'soon', 'retry-after': '2' }, 2_000],
    ['an HTTP date in the future', { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, 30_000],
    ['an HTTP date in the past, clamped', { 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, 0],
    ['garbage', { 'retry-after': 'later, maybe' }, undefined],
  ])('reads %s', (_label, headers, expected) => {
    expect(retryAfterMs(new Headers(headers), NOW)).toBe(expected);
  });

  it('returns undefined without headers', () => {
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
  });
});

describe('mapModelError', () => {
  it.each([429, 529, 500, 503, 408])('maps %i to a retryable ModelUnavailableError', (status) => {
    const err = apiError(status);
    const mapped = mapModelError(err);
    expect(mapped).toBeInstanceOf(ModelUnavailableError);
    const error = mapped as ModelUnavailableError;
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(String(status));
    expect(error.cause).toBe(err);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it.each<[number, Record<string, string>, number]>([
    [429, { 'retry-after': '7' }, 7_000],
    [529, { 'retry-after-ms': '1200' }, 1_200],
  ])('carries the delay a %i asks for', (status, headers, expected) => {
    expect((mapModelError(apiError(status, headers)) as ModelUnavailableError).retryAfterMs).toBe(expected);
  });

  it.each([401, 403, 404])('maps %i to a retryable ModelAccessError (a key or model name an operator fixes)', (status) => {
    const err = apiError(status, { 'retry-after': '7' });
    const mapped = mapModelError(err);
    expect(mapped).toBeInstanceOf(ModelAccessError);
    const error = mapped as ModelAccessError;
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(String(status));
    expect(error.cause).toBe(err);
    // The retry policy paces an outage; a stray retry-after on a 4xx does not.
    expect(error.retryAfterMs).toBeUndefined();
  });

  it.each([400, 402, 413, 422])('maps %i to a non-retryable ModelRequestError', (status) => {
    const err = apiError(status, { 'retry-after': '7' });
    const mapped = mapModelError(err);
    expect(mapped).toBeInstanceOf(ModelRequestError);
    const error = mapped as ModelRequestError;
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(String(status));
    expect(error.cause).toBe(err);
  });

  it.each([
    'The provided model identifier is invalid.',
    "Invocation of model ID anthropic.claude-x with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile.",
  ])('maps Bedrock’s 400 for a model id it cannot run to a retryable ModelAccessError: %s', (message) => {
    const err = Anthropic.APIError.generate(400, { message }, undefined, new Headers());
    const mapped = mapModelError(err);
    expect(mapped).toBeInstanceOf(ModelAccessError);
    expect((mapped as ModelAccessError).message).toContain('check ANTHROPIC_MODEL');
    expect((mapped as ModelAccessError).message).toContain(message);
  });

  it('maps 409 (a conflict) to a retryable ModelUnavailableError', () => {
    expect(mapModelError(apiError(409))).toBeInstanceOf(ModelUnavailableError);
  });

  it('maps a connection error to ModelUnavailableError', () => {
    const err = new Anthropic.APIConnectionError({ message: 'down' });
    const mapped = mapModelError(err);
    expect(mapped).toBeInstanceOf(ModelUnavailableError);
    expect((mapped as ModelUnavailableError).message).toContain('down');
    expect((mapped as ModelUnavailableError).cause).toBe(err);
  });

  it.each([new Error('plain'), new TypeError('bug'), 'a string', undefined])('passes %p through unchanged', (err) => {
    expect(mapModelError(err)).toBe(err);
  });
});

describe('toApplicationFailure', () => {
  it('keeps the class name as the failure type and retries retryable errors after the asked delay', () => {
    const failure = toApplicationFailure(new ModelUnavailableError('busy', { retryAfterMs: 5_000 }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('ModelUnavailableError');
    expect(failure.message).toBe('busy');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(5_000);
  });

  it('leaves the delay to the retry policy when none was asked for', () => {
    const failure = toApplicationFailure(new MemoryConflictError('changed'));
    expect(failure.type).toBe('MemoryConflictError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('marks non-retryable errors and ignores their delay', () => {
    const failure = toApplicationFailure(new ModelRequestError('bad request', { retryAfterMs: 5_000 }));
    expect(failure.type).toBe('ModelRequestError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('keeps an Error cause', () => {
    const cause = new Error('root cause');
    expect(toApplicationFailure(new InvalidModelOutputError('no tool call', { cause })).cause).toBe(cause);
  });

  it('turns an unknown Error into a retryable failure named after it', () => {
    const err = new TypeError('undefined is not a function');
    const failure = toApplicationFailure(err);
    expect(failure.type).toBe('TypeError');
    expect(failure.message).toBe('undefined is not a function');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.cause).toBe(err);
  });

  it('wraps a thrown non-Error', () => {
    const failure = toApplicationFailure('oops');
    expect(failure.type).toBe('Error');
    expect(failure.message).toBe('oops');
    expect(failure.nonRetryable).toBe(false);
  });

  it('returns an ApplicationFailure unchanged', () => {
    const failure = ApplicationFailure.nonRetryable('already a failure', 'Custom');
    expect(toApplicationFailure(failure)).toBe(failure);
  });

  it('retries a ModelAccessError (through the retry window) without a delay of its own', () => {
    const failure = toApplicationFailure(new ModelAccessError('401'), 5);
    expect(failure).toMatchObject({ type: 'ModelAccessError', nonRetryable: false, message: '401' });
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('marks a BatchIdentityError non-retryable at any attempt', () => {
    const failure = toApplicationFailure(new BatchIdentityError('receipt records other messages'));
    expect(failure).toMatchObject({ type: 'BatchIdentityError', nonRetryable: true, message: 'receipt records other messages' });
  });

  it(`retries an InvalidModelOutputError until attempt INVALID_OUTPUT_MAX_ATTEMPTS (${INVALID_OUTPUT_MAX_ATTEMPTS}), then stops`, () => {
    const err = new InvalidModelOutputError('no tool call');
    expect(toApplicationFailure(err).nonRetryable).toBe(false);
    expect(toApplicationFailure(err, 1)).toMatchObject({ nonRetryable: false, message: 'no tool call' });
    expect(toApplicationFailure(err, INVALID_OUTPUT_MAX_ATTEMPTS - 1).nonRetryable).toBe(false);
    const final = toApplicationFailure(err, INVALID_OUTPUT_MAX_ATTEMPTS);
    expect(final).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: true });
    expect(final.message).toBe(`no tool call (attempt ${INVALID_OUTPUT_MAX_ATTEMPTS}; not retried further)`);
    expect(toApplicationFailure(err, INVALID_OUTPUT_MAX_ATTEMPTS + 4).nonRetryable).toBe(true);
  });

  it('does not ask for a retry delay once an error has become final', () => {
    const err = new InvalidModelOutputError('x', { retryAfterMs: 1_000 });
    expect(toApplicationFailure(err, 1).nextRetryDelay).toBe(1_000);
    expect(toApplicationFailure(err, INVALID_OUTPUT_MAX_ATTEMPTS).nextRetryDelay).toBeUndefined();
  });

  it('lists exactly the never-retryable error classes as non-retryable types', () => {
    const errors = [
      new InvalidInputError('x'),
      new ConfigurationError('x'),
      new ModelUnavailableError('x'),
      new ModelAccessError('x'),
      new ModelRequestError('x'),
      new InvalidModelOutputError('x'),
      new MemoryConflictError('x'),
      new MemoryWriteRejectedError('x'),
      new BatchIdentityError('x'),
      new InboxConflictError('x'),
      new TenantAccessError('x'),
      new ModelRefusalError('x'),
      new ReviewRequiredError('x'),
    ];
    const nonRetryable = errors.filter((e) => !e.retryable).map((e) => e.name);
    expect([...NON_RETRYABLE_ERROR_TYPES].sort()).toEqual(nonRetryable.sort());
    for (const e of errors) expect(toApplicationFailure(e).nonRetryable).toBe(!e.retryable);
  });
});

test('an empty retry-after-ms header falls back to retry-after', () => {
  expect(retryAfterMs(new Headers({ 'retry-after-ms': '', 'retry-after': '3' }))).toBe(3000);
});
