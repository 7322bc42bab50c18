import { describe, expect, it } from 'vitest';
import { childBodies, type EnqueueOptions, enqueueAll, SQS_BATCH_LIMIT } from '#core/enqueue.ts';
import { parseMessage } from '#core/parse-message.ts';
import type { BatchEntry, QueuePort } from '#core/ports.ts';
import { seededRandom } from '#sandbox/random.ts';
import { QueueError } from '#shared/errors.ts';

const bodies = (count: number) => Array.from({ length: count }, (_, index) => `{"secretId":"sec_${index}"}`);

/** What one sendBatch call does: fail some entries by id, or throw for the whole chunk. */
type Step = string[] | Error;

/** A sendBatch that records every call and answers from a script (the last step repeats; default: all sent). */
function fakeSendBatch(script: Step[] | ((entries: readonly BatchEntry[], call: number) => Step) = []) {
  const calls: BatchEntry[][] = [];
  const sendBatch: QueuePort['sendBatch'] = async (entries) => {
    calls.push(entries.map((entry) => ({ ...entry })));
    const step =
      typeof script === 'function'
        ? script(entries, calls.length - 1)
        : (script[Math.min(calls.length - 1, script.length - 1)] ?? []);
    if (step instanceof Error) throw step;
    return step;
  };
  return { sendBatch, calls };
}

function options(sendBatch: QueuePort['sendBatch'], extra: Partial<EnqueueOptions> = {}) {
  const sleeps: number[] = [];
  const enqueueOptions: EnqueueOptions = {
    queue: { sendBatch },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  };
  return { options: enqueueOptions, sleeps };
}

const bodiesOf = (call: BatchEntry[] | undefined) => (call ?? []).map((entry) => entry.body);

describe('childBodies', () => {
  it('writes one single-id body per id carrying the provenance when given several ids', () => {
    const provenance = { origin: 'event', reason: 'agent deleted', agentId: 'agent_7', eventId: 'ev-1' } as const;
    expect(childBodies(['sec_a', 'sec_b'], provenance).map((body) => JSON.parse(body))).toEqual([
      { secretId: 'sec_a', ...provenance },
      { secretId: 'sec_b', ...provenance },
    ]);
  });

  it('writes bodies the worker parses as single requests when read back', () => {
    const [body] = childBodies(['sec_a'], { origin: 'schedule', eventId: 'exec-1' });
    expect(parseMessage(body ?? '')).toEqual({
      kind: 'single',
      request: { secretId: 'sec_a', origin: 'schedule', eventId: 'exec-1' },
    });
  });
});

