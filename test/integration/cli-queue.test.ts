import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createQueueAdapter } from '#adapters/queue.ts';
import { STACK_OUTPUTS } from '#infra/output-names.ts';
import { buildCli, jsonOf, runCli } from '#test/helpers/cli.ts';
import { type FakeAws, REGION, startFakeAws } from '#test/helpers/fake-aws.ts';

/** `enqueue`, `publish`, `dlq`, `status`, `pause` and `resume`, spawned against the loopback AWS fake. */

let aws: FakeAws;
let client: SQSClient;
let env: Record<string, string>;
let queueUrl: string;
let dlqUrl: string;

beforeAll(async () => {
  [aws] = await Promise.all([startFakeAws(), buildCli()]);
  env = aws.env();
  client = new SQSClient({
    region: REGION,
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
  });
});

let run = 0;
beforeEach(() => {
  run += 1;
  queueUrl = aws.queueUrl(`janitor-queue-${run}`);
  dlqUrl = aws.queueUrl(`janitor-dlq-${run}`);
});

afterAll(async () => {
  client?.destroy();
  await aws?.close();
});

const nameOf = (url: string) => url.split('/').pop() ?? '';

/** Puts messages on the DLQ exactly as the worker does, reason attributes included. */
async function workerDeadLetters() {
  const queue = createQueueAdapter({ client, queueUrl, dlqUrl });
  const firstSentAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
  await queue.sendToDlq(JSON.stringify({ secretId: 'sec_old', origin: 'request' }), {
    failureReason: 'horizon_exceeded: still in_use_deferred after 72 h',
    lastStatus: 422,
    attempts: 41,
    firstSentAt,
    secretId: 'sec_old',
    origin: 'request',
  });
  await queue.sendToDlq(JSON.stringify({ secretId: 'sec_bad', origin: 'request' }), {
    failureReason: 'permanent_error: HTTP 400',
    lastStatus: 400,
    attempts: 1,
    firstSentAt,
    secretId: 'sec_bad',
  });
  await queue.sendToDlq('{"secretIds": "not a list"}', {
    failureReason: 'invalid_message: secretIds must be an array of strings',
    attempts: 1,
    firstSentAt,
  });
}

describe('enqueue and publish', () => {
  it('enqueues one message per id with the producer library', async () => {
    const out = await runCli(['enqueue', 'sec_a', 'sec_b', '--queue-url', queueUrl, '--reason', 'cleanup'], { env });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`Enqueued 2 deletion requests on ${queueUrl}\n`);
    expect(aws.messages(nameOf(queueUrl)).map((m) => JSON.parse(m.body))).toEqual([
      { secretId: 'sec_a', origin: 'request', reason: 'cleanup' },
      { secretId: 'sec_b', origin: 'request', reason: 'cleanup' },
    ]);
  });

  it('refuses an invalid id with exit 2 and sends nothing', async () => {
    const out = await runCli(['enqueue', 'sec_a', 'no/slash', '--queue-url', queueUrl], { env });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('1 invalid secret id, nothing was sent: argument 2');
    expect(aws.messages(nameOf(queueUrl))).toHaveLength(0);
  });

  it('exits 1 in one line when the queue does not exist', async () => {
    const out = await runCli(['enqueue', 'sec_a', '--queue-url', `${aws.endpoint}/123456789012/no-such-queue`], {
      env,
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^error: expected all 1 ids to be enqueued, received 1 failures .*QueueDoesNotExist.*\n$/,
    );
  });

  it('publishes "Agent Removed" on EventBridge', async () => {
    const out = await runCli(['--json', 'publish', 'agent-removed', '--agent', 'agt_42', 'sec_a', 'sec_b'], { env });
    expect(out.code).toBe(0);
    expect(jsonOf(out)).toEqual({ eventId: expect.any(String), agentId: 'agt_42', secretIds: ['sec_a', 'sec_b'] });
    expect(aws.events.at(-1)).toEqual({
      EventBusName: 'default',
      Source: 'convai.secret-janitor',
      DetailType: 'Agent Removed',
      Detail: JSON.stringify({ agentId: 'agt_42', secretIds: ['sec_a', 'sec_b'] }),
    });
  });
});

