import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', 'functions');

/** Every module specifier a TypeScript file imports or re-exports. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)].map((match) => match[1] ?? '');
}

function modules(folder: string): string[] {
  return readdirSync(join(ROOT, folder))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(ROOT, folder, name));
}

/** What the core may depend on: itself, the shared config and error types, and two pure libraries. */
const CORE_MAY_IMPORT = [/^#core\//, /^#shared\/config\.ts$/, /^#shared\/errors\.ts$/, /^valibot$/, /^p-limit$/];

describe('module boundaries', () => {
  it.each(modules('core'))('keeps %s free of adapters, handlers, wiring and I/O libraries', (file) => {
    const outside = importsOf(file).filter((specifier) => !CORE_MAY_IMPORT.some((allowed) => allowed.test(specifier)));
    expect(outside).toEqual([]);
  });

  it.each(modules('core'))('takes only types from the shared configuration in %s', (file) => {
    const source = readFileSync(file, 'utf8');
    const valueImports = [...source.matchAll(/^import (?!type )[^;]*?from '#shared\/config\.ts'/gms)];
    expect(valueImports.map((match) => match[0])).toEqual([]);
  });

  it.each(modules('adapters'))('keeps %s from importing handlers, wiring or other adapters', (file) => {
    const wrong = importsOf(file).filter((specifier) =>
      /^#(handlers|adapters|infra|producer)\/|^#shared\/(?!errors\.ts)/.test(specifier),
    );
    expect(wrong).toEqual([]);
  });

  it('keeps the CLI out of the functions and the stack, and CDK code out of the CLI bundle', () => {
    const tree = (folder: string) =>
      readdirSync(join(ROOT, '..', folder), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.ts'))
        .map((name) => join(ROOT, '..', folder, name));
    const intoCli = [...tree('functions'), ...tree('infra')].filter((file) =>
      importsOf(file).some((specifier) => specifier.startsWith('#cli/')),
    );
    expect(intoCli).toEqual([]);
    const cdkInCli = tree('cli').flatMap((file) =>
      importsOf(file).filter((specifier) => /^#infra\/(?!output-names\.ts$)|^aws-cdk-lib|^constructs$/.test(specifier)),
    );
    expect(cdkInCli).toEqual([]);
    expect(importsOf(join(ROOT, '..', 'cli', 'commands', 'status.ts'))).toContain('#infra/output-names.ts');
  });

  it('finds the imports of a file, so the checks above can fail', () => {
    expect(importsOf(join(ROOT, 'core', 'process-record.ts'))).toContain('#core/parse-message.ts');
    expect(importsOf(join(ROOT, 'shared', 'aws-clients.ts'))).toContain('#adapters/queue.ts');
  });
});
