import { describe, expect, it } from 'vitest';
import { DeletionRequestSchema, MAX_REASON_LENGTH, secretIdProblem, validate } from '#core/message-schemas.ts';
import { RequestValidationError } from '#shared/errors.ts';

/** Parses and validates a single-request body as JSON, then with the schema. */
function parse(body: string) {
  return validate(DeletionRequestSchema, JSON.parse(body));
}

function rejection(body: string): RequestValidationError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error;
    throw error;
  }
  throw new Error(`expected ${body.slice(0, 60)} to be refused`);
}

describe('DeletionRequestSchema', () => {
  it.each(['abc', 'sec_0123456789', 'A-b_C-9', 'x'.repeat(128)])('accepts secretId %s', (secretId) => {
    expect(parse(JSON.stringify({ secretId }))).toEqual({ secretId });
  });

  it('keeps every optional field when all are valid', () => {
    const request = { secretId: 'abc', reason: 'agent deleted', origin: 'event', agentId: 'ag_1', eventId: 'ev_1' };
    expect(parse(JSON.stringify(request))).toEqual(request);
  });

  it.each([
    ['a path traversal', '..'],
    ['an encoded slash', 'a%2Fb'],
    ['a slash', 'a/b'],
    ['a question mark', 'a?b=1'],
    ['a hash', 'a#b'],
    ['a space', 'a b'],
    ['a leading space', ' abc'],
    ['a tab', 'a\tb'],
    ['a trailing newline', 'abc\n'],
    ['a NUL byte', 'abc\u0000'],
    ['a DEL control char', 'abc\u007f'],
    ['non-ASCII letters', 'sécret'],
    ['an empty string', ''],
  ])('refuses secretId with %s and quotes the bad value', (_label, secretId) => {
    const error = rejection(JSON.stringify({ secretId }));
    expect(error.message).toContain('secretId must be 1-128 characters');
    expect(error.message).toContain(`received ${JSON.stringify(secretId)}`);
  });

  it('refuses a 129-character secretId and quotes its beginning', () => {
    const secretId = 'a'.repeat(129);
    const error = rejection(JSON.stringify({ secretId }));
    expect(error.message).toContain('secretId must be 1-128 characters');
    expect(error.message).toContain(`received "${'a'.repeat(40)}…"`);
  });

  it('refuses a numeric secretId and names the received type', () => {
    expect(rejection('{"secretId": 12345}').message).toBe('secretId must be a string, received a number');
  });

  it('refuses an unknown field and names it and the allowed fields', () => {
    const message = rejection(JSON.stringify({ secretId: 'abc', secret_id: 'abc' })).message;
    expect(message).toContain('unknown field "secret_id"');
    expect(message).toContain('allowed: secretId, reason, origin, agentId, eventId');
  });

  it('refuses a reason longer than the limit', () => {
    const message = rejection(JSON.stringify({ secretId: 'abc', reason: 'r'.repeat(MAX_REASON_LENGTH + 1) })).message;
    expect(message).toContain(`reason must be at most ${MAX_REASON_LENGTH} characters`);
  });

  it('accepts a reason exactly at the limit', () => {
    const reason = 'r'.repeat(MAX_REASON_LENGTH);
    expect(parse(JSON.stringify({ secretId: 'abc', reason })).reason).toBe(reason);
  });

  it('refuses an origin outside the list and names the allowed values', () => {
    expect(rejection(JSON.stringify({ secretId: 'abc', origin: 'manual' })).message).toContain(
      'origin must be one of request, event, schedule, sweep',
    );
  });

  it('names the received length when the reason is too long', () => {
    const message = rejection(JSON.stringify({ secretId: 'abc', reason: 'r'.repeat(600) })).message;
    expect(message).toContain('600');
  });

  it('says secretId is missing when the body is an empty object', () => {
    const message = rejection('{}').message;
    expect(message).toContain('secretId');
    expect(message).not.toContain('unknown field');
  });

  it('says an object was expected when the body is a JSON string', () => {
    const message = rejection('"abc"').message;
    expect(message).toContain('object');
    expect(message).not.toContain('unknown field');
  });
});

describe('secretIdProblem', () => {
  it('returns undefined when the id is valid', () => {
    expect(secretIdProblem('abc_123')).toBeUndefined();
  });

  it('describes the problem when the id contains a slash', () => {
    expect(secretIdProblem('a/b')).toContain('received "a/b"');
  });

  it('names the received type when the id is not a string', () => {
    expect(secretIdProblem(null)).toBe('secretId must be a string, received null');
  });
});
