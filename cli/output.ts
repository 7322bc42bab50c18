import Table from 'cli-table3';
import { redact } from '#shared/redact.ts';

/**
 * Everything the CLI prints goes through here, redacted: results on stdout (a table or one JSON
 * document), notes, prompts and progress on stderr. Progress shows only when stderr is a terminal.
 */
export interface Output {
  readonly json: boolean;
  readonly verbose: boolean;
  /** One line of human output on stdout (skipped with --json). */
  line(text?: string): void;
  /** A note on stderr (plans, hints); shown with --json too, since stdout stays machine-readable. */
  note(text: string): void;
  table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): void;
  /** The one JSON document of a --json run. */
  document(value: unknown): void;
  /** A bar when `total` is known, a spinner otherwise; a no-op unless stderr is a terminal. */
  progress(label: string, total?: number): Promise<Progress>;
}

export interface Progress {
  update(done: number, detail: string): void;
  stop(summary?: string): void;
}

export interface Streams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const NO_PROGRESS: Progress = { update() {}, stop() {} };

export function createOutput(
  options: { json: boolean; verbose: boolean },
  streams: Streams = process as unknown as Streams,
): Output {
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(`${redact(text)}\n`);
  return {
    json: options.json,
    verbose: options.verbose,
    line(text = '') {
      if (!options.json) write(streams.stdout, text);
    },
    note(text) {
      write(streams.stderr, text);
    },
    table(head, rows) {
      if (options.json) return;
      const table = new Table({
        head: [...head],
        style: { head: [], border: [], compact: true },
        chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
      });
      for (const row of rows) table.push(row.map((cell) => String(cell)));
      write(streams.stdout, table.toString());
    },
    document(value) {
      write(streams.stdout, JSON.stringify(redact(value), null, 2));
    },
    async progress(label, total) {
      if (!streams.stderr.isTTY) return NO_PROGRESS;
      const clack = await import('@clack/prompts');
      const output = streams.stderr as NodeJS.WriteStream;
      if (total === undefined) {
        const spin = clack.spinner({ output, withGuide: false });
        spin.start(label);
        return {
          update: (done, detail) => spin.message(redact(`${label}: ${done} ${detail}`)),
          stop: (summary) => spin.stop(redact(summary ?? label)),
        };
      }
      const bar = clack.progress({ output, max: Math.max(1, total), withGuide: false });
      bar.start(label);
      let shown = 0;
      return {
        update(done, detail) {
          bar.advance(Math.max(0, done - shown), redact(`${label}: ${done}/${total} ${detail}`));
          shown = Math.max(shown, done);
        },
        stop: (summary) => bar.stop(redact(summary ?? label)),
      };
    },
  };
}

/** `1 234 ms` → a short human age: 45 s, 12 min, 3.5 h, 2.1 d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** `1 secret`, `3 secrets`. */
export const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