describe('enqueue and publish for one workspace', () => {
  it('puts workspace "eu" in every body when enqueue has --workspace eu', async () => {
    const out = await runCli(['enqueue', 'sec_a', 'sec_b', '--queue-url', queueUrl, '--workspace', 'eu', '--json'], {
      env,
    });
    expect(out.code).toBe(0);
    expect(jsonOf(out)).toEqual({ queueUrl, workspace: 'eu', enqueued: 2, secretIds: ['sec_a', 'sec_b'] });
    expect(aws.messages(nameOf(queueUrl)).map((m) => JSON.parse(m.body))).toEqual([
      { secretId: 'sec_a', origin: 'request', workspace: 'eu' },
      { secretId: 'sec_b', origin: 'request', workspace: 'eu' },
    ]);
  });

  it('puts workspace "eu" in the detail when publish agent-removed has --workspace eu', async () => {
    const out = await runCli(['publish', 'agent-removed', '--agent', 'agt_7', '--workspace', 'eu', 'sec_a'], { env });
    expect(out.code).toBe(0);
    expect(aws.events.at(-1)?.Detail).toBe(JSON.stringify({ agentId: 'agt_7', secretIds: ['sec_a'], workspace: 'eu' }));
  });

  it('refuses a bad --workspace in one line with exit 2 and sends nothing', async () => {
    const events = aws.events.length;
    for (const args of [
      ['enqueue', 'sec_a', '--queue-url', queueUrl, '--workspace', 'eu west'],
      ['publish', 'agent-removed', '--agent', 'agt_7', '--workspace', 'eu west', 'sec_a'],
    ]) {
      const out = await runCli(args, { env });
      expect(out.code).toBe(2);
      expect(out.stderr).toBe(
        'error: --workspace must be 1-64 letters, digits, "_" or "-", starting with a letter or digit, received "eu west"\n',
      );
    }
    expect(aws.messages(nameOf(queueUrl))).toHaveLength(0);
    expect(aws.events).toHaveLength(events);
  });
});

