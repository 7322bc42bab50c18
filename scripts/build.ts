import { build } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRIES } from '#infra/bundling.ts';

// Bundles every function exactly as the stack does, into dist/<name>/index.mjs.
for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
  const outfile = `dist/${name}/index.mjs`;
  const result = await build({ ...esbuildOptions(entry, outfile), metafile: true });
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(`${outfile}  ${(bytes / 1024).toFixed(1)} KiB`);
}
