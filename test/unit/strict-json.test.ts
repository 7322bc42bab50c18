import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORBIDDEN_KEYS, MAX_JSON_DEPTH, parseStrictJson } from '#core/strict-json.ts';
import { RequestValidationError } from '#shared/errors.ts';

function refusal(body: string): string {
  try {
    parseStrictJson(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.message;
    throw error;
  }
  throw new Error(`expected ${body.slice(0, 60)} to be refused`);
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('parseStrictJson', () => {
  it('returns what JSON.parse returns when the body is plain JSON', () => {
    const body = '{"secretIds":["a","b"],"reason":"x\\u00e9\\ud83d\\ude00","n":1.5,"o":{"k":null}}';
    expect(parseStrictJson(body)).toEqual(JSON.parse(body));
  });

  it('accepts the same key in different objects when each object names it once', () => {
    expect(parseStrictJson('{"a":{"id":1},"b":{"id":2},"c":[{"id":3},{"id":4}]}')).toMatchObject({ b: { id: 2 } });
  });

  it('accepts a key that only looks like a duplicate when the strings differ', () => {
    expect(parseStrictJson('{"id":1,"Id":2,"id ":3}')).toEqual({ id: 1, Id: 2, 'id ': 3 });
  });

  it('accepts "__proto__" as a string value when it is not a key', () => {
    expect(parseStrictJson('{"reason":"__proto__","list":["constructor"]}')).toEqual({
      reason: '__proto__',
      list: ['constructor'],
    });
  });

  it(`accepts nesting exactly ${MAX_JSON_DEPTH} levels deep`, () => {
    expect(() => parseStrictJson(nested(MAX_JSON_DEPTH))).not.toThrow();
  });

  it(`refuses nesting ${MAX_JSON_DEPTH + 1} levels deep and names the limit`, () => {
    expect(refusal(nested(MAX_JSON_DEPTH + 1))).toBe(
      `body must nest objects and arrays at most ${MAX_JSON_DEPTH} levels deep, received more`,
    );
  });

  it('refuses a key given twice in one object, decoded before it is compared, and names the key', () => {
    expect(refusal('{"a":{"x":1,"\\u0078":2}}')).toBe('body must give each key once per object, received "x" twice');
  });

  it.each([...FORBIDDEN_KEYS])('refuses the key %s wherever it is', (key) => {
    expect(refusal(`{"a":[{"b":{"${key}":{}}}]}`)).toBe(
      `body must not use the key "${key}" anywhere: it names an object's prototype`,
    );
  });

  it('refuses a lone surrogate and shows it escaped', () => {
    expect(refusal('["ok","x\\udfff"]')).toBe(
      'body must be well-formed Unicode text, received a lone surrogate in "x\\udfff"',
    );
  });

  it('refuses a byte order mark before the JSON', () => {
    expect(refusal('\ufeff{}')).toBe('body must be JSON without a byte order mark (U+FEFF) before it');
  });

  it('refuses a body over 256 KiB in UTF-8 bytes, not characters', () => {
    expect(refusal(JSON.stringify('é'.repeat(131_072)))).toBe(
      'body must be at most 262144 bytes, received 262146 bytes',
    );
  });

  it('refuses text that is not JSON and quotes its beginning', () => {
    expect(refusal('{"a":')).toBe('body must be JSON, received "{\\"a\\":"');
  });
});

/** JSON values our checks accept: no forbidden keys, nesting within the limit, well-formed strings. */
const acceptable = fc.jsonValue({ maxDepth: 6 }).filter((value) => {
  const text = JSON.stringify(value);
  return ![...FORBIDDEN_KEYS].some((key) => text.includes(`"${key}":`));
});

describe('parseStrictJson (property)', () => {
  it('never throws anything but a RequestValidationError, whatever the text', () => {
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 5 }),
      fc.json().map((text) => text.slice(0, Math.floor(text.length / 2))),
      fc
        .array(fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', 'a', '1', ' '), { maxLength: 60 })
        .map((chars) => chars.join('')),
    );
    fc.assert(
      fc.property(texts, (text) => {
        try {
          parseStrictJson(text);
        } catch (error) {
          expect(error).toBeInstanceOf(RequestValidationError);
          expect((error as Error).message).toMatch(/^body must /);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads every acceptable JSON value exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(acceptable, (value) => {
        const text = JSON.stringify(value);
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every object that gives one of its keys twice, whatever the values', () => {
    const keys = fc.string({ maxLength: 12 }).filter((key) => !FORBIDDEN_KEYS.has(key));
    fc.assert(
      fc.property(keys, fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), (key, first, second) => {
        const quoted = JSON.stringify(key);
        const text = `{${quoted}:${JSON.stringify(first)},"other":0,${quoted}:${JSON.stringify(second)}}`;
        fc.pre(!text.includes('"__proto__":') && !text.includes('"constructor":') && !text.includes('"prototype":'));
        expect(() => parseStrictJson(text)).toThrow(/^body must give each key once per object/);
      }),
      { numRuns: 300 },
    );
  });
});