describe('dlq', () => {
  it('lists messages with their reasons and leaves every one visible again', async () => {
    await workerDeadLetters();
    const out = await runCli(['dlq', 'list', '--queue-url', dlqUrl, '--json'], { env });
    expect(out.code).toBe(0);
    const doc = jsonOf<{ read: number; count: number; messages: Record<string, unknown>[] }>(out);
    expect(doc).toMatchObject({ read: 3, count: 3 });
    expect(doc.messages[0]).toEqual({
      messageId: expect.any(String),
      body: JSON.stringify({ secretId: 'sec_old', origin: 'request' }),
      secretId: 'sec_old',
      failureReason: 'horizon_exceeded: still in_use_deferred after 72 h',
      lastStatus: '422',
      attempts: 41,
      firstSentAt: expect.any(String),
      origin: 'request',
      sentAt: expect.any(Number),
      ageMs: expect.any(Number),
      receiveCount: 1,
    });
    expect(doc.messages[2]).toMatchObject({
      failureReason: 'invalid_message: secretIds must be an array of strings',
      lastStatus: 'none',
    });
    const messages = aws.messages(nameOf(dlqUrl));
    expect(messages).toHaveLength(3);
    for (const message of messages) expect(message.visibleAt).toBeLessThanOrEqual(Date.now());
    const human = await runCli(['dlq', 'list', '--queue-url', dlqUrl, '--reason', 'permanent'], { env });
    expect(human.stdout).toMatch(/sec_bad\s*│\s*permanent_error: HTTP 400\s*│\s*400\s*│\s*1\s*│/);
    expect(human.stdout).not.toContain('sec_old');
    expect(human.stdout).toContain('3 messages read (1 with a reason starting "permanent"); all are visible again');
  });

  it('moves back only the messages whose reason matches, and leaves the rest visible', async () => {
    await workerDeadLetters();
    const dry = await runCli(
      ['dlq', 'redrive', '--queue-url', dlqUrl, '--to', queueUrl, '--reason', 'horizon', '--dry-run'],
      {
        env,
      },
    );
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Dry run: 1 of 3 messages would move to ${queueUrl}; nothing moved`);
    expect(aws.messages(nameOf(queueUrl))).toHaveLength(0);

    const out = await runCli(
      ['dlq', 'redrive', '--queue-url', dlqUrl, '--to', queueUrl, '--reason', 'horizon', '--json'],
      {
        env,
      },
    );
    expect(out.code).toBe(0);
    expect(jsonOf(out)).toMatchObject({ read: 3, matched: 1, moved: 1, failed: 0, dryRun: false });
    expect(aws.messages(nameOf(queueUrl)).map((m) => m.body)).toEqual([
      JSON.stringify({ secretId: 'sec_old', origin: 'request' }),
    ]);
    const left = aws.messages(nameOf(dlqUrl));
    expect(left.map((m) => JSON.parse(m.body).secretId ?? null)).toEqual(['sec_bad', null]);
    for (const message of left) expect(message.visibleAt).toBeLessThanOrEqual(Date.now());
  });

  it('removes firstSentAt from a redriven body and sends every other body byte-identical', async () => {
    const queue = createQueueAdapter({ client, queueUrl, dlqUrl });
    const derived = {
      secretId: 'sec_child',
      origin: 'agent_removed',
      agentId: 'agt_1',
      firstSentAt: 1_767_225_600_000,
    };
    const plain = '{ "secretId": "sec_plain",  "origin": "request" }';
    const envelope = JSON.stringify({
      version: '0',
      'detail-type': 'Agent Removed',
      source: 'convai.secret-janitor',
      detail: { agentId: 'agt_2', secretIds: ['sec_e'], firstSentAt: 1_767_225_600_000 },
    });
    const reasons = { failureReason: 'horizon_exceeded: still in_use_deferred after 72 h', attempts: 3 };
    for (const body of [JSON.stringify(derived), plain, envelope, 'not json'])
      await queue.sendToDlq(body, { ...reasons, firstSentAt: new Date().toISOString() });

    const dry = await runCli(['dlq', 'redrive', '--queue-url', dlqUrl, '--to', queueUrl, '--dry-run', '--json'], {
      env,
    });
    expect(jsonOf(dry)).toMatchObject({ matched: 4, moved: 0, horizonReset: 1 });

    const out = await runCli(['dlq', 'redrive', '--queue-url', dlqUrl, '--to', queueUrl], { env });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      `Moved 4 of 4 matching messages to ${queueUrl}; 0 stay in the DLQ; 1 request started a new give-up horizon (firstSentAt removed)`,
    );
    const { firstSentAt: _, ...withoutHorizon } = derived;
    expect(aws.messages(nameOf(queueUrl)).map((m) => m.body)).toEqual([
      JSON.stringify(withoutHorizon),
      plain,
      envelope,
      'not json',
    ]);
  });

  it('counts messages that could not be sent and exits 1, keeping them in the DLQ', async () => {
    await workerDeadLetters();
    aws.failEntry = () => true;
    try {
      const out = await runCli(['dlq', 'redrive', '--queue-url', dlqUrl, '--to', queueUrl, '--json'], { env });
      expect(out.code).toBe(1);
      expect(jsonOf(out)).toMatchObject({ matched: 3, moved: 0, failed: 3 });
    } finally {
      aws.failEntry = undefined;
    }
    expect(aws.messages(nameOf(dlqUrl))).toHaveLength(3);
  });
});

describe('status, pause and resume', () => {
  const uuid = 'a1b2c3d4-0000-4000-8000-000000000001';

  function deployStack(name: string, withSweep: boolean) {
    aws.stacks.set(name, {
      [STACK_OUTPUTS.queueUrl]: queueUrl,
      [STACK_OUTPUTS.queueArn]: `arn:aws:sqs:${REGION}:123456789012:${nameOf(queueUrl)}`,
      [STACK_OUTPUTS.dlqUrl]: dlqUrl,
      [STACK_OUTPUTS.dlqArn]: `arn:aws:sqs:${REGION}:123456789012:${nameOf(dlqUrl)}`,
      [STACK_OUTPUTS.workerFunctionName]: 'janitor-worker',
      [STACK_OUTPUTS.eventSourceMappingId]: uuid,
      ...(withSweep
        ? {
            [STACK_OUTPUTS.marksTableName]: 'janitor-marks',
            [STACK_OUTPUTS.sweepScheduleName]: 'janitor-sweep',
            [STACK_OUTPUTS.sweepSchedule]: 'rate(1 day) UTC',
            [STACK_OUTPUTS.sweepMode]: 'report',
          }
        : {}),
    });
    aws.eventSourceMappings.set(uuid, { enabled: true });
  }

  it('shows depths, in flight, oldest age, the event source and the sweep', async () => {
    deployStack('Janitor', true);
    await workerDeadLetters();
    await createQueueAdapter({ client, queueUrl }).sendBatch([
      { id: 'm0', body: '{"secretId":"sec_q1"}' },
      { id: 'm1', body: '{"secretId":"sec_q2"}' },
    ]);
    const out = await runCli(['status', '--stack', 'Janitor', '--json'], { env });
    expect(out.code).toBe(0);
    expect(jsonOf(out)).toEqual({
      stack: 'Janitor',
      queue: { url: queueUrl, visible: 2, inFlight: 0, delayed: 0, oldestMessageAgeSeconds: expect.any(Number) },
      deadLetterQueue: { url: dlqUrl, visible: 3, inFlight: 0 },
      worker: { functionName: 'janitor-worker', eventSourceMapping: uuid, eventSourceState: 'Enabled' },
      sweep: {
        mode: 'report',
        schedule: 'rate(1 day) UTC',
        scheduleName: 'janitor-sweep',
        marksTable: 'janitor-marks',
      },
    });
    const human = await runCli(['status', '--stack', 'Janitor'], { env });
    expect(human.stdout).toMatch(/DLQ depth\s*│\s*3/);
    expect(human.stdout).toMatch(/Sweep\s*│\s*report, rate\(1 day\) UTC \(janitor-sweep\)/);
  });

  it('pauses and resumes the worker event source mapping', async () => {
    deployStack('Janitor', false);
    const paused = await runCli(['pause', '--stack', 'Janitor'], { env });
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(`Worker event source ${uuid}: Disabled.`);
    expect(aws.eventSourceMappings.get(uuid)).toEqual({ enabled: false });
    const status = jsonOf<{ worker: { eventSourceState: string }; sweep: unknown }>(
      await runCli(['status', '--stack', 'Janitor', '--json'], { env }),
    );
    expect(status.worker.eventSourceState).toBe('Disabled');
    expect(status.sweep).toBeNull();
    expect((await runCli(['resume', '--stack', 'Janitor'], { env })).code).toBe(0);
    expect(aws.eventSourceMappings.get(uuid)).toEqual({ enabled: true });
  });

  it("reads the workspace's prefixed outputs when status, pause and resume have --workspace eu", async () => {
    deployStack('Janitors', false);
    const euUuid = 'a1b2c3d4-0000-4000-8000-0000000000e0';
    const euQueue = aws.queueUrl(`eu-queue-${run}`);
    const euDlq = aws.queueUrl(`eu-dlq-${run}`);
    aws.stacks.set('Janitors', {
      ...aws.stacks.get('Janitors'),
      [`Eu${STACK_OUTPUTS.queueUrl}`]: euQueue,
      [`Eu${STACK_OUTPUTS.dlqUrl}`]: euDlq,
      [`Eu${STACK_OUTPUTS.workerFunctionName}`]: 'janitor-worker-eu',
      [`Eu${STACK_OUTPUTS.eventSourceMappingId}`]: euUuid,
    });
    aws.eventSourceMappings.set(euUuid, { enabled: true });
    await createQueueAdapter({ client, queueUrl: euQueue }).sendBatch([{ id: 'm0', body: '{"secretId":"sec_eu"}' }]);

    const paused = await runCli(['pause', '--stack', 'Janitors', '--workspace', 'eu'], { env });
    expect(paused.code).toBe(0);
    expect(aws.eventSourceMappings.get(euUuid)).toEqual({ enabled: false });
    expect(aws.eventSourceMappings.get(uuid)).toEqual({ enabled: true });

    const out = await runCli(['status', '--stack', 'Janitors', '--workspace', 'eu', '--json'], { env });
    expect(out.code).toBe(0);
    expect(jsonOf(out)).toEqual({
      stack: 'Janitors',
      workspace: 'eu',
      queue: { url: euQueue, visible: 1, inFlight: 0, delayed: 0, oldestMessageAgeSeconds: expect.any(Number) },
      deadLetterQueue: { url: euDlq, visible: 0, inFlight: 0 },
      worker: { functionName: 'janitor-worker-eu', eventSourceMapping: euUuid, eventSourceState: 'Disabled' },
      sweep: null,
    });
    const plain = jsonOf<{ queue: { url: string } }>(
      await runCli(['status', '--stack', 'Janitors', '--json'], { env }),
    );
    expect(plain.queue.url).toBe(queueUrl);
    expect((await runCli(['resume', '--stack', 'Janitors', '--workspace', 'eu'], { env })).code).toBe(0);
    expect(aws.eventSourceMappings.get(euUuid)).toEqual({ enabled: true });
  });

  it('exits 2 in one line naming the workspace and the queue outputs found when its outputs are missing', async () => {
    deployStack('Janitor', false);
    const out = await runCli(['status', '--stack', 'Janitor', '--workspace', 'us-east'], { env });
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      "error: stack Janitor has no outputs for workspace us-east: expected UseastQueueUrl, UseastDeadLetterQueueUrl, UseastWorkerEventSourceMappingId, found queue outputs QueueUrl (a stack's single or default janitor has unprefixed outputs: omit --workspace)\n",
    );
    const bad = await runCli(['pause', '--stack', 'Janitor', '--workspace', '-eu'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --workspace must be 1-64 letters.*received "-eu"\n$/);
    expect(aws.eventSourceMappings.get(uuid)).toEqual({ enabled: true });
  });

  it('exits 1 naming the stack when it does not exist, and 2 when no region is set', async () => {
    const missing = await runCli(['status', '--stack', 'Nope'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'error: DescribeStacks for stack Nope failed: ValidationError: Stack with id Nope does not exist\n',
    );
    const { AWS_REGION: _, ...noRegion } = env;
    const region = await runCli(['status', '--stack', 'Janitor'], { env: noRegion });
    expect(region.code).toBe(2);
    expect(region.stderr).toBe('error: no AWS region: set AWS_REGION (or AWS_PROFILE with a region)\n');
  });
});
