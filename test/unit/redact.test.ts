import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CUT_MARK, cutText } from '#core/cut-text.ts';
import { parseErrorBody } from '#core/error-body.ts';
import { redact, redactText, registerSecret } from '#shared/redact.ts';
import { keyFragments } from '#test/helpers/key-fragments.ts';

describe('redact', () => {
  it('replaces a registered secret in strings at any depth of a log object', () => {
    registerSecret('sk_unit_redact_0123456789');
    const line = {
      detail: 'bad key sk_unit_redact_0123456789',
      nested: { list: ['x sk_unit_redact_0123456789 y'] },
      n: 3,
    };
    expect(redact(line)).toEqual({ detail: 'bad key [redacted]', nested: { list: ['x [redacted] y'] }, n: 3 });
  });

  it('leaves values without a registered secret unchanged', () => {
    registerSecret('sk_unit_redact_abcdef0123');
    expect(redact({ secretId: 'sec_a', status: 422 })).toEqual({ secretId: 'sec_a', status: 422 });
  });

  it('ignores values too short to be keys, so ordinary words are never redacted', () => {
    registerSecret('short');
    expect(redact('a short message')).toBe('a short message');
  });

  it('scrubs a secret nested deeper than it walks, by turning that part into scrubbed JSON text', () => {
    registerSecret('sk_unit_deep_0123456789');
    const deep = { a: { b: { c: { d: { e: { f: { g: 'key sk_unit_deep_0123456789' } } } } } } };
    const text = JSON.stringify(redact(deep));
    expect(text).not.toContain('sk_unit_deep');
    expect(text).toContain('[redacted]');
  });

  it('replaces the JSON-escaped form of a secret when the secret holds a quote or a backslash', () => {
    const key = 'sk_unit_"quoted"\\slash/0123';
    registerSecret(key);
    const body = JSON.stringify({ detail: `bad ${key}` });
    expect(redactText(body)).toBe(JSON.stringify({ detail: 'bad [redacted]' }));
  });
});

describe('redactText at a cut', () => {
  const key = 'sk_unit_cut_9f8e7d6c5b4a3928';
  registerSecret(key);

  it('replaces the first characters of a secret when a cut mark follows them', () => {
    expect(redactText(`detail: x ${key.slice(0, 12)}${CUT_MARK}; more`)).toBe(`detail: x [redacted]${CUT_MARK}; more`);
  });

  it('replaces the first characters of a secret when they end the text', () => {
    expect(redactText(`x ${key.slice(0, 20)}`)).toBe('x [redacted]');
  });

  it('keeps a piece shorter than 8 characters, which cannot identify a key', () => {
    expect(redactText(`x ${key.slice(0, 7)}`)).toBe(`x ${key.slice(0, 7)}`);
  });

  it('keeps the first characters of a secret when text that is not the secret follows them', () => {
    const text = `prefix ${key.slice(0, 10)} and more`;
    expect(redactText(text)).toBe(text);
  });

  it('replaces a whole secret and a cut piece of it in the same text', () => {
    expect(redactText(`${key} then ${key.slice(0, 9)}${CUT_MARK}`)).toBe(`[redacted] then [redacted]${CUT_MARK}`);
  });
});

/** Text around the key: anything, as long as it holds no piece of the key itself. */
const keys = fc.stringMatching(/^[\x21-\x7e]{8,64}$/);
const around = fc.string({ unit: 'grapheme', maxLength: 400 });

describe('no piece of a key survives a cut (property)', () => {
  it('leaves no 8-character piece of a key when a text holding it is cut anywhere and then redacted', () => {
    fc.assert(
      fc.property(keys, around, around, fc.integer({ min: 1, max: 900 }), (key, before, after, max) => {
        fc.pre(keyFragments(key, before).length === 0 && keyFragments(key, after).length === 0);
        registerSecret(key);
        const cut = cutText(`${before}${key}${after}`, max);
        expect(keyFragments(key, redactText(cut))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves no 8-character piece of a key in a parsed error body, redacted before or after the parse', () => {
    const shapes = fc.constantFrom(
      (text: string) => JSON.stringify({ detail: { message: text } }),
      (text: string) => JSON.stringify({ detail: text }),
      (text: string) => JSON.stringify({ detail: [{ loc: ['path', 'secret_id'], msg: text, type: 'value_error' }] }),
      (text: string) => text,
    );
    fc.assert(
      fc.property(keys, around, around, shapes, (key, before, after, shape) => {
        fc.pre(keyFragments(key, before).length === 0 && keyFragments(key, after).length === 0);
        registerSecret(key);
        const body = shape(`${before}${key}${after}`);
        expect(keyFragments(key, JSON.stringify(redact(parseErrorBody(body))))).toEqual([]);
        expect(keyFragments(key, JSON.stringify(parseErrorBody(redactText(body))))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
