import { chmodSync } from 'node:fs';
import { build } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRIES } from '#infra/bundling.ts';
import { CLI_OUTFILE, cliBuildOptions } from '#scripts/cli-bundle.ts';

const report = (
  outfile: string,
  result: { metafile: { outputs: Record<string, { entryPoint?: string; bytes: number }> } },
) => {
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(`${outfile}  ${(bytes / 1024).toFixed(1)} KiB`);
};

// Bundles every function exactly as the stack does, into dist/<name>/index.mjs.
for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
  const outfile = `dist/${name}/index.mjs`;
  report(outfile, await build({ ...esbuildOptions(entry, outfile), metafile: true }));
}

// The operator CLI (package.json `bin`), its own bundle: the entry and the chunks each command loads.
const cli = await build({ ...cliBuildOptions(), metafile: true });
const outputs = Object.entries(cli.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const total = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`${CLI_OUTFILE}  ${kib(cli.metafile.outputs[CLI_OUTFILE]?.bytes ?? 0)} (with its chunks ${kib(total)})`);
chmodSync(CLI_OUTFILE, 0o755);
