import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envReader } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';

const NAME = 'SOME_SETTING';
/** Environment values as an operator may write them. */
const values = fc.oneof(
  fc.constant(undefined),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.constantFrom(
    'true',
    'false',
    ' true ',
    'TRUE',
    '1',
    '1e3',
    '0x10',
    '1.5',
    '-0',
    'https://api.elevenlabs.io',
    'http://127.0.0.1:1',
  ),
);

/** Runs a reader: its value, or the ConfigError it threw (anything else fails the property). */
function read<T>(run: () => T): T | ConfigError {
  try {
    return run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.startsWith(NAME)).toBe(true);
    return error as ConfigError;
  }
}

describe('envReader (property)', () => {
  it('reads every value into its type and range, or refuses it with a ConfigError naming the variable', () => {
    fc.assert(
      fc.property(
        values,
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: 0, max: 1000 }),
        (value, min, span) => {
          const env = { [NAME]: value };
          const reader = envReader(env);
          const int = read(() => reader.int(NAME, min, min, min + span));
          if (!(int instanceof ConfigError)) {
            expect(Number.isInteger(int)).toBe(true);
            expect(int).toBeGreaterThanOrEqual(min);
            expect(int).toBeLessThanOrEqual(min + span);
          }
          const bool = read(() => reader.bool(NAME, false));
          if (!(bool instanceof ConfigError)) expect(typeof bool).toBe('boolean');
          const list = read(() => reader.list(NAME, (item) => (/^\w+$/.test(item) ? undefined : 'expected a word')));
          if (!(list instanceof ConfigError)) for (const item of list) expect(item).toMatch(/^\w+$/);
          const url = read(() => reader.url(NAME, 'https://api.elevenlabs.io'));
          if (!(url instanceof ConfigError))
            expect(url).toMatch(/^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost|\[::1\]))/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
