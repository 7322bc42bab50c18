/**
 * Renders the tables of docs/configuration.md from the settings declaration. Each table sits between
 * `<!-- settings:NAME -->` and `<!-- /settings:NAME -->`; `npm run docs:config` rewrites them, and a
 * test checks the page matches (cell padding aside, which Biome's formatter owns).
 */
import { type FunctionName, SETTINGS, type Section, type Setting } from '#shared/settings.ts';

const settings = Object.values(SETTINGS as Record<string, Setting>);
const code = (text: string) => `\`${text}\``;
const none = '—';
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function readers(readBy: readonly FunctionName[] | undefined): string {
  return readBy && readBy.length > 1 ? 'worker, sweep' : (readBy?.[0] ?? none);
}

function defaultText(setting: Setting): string {
  if (setting.defaultText) return setting.defaultText;
  if (setting.required) return 'required';
  if (!('default' in setting)) return 'none';
  const value = setting.default;
  if (Array.isArray(value)) return value.length ? code(value.join(',')) : 'empty';
  return code(String(value));
}

function typeText(setting: Setting): string {
  return setting.unit ? `${setting.kind.type}, ${setting.unit}` : setting.kind.type;
}

function propText(setting: Setting): string {
  if (!setting.prop) return none;
  if (setting.propType === 'Duration') return `${code(setting.prop)} (\`Duration\`, whole ${setting.unit})`;
  return setting.propType ? `${code(setting.prop)} (\`${setting.propType}\`)` : code(setting.prop);
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

function settingsTable(section: Section): string {
  const inSection = settings.filter((setting) => setting.section === section);
  const rows = inSection.map((setting) => [
    setting.title,
    setting.context ? code(setting.context) : none,
    propText(setting),
    setting.env ? `${code(setting.env)} (${readers(setting.readBy)})` : none,
    typeText(setting),
    defaultText(setting),
    setting.kind.allowed,
  ]);
  const described = inSection.map((setting) => `- **${setting.title}.** ${setting.description}`);
  return [
    table(
      ['Setting', '`cdk.json` key', 'Construct prop', 'Env variable (read by)', 'Type', 'Default', 'Allowed'],
      rows,
    ),
    '',
    ...described,
  ].join('\n');
}

function environmentTable(): string {
  const rows = settings
    .filter((setting) => setting.env)
    .sort((a, b) => (a.env ?? '').localeCompare(b.env ?? ''))
    .map((setting) => [
      code(setting.env ?? ''),
      readers(setting.readBy),
      defaultText(setting),
      setting.kind.allowed,
      setting.title,
    ]);
  return table(['Variable', 'Read by', 'Default', 'Allowed', 'Setting'], rows);
}

export const GENERATED: Readonly<Record<string, () => string>> = {
  api: () => settingsTable('api'),
  worker: () => settingsTable('worker'),
  lambda: () => settingsTable('lambda'),
  triggers: () => settingsTable('triggers'),
  sweep: () => settingsTable('sweep'),
  resources: () => settingsTable('resources'),
  environment: environmentTable,
};

/** The page with every generated block replaced by its rendering. */
export function renderConfigDocs(page: string): string {
  let out = page;
  for (const [name, render] of Object.entries(GENERATED)) {
    const start = `<!-- settings:${name} -->`;
    const end = `<!-- /settings:${name} -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/configuration.md lacks ${start} … ${end}`);
    out = `${out.slice(0, from + start.length)}\n\n${render()}\n\n${out.slice(to)}`;
  }
  return out;
}

/** A Markdown table line without cell padding, so Biome's alignment does not count as a difference. */
export function withoutPadding(page: string): string {
  return page
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split(/(?<!\\)\|/)
            .map((part) => part.trim().replace(/^-{3,}$/, '---'))
            .join('|')
        : line,
    )
    .join('\n');
}
