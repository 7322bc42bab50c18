import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from '#shared/settings.ts';

const INFRA = join(import.meta.dirname, '..', '..', 'infra');
const DURATION = { hours: 'hours', minutes: 'minutes', seconds: 'seconds', ms: 'millis' } as const;

/** How a prop's `@default` must read for a setting: the value in the prop's own type. */
function literal(setting: Setting): string {
  const value = setting.default;
  if (setting.propType === 'Duration') return `Duration.${DURATION[setting.unit as keyof typeof DURATION]}(${value})`;
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/** Every `@default <text> (settings: <id>)` of the construct sources: what consumers read in the .d.ts. */
const documented = readdirSync(INFRA)
  .filter((name) => name.endsWith('.ts'))
  .flatMap((name) =>
    [...readFileSync(join(INFRA, name), 'utf8').matchAll(/@default (.+?) \(settings: (\w+)\)/g)].map(
      (match) => [`${name}: ${match[2]}`, match[1] ?? '', match[2] ?? ''] as const,
    ),
  );

describe('construct prop defaults', () => {
  it('documents the defaults of the props with the settings they come from', () => {
    expect(documented.length).toBeGreaterThanOrEqual(20);
  });

  it.each(documented)('states the declared default for %s', (_, text, id) => {
    const setting = (SETTINGS as Record<string, Setting>)[id];
    expect(setting, `no setting ${id}`).toBeDefined();
    expect(text).toBe(literal(setting as Setting));
  });
});
