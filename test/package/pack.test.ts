import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '#shared/settings.ts';
import { type FakeAws, startFakeAws } from '#test/helpers/fake-aws.ts';

/**
 * The published package as a new user meets it: `npm pack` (which builds, through `prepack`), then a
 * fresh project that installs the tarball beside only the peer dependencies, and runs plain `node`:
 * no tsx, no esbuild, no TypeScript sources of ours. The peers are linked from this repository's
 * node_modules, so nothing is downloaded for them.
 */

const run = promisify(execFile);
const REPO = process.cwd();
/** The consumer's PATH: this Node 24 and the system tools, nothing of this repository's node_modules/.bin. */
const CONSUMER_PATH = [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter);
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const MB = 1024 * 1024;

let scratch: string;
let tarball: string;
let files: string[];
let consumer: string;
let fake: FakeAws | undefined;

/** Runs `node <args>` in the consumer with only `env`, the consumer PATH and a scratch HOME. */
function node(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, args, {
    cwd: consumer,
    env: { PATH: CONSUMER_PATH, HOME: scratch, ...env },
    maxBuffer: MB,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template read back from JSON
type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'janitor-pack-'));
  const packDir = join(scratch, 'pack');
  await mkdir(packDir);
  await run('npm', ['pack', '--pack-destination', packDir], { cwd: REPO, maxBuffer: 16 * MB });
  const [name] = (await readdir(packDir)).filter((file) => file.endsWith('.tgz'));
  if (!name) throw new Error(`npm pack wrote no tarball into ${packDir}`);
  tarball = join(packDir, name);
  files = (await run('tar', ['-tzf', tarball], { maxBuffer: MB })).stdout.split('\n').filter((line) => line !== '');

  // A fresh project holding both examples, with their dependencies as the examples name them, except
  // the tarball of this pack and the peers (and @types/node, for tsc) linked from this repository.
  consumer = join(scratch, 'consumer');
  await mkdir(consumer);
  const example = JSON.parse(await readFile('examples/javascript/package.json', 'utf8'));
  const link = (pkg: string) => `file:${join(REPO, 'node_modules', pkg)}`;
  const dependencies = {
    'aws-cdk-lib': link('aws-cdk-lib'),
    constructs: link('constructs'),
    '@types/node': link('@types/node'),
  };
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ ...example, dependencies }, null, 2));
  await copyFile('examples/javascript/app.mjs', join(consumer, 'app.mjs'));
  await copyFile('examples/typescript/app.ts', join(consumer, 'app.ts'));
  // The peers first, then the tarball (npm's tree builder fails on links and the peers they satisfy in one go).
  const install = (...args: string[]) =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], { cwd: consumer, maxBuffer: MB });
  await install();
  await install(tarball);
}, 150_000);

afterAll(async () => {
  await fake?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the built library, handlers, CLI, schemas and docs, and no tests, benchmarks or TypeScript sources', () => {
    const paths = files.map((file) => file.replace(/^package\//, ''));
    for (const path of paths) {
      expect(path).toMatch(
        /^(package\.json|README\.md|dist\/lib\/[a-z]+\.(js|cjs|d\.ts|d\.cts)|dist\/handlers\/(worker|sweep)\/index\.mjs(\.map)?|dist\/cli\.mjs|dist\/cli-chunks\/[\w-]+\.mjs|schemas\/[\w.-]+\.json|docs\/[\w-]+\.md)$/,
      );
    }
    expect(paths.filter((path) => path.startsWith('dist/lib/')).sort()).toEqual([
      'dist/lib/cdk.d.ts',
      'dist/lib/cdk.js',
      'dist/lib/producer.cjs',
      'dist/lib/producer.d.cts',
      'dist/lib/producer.d.ts',
      'dist/lib/producer.js',
    ]);
    expect(paths).toEqual(expect.arrayContaining(['dist/handlers/worker/index.mjs', 'dist/handlers/sweep/index.mjs']));
  });

  it('points every export at a packed file, and declares the CDK as peer dependencies', async () => {
    const manifest = JSON.parse(
      await readFile(join(consumer, 'node_modules/convai-secret-janitor/package.json'), 'utf8'),
    );
    expect(manifest.private).toBeUndefined();
    expect(manifest.peerDependencies).toEqual({ 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) });
    const targets = JSON.stringify(manifest.exports).match(/"\.\/dist\/[^"]+"/g) ?? [];
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(files).toContain(`package/${JSON.parse(target).slice(2)}`);
  });

  it('is the file the examples install', async () => {
    for (const example of ['javascript', 'typescript']) {
      const manifest = JSON.parse(await readFile(`examples/${example}/package.json`, 'utf8'));
      expect({ example, dependency: manifest.dependencies['convai-secret-janitor'] }).toEqual({
        example,
        dependency: `file:../../${basename(tarball)}`,
      });
    }
  });
});

