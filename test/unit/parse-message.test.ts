import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, MAX_IDS_PER_REQUEST } from '#core/message-schemas.ts';
import { parseMessage, partitionIds } from '#core/parse-message.ts';
import {
  agentRemovedEvent,
  deletionRequestedEvent,
  envelopeBody,
  eventBridgeEvent,
} from '#test/helpers/eventbridge-events.ts';

const EVENT_ID = '6a7e8feb-b491-4cf7-a9f1-bf3703467718';
const ids = (count: number) => Array.from({ length: count }, (_, index) => `sec_${index}`);

/** The refusal parseMessage returns for a body, so its reason can be asserted as `.message`. */
function rejection(body: string): { message: string } {
  const parsed = parseMessage(body);
  if (parsed.kind !== 'invalid') throw new Error(`expected a refusal, parseMessage returned ${parsed.kind}`);
  return { message: parsed.reason };
}

describe('parseMessage', () => {
  describe('an EventBridge envelope', () => {
    it('returns a multi request with event provenance when the detail-type is "Agent Removed"', () => {
      const event = agentRemovedEvent(
        { agentId: 'agent_7', secretIds: ['sec_a', 'sec_b'], reason: 'agent deleted' },
        { id: EVENT_ID },
      );
      expect(parseMessage(envelopeBody(event))).toEqual({
        kind: 'multi',
        secretIds: ['sec_a', 'sec_b'],
        provenance: { origin: 'event', agentId: 'agent_7', eventId: EVENT_ID, reason: 'agent deleted' },
      });
    });

    it('leaves reason out of the provenance when the "Agent Removed" detail has none', () => {
      const event = agentRemovedEvent({ agentId: 'agent_7', secretIds: ['sec_a'] }, { id: EVENT_ID });
      const parsed = parseMessage(envelopeBody(event));
      expect(parsed.kind === 'multi' && parsed.provenance).toEqual({
        origin: 'event',
        agentId: 'agent_7',
        eventId: EVENT_ID,
      });
    });

    it('returns a multi request without agentId when the detail-type is "Secret Deletion Requested"', () => {
      const event = deletionRequestedEvent({ secretIds: ['sec_a'], reason: 'rotation' }, { id: EVENT_ID });
      expect(parseMessage(envelopeBody(event))).toEqual({
        kind: 'multi',
        secretIds: ['sec_a'],
        provenance: { origin: 'event', eventId: EVENT_ID, reason: 'rotation' },
      });
    });

    it('keeps ids that break the id pattern for partitionIds to refuse when the detail lists them', () => {
      const event = agentRemovedEvent({ agentId: 'agent_7', secretIds: ['sec_a', 'bad id', '../x'] });
      const parsed = parseMessage(envelopeBody(event));
      expect(parsed.kind === 'multi' && parsed.secretIds).toEqual(['sec_a', 'bad id', '../x']);
    });

    it('refuses naming the received type when the detail-type is unknown', () => {
      const event = eventBridgeEvent('Agent Deleted', { agentId: 'agent_7', secretIds: ['sec_a'] });
      const error = rejection(envelopeBody(event));
      expect(error.message).toContain('received "Agent Deleted"');
      expect(error.message).toContain('"Agent Removed"');
      expect(error.message).toContain('"Secret Deletion Requested"');
    });

    it('refuses naming the field when the detail has an unknown field', () => {
      const event = agentRemovedEvent({ agentId: 'agent_7', secretIds: ['sec_a'], force: true });
      expect(rejection(envelopeBody(event)).message).toMatch(/unknown field "force" in "Agent Removed" detail/);
    });

    it('refuses saying agentId is required when the "Agent Removed" detail has none', () => {
      const event = agentRemovedEvent({ secretIds: ['sec_a'] });
      expect(rejection(envelopeBody(event)).message).toContain(
        'agentId is required in "Agent Removed" detail, received nothing',
      );
    });

    it('refuses saying at least 1 id is needed when secretIds is empty', () => {
      const event = agentRemovedEvent({ agentId: 'agent_7', secretIds: [] });
      expect(rejection(envelopeBody(event)).message).toContain('secretIds must contain at least 1 id, received none');
    });

    it('refuses saying at most 1000 and the count received when secretIds has 1001 ids', () => {
      const event = agentRemovedEvent({ agentId: 'agent_7', secretIds: ids(MAX_IDS_PER_REQUEST + 1) });
      expect(rejection(envelopeBody(event)).message).toContain(
        'secretIds must contain at most 1000 ids, received 1001',
      );
    });

    it('accepts exactly 1000 ids when secretIds is at the limit', () => {
      const event = agentRemovedEvent({ agentId: 'agent_7', secretIds: ids(1000) });
      const parsed = parseMessage(envelopeBody(event));
      expect(parsed.kind === 'multi' && parsed.secretIds).toHaveLength(1000);
    });

    it('refuses saying only strings are allowed when secretIds contains a number', () => {
      const event = agentRemovedEvent({ agentId: 'agent_7', secretIds: ['sec_a', 42] });
      expect(rejection(envelopeBody(event)).message).toContain('secretIds must contain only strings');
    });

    it('refuses naming the limit when the detail reason is longer than 512 characters', () => {
      const event = deletionRequestedEvent({ secretIds: ['sec_a'], reason: 'x'.repeat(513) });
      expect(rejection(envelopeBody(event)).message).toContain('reason must be at most 512 characters, received 513');
    });

    it('refuses saying the detail must be an object when the detail is a string', () => {
      const event = agentRemovedEvent('sec_a');
      expect(rejection(envelopeBody(event)).message).toContain(
        '"Agent Removed" detail must be a JSON object, received "sec_a"',
      );
    });

    it('refuses saying the id must be a string when the envelope id is a number', () => {
      const event = { ...agentRemovedEvent({ agentId: 'agent_7', secretIds: ['sec_a'] }), id: 42 };
      expect(rejection(JSON.stringify(event)).message).toContain('EventBridge event id must be a string');
    });

    it('refuses naming the id key when the envelope has no id', () => {
      const { id: _id, ...withoutId } = agentRemovedEvent({ agentId: 'agent_7', secretIds: ['sec_a'] });
      expect(rejection(JSON.stringify(withoutId)).message).toBe(
        'id is required in the EventBridge event, received nothing',
      );
    });
  });

  describe('a multi-id request', () => {
    it('keeps origin "schedule" and eventId when a schedule sends them', () => {
      const body = JSON.stringify({
        secretIds: ['sec_a', 'sec_b'],
        origin: 'schedule',
        eventId: 'exec-42',
        reason: 'nightly list',
      });
      expect(parseMessage(body)).toEqual({
        kind: 'multi',
        secretIds: ['sec_a', 'sec_b'],
        provenance: { origin: 'schedule', eventId: 'exec-42', reason: 'nightly list' },
      });
    });

    it('defaults origin to "request" when the body has none', () => {
      const parsed = parseMessage(JSON.stringify({ secretIds: ['sec_a'], agentId: 'agent_7' }));
      expect(parsed.kind === 'multi' && parsed.provenance).toEqual({ origin: 'request', agentId: 'agent_7' });
    });

    it('refuses listing the allowed origins when origin is unknown', () => {
      const error = rejection(JSON.stringify({ secretIds: ['sec_a'], origin: 'cron' }));
      expect(error.message).toContain('origin must be one of request, event, schedule, sweep, received "cron"');
    });

    it('refuses naming the field when the body has an unknown field', () => {
      const error = rejection(JSON.stringify({ secretIds: ['sec_a'], secretId: 'sec_b' }));
      expect(error.message).toContain('unknown field "secretId" in the multi-id request');
    });

    it('refuses saying at most 1000 and the count received when the body has 1001 ids', () => {
      const error = rejection(JSON.stringify({ secretIds: ids(1001) }));
      expect(error.message).toContain('at most 1000 ids, received 1001');
    });
  });

  describe('a single request', () => {
    it('returns the request unchanged when the body carries one secretId', () => {
      const body = JSON.stringify({ secretId: 'sec_a', origin: 'sweep', reason: 'stale' });
      expect(parseMessage(body)).toEqual({
        kind: 'single',
        request: { secretId: 'sec_a', origin: 'sweep', reason: 'stale' },
      });
    });

    it('refuses naming the pattern when the single secretId is invalid', () => {
      const error = rejection(JSON.stringify({ secretId: 'bad id' }));
      expect(error.message).toContain('secretId must be 1-128 characters');
    });
  });

  describe('a body that is not an object', () => {
    it('refuses saying it received an array when the body is a JSON array', () => {
      expect(rejection('["sec_a","sec_b"]').message).toBe('body must be a JSON object, received an array');
    });

    it('refuses saying it received a string when the body is a JSON string', () => {
      expect(rejection('"sec_a"').message).toBe('body must be a JSON object, received a string');
    });

    it('refuses saying it received a number when the body is a JSON number', () => {
      expect(rejection('42').message).toBe('body must be a JSON object, received a number');
    });

    it('refuses saying it received null when the body is JSON null', () => {
      expect(rejection('null').message).toBe('body must be a JSON object, received null');
    });

    it('refuses saying it must be JSON when the body is not JSON', () => {
      expect(rejection('sec_a').message).toContain('body must be JSON');
    });
  });

  describe('JSON that JSON.parse reads silently', () => {
    it('refuses a secretId given twice instead of acting on the last one', () => {
      expect(rejection('{"secretId":"sec_a","secretId":"sec_b"}').message).toBe(
        'body must give each key once per object, received "secretId" twice',
      );
    });

    it('refuses a "__proto__" key in an EventBridge envelope, whose extra fields are otherwise ignored', () => {
      const body = envelopeBody(deletionRequestedEvent({ secretIds: ['sec_a'] })).replace('{', '{"__proto__":{"x":1},');
      expect(rejection(body).message).toBe(
        'body must not use the key "__proto__" anywhere: it names an object\'s prototype',
      );
    });

    it('refuses a lone surrogate in a free-text field', () => {
      expect(rejection('{"secretId":"sec_a","reason":"\\ud800"}').message).toBe(
        'body must be well-formed Unicode text, received a lone surrogate in "\\ud800"',
      );
    });

    it('refuses nesting deeper than any message format needs, without a stack overflow', () => {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      expect(rejection(`{"secretId":"sec_a","reason":${deep}}`).message).toBe(
        'body must nest objects and arrays at most 32 levels deep, received more',
      );
    });
  });
});

