import { basename, dirname } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { BUNDLE } from '#infra/bundling.ts';

/** Where `npm run build` writes the CLI; package.json `bin` points here. Its chunks go to `dist/cli-chunks/`. */
export const CLI_OUTFILE = 'dist/cli.mjs';

/**
 * The CLI, self-contained: minified ESM for Node 24 with a shebang, nothing external. Split into
 * chunks, so that `--help` loads only the entry (commander and the command list, about 50 KB) and each
 * command loads its own code and AWS SDK clients on first use: one file of everything takes about
 * 200 ms longer to start (`npm run bench`). It is its own bundle: nothing of it reaches the Lambdas.
 */
export function cliBuildOptions(outfile: string = CLI_OUTFILE): BuildOptions {
  const dir = dirname(outfile);
  const name = basename(outfile, '.mjs');
  return {
    entryPoints: { [name]: 'cli/main.ts' },
    outdir: dir,
    splitting: true,
    chunkNames: `${name}-chunks/[name]-[hash]`,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: BUNDLE.target,
    format: 'esm',
    minify: true,
    mainFields: [...BUNDLE.mainFields],
    // CommonJS dependencies (cli-table3) call `require`; ESM output needs a real one.
    banner: { js: `#!/usr/bin/env node\n${BUNDLE.banner}` },
    legalComments: 'none',
    logLevel: 'warning',
  };
}
