import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs, withoutPadding } from '#scripts/config-docs.ts';
import { SETTINGS, type Setting } from '#shared/settings.ts';

const PAGE = readFileSync('docs/configuration.md', 'utf8');

describe('docs/configuration.md', () => {
  it('matches the settings declaration (run `npm run docs:config` after a change)', () => {
    expect(withoutPadding(PAGE)).toBe(withoutPadding(renderConfigDocs(PAGE)));
  });

  it.each((Object.values(SETTINGS) as Setting[]).map((setting) => [setting.title, setting] as const))(
    'lists every name of %s',
    (_title, setting) => {
      for (const name of [setting.context, setting.prop, setting.env]) {
        if (name) expect(PAGE).toContain(`\`${name}\``);
      }
    },
  );

  it('finds a changed cell, so the check above can fail', () => {
    const drifted = PAGE.split('\n')
      .map((line) => (line.startsWith('| Give-up horizon') ? line.replace('`72`', '`96`') : line))
      .join('\n');
    expect(drifted).not.toBe(PAGE);
    expect(withoutPadding(drifted)).not.toBe(withoutPadding(renderConfigDocs(drifted)));
  });
});