describe('enqueueAll', () => {
  it('sends 25 bodies in three SendMessageBatch calls of 10, 10 and 5 when every entry succeeds', async () => {
    const fake = fakeSendBatch();
    const result = await enqueueAll(bodies(25), options(fake.sendBatch).options);
    expect(fake.calls.map((call) => call.length)).toEqual([10, 10, 5]);
    expect(fake.calls.flat().map((entry) => entry.body)).toEqual(bodies(25));
    expect(result).toEqual({ enqueued: 25, failed: [] });
  });

  it('gives entries ids that are unique within each call when chunking', async () => {
    const fake = fakeSendBatch();
    await enqueueAll(bodies(25), options(fake.sendBatch).options);
    for (const call of fake.calls) expect(new Set(call.map((entry) => entry.id)).size).toBe(call.length);
  });

  it('makes no call when there is nothing to send', async () => {
    const fake = fakeSendBatch();
    expect(await enqueueAll([], options(fake.sendBatch).options)).toEqual({ enqueued: 0, failed: [] });
    expect(fake.calls).toEqual([]);
  });

  it('sends only the failed entries again when SendMessageBatch reports some as Failed', async () => {
    const fake = fakeSendBatch((entries, call) => (call === 0 ? [entries[2]?.id ?? '', entries[7]?.id ?? ''] : []));
    const all = bodies(10);
    const result = await enqueueAll(all, options(fake.sendBatch).options);
    expect(fake.calls).toHaveLength(2);
    expect(bodiesOf(fake.calls[1])).toEqual([all[2], all[7]]);
    expect(result).toMatchObject({ enqueued: 10, failed: [] });
  });

  it('sleeps before each resend and never before the first send when entries fail once', async () => {
    const fake = fakeSendBatch((entries, call) => (call === 0 ? [entries[0]?.id ?? ''] : []));
    const { options: enqueueOptions, sleeps } = options(fake.sendBatch);
    await enqueueAll(bodies(3), enqueueOptions);
    expect(sleeps).toHaveLength(1);
  });

  it('does not sleep when every entry is sent the first time', async () => {
    const fake = fakeSendBatch();
    const { options: enqueueOptions, sleeps } = options(fake.sendBatch);
    await enqueueAll(bodies(25), enqueueOptions);
    expect(sleeps).toEqual([]);
  });

  it('returns an entry in failed after three rounds when it keeps failing', async () => {
    const all = bodies(4);
    const fake = fakeSendBatch((entries) => entries.filter((entry) => entry.body === all[1]).map((entry) => entry.id));
    const result = await enqueueAll(all, options(fake.sendBatch).options);
    expect(fake.calls.map(bodiesOf)).toEqual([all, [all[1]], [all[1]]]);
    expect(result.enqueued).toBe(3);
    expect(result.failed).toEqual([all[1]]);
    expect(result.lastError).toBe('SendMessageBatch failed 1 entries');
  });

  it('tries as many rounds as maxRounds when an entry keeps failing', async () => {
    const fake = fakeSendBatch((entries) => entries.map((entry) => entry.id));
    const result = await enqueueAll(bodies(1), options(fake.sendBatch, { maxRounds: 5 }).options);
    expect(fake.calls).toHaveLength(5);
    expect(result.failed).toEqual(bodies(1));
  });

  it('sends the whole chunk again when the call throws a QueueError once', async () => {
    const fake = fakeSendBatch([new QueueError('expected SendMessageBatch to succeed, received TimeoutError'), []]);
    const all = bodies(10);
    const result = await enqueueAll(all, options(fake.sendBatch).options);
    expect(fake.calls.map(bodiesOf)).toEqual([all, all]);
    expect(result.enqueued).toBe(10);
    expect(result.failed).toEqual([]);
  });

  it('returns the chunk in failed with the error and its cause when the call throws a QueueError every round', async () => {
    const thrown = new QueueError('expected SendMessageBatch to succeed, received TimeoutError');
    const fake = fakeSendBatch([thrown]);
    const result = await enqueueAll(bodies(3), options(fake.sendBatch).options);
    expect(fake.calls).toHaveLength(3);
    expect(result).toEqual({
      enqueued: 0,
      failed: bodies(3),
      lastError: 'QueueError: expected SendMessageBatch to succeed, received TimeoutError',
      lastCause: thrown,
    });
  });

  it('rejects when the call throws something other than a QueueError', async () => {
    const fake = fakeSendBatch([new TypeError('bug in the adapter')]);
    await expect(enqueueAll(bodies(3), options(fake.sendBatch).options)).rejects.toThrow(TypeError);
  });

  it('still sends the later chunks when the first chunk keeps failing', async () => {
    const all = bodies(25);
    const firstChunk = new Set(all.slice(0, SQS_BATCH_LIMIT));
    const fake = fakeSendBatch((entries) =>
      entries.filter((entry) => firstChunk.has(entry.body)).map((entry) => entry.id),
    );
    const result = await enqueueAll(all, options(fake.sendBatch).options);
    expect(result.enqueued).toBe(15);
    expect(result.failed).toEqual(all.slice(0, SQS_BATCH_LIMIT));
    expect(fake.calls.flat().map((entry) => entry.body)).toEqual(expect.arrayContaining(all.slice(SQS_BATCH_LIMIT)));
  });

  it('loses no body when failures follow random patterns', async () => {
    const random = seededRandom(0x5eed);
    for (let trial = 0; trial < 300; trial += 1) {
      const count = Math.floor(random() * 45);
      const all = bodies(count).map((body, index) => `${body}#${trial}.${index}`);
      const maxRounds = 1 + Math.floor(random() * 4);
      const throwChance = random() * 0.4;
      const failChance = random() * 0.8;
      const delivered: string[] = [];
      const fake = fakeSendBatch((entries) => {
        if (random() < throwChance) return new QueueError('expected SendMessageBatch to succeed, received Throttling');
        const failed = entries.filter(() => random() < failChance);
        for (const entry of entries) if (!failed.includes(entry)) delivered.push(entry.body);
        return failed.map((entry) => entry.id);
      });
      const result = await enqueueAll(all, options(fake.sendBatch, { maxRounds }).options);
      const context = `trial ${trial}: ${count} bodies, ${maxRounds} rounds`;
      expect(result.enqueued + result.failed.length, context).toBe(count);
      expect(result.enqueued, context).toBe(delivered.length);
      expect([...delivered, ...result.failed].sort(), context).toEqual([...all].sort());
      expect(
        fake.calls.every((call) => call.length <= SQS_BATCH_LIMIT),
        context,
      ).toBe(true);
    }
  });
});
