import type { Duration } from 'aws-cdk-lib';
import { ConfigError } from '#shared/errors.ts';
import { problemMessage, shown } from '#shared/setting-kinds.ts';
import type { Setting, Unit } from '#shared/settings.ts';

/** How a layer spells a setting: its `cdk.json` key or its construct prop. */
export type Layer = 'context' | 'prop';

export function settingName(setting: Setting, layer: Layer): string {
  return (layer === 'context' ? setting.context : setting.prop) ?? setting.title;
}

const UNIT_WORDS: Partial<Record<Unit, readonly [plural: string, short: string]>> = {
  hours: ['hours', 'h'],
  minutes: ['minutes', 'min'],
  seconds: ['seconds', 's'],
  ms: ['milliseconds', 'ms'],
};

function defaultOf<T>(setting: Setting<T>): T {
  if (!('default' in setting)) throw new Error(`setting ${setting.prop} has no default`);
  return setting.default as T;
}

/** A construct prop checked against its declaration (or the declared default), named as the prop. */
export function propValue<T>(setting: Setting<T>, value: T | undefined): T {
  if (value === undefined) return defaultOf(setting);
  const problem = setting.kind.check(value);
  if (problem) throw new ConfigError(problemMessage(settingName(setting, 'prop'), problem, shown(value)));
  return value;
}

/** A `Duration` prop converted to its setting's unit and checked like the environment variable will be. */
export function durationProp(setting: Setting<number>, value: Duration | undefined): number {
  if (value === undefined) return defaultOf(setting);
  const [plural, short] = UNIT_WORDS[setting.unit ?? 'seconds'] ?? ['seconds', 's'];
  const amount =
    setting.unit === 'hours'
      ? value.toHours({ integral: false })
      : setting.unit === 'minutes'
        ? value.toMinutes({ integral: false })
        : setting.unit === 'ms'
          ? value.toMilliseconds({ integral: false })
          : value.toSeconds({ integral: false });
  if (setting.kind.check(amount)) {
    const { min, max } = setting.kind.range ?? { min: 0, max: Number.POSITIVE_INFINITY };
    throw new ConfigError(
      `${settingName(setting, 'prop')} must be whole ${plural} from ${min} to ${max}, received ${amount} ${short}`,
    );
  }
  return amount;
}

/** The environment variable of a setting, written as the function's reader parses it back. */
export function envOf<T>(setting: Setting<T>, value: T): Record<string, string> {
  if (!setting.env) throw new Error(`setting ${setting.title} has no environment variable`);
  return { [setting.env]: setting.kind.toEnv(value) };
}