describe('partitionIds', () => {
  it('removes duplicates and keeps first-seen order when ids repeat', () => {
    expect(partitionIds(['sec_b', 'sec_a', 'sec_b', 'sec_c', 'sec_a']).valid).toEqual(['sec_b', 'sec_a', 'sec_c']);
  });

  it('returns no invalid entries when every id is valid', () => {
    expect(partitionIds(['sec_a', 'A-b_9', 'x'.repeat(128)]).invalid).toEqual([]);
  });

  it('lists each invalid id with a problem saying what was expected and received', () => {
    const { valid, invalid } = partitionIds(['sec_a', 'bad id', '../etc/passwd']);
    expect(valid).toEqual(['sec_a']);
    expect(invalid).toEqual([
      {
        secretId: '"bad id"',
        problem: 'secretId must be 1-128 characters of letters, digits, "_" or "-", received "bad id"',
      },
      {
        secretId: '"../etc/passwd"',
        problem: 'secretId must be 1-128 characters of letters, digits, "_" or "-", received "../etc/passwd"',
      },
    ]);
  });

  it('refuses the empty string when an id is empty', () => {
    expect(partitionIds(['']).invalid).toEqual([
      { secretId: '""', problem: 'secretId must be 1-128 characters of letters, digits, "_" or "-", received ""' },
    ]);
  });

  it('refuses an id of 129 characters when the id is one over the limit', () => {
    const { valid, invalid } = partitionIds(['x'.repeat(129)]);
    expect(valid).toEqual([]);
    expect(invalid).toHaveLength(1);
  });

  it('shows an invalid id escaped and shortened when it holds control characters and is long', () => {
    const [entry] = partitionIds([`evil\nline${'y'.repeat(200)}`]).invalid;
    expect(entry?.secretId).not.toContain('\n');
    expect(entry?.secretId.startsWith('"evil\\nline')).toBe(true);
    expect(entry?.secretId.length).toBeLessThanOrEqual(60);
    expect(entry?.problem).not.toContain('\n');
  });
});

