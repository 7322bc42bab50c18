import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { cliBuildOptions } from '#scripts/cli-bundle.ts';
import { type Summary, summarize } from './stats.ts';

/**
 * The operator CLI's start-up: wall time from spawn() to exit of the built bundle (as `npm run build`
 * writes it) for `--help` and `--version`, against a bare `node -e 0` in the same run. Fresh
 * processes, interleaved, one discarded warm-up each. Nothing else runs: no AWS or ElevenLabs call.
 */

export interface CliStart {
  /** Bytes of the entry file, and of the entry with every chunk a command may load. */
  readonly entryBytes: number;
  readonly totalBytes: number;
  readonly runs: number;
  readonly helpMs: Summary;
  readonly versionMs: Summary;
  readonly bareNodeMs: Summary;
}

/** The target: "well under a second", taken as 300 ms spawn to exit for `--help`. */
export const CLI_START_BUDGET_MS = 300;

function wallMs(args: readonly string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`node ${args.join(' ')} exited ${code}:\n${stderr}`));
    });
  });
}

export async function measureCliStart(outDir: string, runs: number): Promise<CliStart> {
  const outfile = `${outDir}/cli.mjs`;
  const result = await build({ ...cliBuildOptions(outfile), metafile: true });
  const outputs = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const entryBytes = outputs.find(([path]) => path.endsWith('/cli.mjs'))?.[1].bytes ?? 0;
  const totalBytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
  const variants = [
    { id: 'help', args: [outfile, '--help'] },
    { id: 'version', args: [outfile, '--version'] },
    { id: 'bare', args: ['-e', '0'] },
  ] as const;
  const samples = new Map<string, number[]>(variants.map((v) => [v.id, []]));
  for (const variant of variants) await wallMs(variant.args);
  for (let run = 0; run < runs; run += 1) {
    for (let i = 0; i < variants.length; i += 1) {
      const variant = variants[(run + i) % variants.length] ?? variants[0];
      samples.get(variant.id)?.push(await wallMs(variant.args));
    }
  }
  const of = (id: string) => summarize(samples.get(id) ?? []);
  return {
    entryBytes,
    totalBytes,
    runs,
    helpMs: of('help'),
    versionMs: of('version'),
    bareNodeMs: of('bare'),
  };
}
