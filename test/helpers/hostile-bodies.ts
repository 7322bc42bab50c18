/**
 * A corpus of hostile queue bodies: SQS messages a producer could send and EventBridge events a rule
 * could deliver, each of which the worker must refuse without calling ElevenLabs. Every case names
 * why it is hostile and what the refusal must say. The literals are written out on purpose.
 */
import { AGENT_REMOVED, DELETION_REQUESTED, envelopeBody, eventBridgeEvent } from '#test/helpers/eventbridge-events.ts';

export interface HostileCase {
  /** What is hostile about the body. */
  readonly name: string;
  readonly body: string;
  /** A producer's SQS message, or an EventBridge event delivered by the rule. */
  readonly via: 'sqs' | 'eventbridge';
  /**
   * `dlq`: the whole message is refused and moved to the DLQ as `invalid_message`.
   * `ids`: a multi-id message whose every id is refused one by one (a `refused` log line each).
   */
  readonly refusal: 'dlq' | 'ids';
  /** What the reason must say: a substring, or a pattern. */
  readonly reason: string | RegExp;
  /** Not refused yet: the check that will refuse it is still to be written. */
}

const ID_RULE = 'secretId must be 1-128 characters of letters, digits, "_" or "-"';
const EVENT_ID = '7f3c9a2e-1b4d-4e6f-8a0b-2c4d6e8f0a1b';
const TIME = '2026-11-26T12:00:00Z';

const json = (value: unknown) => JSON.stringify(value);
const ids = (count: number) => Array.from({ length: count }, (_, index) => `sec_${String(index).padStart(5, '0')}`);
const event = (detailType: string, detail: unknown, source?: string) =>
  envelopeBody(
    eventBridgeEvent(detailType, detail, { id: EVENT_ID, time: TIME, ...(source === undefined ? {} : { source }) }),
  );
/** An event with one envelope field replaced (or removed, with `undefined`). */
function envelopeWith(field: string, value: unknown): string {
  const envelope: Record<string, unknown> = {
    ...eventBridgeEvent(DELETION_REQUESTED, { secretIds: ['sec_a'] }, { id: EVENT_ID, time: TIME }),
  };
  if (value === undefined) delete envelope[field];
  else envelope[field] = value;
  return json(envelope);
}

/** Ids that must never reach a URL: path traversal, encoded separators, query, fragment, control and look-alike characters. */
const HOSTILE_IDS: readonly (readonly [string, string])[] = [
  ['path traversal "../"', '../etc/passwd'],
  ['a bare ".."', '..'],
  ['traversal inside an id', 'sec_a/../sec_b'],
  ['an encoded dot-dot "%2e%2e"', '%2e%2e'],
  ['an encoded traversal "%2e%2e%2f"', '%2e%2e%2fsec_b'],
  ['an encoded slash "%2F"', 'sec%2Fa'],
  ['a lowercase encoded slash "%2f"', 'sec%2fa'],
  ['an encoded NUL "%00"', 'sec_a%00'],
  ['a query "?"', 'sec_a?force=true'],
  ['a fragment "#"', 'sec_a#frag'],
  ['a CRLF', 'sec_a\r\n'],
  ['a CRLF header injection', 'sec_a\r\nX-Injected: 1'],
  ['a NUL byte', 'sec_a\u0000'],
  ['only a NUL byte', '\u0000'],
  ['a trailing newline', 'sec_a\n'],
  ['a trailing space', 'sec_a '],
  ['a leading space', ' sec_a'],
  ['a trailing tab', 'sec_a\t'],
  ['a trailing no-break space', 'sec_a\u00a0'],
  ['a zero-width space', 'sec_a\u200b'],
  ['a Cyrillic "а" look-alike', 'sec_\u0430'],
  ['Cyrillic "ѕ", "е" and "с" look-alikes', '\u0455\u0435\u0441_a'],
  ['fullwidth look-alikes', '\uff53\uff45\uff43\uff3f\uff41'],
  ['a Unicode hyphen look-alike', 'sec\u2010a'],
  ['a combining accent', 'sec_a\u0301'],
  ['a slash', 'sec/a'],
  ['a backslash', 'sec\\a'],
  ['a dot', 'sec.a'],
  ['an inner space', 'sec a'],
  ['an API path', '/v1/convai/secrets/sec_a'],
  ['a shell command', 'sec_a;rm -rf'],
  ['an empty string', ''],
  ['129 characters', 'a'.repeat(129)],
];

