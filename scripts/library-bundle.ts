import type { BuildOptions, Metafile } from 'esbuild';
import { BUNDLE } from '#infra/bundling.ts';

/**
 * The published package's layout (package.json `exports`, `bin` and `files` point here):
 * - `dist/lib/<entry>.js` (ESM) and `.d.ts` for every library entry, plus `producer.cjs` and `producer.d.cts`;
 * - `dist/handlers/<function>/index.mjs`: the Lambda bundles the construct deploys. The construct finds
 *   them as `../handlers/` from `dist/lib/cdk.js` (infra/handler-code.ts), so the two folders stay siblings.
 */
export const LIB_DIR = 'dist/lib';
export const HANDLERS_DIR = 'dist/handlers';

/** Library entries: the CDK construct and the producers. */
export const LIBRARY_ENTRIES = {
  cdk: 'infra/index.ts',
  producer: 'functions/producer/index.ts',
} as const;

export type LibraryEntry = keyof typeof LIBRARY_ENTRIES;

/** Entries also built as CommonJS (`require`): the producers, for CommonJS services. */
export const COMMONJS_ENTRIES: readonly LibraryEntry[] = ['producer'];

/**
 * One library entry as plain JavaScript for Node 24: our modules (the `#…` aliases with `.ts` paths)
 * inlined, every npm package left as an import the consumer's install resolves. Not minified, so a
 * consumer's stack trace reads.
 */
export function libraryBuildOptions(name: LibraryEntry, format: 'esm' | 'cjs'): BuildOptions {
  return {
    entryPoints: [LIBRARY_ENTRIES[name]],
    outfile: `${LIB_DIR}/${name}.${format === 'esm' ? 'js' : 'cjs'}`,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: BUNDLE.target,
    format,
    logLevel: 'warning',
  };
}

/** The npm packages a build's outputs import at run time (`node:` built-ins left out). */
export function importedPackages(metafile: Metafile): Set<string> {
  const packages = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || path.startsWith('node:')) continue;
      const parts = path.split('/');
      packages.add(path.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? path));
    }
  }
  return packages;
}

/**
 * Checks that the library outputs import exactly the packages package.json declares for consumers:
 * every import is a dependency or a peer dependency, and every dependency is imported.
 * Returns the problems, one line each.
 */
export function dependencyProblems(
  imported: ReadonlySet<string>,
  manifest: { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> },
): string[] {
  const dependencies = Object.keys(manifest.dependencies ?? {});
  const declared = new Set([...dependencies, ...Object.keys(manifest.peerDependencies ?? {})]);
  return [
    ...[...imported]
      .filter((name) => !declared.has(name))
      .map((name) => `dist/lib imports ${name}, which is neither a dependency nor a peer dependency in package.json`),
    ...dependencies
      .filter((name) => !imported.has(name))
      .map((name) => `package.json lists the dependency ${name}, which no file of dist/lib imports`),
  ];
}
