import type { SoakRun } from '#test/helpers/soak-harness.ts';

/** The fault soak's search for the API key, whole or in part, in everything the worker wrote. */

export interface KeyLeak {
  readonly where: string;
  /** Characters of a key found in one piece (8 or more). */
  readonly length: number;
  /** The text around it, with the key characters masked. */
  readonly context: string;
}

/** Every place where 8 or more consecutive characters of any key appear. */
export function keyLeaks(sources: readonly { where: string; text: string }[], keys: readonly string[]): KeyLeak[] {
  const MIN = 8;
  const leaks: KeyLeak[] = [];
  for (const { where, text } of sources) {
    const seen = new Set<number>();
    for (const key of keys) {
      for (let start = 0; start + MIN <= key.length; start += 1) {
        for (
          let at = text.indexOf(key.slice(start, start + MIN));
          at !== -1;
          at = text.indexOf(key.slice(start, start + MIN), at + 1)
        ) {
          if (seen.has(at)) continue;
          let length = MIN;
          while (start + length < key.length && text[at + length] === key[start + length]) length += 1;
          for (let i = 0; i < length; i += 1) seen.add(at + i);
          const lineStart = text.lastIndexOf('\n', at) + 1;
          const field = /"(\w+)":"[^"]*$/.exec(text.slice(lineStart, at))?.[1];
          const context = `${text.slice(Math.max(lineStart, at - 60), at)}[${length} of ${key.length} key characters]`;
          leaks.push({ where: field ? `${where}, field "${field}"` : where, length, context });
        }
      }
    }
  }
  return leaks;
}

/** Where the soak looks for keys: every log line, every DLQ message with its attributes, every invocation error. */
export function leakSources(run: SoakRun): { where: string; text: string }[] {
  return [
    { where: 'log output', text: run.output },
    ...run.dlq.map((m, i) => ({ where: `DLQ message ${i}`, text: JSON.stringify(m) })),
    ...run.invocationErrors.map((e, i) => ({
      where: `invocation error ${i}`,
      text: `${String(e)} ${(e as Error)?.stack ?? ''}`,
    })),
  ];
}