const singleIdCases: HostileCase[] = HOSTILE_IDS.map(([what, secretId]) => ({
  name: `single request: secretId with ${what}`,
  body: json({ secretId }),
  via: 'sqs',
  refusal: 'dlq',
  reason: ID_RULE,
}));

const typeCases: HostileCase[] = [
  { name: 'secretId is a number', body: '{"secretId":12345}', reason: 'secretId must be a string, received a number' },
  {
    name: 'secretId is an array',
    body: '{"secretId":["sec_a"]}',
    reason: 'secretId must be a string, received an array',
  },
  {
    name: 'secretId is an object',
    body: '{"secretId":{"id":"sec_a"}}',
    reason: 'secretId must be a string, received an object',
  },
  { name: 'secretId is null', body: '{"secretId":null}', reason: 'secretId must be a string, received null' },
  { name: 'secretId is a boolean', body: '{"secretId":true}', reason: 'secretId must be a string, received a boolean' },
  {
    name: 'reason is an array',
    body: '{"secretId":"sec_a","reason":["x"]}',
    reason: 'reason must be a string, received an array',
  },
  {
    name: 'reason is longer than 512 characters',
    body: json({ secretId: 'sec_a', reason: 'r'.repeat(513) }),
    reason: 'reason must be at most 512 characters, received 513',
  },
  {
    name: 'origin is not one of the known origins',
    body: '{"secretId":"sec_a","origin":"admin"}',
    reason: 'origin must be one of request, event, schedule, sweep, received "admin"',
  },
  {
    name: 'origin is an array',
    body: '{"secretId":"sec_a","origin":["sweep"]}',
    reason: 'origin must be one of request, event, schedule, sweep, received an array',
  },
  {
    name: 'firstSentAt is a date string',
    body: '{"secretId":"sec_a","firstSentAt":"2026-01-01"}',
    reason: 'firstSentAt must be epoch milliseconds, received "2026-01-01"',
  },
  {
    name: 'firstSentAt overflows to Infinity',
    body: '{"secretId":"sec_a","firstSentAt":1e400}',
    reason: 'firstSentAt must be a whole number',
  },
  {
    name: 'an unknown field',
    body: '{"secretId":"sec_a","admin":true}',
    reason: 'unknown field "admin" in the deletion request',
  },
  {
    name: 'a field name in the wrong case',
    body: '{"SecretId":"sec_a"}',
    reason: 'secretId is required in the deletion request',
  },
  {
    name: 'a snake_case field name',
    body: '{"secret_id":"sec_a"}',
    reason: 'secretId is required in the deletion request',
  },
  {
    name: 'a field name with a Greek "Ι" look-alike',
    body: '{"secret\u0399d":"sec_a"}',
    reason: 'secretId is required in the deletion request',
  },
  {
    name: 'a "detail-type" with a Unicode hyphen look-alike',
    body: json({ 'detail\u2010type': AGENT_REMOVED, secretId: 'sec_a' }),
    reason: 'unknown field "detail‐type"',
  },
].map((item) => ({ ...item, via: 'sqs', refusal: 'dlq' }));

