import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyFragments } from '#test/helpers/key-fragments.ts';
import { childOutput } from '#test/helpers/node-child.ts';

/**
 * `npm start` as a user runs it: a child process through npm, with the sandbox's API key set so the
 * output can be searched for it. The story must finish, exit 0 and tell every step.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const API_KEY = 'sk_sandbox_test_7c1e9a4b2d8f6e3a5c0b9d7e1f2a4c6b';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

function npmStart(args: readonly string[] = []): Promise<Run> {
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent', ...(args.length ? ['--', ...args] : [])], {
    cwd: ROOT,
    env: { ...process.env, SANDBOX_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return childOutput(child, 60_000).then(({ code, stdout, stderr }) => ({
    code,
    stdout,
    stderr,
    wallMs: performance.now() - started,
  }));
}

/** The text between a heading and the next one. */
function section(output: string, title: string): string {
  const start = output.indexOf(title);
  if (start < 0) return '';
  const next = output.indexOf('\n== ', start + title.length);
  return output.slice(start, next < 0 ? undefined : next);
}

/** The cells of each body row of the tables in `text` (cli-table3 rows start with "│"). */
const rows = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

/** A story with its per-run parts (the simulator's port, the real duration) taken out. */
const story = (output: string) =>
  output.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:PORT').replace(/Done in [\d.]+ s/, 'Done in N s');

let run: Run;
const runs: Run[] = [];

beforeAll(async () => {
  run = await npmStart();
  runs.push(run);
}, 90_000);

describe('npm start', () => {
  it('finishes well under 30 s and exits 0 when run without options', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.wallMs).toBeLessThan(30_000);
    expect(run.stdout).toContain('Every secret ended as it should.');
    expect(run.stdout).toContain("The simulator's API key comes from SANDBOX_API_KEY.");
  });

  it('shows the report-mode plan with every owned secret and enqueues nothing', () => {
    const plan = section(run.stdout, 'Sweep, report mode: the plan');
    const decisions = rows(plan)
      .slice(1)
      .map((cells) => cells[2] ?? '');
    expect(decisions.filter((d) => d === 'mark: unused, due at T+2:00:00').length).toBeGreaterThan(0);
    expect(decisions).toContain('skip: in use');
    expect(decisions).toContain('skip: protected id');
    expect(decisions).toContain('skip: an environment variable references it');
    expect(plan).toMatch(/\d+ marked, 0 due\. Report mode enqueues nothing\./);
  });

  it('lets the grace period pass in report runs, then deletes in delete mode', () => {
    const grace = section(run.stdout, 'The grace period passes');
    expect(grace.match(/report run: \d+ marked, 0 due/g)).toHaveLength(3);
    expect(grace).toMatch(/unmarked \S+ \(in_use\)/);
    const deletion = section(run.stdout, 'Sweep, delete mode');
    const enqueued = rows(deletion).filter((cells) => cells[2] === 'delete: enqueued');
    expect(enqueued.length).toBeGreaterThan(0);
    expect(deletion).toContain(`${enqueued.length} due, ${enqueued.length} enqueued`);
    const worker = rows(deletion).filter((cells) => /^T\+2:00:00$/.test(cells[0] ?? ''));
    expect(worker.filter((cells) => cells[2]?.startsWith('deleted (attempt 1, HTTP 204)'))).toHaveLength(
      enqueued.length - 1,
    );
    expect(deletion).toContain('in use at DELETE (HTTP 422): sweep request dropped, mark cleared');
  });

  it('defers the Agent Removed secret still in use and deletes it on a retry after the agent lets go', () => {
    const event = section(run.stdout, 'Agent Removed');
    const lingering = /the agent still holds (\S+)\./.exec(event)?.[1] ?? '';
    const lines = rows(event).filter((cells) => cells[1] === lingering);
    const what = lines.map((cells) => cells[2] ?? '');
    expect(what[0]).toMatch(/^in use \(attempt 1, HTTP 422, agents: Support bot \(agent_\w+\)\); next try in \d+ s$/);
    const release = what.findIndex((text) => text.includes('lets go of it'));
    expect(release).toBeGreaterThan(0);
    expect(what.slice(release + 1)).toEqual([expect.stringMatching(/^deleted \(attempt [2-9], HTTP 204\)$/)]);
    expect(event).toContain('fanned out into 3 messages');
  });

  it('refuses the bad requests with their reasons', () => {
    const bad = section(run.stdout, 'Bad requests');
    expect(bad).toContain('refused: protected_secret_id');
    expect(bad).toContain('refused: sweep_decision_missing');
    expect(bad).toContain('refused by the producer: "../../etc/passwd": secretId must be');
    expect(bad).toContain('to the DLQ: invalid_message: colour: unknown field "colour"');
    expect(bad).toContain('The DLQ holds 1 message');
  });

  it("prints every secret's fate and the counts by outcome", () => {
    const fates = section(run.stdout, "Every secret's fate");
    const table = rows(fates).filter((cells) => /^sec_\w+$/.test(cells[1] ?? ''));
    expect(table).toHaveLength(40);
    const deleted = table.filter((cells) => cells[2]?.startsWith('deleted at ')).length;
    expect(table.filter((cells) => cells[2]?.startsWith('kept: ')).length).toBe(40 - deleted);
    expect(fates).toContain(`${deleted} deleted, ${40 - deleted} kept; queue 0, DLQ 1`);
    const outcomes = Object.fromEntries(
      rows(fates)
        .filter((cells) => cells.length === 2)
        .map(([outcome, n]) => [outcome, n]),
    );
    expect(outcomes).toMatchObject({ deleted: String(deleted), in_use_skipped: '1', refused: '2', moved_to_dlq: '1' });
    expect(Number(outcomes.in_use_deferred)).toBeGreaterThan(0);
  });

  it('tells the same story for the same seed, and another for another seed and size', async () => {
    const [first, second, other] = await Promise.all([
      npmStart(['--seed', '7', '--speed', 'instant']),
      npmStart(['--seed', '7', '--speed', 'instant']),
      npmStart(['--seed', '8', '--size', '14', '--speed', 'instant']),
    ]);
    runs.push(first, second, other);
    for (const each of [first, second, other]) expect(each.code).toBe(0);
    expect(story(first.stdout)).toBe(story(second.stdout));
    expect(story(other.stdout)).not.toBe(story(first.stdout));
    expect(other.stdout).toContain('ConvAI Secret Janitor sandbox: seed 8, 14 secrets, speed instant.');
  }, 60_000);

  it('lists its options with --help and names a bad value', async () => {
    const help = await npmStart(['--help']);
    const bad = await npmStart(['--size', '3']);
    runs.push(help, bad);
    expect(help.code).toBe(0);
    for (const option of ['--seed <n>', '--size <n>', '--speed <factor>']) expect(help.stdout).toContain(option);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--size must be a whole number from 14 to 500, received "3"');
  }, 30_000);

  it('never prints the API key or a piece of it', () => {
    expect(runs.length).toBeGreaterThan(0);
    for (const each of runs) expect(keyFragments(API_KEY, `${each.stdout}\n${each.stderr}`)).toEqual([]);
  });
});