describe('parseMessage with bodies that are not JSON or too large', () => {
  it('refuses a body that is not JSON and quotes it', () => {
    expect(parseMessage('secretId=abc')).toEqual({
      kind: 'invalid',
      reason: 'body must be JSON, received "secretId=abc"',
    });
  });

  it('refuses a body over MAX_BODY_BYTES and names both sizes', () => {
    const body = JSON.stringify({ secretId: 'abc', reason: 'x'.repeat(MAX_BODY_BYTES) });
    const bytes = Buffer.byteLength(body, 'utf8');
    expect(rejection(body).message).toBe(`body must be at most ${MAX_BODY_BYTES} bytes, received ${bytes} bytes`);
  });

  it('counts UTF-8 bytes rather than characters when checking the size', () => {
    // 100k three-byte characters: under the limit in characters, over it in bytes.
    const body = JSON.stringify({ secretId: 'abc', reason: '€'.repeat(100_000) });
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(rejection(body).message).toMatch(/^body must be at most/);
  });

  it('returns the parsed value when the body is JSON within the limit', () => {
    expect(parseMessage('{"secretId":"abc"}')).toEqual({ kind: 'single', request: { secretId: 'abc' } });
  });
});

describe('parseMessage against the janitor scope (event source and workspace)', () => {
  const eu = { eventSource: 'acme.platform', workspace: 'eu' };

  it('accepts an envelope from the configured source and carries its workspace into the provenance', () => {
    const event = eventBridgeEvent(
      'Agent Removed',
      { agentId: 'agent_7', secretIds: ['sec_a'], workspace: 'eu' },
      { source: 'acme.platform' },
    );
    expect(parseMessage(envelopeBody(event), eu)).toMatchObject({
      kind: 'multi',
      secretIds: ['sec_a'],
      provenance: { origin: 'event', agentId: 'agent_7', workspace: 'eu' },
    });
  });

  it('refuses an envelope from another source before reading its detail', () => {
    const event = eventBridgeEvent('Agent Removed', { agentId: 'agent_7', secretIds: ['sec_a'], workspace: 'eu' });
    expect(parseMessage(envelopeBody(event), eu)).toEqual({
      kind: 'invalid',
      reason:
        'EventBridge source must be "acme.platform" (this janitor\'s eventSource), received "convai.secret-janitor"',
    });
  });

  it('refuses a request for another workspace with both names', () => {
    const body = JSON.stringify({ secretId: 'sec_a', workspace: 'in' });
    expect(parseMessage(body, eu)).toEqual({
      kind: 'invalid',
      reason: 'workspace must be "eu" (this janitor\'s), received "in"',
    });
  });

  it('reads a message without workspace as one for the default workspace', () => {
    const body = JSON.stringify({ secretIds: ['sec_a'] });
    expect(parseMessage(body, eu)).toEqual({
      kind: 'invalid',
      reason: 'workspace must be "eu" (this janitor\'s), received "default"',
    });
    expect(parseMessage(body)).toMatchObject({ kind: 'multi', secretIds: ['sec_a'] });
  });

  it('accepts a single request naming its own workspace and keeps the field', () => {
    expect(parseMessage(JSON.stringify({ secretId: 'sec_a', workspace: 'eu' }), eu)).toEqual({
      kind: 'single',
      request: { secretId: 'sec_a', workspace: 'eu' },
    });
  });

  it('refuses a workspace name that is not 1-64 letters, digits, "_" or "-"', () => {
    expect(rejection(JSON.stringify({ secretId: 'sec_a', workspace: '../eu' })).message).toContain(
      'workspace must be 1-64 letters, digits, "_" or "-"',
    );
  });
});