const multiCases: HostileCase[] = [
  { name: 'secretIds is a string', body: '{"secretIds":"sec_a"}', reason: 'secretIds must be an array of strings' },
  { name: 'secretIds holds numbers', body: '{"secretIds":[1,2]}', reason: 'secretIds must contain only strings' },
  {
    name: 'secretIds holds an array',
    body: '{"secretIds":[["sec_a"]]}',
    reason: 'secretIds must contain only strings',
  },
  { name: 'secretIds holds null', body: '{"secretIds":[null]}', reason: 'secretIds must contain only strings' },
  {
    name: 'secretIds is empty',
    body: '{"secretIds":[]}',
    reason: 'secretIds must contain at least 1 id, received none',
  },
  {
    name: '1,001 ids',
    body: json({ secretIds: ids(1001) }),
    reason: 'secretIds must contain at most 1000 ids, received 1001',
  },
  {
    name: '10,000 ids',
    body: json({ secretIds: ids(10_000) }),
    reason: 'secretIds must contain at most 1000 ids, received 10000',
  },
  {
    name: 'secretIds and secretId together',
    body: '{"secretIds":["sec_a"],"secretId":"sec_b"}',
    reason: 'unknown field "secretId" in the multi-id request',
  },
].map((item) => ({ ...item, via: 'sqs', refusal: 'dlq' }));

const everyIdHostile: HostileCase = {
  name: 'multi-id request whose every id is hostile',
  body: json({ secretIds: HOSTILE_IDS.map(([, secretId]) => secretId), reason: 'cleanup' }),
  via: 'sqs',
  refusal: 'ids',
  reason: ID_RULE,
};

const DEEP = 100_000;
const structureCases: HostileCase[] = [
  {
    name: 'a body over 256 KiB',
    body: json({ secretId: 'sec_a', reason: 'x'.repeat(262_144) }),
    reason: /body must be at most 262144 bytes, received 26\d{4} bytes$/,
  },
  {
    name: 'a body over 256 KiB in 3-byte characters',
    body: json({ secretId: 'sec_a', reason: '€'.repeat(90_000) }),
    reason: 'body must be at most 262144 bytes, received 270',
  },
  {
    name: 'arrays nested 100,000 deep',
    body: `{"secretId":"sec_a","reason":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`,
    reason: 'body must nest objects and arrays at most 32 levels deep',
  },
  {
    name: 'objects nested 40,000 deep',
    body: `{"secretId":"sec_a","reason":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}}`,
    reason: 'body must nest objects and arrays at most 32 levels deep',
  },
  {
    name: 'nesting one level too deep',
    body: `${'{"a":'.repeat(33)}1${'}'.repeat(33)}`,
    reason: 'at most 32 levels deep',
  },
  {
    name: 'a "__proto__" key beside secretId',
    body: '{"secretId":"sec_a","__proto__":{"origin":"sweep"}}',
    reason: 'body must not use the key "__proto__" anywhere',
  },
  {
    name: 'secretId only under "__proto__"',
    body: '{"__proto__":{"secretId":"sec_a"}}',
    reason: 'body must not use the key "__proto__" anywhere',
  },
  {
    name: 'a "constructor.prototype" key',
    body: '{"secretId":"sec_a","constructor":{"prototype":{"polluted":true}}}',
    reason: 'body must not use the key "constructor" anywhere',
  },
  {
    name: 'a "prototype" key in a multi-id request',
    body: '{"secretIds":["sec_a"],"prototype":1}',
    reason: 'body must not use the key "prototype" anywhere',
  },
  {
    name: 'a "__proto__" key written with a \\u escape',
    body: '{"secretId":"sec_a","\\u005f_proto__":{}}',
    reason: 'body must not use the key "__proto__" anywhere',
  },
  {
    name: 'a "__proto__" key deep in a reason object',
    body: '{"secretId":"sec_a","reason":{"x":{"__proto__":{}}}}',
    reason: 'body must not use the key "__proto__" anywhere',
  },
  {
    name: 'secretId given twice',
    body: '{"secretId":"sec_a","secretId":"sec_b"}',
    reason: 'body must give each key once per object, received "secretId" twice',
  },
  {
    name: 'secretId given twice, once with a \\u escape',
    body: '{"secretId":"sec_a","secret\\u0049d":"sec_b"}',
    reason: 'received "secretId" twice',
  },
  {
    name: 'origin given twice',
    body: '{"secretId":"sec_a","origin":"request","origin":"sweep"}',
    reason: 'received "origin" twice',
  },
  {
    name: 'secretIds given twice',
    body: '{"secretIds":["sec_a"],"secretIds":["sec_b"]}',
    reason: 'received "secretIds" twice',
  },
  {
    name: 'a byte order mark before the JSON',
    body: '\ufeff{"secretId":"sec_a"}',
    reason: 'body must be JSON without a byte order mark (U+FEFF)',
  },
  {
    name: 'a lone high surrogate (escaped) in reason',
    body: '{"secretId":"sec_a","reason":"a\\ud800b"}',
    reason: 'body must be well-formed Unicode text, received a lone surrogate',
  },
  {
    name: 'a lone low surrogate (escaped) in agentId',
    body: '{"secretId":"sec_a","agentId":"\\udc00"}',
    reason: 'lone surrogate',
  },
  {
    name: 'a raw lone surrogate in reason',
    body: '{"secretId":"sec_a","reason":"a\ud800b"}',
    reason: 'lone surrogate',
  },
  { name: 'a lone surrogate in secretId', body: '{"secretId":"sec_\\ud800"}', reason: 'lone surrogate' },
  { name: 'a lone surrogate in a key', body: '{"secretId":"sec_a","\\udbff":1}', reason: 'lone surrogate' },
].map((item) => ({ ...item, via: 'sqs', refusal: 'dlq' }));