describe('a CDK app that installed the tarball', () => {
  it('has no esbuild or tsx on its PATH or in its node_modules', () => {
    for (const dir of CONSUMER_PATH.split(delimiter)) {
      expect({ dir, esbuild: existsSync(join(dir, 'esbuild')), tsx: existsSync(join(dir, 'tsx')) }).toEqual({
        dir,
        esbuild: false,
        tsx: false,
      });
    }
    expect(existsSync(join(consumer, 'node_modules/esbuild'))).toBe(false);
    expect(existsSync(join(consumer, 'node_modules/tsx'))).toBe(false);
  });

  it.each([
    ['the JavaScript example', 'app.mjs'],
    ['the TypeScript example, by Node type stripping', 'app.ts'],
  ])(
    'synthesizes %s: two janitors deploying the prebuilt handler folder',
    async (_, app) => {
      const outdir = join(scratch, `cdk.out-${app}`);
      const context = JSON.stringify({ 'aws:cdk:enable-asset-metadata': true });
      await node([app], { CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: context });
      const template = JSON.parse(await readFile(join(outdir, 'JanitorExample.template.json'), 'utf8'));
      const resources = Object.values(template.Resources as Record<string, Resource>);
      const workers = resources.filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' &&
          resource.Properties.Environment?.Variables?.[SETTINGS.workspace.env],
      );
      expect(workers.map((worker) => worker.Properties.Environment.Variables[SETTINGS.workspace.env]).sort()).toEqual([
        'default',
        'eu',
      ]);
      const packaged = await readFile(
        join(consumer, 'node_modules/convai-secret-janitor/dist/handlers/worker/index.mjs'),
      );
      for (const worker of workers) {
        expect(worker.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x' });
        // Deployed as packed: no bundling at synth.
        expect(worker.Metadata?.['aws:asset:is-bundled']).toBe(false);
        const asset = join(outdir, String(worker.Metadata?.['aws:asset:path']));
        expect((await readdir(asset)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
        expect((await readFile(join(asset, 'index.mjs'))).equals(packaged)).toBe(true);
      }
      // The example's own Lambda may send to both queues.
      const producerPolicy = resources.find(
        (resource) =>
          resource.Type === 'AWS::IAM::Policy' &&
          JSON.stringify(resource.Properties.Roles).includes('ProducerServiceRole'),
      );
      const statements: { Action: unknown; Resource: unknown }[] = producerPolicy?.Properties.PolicyDocument.Statement;
      expect(
        statements
          .filter((statement) => JSON.stringify(statement.Action).includes('sqs:SendMessage'))
          .map((statement) => JSON.stringify(statement.Resource))
          .sort(),
      ).toEqual([expect.stringMatching(/"JanitorEuQueue\w+"/), expect.stringMatching(/"JanitorUsQueue\w+"/)]);
    },
    60_000,
  );

  it('resolves the root and ./cdk entries to the bundled construct, and ./schemas/* to the schemas', async () => {
    const specifiers = ['', '/cdk', '/schemas/deletion-request.schema.json'].map(
      (path) => `convai-secret-janitor${path}`,
    );
    const script = `console.log(JSON.stringify(${JSON.stringify(specifiers)}.map((s) => import.meta.resolve(s))))`;
    const [root, cdk, schema] = JSON.parse((await node(['--input-type=module', '-e', script])).stdout);
    expect(cdk).toBe(root);
    expect(cdk).toMatch(/\/node_modules\/convai-secret-janitor\/dist\/lib\/cdk\.js$/);
    expect(schema).toMatch(/\/node_modules\/convai-secret-janitor\/schemas\/deletion-request\.schema\.json$/);
  });

  it('lets a CommonJS app require the construct (Node 24 loads the ES module)', async () => {
    const { stdout } = await node(['-e', "console.log(typeof require('convai-secret-janitor').SecretJanitor)"]);
    expect(stdout.trim()).toBe('function');
  });

  it('runs the operator CLI from the bin', async () => {
    const { stdout } = await node([join(consumer, 'node_modules/.bin/convai-secret-janitor'), '--help']);
    expect(stdout).toContain('Usage: convai-secret-janitor');
  });
});

describe('the producers from the tarball, in plain Node', () => {
  it('send deletion requests to SQS and publish an event, from ESM and from CommonJS', async () => {
    fake = await startFakeAws();
    const queueUrl = fake.queueUrl('deletions');
    await writeFile(
      join(consumer, 'send.mjs'),
      `import { publishAgentRemoved, requestSecretDeletion } from 'convai-secret-janitor/producer';
const result = await requestSecretDeletion({ secretIds: ['sec_esm'], reason: 'from esm' }, { queueUrl: process.argv[2] });
await publishAgentRemoved({ agentId: 'agt_esm', secretIds: ['sec_event'] });
console.log(JSON.stringify(result));`,
    );
    await writeFile(
      join(consumer, 'send.cjs'),
      `const { requestSecretDeletion } = require('convai-secret-janitor/producer');
requestSecretDeletion({ secretIds: ['sec_cjs'] }, { queueUrl: process.argv[2] }).then((r) => console.log(JSON.stringify(r)));`,
    );
    const esm = await node(['send.mjs', queueUrl], fake.env());
    const cjs = await node(['send.cjs', queueUrl], fake.env());
    expect([JSON.parse(esm.stdout), JSON.parse(cjs.stdout)]).toEqual([{ enqueued: 1 }, { enqueued: 1 }]);
    expect(fake.messages('deletions').map((message) => JSON.parse(message.body))).toEqual([
      { secretId: 'sec_esm', origin: 'request', reason: 'from esm' },
      { secretId: 'sec_cjs', origin: 'request' },
    ]);
    expect(fake.events).toEqual([
      expect.objectContaining({
        Source: 'convai.secret-janitor',
        DetailType: 'Agent Removed',
        Detail: JSON.stringify({ agentId: 'agt_esm', secretIds: ['sec_event'] }),
      }),
    ]);
  }, 30_000);
});

describe('a TypeScript consumer of the tarball', () => {
  it('type-checks with tsc --module nodenext against the declared construct and producers, ESM and CommonJS', async () => {
    // Each @ts-expect-error fails the check unless the declarations really refuse the line.
    await writeFile(
      join(consumer, 'consumer.mts'),
      `import { App, Stack } from 'aws-cdk-lib';
import { SecretJanitor, type SweepOptions } from 'convai-secret-janitor';
import { requestSecretDeletion, type SecretDeletionRequest } from 'convai-secret-janitor/producer';
const stack = new Stack(new App(), 'S');
// @ts-expect-error apiKeySecret is required
new SecretJanitor(stack, 'J', {});
const sweep: SweepOptions = { prefixes: ['session-'], mode: 'report' };
// @ts-expect-error the sweep mode is 'report' or 'delete'
const bad: SweepOptions = { prefixes: ['session-'], mode: 'sometimes' };
const request: SecretDeletionRequest = { secretIds: ['sec_a'] };
const result: { enqueued: number } = await requestSecretDeletion(request, { queueUrl: 'https://queue' });
export { bad, result, sweep };`,
    );
    await writeFile(
      join(consumer, 'consumer.cts'),
      `import producer = require('convai-secret-janitor/producer');
const request: producer.SecretDeletionRequest = { secretIds: ['sec_a'] };
// @ts-expect-error queueUrl is required
void producer.requestSecretDeletion(request, {});
export = producer.requestSecretDeletion(request, { queueUrl: 'https://queue' });`,
    );
    const flags = ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--strict', '--noEmit', '--types', 'node'];
    const check = await node([TSC, ...flags, 'app.ts', 'consumer.mts', 'consumer.cts']).then(
      () => 'no errors',
      (error: { stdout: string }) => error.stdout,
    );
    expect(check).toBe('no errors');
  }, 120_000);
});
