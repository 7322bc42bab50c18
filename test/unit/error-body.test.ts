import { describe, expect, it } from 'vitest';
import { isRequestValidation, missingPermission, parseErrorBody } from '#core/error-body.ts';

const json = (value: unknown) => JSON.stringify(value);

describe('parseErrorBody', () => {
  it('reads code, type, status and message when detail is an object', () => {
    const body = json({
      detail: { code: 'secret_in_use', type: 'validation_error', status: 'error', message: 'in use', extra: 1 },
    });
    expect(parseErrorBody(body)).toEqual({
      code: 'secret_in_use',
      type: 'validation_error',
      status: 'error',
      message: 'in use',
    });
  });

  it('reads status and message when detail has the legacy {status, message} shape', () => {
    const body = json({ detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
    expect(parseErrorBody(body)).toMatchObject({ status: 'invalid_api_key', message: 'Invalid API key' });
    expect(parseErrorBody(body).code).toBeUndefined();
  });

  it('returns validation items and a joined message when detail is a FastAPI array', () => {
    const body = json({
      detail: [
        { loc: ['path', 'secret_id'], msg: 'too long', type: 'string_too_long' },
        { loc: ['query', 0], msg: 'bad', type: 'value_error' },
      ],
    });
    expect(parseErrorBody(body)).toEqual({
      validation: [
        { loc: ['path', 'secret_id'], msg: 'too long', type: 'string_too_long' },
        { loc: ['query', 0], msg: 'bad', type: 'value_error' },
      ],
      message: 'path.secret_id: too long; query.0: bad',
    });
  });

  it('drops array items without a loc when detail is a FastAPI array', () => {
    const body = json({ detail: [{ msg: 'no loc' }, 'text', { loc: ['body'], msg: 'm', type: 't' }] });
    expect(parseErrorBody(body).validation).toEqual([{ loc: ['body'], msg: 'm', type: 't' }]);
  });

  it('returns the string as message when detail is a string', () => {
    expect(parseErrorBody(json({ detail: 'Secret not found' }))).toEqual({ message: 'Secret not found' });
  });

  it('returns an empty detail when the JSON body has no detail', () => {
    expect(parseErrorBody(json({ error: 'something' }))).toEqual({});
  });

  it('returns the trimmed text as message when the body is not JSON', () => {
    expect(parseErrorBody('  502 Bad Gateway\n')).toEqual({ message: '502 Bad Gateway' });
  });

  it('caps the message at 300 characters when the body is long non-JSON text', () => {
    expect(parseErrorBody('x'.repeat(1000)).message).toHaveLength(300);
  });

  it('returns an empty detail when the body is empty', () => {
    expect(parseErrorBody('')).toEqual({});
  });

  it('returns an empty detail when the body is JSON but not an object', () => {
    expect(parseErrorBody('42')).toEqual({});
  });
});

describe('missingPermission', () => {
  it('returns convai_write when the message names it', () => {
    expect(missingPermission({ message: 'The API key is missing the permission convai_write.' })).toBe('convai_write');
  });

  it('returns workspace_read when the message names it', () => {
    expect(missingPermission({ message: 'needs workspace_read' })).toBe('workspace_read');
  });

  it('returns undefined when the message names no permission', () => {
    expect(missingPermission({ message: 'Invalid API key' })).toBeUndefined();
  });

  it('returns undefined when there is no message', () => {
    expect(missingPermission({})).toBeUndefined();
  });
});

describe('isRequestValidation', () => {
  it.each(['path', 'query', 'body', 'header'])('returns true when every loc starts with %s', (where) => {
    expect(isRequestValidation({ validation: [{ loc: [where, 'x'], msg: '', type: '' }] })).toBe(true);
  });

  it('returns false when one loc does not point at the request', () => {
    expect(
      isRequestValidation({
        validation: [
          { loc: ['path', 'secret_id'], msg: '', type: '' },
          { loc: ['used_by'], msg: '', type: '' },
        ],
      }),
    ).toBe(false);
  });

  it('returns false when the validation list is empty', () => {
    expect(isRequestValidation({ validation: [] })).toBe(false);
  });

  it('returns false when there is no validation list', () => {
    expect(isRequestValidation({ message: 'path: bad' })).toBe(false);
  });
});
