import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settingReader } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { SETTINGS, type Setting } from '#shared/settings.ts';

/** Environment values as an operator may write them. */
const values = fc.oneof(
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
    'report',
    'delete',
    'a,b,,c',
    'https://api.elevenlabs.io',
    'http://127.0.0.1:1',
  ),
);

/** Every declared setting a function reads from its environment. */
const envSettings = (Object.values(SETTINGS) as Setting[]).filter((setting) => setting.env !== undefined);

describe('settingReader (property)', () => {
  it('reads every env value into a value its kind accepts, or refuses it with one line naming the variable', () => {
    fc.assert(
      fc.property(fc.constantFrom(...envSettings), values, (setting, value) => {
        const reader = settingReader({ [setting.env ?? '']: value });
        let read: unknown;
        try {
          read = reader.optional(setting);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          const message = (error as Error).message;
          expect(message.startsWith(String(setting.env))).toBe(true);
          expect(message).not.toContain('\n');
          return;
        }
        if (read !== undefined) expect(setting.kind.check(read)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
