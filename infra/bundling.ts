import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * The one definition of how every function is bundled. The CDK stack and the benchmark both read it,
 * so the benchmark measures exactly what is deployed.
 *
 * The AWS SDK is bundled (not taken from the runtime): a minified, tree-shaken SDK loads faster
 * than the runtime's full copy and pins the version we test against. `npm run bench` measures both.
 */
export const BUNDLE = {
  minify: true,
  sourceMap: true,
  // Stack traces keep file and line; leaving the sources out of the map saves ~1.5 MB and memory.
  sourcesContent: false,
  target: 'node24',
  format: 'esm',
  bundleAwsSDK: true,
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call `require`; give ESM output a real one.
  banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
} as const;

/** Lambda functions of the stack, by name, with their entry files. */
export const FUNCTION_ENTRIES = {
  worker: 'functions/handlers/worker.ts',
  sweep: 'functions/handlers/sweep.ts',
} as const;

/** Options for `NodejsFunction.bundling`. */
export function cdkBundling(): BundlingOptions {
  return {
    minify: BUNDLE.minify,
    sourceMap: BUNDLE.sourceMap,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: BUNDLE.sourcesContent,
    target: BUNDLE.target,
    format: OutputFormat.ESM,
    bundleAwsSDK: BUNDLE.bundleAwsSDK,
    mainFields: [...BUNDLE.mainFields],
    banner: BUNDLE.banner,
  };
}

/** The same options for the esbuild API (benchmark, `npm run build`). */
export function esbuildOptions(
  entry: string,
  outfile: string,
  bundleAwsSdk: boolean = BUNDLE.bundleAwsSDK,
): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLE.target,
    format: BUNDLE.format,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    sourcesContent: BUNDLE.sourcesContent,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    external: bundleAwsSdk ? [] : ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'warning',
  };
}
