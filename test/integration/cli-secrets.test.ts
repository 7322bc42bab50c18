import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildCli, jsonOf, runCli, transcript } from '#test/helpers/cli.ts';
import { type FakeAws, startFakeAws } from '#test/helpers/fake-aws.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';

/** `secrets list` and `sweep preview`, spawned as real processes against the loopback ElevenLabs. */

const KEY = 'sk_cli_secrets_00112233445566778899aabbcc';
let elevenlabs: FakeElevenLabs;
let aws: FakeAws;
let env: Record<string, string>;

beforeAll(async () => {
  [elevenlabs, aws] = await Promise.all([startFakeElevenLabs({ validKeys: [KEY] }), startFakeAws(), buildCli()]);
  env = { ELEVENLABS_API_KEY: KEY, ELEVENLABS_BASE_URL: elevenlabs.baseUrl };
});

beforeEach(() => {
  elevenlabs.secrets.clear();
  elevenlabs.environmentVariables.clear();
  elevenlabs.requests.length = 0;
  elevenlabs.hook = undefined;
});

afterAll(async () => {
  await Promise.all([elevenlabs?.close(), aws?.close()]);
});

function workspace() {
  elevenlabs.addSecret('sec_free', 'session-free');
  elevenlabs.addSecret('sec_busy', 'session-busy');
  elevenlabs.markInUse('sec_busy', 'agent_live');
  elevenlabs.addSecret('sec_keep', 'session-keep');
  elevenlabs.addSecret('sec_other', 'prod-db');
}

