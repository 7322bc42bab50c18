import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildCli, jsonOf, runCli, transcript } from '#test/helpers/cli.ts';
import { type FakeElevenLabs, startFakeElevenLabs } from '#test/helpers/fake-elevenlabs.ts';

/** `delete`, spawned as a real process against the loopback ElevenLabs. */

const KEY = 'sk_cli_delete_ffeeddccbbaa99887766554433';
let elevenlabs: FakeElevenLabs;
let env: Record<string, string>;

beforeAll(async () => {
  [elevenlabs] = await Promise.all([startFakeElevenLabs({ validKeys: [KEY] }), buildCli()]);
  env = { ELEVENLABS_API_KEY: KEY, ELEVENLABS_BASE_URL: elevenlabs.baseUrl };
});

beforeEach(() => {
  elevenlabs.secrets.clear();
  elevenlabs.environmentVariables.clear();
  elevenlabs.requests.length = 0;
  elevenlabs.hook = undefined;
});

afterAll(async () => {
  await elevenlabs?.close();
});

interface DeleteDoc {
  requested: number;
  dryRun: boolean;
  summary: Record<string, number>;
  results: Record<string, unknown>[];
}

describe('delete', () => {
  it('deletes with --yes, counts a secret already gone as done, and exits 0', async () => {
    elevenlabs.addSecret('sec_a');
    elevenlabs.addSecret('sec_b');
    const run = await runCli(['delete', 'sec_a', 'sec_b', 'sec_gone', '--yes'], { env });
    expect(run.code).toBe(0);
    expect(elevenlabs.secrets.size).toBe(0);
    expect(run.stdout).toMatch(/sec_a\s*│\s*deleted\s*│\s*204/);
    expect(run.stdout).toMatch(/sec_gone\s*│\s*already_gone\s*│\s*404/);
    expect(run.stdout).toContain('2 deleted, 1 already gone');
    expect(run.stderr).toContain(
      `Delete 3 secrets on ${elevenlabs.baseUrl} (key from ELEVENLABS_API_KEY): sec_a, sec_b, sec_gone`,
    );
  });

  it('prints one JSON document per run with --json', async () => {
    elevenlabs.addSecret('sec_a');
    const doc = jsonOf<DeleteDoc>(await runCli(['--json', 'delete', 'sec_a', '--yes'], { env }));
    expect(doc).toEqual({
      baseUrl: elevenlabs.baseUrl,
      dryRun: false,
      requested: 1,
      summary: { deleted: 1 },
      results: [
        {
          secretId: 'sec_a',
          outcome: 'deleted',
          httpAttempts: 1,
          status: 204,
          requestId: expect.stringMatching(/^req_fake_/),
        },
      ],
    });
  });

  it('reports a secret in use with its holders and exits 1, without retrying it forever', async () => {
    elevenlabs.addSecret('sec_busy');
    elevenlabs.markInUse('sec_busy', 'agent_support_bot');
    elevenlabs.addSecret('sec_free');
    const run = await runCli(['delete', 'sec_busy', 'sec_free', '--yes', '--json'], { env });
    expect(run.code).toBe(1);
    const doc = jsonOf<DeleteDoc>(run);
    expect(doc.summary).toEqual({ deleted: 1, in_use: 1 });
    expect(doc.results[0]).toMatchObject({
      secretId: 'sec_busy',
      outcome: 'in_use',
      status: 422,
      detail: 'HTTP 422 secret_in_use: Secret is in use',
      holders: { inUse: true, holders: { agents: [expect.stringContaining('agent_support_bot')] } },
    });
    expect(elevenlabs.count('delete')).toBe(2);
    const human = await runCli(['delete', 'sec_busy', '--yes'], { env });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/sec_busy\s*│\s*in_use\s*│\s*422\s*│\s*agents: agent_support_bot/);
  });

  it('keeps retrying a secret in use with --wait and deletes it once released', async () => {
    elevenlabs.addSecret('sec_soon');
    elevenlabs.markInUse('sec_soon', 'agent_leaving');
    const released = setTimeout(() => elevenlabs.release('sec_soon'), 700);
    const run = await runCli(['delete', 'sec_soon', '--yes', '--wait', '2s', '--json'], { env });
    clearTimeout(released);
    expect(run.code).toBe(0);
    expect(jsonOf<DeleteDoc>(run).results[0]).toMatchObject({
      secretId: 'sec_soon',
      outcome: 'deleted',
      httpAttempts: 2,
    });
    expect(elevenlabs.count('delete')).toBe(2);
  });

  it('refuses invalid ids before any request and exits 2, naming each', async () => {
    const run = await runCli(['delete', 'sec_ok', '../admin', 'has space', '--yes'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: 2 invalid secret ids, nothing was sent: argument 2: secretId must be 1-128 characters of letters, digits, "_" or "-", received "../admin"; argument 3: secretId must be 1-128 characters of letters, digits, "_" or "-", received "has space"\n',
    );
    expect(elevenlabs.requests).toHaveLength(0);
  });

  it('reads ids from --from-file, one per line, skipping blanks and comments', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ids-')), 'ids.txt');
    writeFileSync(file, '# to delete\nsec_f1\n\n  sec_f2  \nsec_f1\n');
    elevenlabs.addSecret('sec_f1');
    elevenlabs.addSecret('sec_f2');
    const doc = jsonOf<DeleteDoc>(await runCli(['delete', '--from-file', file, '--yes', '--json'], { env }));
    expect(doc.results.map((r) => r.secretId)).toEqual(['sec_f1', 'sec_f2']);
    expect(elevenlabs.secrets.size).toBe(0);
    const bad = await runCli(['delete', '--from-file', join(tmpdir(), 'no-such-ids.txt'), '--yes'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --from-file .*no-such-ids\.txt could not be read: ENOENT\n$/);
  });

  it('refuses to delete without --yes when stdin is not a terminal', async () => {
    elevenlabs.addSecret('sec_a');
    const run = await runCli(['delete', 'sec_a'], { env, input: 'y\n' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: refusing to delete 1 secret without --yes: stdin is not a terminal, so nobody can confirm\n',
    );
    expect(elevenlabs.requests).toHaveLength(0);
  });

  it('reads but deletes nothing with --dry-run, counting environment-variable uses', async () => {
    elevenlabs.addSecret('sec_a');
    elevenlabs.addSecret('sec_busy');
    elevenlabs.markInUse('sec_busy', 'agent_x');
    elevenlabs.addSecret('sec_env');
    elevenlabs.addEnvironmentVariable({
      label: 'CRM_TOKEN',
      type: 'secret',
      values: { production: { secret_id: 'sec_env' } },
    });
    const run = await runCli(['delete', 'sec_a', 'sec_busy', 'sec_env', 'sec_gone', '--dry-run', '--json'], { env });
    const doc = jsonOf<DeleteDoc>(run);
    expect(doc.summary).toEqual({ would_delete: 1, in_use: 2, already_gone: 1 });
    expect(doc.results[2]).toMatchObject({
      secretId: 'sec_env',
      outcome: 'in_use',
      holders: { holders: { env_variables: ['CRM_TOKEN'] } },
    });
    // The environment variables are read once for the whole run.
    expect(elevenlabs.count('env_list')).toBe(1);
    expect(run.code).toBe(1);
    expect(elevenlabs.count('delete')).toBe(0);
    expect(elevenlabs.secrets.size).toBe(3);
  });

  it('exits 2 in one line and stops when ElevenLabs answers 401', async () => {
    for (const id of ['sec_1', 'sec_2', 'sec_3']) elevenlabs.addSecret(id);
    const run = await runCli(['delete', 'sec_1', 'sec_2', 'sec_3', '--yes', '--concurrency', '1'], {
      env: { ...env, ELEVENLABS_API_KEY: 'sk_not_this_one_123456' },
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter((line) => line.startsWith('error:'))).toEqual([
      'error: ElevenLabs refused the API key from ELEVENLABS_API_KEY (HTTP 401): check the key, its workspace and its convai_read and convai_write permissions',
    ]);
    // One DELETE and one after the key refresh, as the worker does; the other ids are not attempted.
    expect(elevenlabs.count('delete')).toBe(2);
    expect(elevenlabs.secrets.size).toBe(3);
  });

  it('exits 1 in one line when the base URL is unreachable', async () => {
    const run = await runCli(['delete', 'sec_a', '--yes'], {
      env: { ...env, ELEVENLABS_BASE_URL: 'http://127.0.0.1:9' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean).at(-1)).toBe(
      'error: could not reach http://127.0.0.1:9: expected an answer from DELETE /v1/convai/secrets, received a network error: ECONNREFUSED; check --base-url and the network',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when --wait or --concurrency is not valid', async () => {
    const wait = await runCli(['delete', 'sec_a', '--yes', '--wait', 'soon'], { env });
    expect(wait.code).toBe(2);
    expect(wait.stderr).toBe(
      'error: --wait must be a duration such as 90s, 30m or 2h (at most 14d), received "soon"\n',
    );
    const concurrency = await runCli(['delete', 'sec_a', '--yes', '--concurrency', '99'], { env });
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toBe('error: --concurrency must be a whole number from 1 to 50, received "99"\n');
    expect(elevenlabs.requests).toHaveLength(0);
  });

  it('never prints the key in any run of this file', () => {
    expect(transcript.length).toBeGreaterThan(10);
    for (const { stdout, stderr } of transcript) expect(`${stdout}${stderr}`).not.toContain(KEY);
  });
});
