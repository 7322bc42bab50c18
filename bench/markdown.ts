import { MIB } from './memory.ts';
import { ratio, type Summary } from './stats.ts';
import type { Target } from './targets.ts';

/** Formatting for results.md: units, "median / p95" pairs, ratios, and tables laid out as Biome formats them. */

export const ms = (value: number) => value.toFixed(1);
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const mb = (bytes: number) => `${(bytes / MIB).toFixed(1)} MB`;
export const mbPer1000 = (bytes: number) => `${(bytes / MIB).toFixed(2)} MB per 1,000 batches`;

/** "median / p95" of a distribution. */
export const dist = (s: Summary, unit = '') => `${ms(s.median)}${unit} / ${ms(s.p95)}${unit}`;

/** "median / p95" of a distribution as ratios to a reference. */
export const ratios = (s: Summary, reference: number) =>
  `${ratio(s.median, reference).toFixed(3)} / ${ratio(s.p95, reference).toFixed(3)}`;

/** A Markdown table with padded columns, the way Biome formats it (results.md is checked by `biome check`). */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [head, ...rows].map((cellsOfRow) => cellsOfRow.map(String));
  const widths = head.map((_, column) => Math.max(3, ...cells.map((line) => (line[column] ?? '').length)));
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header = [], ...body] = cells;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** pass / FAIL, or why there is no verdict: not measured (no code to measure) or not judged (quick run). */
export function verdict(target: Target | undefined): string {
  if (!target || target.pass === null) {
    return target?.measured.startsWith('not measured') ? 'not measured' : 'not judged';
  }
  return target.pass ? 'pass' : 'FAIL';
}
