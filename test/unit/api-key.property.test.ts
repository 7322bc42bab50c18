import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractApiKey } from '#adapters/api-key.ts';
import { ApiKeyError } from '#shared/errors.ts';
import { keyFragments } from '#test/helpers/key-fragments.ts';

const SECRET_ID = 'janitor/elevenlabs-api-key';
const keys = fc.stringMatching(/^[\x21-\x7e]{8,64}$/);
/** SecretStrings as an operator may store them: the key, JSON holding it, or anything. */
const secretStrings = fc.oneof(
  keys,
  fc.tuple(keys, fc.constantFrom('', ' ', '\n', '\t')).map(([key, pad]) => `${pad}${key}${pad}`),
  fc
    .tuple(fc.constantFrom('apiKey', 'key', 'xi-api-key'), fc.oneof(keys, fc.jsonValue()))
    .map(([field, value]) => JSON.stringify({ [field]: value })),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.json({ maxDepth: 2 }),
  fc.constant(undefined),
);

describe('extractApiKey (property)', () => {
  it('returns a visible-ASCII key, or throws an ApiKeyError that holds no 8 characters of the SecretString', () => {
    fc.assert(
      fc.property(secretStrings, (secretString) => {
        try {
          const key = extractApiKey(secretString, 'apiKey', SECRET_ID);
          expect(key).toMatch(/^[\x21-\x7e]+$/);
          // The key is the whole trimmed SecretString, or the trimmed string in the field.
          const trimmed = secretString?.trim() ?? '';
          const field = trimmed.startsWith('{') ? (JSON.parse(trimmed) as { apiKey?: unknown }).apiKey : undefined;
          expect([trimmed, typeof field === 'string' ? field.trim() : undefined]).toContain(key);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiKeyError);
          const message = (error as Error).message.replaceAll(SECRET_ID, '');
          // The error may name fields of a JSON secret; it never repeats a value.
          const value =
            typeof secretString === 'string' && !secretString.trim().startsWith('{') ? secretString.trim() : '';
          if (value.length >= 8) expect(keyFragments(value, message)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
