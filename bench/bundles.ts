import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRIES } from '#infra/bundling.ts';

/**
 * Builds every function of the stack exactly as deployed (infra/bundling.ts), with the AWS SDK
 * bundled (the stack's choice) and left out (taken from the runtime), plus the two references of
 * the cold-start comparison: an empty handler (the floor) and the ElevenLabs-SDK peer.
 */

export const FLOOR_ENTRY = 'bench/fixtures/empty-handler.ts';
export const PEER_ENTRY = 'bench/fixtures/peer-worker.ts';

export interface BundleSize {
  readonly name: string;
  readonly awsSdk: 'bundled' | 'external';
  readonly jsBytes: number;
  readonly mapBytes: number;
  /** gzip -9 of the .mjs and the .map: close to what the deployment zip holds. */
  readonly gzipBytes: number;
  readonly outfile: string;
}

export interface Bundles {
  /** Every entry of FUNCTION_ENTRIES, both ways. */
  readonly functions: BundleSize[];
  readonly floor: BundleSize;
  readonly peer: BundleSize;
  /** How the peer was built, when it could not be built like the others. */
  readonly peerNote: string;
  /** Not deployed: the worker with `sourcesContent` in its source map (what the stack leaves out). */
  readonly workerFullMap: BundleSize;
}

async function buildOne(name: string, options: BuildOptions, awsSdk: BundleSize['awsSdk']): Promise<BundleSize> {
  const result = await build({ ...options, metafile: true });
  const outputs = Object.entries(result.metafile.outputs);
  const [outfile, js] = outputs.find(([, output]) => output.entryPoint) ?? [];
  if (!outfile || !js) throw new Error(`esbuild wrote no entry output for ${name}`);
  const mapBytes = outputs.find(([path]) => path === `${outfile}.map`)?.[1].bytes ?? 0;
  const gzip = (path: string) => gzipSync(readFileSync(path), { level: 9 }).length;
  const gzipBytes = gzip(outfile) + (mapBytes ? gzip(`${outfile}.map`) : 0);
  return { name, awsSdk, jsBytes: js.bytes, mapBytes, gzipBytes, outfile };
}

export async function buildBundles(outDir: string): Promise<Bundles> {
  const functions: BundleSize[] = [];
  for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
    functions.push(await buildOne(name, esbuildOptions(entry, `${outDir}/${name}/index.mjs`, true), 'bundled'));
    const external = esbuildOptions(entry, `${outDir}/${name}-sdk-external/index.mjs`, false);
    functions.push(await buildOne(name, external, 'external'));
  }
  const floor = await buildOne('floor', esbuildOptions(FLOOR_ENTRY, `${outDir}/floor/index.mjs`), 'bundled');
  let peer: BundleSize;
  let peerNote = 'bundled with the same esbuild options (ElevenLabs SDK and AWS SDK inside the bundle)';
  try {
    peer = await buildOne('peer', esbuildOptions(PEER_ENTRY, `${outDir}/peer/index.mjs`), 'bundled');
  } catch (error) {
    // The SDK is CommonJS only; should esbuild ever refuse it, load it from node_modules instead.
    const options = esbuildOptions(PEER_ENTRY, `${outDir}/peer/index.mjs`);
    peer = await buildOne('peer', { ...options, external: ['@elevenlabs/elevenlabs-js'] }, 'bundled');
    peerNote = `ElevenLabs SDK could not be bundled (${String(error).split('\n')[0]}); loaded from node_modules`;
  }
  const fullMap = {
    ...esbuildOptions(FUNCTION_ENTRIES.worker, `${outDir}/worker-full-map/index.mjs`),
    sourcesContent: true,
  };
  const workerFullMap = await buildOne('worker (map with sourcesContent)', fullMap, 'bundled');
  return { functions, floor, peer, peerNote, workerFullMap };
}

/** The bundle a cold start of `name` runs, as deployed or with the SDK from node_modules. */
export function bundleOf(bundles: Bundles, name: string, awsSdk: BundleSize['awsSdk'] = 'bundled'): string {
  const found = bundles.functions.find((bundle) => bundle.name === name && bundle.awsSdk === awsSdk);
  if (!found)
    throw new Error(`no ${awsSdk}-SDK bundle of ${name}; FUNCTION_ENTRIES has ${Object.keys(FUNCTION_ENTRIES)}`);
  return found.outfile;
}
