/** Properties of the readers of ElevenLabs answers: error bodies, status classification, `used_by`. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDelete, classifyRead } from '#core/classify.ts';
import { isRequestValidation, missingPermission, parseErrorBody } from '#core/error-body.ts';
import { summarizeUsage } from '#core/used-by.ts';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const RUNS = { numRuns: 300 };

/** Error bodies as a server (or a proxy in front of it) may send them. */
const texts = fc.string({ unit: 'binary', maxLength: 600 });
const details = fc.oneof(
  texts,
  fc.record(
    { code: fc.jsonValue(), type: fc.jsonValue(), status: fc.jsonValue(), message: fc.oneof(texts, fc.jsonValue()) },
    { requiredKeys: [] },
  ),
  fc.array(
    fc.oneof(
      fc.record(
        {
          loc: fc.array(fc.oneof(fc.string(), fc.integer(), fc.jsonValue()), { maxLength: 4 }),
          msg: fc.oneof(texts, fc.jsonValue()),
          type: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    { maxLength: 5 },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const bodies = fc.oneof(
  texts,
  fc.json({ maxDepth: 4 }),
  details.map((detail) => JSON.stringify({ detail })),
);
const statuses = fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer({ min: -1, max: 1000 }));
const retryAfters = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.nat().map(String),
  fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
);

describe('parseErrorBody (property)', () => {
  it('never throws and keeps every text at most 300 characters, whatever the body', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        const detail = parseErrorBody(body);
        for (const text of [detail.code, detail.type, detail.status, detail.message]) {
          if (text !== undefined) {
            expect(typeof text).toBe('string');
            expect(text.length).toBeLessThanOrEqual(300);
          }
        }
        for (const item of detail.validation ?? []) {
          expect(item.msg.length).toBeLessThanOrEqual(300);
          for (const part of item.loc) expect(['string', 'number']).toContain(typeof part);
        }
        expect(() => missingPermission(detail)).not.toThrow();
        expect(typeof isRequestValidation(detail)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('classifyDelete and classifyRead (property)', () => {
  it('never throw and give one known kind, deciding 2xx and 404 by the status alone', () => {
    fc.assert(
      fc.property(statuses, bodies, retryAfters, (status, body, retryAfter) => {
        const answer = { status, body, retryAfter };
        const result = classifyDelete(answer, NOW);
        expect(['deleted', 'already_gone', 'in_use', 'auth', 'transient', 'permanent']).toContain(result.kind);
        if (status >= 200 && status < 300) expect(result.kind).toBe('deleted');
        if (status === 404) expect(result.kind).toBe('already_gone');
        if (status === 401 || status === 403) expect(result.kind).toBe('auth');
        if (result.kind === 'transient' && result.retryAfterMs !== undefined) {
          expect(Number.isSafeInteger(result.retryAfterMs)).toBe(true);
          expect(result.retryAfterMs).toBeGreaterThanOrEqual(0);
        }
        const read = classifyRead(answer, NOW);
        expect(['ok', 'auth', 'transient', 'permanent']).toContain(read.kind);
        expect(read.kind === 'ok').toBe(status >= 200 && status < 300);
      }),
      { numRuns: 500 },
    );
  });
});

describe('summarizeUsage (property)', () => {
  const lists = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(
      fc.oneof(
        fc.string(),
        fc.record({ id: fc.jsonValue(), type: fc.jsonValue() }, { requiredKeys: [] }),
        fc.jsonValue(),
      ),
      { maxLength: 12 },
    ),
  );
  const flags = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 1 }));
  const usedBys = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        tools: lists,
        agents: lists,
        others: lists,
        phone_numbers: lists,
        mcp_servers: lists,
        tools_has_more: flags,
        agents_has_more: flags,
        phone_numbers_has_more: flags,
      },
      { requiredKeys: [] },
    ),
  );

  it('never throws, counts anything unreadable as a use, and calls a secret unused only when nothing holds it', () => {
    fc.assert(
      fc.property(usedBys, (usedBy) => {
        const usage = summarizeUsage(usedBy);
        if (usage.unreadable) expect(usage.inUse).toBe(true);
        if (!usage.inUse) {
          expect(usage.holders).toEqual({});
          expect(usage.hasMore).toEqual([]);
        }
        for (const names of Object.values(usage.holders)) {
          expect(names.length).toBeLessThanOrEqual(10);
          for (const name of names) expect(typeof name).toBe('string');
        }
      }),
      RUNS,
    );
  });
});
