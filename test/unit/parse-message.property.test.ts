import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_IDS_PER_REQUEST, ORIGINS, SECRET_ID_PATTERN } from '#core/message-schemas.ts';
import { parseMessage, partitionIds } from '#core/parse-message.ts';
import { agentRemovedEvent, deletionRequestedEvent, envelopeBody } from '#test/helpers/eventbridge-events.ts';

const RUNS = { numRuns: 300 };
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'.split('');

const validId = fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 128 });
/** Ids as hostile producers write them: valid, almost valid, or anything. */
const anyId = fc.oneof(
  validId,
  fc.tuple(validId, fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), validId).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 140 }),
);
const anyValue = fc.oneof(
  anyId,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyId, { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const KNOWN_KEYS = [
  'secretId',
  'secretIds',
  'reason',
  'origin',
  'agentId',
  'eventId',
  'firstSentAt',
  'detail-type',
  'detail',
  'id',
  'source',
];
/** Objects made of the fields the parser knows, unknown ones, and values of any type. */
const almostMessages = fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ maxLength: 10 })), anyValue, {
  maxKeys: 6,
});

/** Any body the queue may hold. */
const bodies = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.json({ maxDepth: 4 }),
  almostMessages.map((value) => JSON.stringify(value)),
  fc.record({ secretId: anyId }).map((value) => JSON.stringify(value)),
  fc.record({ secretIds: fc.array(anyId, { maxLength: 20 }) }).map((value) => JSON.stringify(value)),
  fc
    .tuple(fc.constantFrom('Agent Removed', 'Secret Deletion Requested', 'Other'), almostMessages)
    .map(([type, detail]) => envelopeBody({ ...deletionRequestedEvent(detail), 'detail-type': type })),
);

describe('parseMessage (property)', () => {
  it('never throws, and answers with a message or a refusal with a reason, whatever the body', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        const message = parseMessage(body);
        if (message.kind === 'invalid') {
          expect(message.reason.length).toBeGreaterThan(0);
        } else if (message.kind === 'single') {
          expect(message.request.secretId).toMatch(SECRET_ID_PATTERN);
        } else {
          expect(message.secretIds.length).toBeGreaterThanOrEqual(1);
          expect(message.secretIds.length).toBeLessThanOrEqual(MAX_IDS_PER_REQUEST);
          for (const id of message.secretIds) expect(typeof id).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads back every valid single request a producer can write', () => {
    const requests = fc.record(
      {
        secretId: validId,
        reason: fc.string({ maxLength: 512 }),
        origin: fc.constantFrom(...ORIGINS),
        agentId: fc.string({ minLength: 1, maxLength: 256 }),
        eventId: fc.string({ maxLength: 256 }),
        firstSentAt: fc.integer({ min: 1_577_836_800_000, max: 4_102_444_800_000 }),
      },
      { requiredKeys: ['secretId'] },
    );
    fc.assert(
      fc.property(requests, (request) => {
        expect(parseMessage(JSON.stringify(request))).toEqual({ kind: 'single', request });
      }),
      RUNS,
    );
  });

  it('reads back the ids of every valid multi-id request and event', () => {
    const idLists = fc.array(anyId, { minLength: 1, maxLength: 50 });
    fc.assert(
      fc.property(idLists, fc.string({ minLength: 1, maxLength: 20 }), (secretIds, agentId) => {
        for (const body of [
          JSON.stringify({ secretIds }),
          envelopeBody(deletionRequestedEvent({ secretIds })),
          envelopeBody(agentRemovedEvent({ agentId, secretIds })),
        ]) {
          const message = parseMessage(body);
          if (message.kind !== 'multi') {
            // Only a malformed string in the body can refuse a list of strings.
            expect(message).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/lone surrogate/) });
          } else {
            expect(message.secretIds).toEqual(secretIds);
          }
        }
      }),
      RUNS,
    );
  });

  it('refuses every single request whose id has a character outside letters, digits, "_" and "-"', () => {
    const hostile = fc
      .tuple(
        validId,
        fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
        fc.string({ unit: fc.constantFrom(...ID_CHARS), maxLength: 5 }),
      )
      .filter(([, inserted]) => /[^A-Za-z0-9_-]/.test(inserted))
      .map(([head, inserted, tail]) => `${head}${inserted}${tail}`);
    fc.assert(
      fc.property(hostile, (secretId) => {
        const message = parseMessage(JSON.stringify({ secretId }));
        expect(message).toMatchObject({
          kind: 'invalid',
          reason: expect.stringMatching(/^secretId must be|lone surrogate/),
        });
      }),
      RUNS,
    );
  });
});

describe('partitionIds (property)', () => {
  it('splits every list into valid ids (deduplicated, in order) and refused ids, losing none', () => {
    fc.assert(
      fc.property(fc.array(anyId, { maxLength: 40 }), (ids) => {
        const { valid, invalid } = partitionIds(ids);
        expect(valid).toEqual([...new Set(ids.filter((id) => SECRET_ID_PATTERN.test(id)))]);
        const refused = new Set(ids.filter((id) => !SECRET_ID_PATTERN.test(id)));
        expect(invalid).toHaveLength(refused.size);
        for (const entry of invalid) {
          expect(entry.secretId.length).toBeLessThanOrEqual(60);
          expect(entry.problem).toMatch(/^secretId must be/);
        }
      }),
      RUNS,
    );
  });
});
