import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_ENTRIES } from '#infra/bundling.ts';

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/** The file of each prebuilt handler folder (`<folder>/index.mjs`); Lambda's handler is `index.handler`. */
export const PREBUILT_FILE = 'index.mjs';

/**
 * The prebuilt handlers of the published package: `dist/handlers/<name>/`, beside `dist/lib/cdk.js`,
 * the bundled construct module this code runs in there. Run from the TypeScript sources (`infra/`),
 * the same URL names `<repo>/handlers/`, which does not exist, so the stack bundles from source.
 */
export const PACKAGED_HANDLERS = fileURLToPath(new URL('../handlers/', import.meta.url));

/** What a janitor function deploys: a prebuilt bundle folder, or a TypeScript entry esbuild bundles at synth. */
export type HandlerCode =
  | { readonly kind: 'prebuilt'; readonly dir: string }
  | { readonly kind: 'source'; readonly entry: string };

/** The repository root, from the TypeScript sources: the folder that holds `infra/` and `functions/`. */
const SOURCE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The prebuilt bundle folder of `name` when it exists under `prebuiltRoot`; otherwise its TypeScript
 * entry under `sourceRoot`, found from this module rather than from the working directory.
 */
export function handlerCode(
  name: FunctionName,
  prebuiltRoot: string = PACKAGED_HANDLERS,
  sourceRoot: string = SOURCE_ROOT,
): HandlerCode {
  const dir = join(prebuiltRoot, name);
  if (existsSync(join(dir, PREBUILT_FILE))) return { kind: 'prebuilt', dir };
  const entry = join(sourceRoot, FUNCTION_ENTRIES[name]);
  if (existsSync(entry)) return { kind: 'source', entry };
  throw new Error(
    `SecretJanitor cannot find the ${name} handler: neither the prebuilt bundle ${join(dir, PREBUILT_FILE)} nor the source ${entry} exists. Reinstall convai-secret-janitor, or run npm run build in its repository.`,
  );
}
