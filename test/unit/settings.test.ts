import { describe, expect, it } from 'vitest';
import { flag, list, oneOf, problemMessage, wholeNumber } from '#shared/setting-kinds.ts';
import { SETTING_DEFAULTS, SETTINGS, type Setting } from '#shared/settings.ts';

const all = Object.entries(SETTINGS as Record<string, Setting>);
const names = (pick: (setting: Setting) => string | undefined) => all.flatMap(([, setting]) => pick(setting) ?? []);

describe('SETTINGS', () => {
  it('gives each environment variable and each cdk.json key to one setting only', () => {
    const env = names((setting) => setting.env);
    const context = names((setting) => setting.context);
    expect(new Set(env).size).toBe(env.length);
    expect(new Set(context).size).toBe(context.length);
  });

  it('gives each prop to one setting, except the secret that has a name and an ARN form', () => {
    const props = names((setting) => setting.prop);
    const repeated = props.filter((prop, index) => props.indexOf(prop) !== index);
    expect(repeated).toEqual(['apiKeySecret']);
  });

  it('says which functions read every environment variable, and only then', () => {
    for (const [id, setting] of all) {
      expect({ id, readBy: setting.env !== undefined }).toEqual({ id, readBy: setting.readBy !== undefined });
    }
  });

  it('gives every setting a title, a description and a place in the docs', () => {
    for (const [, setting] of all) {
      expect(setting.title.length).toBeGreaterThan(0);
      expect(setting.description).toMatch(/\.$/);
      expect(['api', 'worker', 'lambda', 'triggers', 'sweep', 'resources']).toContain(setting.section);
    }
  });

  it.each(all.filter(([, setting]) => 'default' in setting))('accepts its own default for %s', (_id, setting) => {
    expect(setting.kind.check(setting.default)).toBeUndefined();
  });

  it.each(
    all.filter(
      ([, setting]) =>
        setting.env !== undefined &&
        'default' in setting &&
        !(Array.isArray(setting.default) && !setting.default.length),
    ),
  )('reads back the environment text it writes for the default of %s', (_id, setting) => {
    expect(setting.kind.fromEnv(setting.kind.toEnv(setting.default))).toEqual(setting.default);
  });

  it('keeps the defaults the sweep safety rests on', () => {
    expect(SETTING_DEFAULTS).toMatchObject({
      sweepMode: 'report',
      gracePeriodHours: 168,
      maxObservationGapHours: 48,
      maxDeletionsPerRun: 25,
      maxDeletionPercent: 10,
      sweepSchedule: 'rate(1 day)',
      sweepTimeZone: 'UTC',
    });
  });

  it('keeps the observation gap default shorter than the grace period default', () => {
    expect(SETTING_DEFAULTS.maxObservationGapHours).toBeLessThan(SETTING_DEFAULTS.gracePeriodHours);
  });
});

describe('setting kinds', () => {
  it.each([1.5, '3', Number.NaN, 0, 11])('refuses %s as a whole number from 1 to 10', (value) => {
    expect(wholeNumber(1, 10).check(value)).toEqual({ must: 'be a whole number from 1 to 10' });
  });

  it('accepts the bounds of a whole number', () => {
    expect([wholeNumber(1, 10).check(1), wholeNumber(1, 10).check(10)]).toEqual([undefined, undefined]);
  });

  it('reads a whole number from its environment text and leaves other text for check to refuse', () => {
    const kind = wholeNumber(0, 5);
    expect([kind.fromEnv('3'), kind.fromEnv('-1'), kind.fromEnv('3.0')]).toEqual([3, -1, '3.0']);
  });

  it('reads only "true" and "false" as a flag', () => {
    const kind = flag();
    expect([kind.fromEnv('true'), kind.fromEnv('false'), kind.check(kind.fromEnv('yes'))]).toEqual([
      true,
      false,
      { must: 'be true or false' },
    ]);
  });

  it('names the allowed words of a one-of', () => {
    expect(oneOf(['a', 'b']).check('c')).toEqual({ must: 'be one of "a", "b"' });
  });

  it('splits a list on commas, trims and drops blanks', () => {
    expect(list('x', () => false).fromEnv(' a , ,b,')).toEqual(['a', 'b']);
  });

  it('names the first bad entry of a list, and refuses an empty list when told to', () => {
    const kind = list('letters only', (entry) => !/^[a-z]+$/.test(entry), { empty: 'name one' });
    expect(kind.check(['ok', 'n0', 'x1'])).toEqual({ entry: 'n0', expected: 'letters only' });
    expect(kind.check(['a,b'])).toEqual({ entry: 'a,b', expected: 'letters only' });
    expect(kind.check([])).toEqual({ must: 'name one' });
    expect(kind.check('ok')).toEqual({ must: 'be a list of strings' });
  });

  it('words a whole-value problem and an entry problem as one line', () => {
    expect(problemMessage('horizonHours', { must: 'be a whole number from 1 to 312' }, '400')).toBe(
      'horizonHours must be a whole number from 1 to 312, received 400',
    );
    expect(problemMessage('PROTECTED_SECRET_IDS', { entry: 'a/b', expected: 'an id' }, '"a/b"')).toBe(
      'PROTECTED_SECRET_IDS has an invalid entry "a/b": expected an id',
    );
  });
});