describe('secrets list', () => {
  it('prints every secret with its holders when the key is valid', async () => {
    workspace();
    const run = await runCli(['secrets', 'list'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const id of ['sec_free', 'sec_busy', 'sec_keep', 'sec_other']) expect(run.stdout).toContain(id);
    expect(run.stdout).toMatch(/sec_busy\s*│\s*session-busy\s*│\s*agent_live/);
    expect(run.stdout).toContain('4 secrets: 1 in use, 3 unused (2 list calls)');
  });

  it('prints one JSON document with holders when --json is given', async () => {
    workspace();
    const run = await runCli(['secrets', 'list', '--json', '--prefix', 'session-'], { env });
    expect(run.code).toBe(0);
    const doc = jsonOf<{ count: number; secrets: Record<string, unknown>[] }>(run);
    expect(doc.count).toBe(3);
    expect(doc.secrets.find((s) => s.secretId === 'sec_busy')).toEqual({
      secretId: 'sec_busy',
      name: 'session-busy',
      inUse: true,
      unreadable: false,
      holders: { agents: [expect.stringContaining('agent_live')] },
      unknownHolders: 0,
      hasMore: [],
    });
    expect(elevenlabs.requests.filter((r) => r.route === 'list').map((r) => r.query.search)).toEqual(['session-']);
  });

  it('counts a secret an environment variable references as in use, naming the variable', async () => {
    workspace();
    elevenlabs.addEnvironmentVariable({
      label: 'CRM_TOKEN',
      type: 'secret',
      values: { production: { secret_id: 'sec_free' } },
    });
    const doc = jsonOf<{ secrets: Record<string, unknown>[] }>(await runCli(['secrets', 'list', '--json'], { env }));
    expect(doc.secrets.find((s) => s.secretId === 'sec_free')).toMatchObject({
      inUse: true,
      holders: { env_variables: ['CRM_TOKEN'] },
    });
    const human = await runCli(['secrets', 'list', '--unused'], { env });
    expect(human.stdout).not.toContain('sec_free');
    expect(human.stdout).toMatch(/Env variables/);
  });

  it('reads every page and filters with --unused and --in-use', async () => {
    for (let i = 0; i < 150; i += 1) elevenlabs.addSecret(`sec_${String(i).padStart(3, '0')}`, `bulk-${i}`);
    elevenlabs.markInUse('sec_007', 'agent_7');
    const unused = jsonOf<{ count: number; listCalls: number }>(
      await runCli(['secrets', 'list', '--json', '--unused'], { env }),
    );
    // Two pages of secrets and one of environment variables.
    expect(unused).toMatchObject({ count: 149, listCalls: 3 });
    const inUse = jsonOf<{ secrets: { secretId: string }[] }>(
      await runCli(['--json', 'secrets', 'list', '--in-use'], { env }),
    );
    expect(inUse.secrets.map((s) => s.secretId)).toEqual(['sec_007']);
  });

  it('reads the key from Secrets Manager when --api-key-secret is given', async () => {
    workspace();
    aws.secrets.set('janitor/key', JSON.stringify({ apiKey: KEY }));
    const run = await runCli(['secrets', 'list', '--json', '--api-key-secret', 'janitor/key'], {
      env: { ...aws.env(), ELEVENLABS_BASE_URL: elevenlabs.baseUrl },
    });
    expect(run.code).toBe(0);
    expect(jsonOf<{ count: number }>(run).count).toBe(4);
    expect(elevenlabs.requests[0]?.headers['xi-api-key']).toBe(KEY);
  });

  it('exits 2 naming the secret when --api-key-secret does not exist', async () => {
    const run = await runCli(['secrets', 'list', '--api-key-secret', 'janitor/missing'], {
      env: { ...aws.env(), ELEVENLABS_BASE_URL: elevenlabs.baseUrl },
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^error: --api-key-secret: expected to read secret janitor\/missing from Secrets Manager, received ResourceNotFoundException/,
      ),
    ]);
    expect(elevenlabs.requests).toHaveLength(0);
  });

  it('exits 2 in one line when ElevenLabs answers 401 to the key', async () => {
    workspace();
    const run = await runCli(['secrets', 'list'], { env: { ...env, ELEVENLABS_API_KEY: 'sk_wrong_key_0123456789' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: ElevenLabs refused the API key from ELEVENLABS_API_KEY (HTTP 401): check the key, its workspace and its convai_read and convai_write permissions\n',
    );
  });

  it('exits 1 in one line without a stack trace when the base URL is unreachable', async () => {
    const run = await runCli(['secrets', 'list'], { env: { ...env, ELEVENLABS_BASE_URL: 'http://127.0.0.1:9' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: could not reach http://127.0.0.1:9: expected an answer from GET /v1/convai/secrets, received a network error: ECONNREFUSED; check --base-url and the network\n',
    );
  });

  it('exits 2 before any request when the base URL is not https or the residency unknown', async () => {
    const http = await runCli(['secrets', 'list', '--base-url', 'http://api.example.com'], { env });
    expect(http.code).toBe(2);
    expect(http.stderr).toBe(
      'error: --base-url must use https (http is allowed only on loopback), received "http://api.example.com"\n',
    );
    const residency = await runCli(['secrets', 'list', '--residency', 'mars'], { env });
    expect(residency.code).toBe(2);
    expect(residency.stderr).toContain(
      "error: option '--residency <region>' argument 'mars' is invalid. Allowed choices are us, eu, in, sg.",
    );
    expect(elevenlabs.requests).toHaveLength(0);
  });

  it('exits 2 naming the ways to give a key when there is none and stdin is not a terminal', async () => {
    const run = await runCli(['secrets', 'list'], { env: { ELEVENLABS_BASE_URL: elevenlabs.baseUrl } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: no ElevenLabs API key: set ELEVENLABS_API_KEY, pass --api-key-secret <name|arn>, or run in a terminal to be asked\n',
    );
  });

  it('exits 2 on an unknown command or option, and 0 on --help and --version', async () => {
    expect((await runCli(['secrets', 'purge'])).code).toBe(2);
    expect((await runCli(['secrets', 'list', '--everything'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'Exit codes: 0 done, 1 some items failed or still in use, 2 usage or configuration error.',
    );
    const version = await runCli(['--version']);
    expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('never prints the key, even when an error body echoes it', async () => {
    elevenlabs.hook = (request) => ({
      status: 500,
      body: { detail: { status: 'server_error', message: `bad key ${String(request.headers['xi-api-key'])}` } },
    });
    const run = await runCli(['secrets', 'list', '--verbose'], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[redacted]');
    for (const { stdout, stderr } of transcript) expect(`${stdout}${stderr}`).not.toContain(KEY);
  });
});

describe('sweep preview', () => {
  it('shows what a run would delete and skip, with reasons, and writes nothing', async () => {
    workspace();
    elevenlabs.addSecret('sec_pinned', 'session-pinned');
    const run = await runCli(
      ['sweep', 'preview', '--prefix', 'session-', '--protect-name', 'session-keep*', '--protect-id', 'sec_pinned'],
      { env },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sec_free\s*│\s*session-free\s*│\s*delete/);
    expect(run.stdout).toMatch(/sec_busy\s*│\s*session-busy\s*│\s*skip\s*│\s*in_use\s*│\s*agents: agent_live/);
    expect(run.stdout).toMatch(/sec_keep\s*│\s*session-keep\s*│\s*skip\s*│\s*protected_name/);
    expect(run.stdout).toMatch(/sec_pinned\s*│\s*session-pinned\s*│\s*skip\s*│\s*protected_id/);
    expect(run.stdout).toContain('A run now would delete 1 secret. Preview only: nothing was written or deleted.');
    expect(elevenlabs.count('delete')).toBe(0);
    expect(elevenlabs.secrets.size).toBe(5);
  });

  it('skips a secret an environment variable references, with its own reason', async () => {
    workspace();
    elevenlabs.addEnvironmentVariable({
      label: 'SESSION_KEY',
      type: 'secret',
      values: { staging: { secret_id: 'sec_free' } },
    });
    const doc = jsonOf<{ wouldDelete: unknown[]; skipped: Record<string, unknown>[] }>(
      await runCli(['sweep', 'preview', '--json', '--prefix', 'session-'], { env }),
    );
    expect(doc.wouldDelete).toEqual([{ secretId: 'sec_keep', name: 'session-keep' }]);
    expect(doc.skipped.find((s) => s.secretId === 'sec_free')).toMatchObject({
      reason: 'in_use_env_variable',
      holders: { holders: { env_variables: ['SESSION_KEY'] } },
    });
  });

  it('prints the plan as JSON, with the caps stopping the run when too many are due', async () => {
    for (let i = 0; i < 12; i += 1) elevenlabs.addSecret(`sec_s${i}`, `session-${i}`);
    elevenlabs.addSecret('sec_x', 'prod-x');
    const run = await runCli(['sweep', 'preview', '--json', '--prefix', 'session-', '--max-deletions-per-run', '3'], {
      env,
    });
    expect(run.code).toBe(0);
    const doc = jsonOf<Record<string, unknown>>(run);
    expect(doc).toMatchObject({
      prefixes: ['session-'],
      inventorySize: 12,
      owned: 12,
      unused: 12,
      notOwned: 0,
      caps: { maxDeletionsPerRun: 3, maxDeletionPercent: 10, limit: 1, cap: 'fraction', due: 12, exceeded: true },
      wouldDelete: [],
    });
    expect((doc.skipped as { reason: string }[]).map((s) => s.reason)).toEqual(Array(12).fill('cap_exceeded'));
  });

  it('exits 2 naming the flag when a prefix is missing or a cap is out of range', async () => {
    const none = await runCli(['sweep', 'preview'], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--prefix is required');
    const cap = await runCli(['sweep', 'preview', '--prefix', 's-', '--max-deletion-percent', '0'], { env });
    expect(cap.code).toBe(2);
    expect(cap.stderr).toBe('error: --max-deletion-percent must be a whole number from 1 to 100, received "0"\n');
    expect(elevenlabs.requests).toHaveLength(0);
  });
});
