import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_ENTRIES } from '#infra/bundling.ts';
import { handlerCode, PACKAGED_HANDLERS } from '#infra/handler-code.ts';
import { createJanitorFunction } from '#infra/janitor-function.ts';
import { type BuiltBundles, buildFunctionBundles } from '#test/helpers/lambda-bundles.ts';
import { FEATURE_FLAGS, SECRET_ARN } from '#test/helpers/stacks.ts';

let prebuilt: BuiltBundles;
let scratch: string;
beforeAll(async () => {
  // The folder `npm run build` writes into dist/handlers/: <name>/index.mjs, built with the stack's options.
  prebuilt = await buildFunctionBundles();
  scratch = await mkdtemp(join(tmpdir(), 'janitor-function-'));
});
afterAll(async () => {
  await prebuilt?.remove();
  await rm(scratch, { recursive: true, force: true });
});

interface Synthesized {
  readonly fn: ReturnType<typeof createJanitorFunction>;
  readonly properties: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  /** The staged asset folder in the cloud assembly: what CDK uploads. */
  readonly assetDir: string;
}

/** One worker function in its own app, synthesized (bundling included) into a fresh cloud assembly. */
async function synthWorker(prebuiltHandlers: string): Promise<Synthesized> {
  const outdir = await mkdtemp(join(scratch, 'cdk-out-'));
  const app = new App({ outdir, context: { ...FEATURE_FLAGS, 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = createJanitorFunction(stack, {
    ids: { function: 'Worker', role: 'WorkerRole', logs: 'WorkerLogs' },
    handler: 'worker',
    prebuiltHandlers,
    description: 'worker',
    roleDescription: 'worker role',
    memorySize: 256,
    timeout: Duration.seconds(30),
    logRetention: RetentionDays.ONE_MONTH,
    api: {
      apiKeySecret: Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN),
      apiKeySecretField: 'apiKey',
      baseUrl: 'https://api.elevenlabs.io',
      requestTimeout: Duration.seconds(5),
    },
    environment: { EXTRA: 'value' },
  });
  const template = app.synth().getStackByName('S').template as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata: Record<string, unknown> }>;
  };
  const resource = template.Resources[stack.getLogicalId(fn.node.defaultChild as never)];
  if (!resource) throw new Error('the worker is missing from the template');
  return {
    fn,
    properties: resource.Properties,
    metadata: resource.Metadata,
    assetDir: join(outdir, String(resource.Metadata['aws:asset:path'])),
  };
}

describe('createJanitorFunction handler code', () => {
  it('deploys the prebuilt bundle folder as it is when the folder exists', async () => {
    const { fn, properties, metadata, assetDir } = await synthWorker(prebuilt.dir);
    expect(fn).not.toBeInstanceOf(NodejsFunction);
    expect(metadata['aws:asset:is-bundled']).toBe(false);
    expect(properties.Handler).toBe('index.handler');
    expect((await readdir(assetDir)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect((await readFile(join(assetDir, 'index.mjs'))).equals(await readFile(prebuilt.bundles.worker))).toBe(true);
  });

  it('bundles the TypeScript entry into the same index.mjs, with the same function, when no prebuilt folder exists', async () => {
    const fromPrebuilt = await synthWorker(prebuilt.dir);
    const fromSource = await synthWorker(await mkdtemp(join(scratch, 'no-prebuilt-')));
    expect(fromSource.fn).toBeInstanceOf(NodejsFunction);
    expect(fromSource.metadata['aws:asset:is-bundled']).toBe(true);
    // Same bytes as `npm run build`: one set of esbuild options (infra/bundling.ts) for both paths.
    expect(
      (await readFile(join(fromSource.assetDir, 'index.mjs'))).equals(await readFile(prebuilt.bundles.worker)),
    ).toBe(true);
    const { Code: prebuiltCode, ...prebuiltRest } = fromPrebuilt.properties;
    const { Code: sourceCode, ...sourceRest } = fromSource.properties;
    expect(sourceRest).toEqual(prebuiltRest);
    expect(sourceRest).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect([prebuiltCode, sourceCode]).toEqual([
      { S3Bucket: expect.anything(), S3Key: expect.stringMatching(/\.zip$/) },
      { S3Bucket: expect.anything(), S3Key: expect.stringMatching(/\.zip$/) },
    ]);
  });

  it('bundles from source inside this repository, where no dist/handlers sits beside infra/', () => {
    expect(PACKAGED_HANDLERS).toBe(join(process.cwd(), 'handlers/'));
    expect(handlerCode('sweep')).toEqual({ kind: 'source', entry: join(process.cwd(), FUNCTION_ENTRIES.sweep) });
  });

  it('names both places it looked when neither a prebuilt bundle nor the source exists', async () => {
    const empty = await mkdtemp(join(scratch, 'empty-'));
    expect(() => handlerCode('worker', join(empty, 'handlers'), empty)).toThrow(
      `SecretJanitor cannot find the worker handler: neither the prebuilt bundle ${join(empty, 'handlers', 'worker', 'index.mjs')} nor the source ${join(empty, 'functions/handlers/worker.ts')} exists. Reinstall convai-secret-janitor, or run npm run build in its repository.`,
    );
  });
});