const notJsonCases: HostileCase[] = [
  { name: 'an empty body', body: '', reason: 'body must be JSON, received ""' },
  { name: 'whitespace only', body: '   \n', reason: 'body must be JSON' },
  { name: 'a bare id', body: 'sec_a', reason: 'body must be JSON, received "sec_a"' },
  { name: 'truncated JSON', body: '{"secretId":"sec_a"', reason: 'body must be JSON' },
  { name: 'single-quoted JSON', body: "{'secretId':'sec_a'}", reason: 'body must be JSON' },
  { name: 'a trailing comma', body: '{"secretId":"sec_a",}', reason: 'body must be JSON' },
  { name: 'form encoding', body: 'secretId=sec_a', reason: 'body must be JSON' },
  { name: 'XML', body: '<secretId>sec_a</secretId>', reason: 'body must be JSON' },
  { name: 'two JSON objects in a row', body: '{"secretId":"sec_a"}{"secretId":"sec_b"}', reason: 'body must be JSON' },
  { name: 'a comment after the JSON', body: '{"secretId":"sec_a"} // delete', reason: 'body must be JSON' },
  { name: 'NaN', body: 'NaN', reason: 'body must be JSON' },
  { name: 'JSON null', body: 'null', reason: 'body must be a JSON object, received null' },
  { name: 'a JSON array of ids', body: '["sec_a"]', reason: 'body must be a JSON object, received an array' },
  { name: 'a JSON string', body: '"sec_a"', reason: 'body must be a JSON object, received a string' },
  { name: 'a JSON number', body: '42', reason: 'body must be a JSON object, received a number' },
  { name: 'a JSON boolean', body: 'true', reason: 'body must be a JSON object, received a boolean' },
].map((item) => ({ ...item, via: 'sqs', refusal: 'dlq' }));

