import { chmodSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { build, type Metafile } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { esbuildOptions, FUNCTION_ENTRIES } from '#infra/bundling.ts';
import { CLI_OUTFILE, cliBuildOptions } from '#scripts/cli-bundle.ts';
import {
  COMMONJS_ENTRIES,
  dependencyProblems,
  HANDLERS_DIR,
  importedPackages,
  LIB_DIR,
  LIBRARY_ENTRIES,
  type LibraryEntry,
  libraryBuildOptions,
} from '#scripts/library-bundle.ts';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const entryBytes = (metafile: Metafile) => Object.values(metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;

// Nothing stale may reach the package.
rmSync('dist', { recursive: true, force: true });

// Every function exactly as the stack bundles it, into dist/handlers/<name>/index.mjs: the construct
// of the published package deploys these folders as they are.
for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
  const outfile = `${HANDLERS_DIR}/${name}/index.mjs`;
  const result = await build({ ...esbuildOptions(entry, outfile), metafile: true });
  console.log(`${outfile}  ${kib(entryBytes(result.metafile))}`);
}

// The library entries: JavaScript (ESM, and CommonJS where offered) and one bundled .d.ts each.
const imported = new Set<string>();
for (const name of Object.keys(LIBRARY_ENTRIES) as LibraryEntry[]) {
  for (const format of COMMONJS_ENTRIES.includes(name) ? (['esm', 'cjs'] as const) : (['esm'] as const)) {
    const options = libraryBuildOptions(name, format);
    const result = await build({ ...options, metafile: true });
    for (const pkg of importedPackages(result.metafile)) imported.add(pkg);
    console.log(`${options.outfile}  ${kib(entryBytes(result.metafile))}`);
  }
  const types = `${LIB_DIR}/${name}.d.ts`;
  const bundle = await rollup({ input: LIBRARY_ENTRIES[name], plugins: [dts({ tsconfig: 'tsconfig.json' })] });
  await bundle.write({ file: types, format: 'es' });
  await bundle.close();
  // A CommonJS consumer type-checks against its own copy, so TypeScript reads it as CommonJS.
  if (COMMONJS_ENTRIES.includes(name)) copyFileSync(types, `${LIB_DIR}/${name}.d.cts`);
  console.log(types);
}
const problems = dependencyProblems(imported, JSON.parse(readFileSync('package.json', 'utf8')));
if (problems.length > 0) throw new Error(`package.json does not match what dist/lib imports:\n${problems.join('\n')}`);

// The operator CLI (package.json `bin`), its own bundle: the entry and the chunks each command loads.
const cli = await build({ ...cliBuildOptions(), metafile: true });
const outputs = Object.entries(cli.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
const total = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`${CLI_OUTFILE}  ${kib(cli.metafile.outputs[CLI_OUTFILE]?.bytes ?? 0)} (with its chunks ${kib(total)})`);
chmodSync(CLI_OUTFILE, 0o755);
