import { describe, expect, it } from 'vitest';
import { parseDuration, parseWhole, readSecretIds } from '#cli/args.ts';
import { regionOf } from '#cli/aws.ts';
import { holderCells, holderSummary, holderView } from '#cli/commands/secrets.ts';
import { residencyUrl, resolveBaseUrl } from '#cli/credentials.ts';
import { CliError } from '#cli/errors.ts';
import { summarizeUsage } from '#core/used-by.ts';

const usage = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return (error as CliError).message;
  }
  throw new Error('expected a usage error');
};

describe('CLI arguments', () => {
  it('reads --wait durations in s, m, h and d, and refuses anything else naming the flag', () => {
    expect(parseDuration('--wait', '90s')).toBe(90_000);
    expect(parseDuration('--wait', '30m')).toBe(1_800_000);
    expect(parseDuration('--wait', '2h')).toBe(7_200_000);
    expect(parseDuration('--wait', '14d')).toBe(14 * 86_400_000);
    for (const bad of ['15d', '0s', '1.5h', '90', 'soon', '-1m']) {
      expect(usage(() => parseDuration('--wait', bad))).toBe(
        `--wait must be a duration such as 90s, 30m or 2h (at most 14d), received "${bad}"`,
      );
    }
  });

  it('reads whole numbers in range and refuses others naming the flag', () => {
    expect(parseWhole('--concurrency', '50', 1, 50)).toBe(50);
    expect(usage(() => parseWhole('--concurrency', '0', 1, 50))).toBe(
      '--concurrency must be a whole number from 1 to 50, received "0"',
    );
    expect(usage(() => parseWhole('--concurrency', '2.5', 1, 50))).toContain('received "2.5"');
  });

  it('drops duplicate ids, keeps the first order, and refuses when there are none', () => {
    expect(readSecretIds(['b', 'a', 'b'])).toEqual(['b', 'a']);
    expect(usage(() => readSecretIds([]))).toBe('no secret ids: give them as arguments or with --from-file <file>');
  });

  it('names at most three invalid ids and counts the rest', () => {
    expect(usage(() => readSecretIds(['ok', 'a b', 'c/d', 'e.f', 'g h']))).toMatch(
      /^4 invalid secret ids, nothing was sent: argument 2: .*; argument 3: .*; argument 4: .*; and 1 more$/,
    );
  });
});

describe('CLI endpoints and regions', () => {
  it('maps each residency to the stack’s regional base URL', () => {
    expect(residencyUrl('us')).toBe('https://api.us.elevenlabs.io');
    expect(residencyUrl('eu')).toBe('https://api.eu.residency.elevenlabs.io');
    expect(residencyUrl('in')).toBe('https://api.in.residency.elevenlabs.io');
    expect(residencyUrl('sg')).toBe('https://api.sg.residency.elevenlabs.io');
  });

  it('takes --residency, --base-url, ELEVENLABS_BASE_URL, then the default, and refuses both flags together', () => {
    expect(resolveBaseUrl({}, {})).toBe('https://api.elevenlabs.io');
    expect(resolveBaseUrl({}, { ELEVENLABS_BASE_URL: 'http://127.0.0.1:8080/' })).toBe('http://127.0.0.1:8080');
    expect(resolveBaseUrl({ baseUrl: 'https://a.example' }, { ELEVENLABS_BASE_URL: 'https://b.example' })).toBe(
      'https://a.example',
    );
    expect(resolveBaseUrl({ residency: 'eu' }, { ELEVENLABS_BASE_URL: 'https://b.example' })).toBe(
      'https://api.eu.residency.elevenlabs.io',
    );
    expect(usage(() => resolveBaseUrl({ residency: 'eu', baseUrl: 'https://a.example' }, {}))).toBe(
      'give --base-url or --residency, not both',
    );
    expect(usage(() => resolveBaseUrl({}, { ELEVENLABS_BASE_URL: 'https://a.example/v1' }))).toBe(
      'ELEVENLABS_BASE_URL must be a bare origin without path, query or credentials, received "https://a.example/v1"',
    );
  });

  it('finds the region in an ARN or an SQS URL, and none in a local endpoint', () => {
    expect(regionOf('arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf')).toBe('eu-west-1');
    expect(regionOf('https://sqs.ap-southeast-2.amazonaws.com/123456789012/q')).toBe('ap-southeast-2');
    expect(regionOf('http://127.0.0.1:4566/000000000000/q')).toBeUndefined();
    expect(regionOf('janitor/elevenlabs-api-key')).toBeUndefined();
  });
});

describe('CLI holder columns', () => {
  it('puts each list in its column, counts holders the key cannot see, and shows has-more flags', () => {
    const view = holderView(
      summarizeUsage({
        agents: [
          { id: 'agent_1', type: 'available' },
          { id: 'agent_9', type: 'unknown' },
        ],
        tools: [],
        others: ['workflow_x'],
        phone_numbers: [],
        agents_has_more: true,
      }),
    );
    const cells = holderCells(view);
    expect(cells[0]).toMatch(/^agent_1\n.*agent_9.*unknown\)$/);
    expect(cells[5]).toBe('workflow_x');
    expect(cells.slice(6)).toEqual(['1', 'agents_has_more']);
    expect(holderSummary(view)).toContain('has more: agents_has_more');
  });

  it('marks an unreadable used_by as in use', () => {
    const view = holderView(summarizeUsage('garbage'));
    expect(view).toMatchObject({ inUse: true, unreadable: true });
    expect(holderCells(view).at(-1)).toBe('(unreadable used_by)');
  });
});