const eventCases: HostileCase[] = [
  {
    name: 'an unknown detail-type',
    body: event('Agent Deleted', { agentId: 'agt_1', secretIds: ['sec_a'] }),
    reason: 'detail-type must be "Agent Removed" or "Secret Deletion Requested", received "Agent Deleted"',
  },
  {
    name: 'detail-type in lower case',
    body: event('agent removed', { agentId: 'agt_1', secretIds: ['sec_a'] }),
    reason: 'received "agent removed"',
  },
  {
    name: 'detail-type with a trailing space',
    body: event('Agent Removed ', { agentId: 'agt_1', secretIds: ['sec_a'] }),
    reason: 'received "Agent Removed "',
  },
  {
    name: 'detail-type with a Cyrillic "е" look-alike',
    body: event('Agent R\u0435moved', { agentId: 'agt_1', secretIds: ['sec_a'] }),
    reason: 'received "Agent Rеmoved"',
  },
  {
    name: 'detail-type is a number',
    body: envelopeWith('detail-type', 42),
    reason: 'EventBridge detail-type must be a string',
  },
  {
    name: 'detail-type is an array',
    body: envelopeWith('detail-type', [DELETION_REQUESTED]),
    reason: 'EventBridge detail-type must be a string',
  },
  {
    name: 'detail is missing',
    body: envelopeWith('detail', undefined),
    reason: 'detail is required in the EventBridge event, received nothing',
  },
  {
    name: 'detail is JSON text, not an object',
    body: envelopeWith('detail', '{"secretIds":["sec_a"]}'),
    reason: 'detail must be a JSON object, received "{',
  },
  { name: 'detail is null', body: envelopeWith('detail', null), reason: 'detail must be a JSON object, received null' },
  {
    name: 'Agent Removed without agentId',
    body: event(AGENT_REMOVED, { secretIds: ['sec_a'] }),
    reason: 'agentId is required in "Agent Removed" detail',
  },
  {
    name: 'agentId is a number',
    body: event(AGENT_REMOVED, { agentId: 42, secretIds: ['sec_a'] }),
    reason: 'agentId must be a string',
  },
  {
    name: 'agentId is empty',
    body: event(AGENT_REMOVED, { agentId: '', secretIds: ['sec_a'] }),
    reason: 'agentId must not be empty',
  },
  {
    name: 'agentId is 257 characters',
    body: event(AGENT_REMOVED, { agentId: 'a'.repeat(257), secretIds: ['sec_a'] }),
    reason: 'agentId must be at most 256 characters, received 257',
  },
  {
    name: 'a secretId in the detail',
    body: event(DELETION_REQUESTED, { secretIds: ['sec_a'], secretId: 'sec_b' }),
    reason: 'unknown field "secretId" in "Secret Deletion Requested" detail',
  },
  {
    name: 'detail secretIds is a string',
    body: event(DELETION_REQUESTED, { secretIds: 'sec_a' }),
    reason: 'secretIds must be an array of strings',
  },
  {
    name: 'detail secretIds holds numbers',
    body: event(DELETION_REQUESTED, { secretIds: [1, 2, 3] }),
    reason: 'secretIds must contain only strings',
  },
  {
    name: 'detail with 1,001 ids',
    body: event(DELETION_REQUESTED, { secretIds: ids(1001) }),
    reason: 'secretIds must contain at most 1000 ids, received 1001',
  },
  {
    name: 'detail with 10,000 ids',
    body: event(AGENT_REMOVED, { agentId: 'agt_1', secretIds: ids(10_000) }),
    reason: 'secretIds must contain at most 1000 ids, received 10000',
  },
  { name: 'event id missing', body: envelopeWith('id', undefined), reason: 'id is required in the EventBridge event' },
  { name: 'event id empty', body: envelopeWith('id', ''), reason: 'EventBridge event id must not be empty' },
  { name: 'event id is a number', body: envelopeWith('id', 7), reason: 'EventBridge event id must be a string' },
  {
    name: 'event id of 257 characters',
    body: envelopeWith('id', 'e'.repeat(257)),
    reason: 'EventBridge event id must be at most 256 characters, received 257',
  },
  { name: 'source is a number', body: envelopeWith('source', 42), reason: 'EventBridge source must be a string' },
  {
    name: 'source missing',
    body: envelopeWith('source', undefined),
    reason: 'source is required in the EventBridge event',
  },
  {
    name: 'a "__proto__" key in the envelope',
    body: envelopeWith('detail', { secretIds: ['sec_a'] }).replace(
      '{"version"',
      '{"__proto__":{"polluted":true},"version"',
    ),
    reason: 'body must not use the key "__proto__" anywhere',
  },
  {
    name: 'a "constructor" key in the detail',
    body: event(DELETION_REQUESTED, { secretIds: ['sec_a'], constructor: { prototype: {} } }),
    reason: 'body must not use the key "constructor" anywhere',
  },
  {
    name: 'detail-type given twice',
    body: event(AGENT_REMOVED, { agentId: 'agt_1', secretIds: ['sec_a'] }).replace(
      '"detail-type":',
      `"detail-type":"${DELETION_REQUESTED}","detail-type":`,
    ),
    reason: 'received "detail-type" twice',
  },
  {
    name: 'detail secretIds given twice',
    body: event(DELETION_REQUESTED, { secretIds: ['sec_a'] }).replace(
      '"secretIds":',
      '"secretIds":["sec_b"],"secretIds":',
    ),
    reason: 'received "secretIds" twice',
  },
  {
    name: 'detail nested 40 deep',
    body: event(DELETION_REQUESTED, JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`)),
    reason: 'at most 32 levels deep',
  },
  {
    name: 'a lone surrogate in the detail reason',
    body: event(DELETION_REQUESTED, { secretIds: ['sec_a'], reason: 'x\ud800' }),
    reason: 'lone surrogate',
  },
].map((item) => ({ ...item, via: 'eventbridge', refusal: 'dlq' }));

const everyEventIdHostile: HostileCase = {
  name: 'Agent Removed event whose every id is hostile',
  body: event(AGENT_REMOVED, { agentId: 'agt_1', secretIds: HOSTILE_IDS.map(([, secretId]) => secretId) }),
  via: 'eventbridge',
  refusal: 'ids',
  reason: ID_RULE,
};

/** Events from a source the rule does not listen to: forged, since only the janitor's rule delivers events. */
const sourceCases: HostileCase[] = [
  { name: 'a foreign source', body: event(DELETION_REQUESTED, { secretIds: ['sec_a'] }, 'evil.example') },
  { name: 'an AWS source', body: event(DELETION_REQUESTED, { secretIds: ['sec_a'] }, 'aws.events') },
  {
    name: 'the source with a Unicode hyphen look-alike',
    body: event(AGENT_REMOVED, { agentId: 'agt_1', secretIds: ['sec_a'] }, 'convai.secret\u2010janitor'),
  },
  {
    name: 'the source in upper case',
    body: event(AGENT_REMOVED, { agentId: 'agt_1', secretIds: ['sec_a'] }, 'CONVAI.SECRET-JANITOR'),
  },
  { name: 'an empty source', body: event(DELETION_REQUESTED, { secretIds: ['sec_a'] }, '') },
].map((item) => ({
  ...item,
  via: 'eventbridge',
  refusal: 'dlq',
  reason: 'EventBridge source must be "convai.secret-janitor"',
}));

/** Requests for another workspace: this janitor's key would answer 404 for them, a deletion silently missed. */
const workspaceCases: HostileCase[] = [
  {
    name: 'a single request for another workspace',
    body: JSON.stringify({ secretId: 'sec_a', workspace: 'eu' }),
    via: 'sqs' as const,
  },
  {
    name: 'a multi-id request for another workspace',
    body: JSON.stringify({ secretIds: ['sec_a', 'sec_b'], workspace: 'eu' }),
    via: 'sqs' as const,
  },
  {
    name: 'an Agent Removed event for another workspace',
    body: event(AGENT_REMOVED, { agentId: 'agt_1', secretIds: ['sec_a'], workspace: 'eu' }),
    via: 'eventbridge' as const,
  },
  {
    name: 'a workspace that differs only in case',
    body: JSON.stringify({ secretId: 'sec_a', workspace: 'Default' }),
    via: 'sqs' as const,
  },
].map((item) => ({ ...item, refusal: 'dlq', reason: 'workspace must be "default" (this janitor\'s), received' }));

export const HOSTILE_CASES: readonly HostileCase[] = [
  ...workspaceCases,
  ...singleIdCases,
  ...typeCases,
  ...multiCases,
  everyIdHostile,
  ...structureCases,
  ...notJsonCases,
  ...eventCases,
  everyEventIdHostile,
  ...sourceCases,
];
