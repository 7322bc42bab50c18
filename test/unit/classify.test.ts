import { describe, expect, it } from 'vitest';
import { classifyDelete, isTransientStatus } from '#core/classify.ts';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const json = (value: unknown) => JSON.stringify(value);

describe('classifyDelete', () => {
  it('returns deleted when the status is 204', () => {
    expect(classifyDelete({ status: 204, body: '' }, NOW)).toEqual({ kind: 'deleted' });
  });

  it('returns deleted when the status is 200', () => {
    expect(classifyDelete({ status: 200, body: '{}' }, NOW)).toEqual({ kind: 'deleted' });
  });

  it('returns already_gone when the status is 404', () => {
    expect(classifyDelete({ status: 404, body: json({ detail: 'not found' }) }, NOW)).toEqual({
      kind: 'already_gone',
    });
  });

  it('returns in_use with the parsed detail when a 422 carries an object detail', () => {
    const body = json({ detail: { status: 'secret_in_use', message: 'Secret is used by 2 tools' } });
    expect(classifyDelete({ status: 422, body }, NOW)).toEqual({
      kind: 'in_use',
      detail: { status: 'secret_in_use', message: 'Secret is used by 2 tools' },
    });
  });

  it.each(['path', 'query', 'body'])('returns permanent when a 422 FastAPI array has loc starting with %s', (where) => {
    const body = json({ detail: [{ loc: [where, 'secret_id'], msg: 'field required', type: 'missing' }] });
    expect(classifyDelete({ status: 422, body }, NOW).kind).toBe('permanent');
  });

  it('returns in_use when a 422 FastAPI array has a loc that does not point at the request', () => {
    const body = json({ detail: [{ loc: ['secret', 'used_by'], msg: 'still referenced', type: 'value_error' }] });
    expect(classifyDelete({ status: 422, body }, NOW).kind).toBe('in_use');
  });

  it('returns in_use when a 422 body is not JSON', () => {
    expect(classifyDelete({ status: 422, body: '<html>Unprocessable</html>' }, NOW).kind).toBe('in_use');
  });

  it('returns in_use when a 422 body is empty', () => {
    expect(classifyDelete({ status: 422, body: '' }, NOW)).toEqual({ kind: 'in_use', detail: {} });
  });

  it('returns auth with the permission when a 401 message names convai_write', () => {
    const body = json({
      detail: {
        status: 'missing_permissions',
        message: 'The API key you used is missing the permission convai_write to execute this operation.',
      },
    });
    const result = classifyDelete({ status: 401, body }, NOW);
    expect(result).toMatchObject({ kind: 'auth', permission: 'convai_write' });
  });

  it('returns auth without a permission when a 401 message names none', () => {
    const result = classifyDelete({ status: 401, body: json({ detail: { message: 'Invalid API key' } }) }, NOW);
    expect(result.kind).toBe('auth');
    expect(result).not.toHaveProperty('permission');
  });

  it('returns auth when the status is 403', () => {
    expect(classifyDelete({ status: 403, body: json({ detail: 'Forbidden' }) }, NOW).kind).toBe('auth');
  });

  it.each([408, 429, 500, 503])('returns transient when the status is %i', (status) => {
    expect(classifyDelete({ status, body: '' }, NOW).kind).toBe('transient');
  });

  it('returns transient without retryAfterMs when no Retry-After header is present', () => {
    expect(classifyDelete({ status: 503, body: '', retryAfter: null }, NOW)).not.toHaveProperty('retryAfterMs');
  });

  it('parses Retry-After seconds into retryAfterMs when a 429 carries them', () => {
    expect(classifyDelete({ status: 429, body: '', retryAfter: '7' }, NOW)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 7000,
    });
  });

  it('parses a Retry-After HTTP date into retryAfterMs when a 503 carries one', () => {
    const retryAfter = new Date(NOW + 90_000).toUTCString();
    expect(classifyDelete({ status: 503, body: '', retryAfter }, NOW)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 90_000,
    });
  });

  it.each([400, 405])('returns permanent when the status is %i', (status) => {
    expect(classifyDelete({ status, body: json({ detail: 'bad' }) }, NOW)).toEqual({
      kind: 'permanent',
      detail: { message: 'bad' },
    });
  });
});

describe('isTransientStatus', () => {
  it.each([408, 429, 500, 502, 504])('returns true when the status is %i', (status) => {
    expect(isTransientStatus(status)).toBe(true);
  });

  it.each([400, 404, 409, 422])('returns false when the status is %i', (status) => {
    expect(isTransientStatus(status)).toBe(false);
  });
});

describe('classifyDelete with a 422 validation array that speaks of use', () => {
  it('counts it as in use, not permanent, when the message says the secret is in use', () => {
    const body = JSON.stringify({
      detail: [{ loc: ['path', 'secret_id'], msg: 'Secret is in use by 2 agents', type: 'value_error' }],
    });
    expect(classifyDelete({ status: 422, body }, 0).kind).toBe('in_use');
  });

  it('keeps it permanent when the message is about the input only', () => {
    const body = JSON.stringify({
      detail: [{ loc: ['path', 'secret_id'], msg: 'String should match pattern', type: 'string_pattern_mismatch' }],
    });
    expect(classifyDelete({ status: 422, body }, 0).kind).toBe('permanent');
  });
});
