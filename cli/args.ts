import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { usageError } from '#cli/errors.ts';
import { count } from '#cli/output.ts';
import { formatIssues, secretIdProblem, WorkspaceSchema } from '#core/message-schemas.ts';

/**
 * Secret ids from the arguments and `--from-file` (one id per line; blank lines and `#` comments
 * skipped), checked with the worker's own schema. Any invalid id refuses the whole command before a
 * single request is sent. Duplicates are dropped, the first order kept.
 */
export function readSecretIds(positional: readonly string[], fromFile?: string): string[] {
  const entries = positional.map((id, index) => ({ id, where: `argument ${index + 1}` }));
  if (fromFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(fromFile, 'utf8');
    } catch (error) {
      throw usageError(`--from-file ${fromFile} could not be read: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    text.split(/\r?\n/).forEach((line, index) => {
      const id = line.trim();
      if (id && !id.startsWith('#')) entries.push({ id, where: `${fromFile} line ${index + 1}` });
    });
  }
  if (entries.length === 0) throw usageError('no secret ids: give them as arguments or with --from-file <file>');
  const problems = entries.flatMap(({ id, where }) => {
    const problem = secretIdProblem(id);
    return problem ? [`${where}: ${problem}`] : [];
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ');
    const more = problems.length > 3 ? `; and ${problems.length - 3} more` : '';
    throw usageError(`${count(problems.length, 'invalid secret id')}, nothing was sent: ${shown}${more}`);
  }
  return [...new Set(entries.map(({ id }) => id))];
}

const UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WAIT_MS = 14 * UNITS.d;

/** `90s`, `30m`, `2h`, `1d` → milliseconds, at most 14 days. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d{1,7})([smhd])$/.exec(value.trim());
  const ms = match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : Number.NaN;
  if (!(ms > 0) || ms > MAX_WAIT_MS) {
    throw usageError(`${flag} must be a duration such as 90s, 30m or 2h (at most 14d), received "${value}"`);
  }
  return ms;
}

/** A whole number in [min, max] for a flag, or a usage error naming it. */
export function parseWhole(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw usageError(`${flag} must be a whole number from ${min} to ${max}, received "${value}"`);
  }
  return n;
}

/** `--workspace <name>` checked with the worker's own schema; undefined when not given (the `default` workspace). */
export function parseWorkspace(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const result = v.safeParse(WorkspaceSchema, value);
  if (result.success) return result.output;
  throw usageError(`--${formatIssues(result.issues)}`);
}
