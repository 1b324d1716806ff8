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
    // The API's words are kept for the dead letter, not in the message.
    expect((mapped as ModelAccessError).message).not.toContain(message);
    expect((mapped as ModelAccessError).detail?.modelError?.message).toContain(message);
  });

  it('maps 409 (a conflict) to a retryable ModelUnavailableError', () => {
    expect(mapModelError(apiError(409))).toBeInstanceOf(ModelUnavailableError);
  });

  it('maps a connection error to ModelUnavailableError', () => {
    const err = new Anthropic.APIConnectionError({ message: 'down' });
    const mapped = mapModelError(err);
    expect(mapped).toBeInstanceOf(ModelUnavailableError);
    expect((mapped as ModelUnavailableError).message).toBe('model API unreachable');
    expect((mapped as ModelUnavailableError).detail?.modelError?.message).toContain('down');
    expect((mapped as ModelUnavailableError).cause).toBe(err);
  });

  it.each([new Error('plain'), new TypeError('bug'), 'a string', undefined])('passes %p through unchanged', (err) => {
    expect(mapModelError(err)).toBe(err);
  });
});

describe('toApplicationFailure', () => {
  it('keeps the class name as the failure type and retries retryable errors after the asked delay', () => {
    const failure = toApplicationFailure(new ModelUnavailableError('busy', { retryAfterMs: 5_000, counts: { status: 429 } }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('ModelUnavailableError');
    expect(failure.message).toBe('status=429');
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

  it('carries a code, counts, the attempt and the details reference — as its message and as its details', () => {
    const err = new ReviewRequiredError('over the cap', { counts: { deletes: 7, maxDeletes: 5 } });
    const failure = toApplicationFailure(err, 2, 'batch-1');
    expect(failure.message).toBe('deletes=7 maxDeletes=5 attempt=2; details: batch batch-1');
    expect(failure.details).toEqual([{ counts: { deletes: 7, maxDeletes: 5, attempt: 2 }, ref: 'batch-1' }]);
  });

  it('copies no text: not the message, the detail, the cause, nor anything of them in its stack trace', () => {
    const marker = 'MARKER-user-secret';
    const cause = new Error(`400 {"error":{"message":"prompt: ${marker}"}}`);
    const errors = [
      new ReviewRequiredError(`Proposed: ${marker}`, { detail: { proposedOperations: [{ action: 'update', content: marker }] } }),
      new ModelRefusalError(marker, { detail: { refusal: marker } }),
      new ModelRequestError(`rejected: ${marker}`, { cause, detail: { modelError: { status: 400, message: cause.message } } }),
      new InvalidModelOutputError(marker, { detail: { invalidOutput: { problems: [`operations.0.id: no existing memory "${marker}"`] } } }),
      new TypeError(`cannot read ${marker}`),
      ApplicationFailure.nonRetryable(`already a failure: ${marker}`, 'Custom', { counts: { n: 1 }, ref: marker }),
      marker,
    ];
    for (const err of errors) {
      const failure = toApplicationFailure(err, 3, 'batch-1');
      expect(failure.cause).toBeUndefined();
      expect(JSON.stringify({ message: failure.message, stack: failure.stack, details: failure.details })).not.toContain(marker);
    }
  });

  it('keeps only counts and references of the fixed format: a count named or valued with text, or a reference with spaces, is dropped', () => {
    const err = new ModelUnavailableError('x', { counts: { 'status code says hello': 1, status: 500, text: Number.NaN } });
    expect(toApplicationFailure(err, undefined, 'not a reference').details).toEqual([{ counts: { status: 500 } }]);
  });

  it('turns an unknown Error into a retryable failure named after it', () => {
    const err = new TypeError('undefined is not a function');
    const failure = toApplicationFailure(err);
    expect(failure.type).toBe('TypeError');
    expect(failure.message).toBe('TypeError');
    expect(failure.nonRetryable).toBe(false);
  });

  it('wraps a thrown non-Error, and names an error whose name is not an identifier Error', () => {
    expect(toApplicationFailure('oops')).toMatchObject({ type: 'Error', message: 'Error', nonRetryable: false });
    const odd = new Error('x');
    odd.name = 'name with words in it';
    expect(toApplicationFailure(odd).type).toBe('Error');
  });

  it('rebuilds an ApplicationFailure keeping its type and retry behaviour', () => {
    const failure = toApplicationFailure(ApplicationFailure.nonRetryable('already a failure', 'Custom'));
    expect(failure).toMatchObject({ type: 'Custom', nonRetryable: true, message: 'Custom' });
  });

  it('retries a ModelAccessError (through the retry window) without a delay of its own', () => {
    const failure = toApplicationFailure(new ModelAccessError('401', { counts: { status: 401 } }), 5);
    expect(failure).toMatchObject({ type: 'ModelAccessError', nonRetryable: false, message: 'status=401 attempt=5' });
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('marks a BatchIdentityError non-retryable at any attempt', () => {
    const failure = toApplicationFailure(new BatchIdentityError('receipt records other messages'));
    expect(failure).toMatchObject({ type: 'BatchIdentityError', nonRetryable: true, message: 'BatchIdentityError' });
  });

  it(`retries an InvalidModelOutputError until attempt INVALID_OUTPUT_MAX_ATTEMPTS (${INVALID_OUTPUT_MAX_ATTEMPTS}), then stops`, () => {
    const err = new InvalidModelOutputError('no tool call');
    expect(toApplicationFailure(err).nonRetryable).toBe(false);
    expect(toApplicationFailure(err, 1)).toMatchObject({ nonRetryable: false, message: 'attempt=1' });
    expect(toApplicationFailure(err, INVALID_OUTPUT_MAX_ATTEMPTS - 1).nonRetryable).toBe(false);
    const final = toApplicationFailure(err, INVALID_OUTPUT_MAX_ATTEMPTS);
    expect(final).toMatchObject({ type: 'InvalidModelOutputError', nonRetryable: true });
    expect(final.message).toBe(`attempt=${INVALID_OUTPUT_MAX_ATTEMPTS}`);
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
