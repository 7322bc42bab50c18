/**
 * The message formats the queue accepts, as valibot schemas: the one description that the worker
 * parses with, the producers validate with, and `schemas/*.json` are generated from.
 */
import * as v from 'valibot';
import { cutText } from '#core/cut-text.ts';
import { RequestValidationError } from '#shared/errors.ts';

/** Upper bound of a message body we accept, in UTF-8 bytes. */
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_REASON_LENGTH = 512;

/** Letters, digits, `_` and `-`, 1–128 characters. Everything else never reaches a URL. */
export const SECRET_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const ORIGINS = ['request', 'event', 'schedule', 'sweep'] as const;
export type Origin = (typeof ORIGINS)[number];

/** A short, log-safe description of a received value for error messages. */
export function received(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(cutText(input, 41));
  if (input === null) return 'null';
  if (input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}

export const SecretIdSchema = v.pipe(
  v.string((issue) => `secretId must be a string, received ${received(issue.input)}`),
  v.regex(
    SECRET_ID_PATTERN,
    (issue) => `secretId must be 1-128 characters of letters, digits, "_" or "-", received ${received(issue.input)}`,
  ),
);

export const ReasonSchema = v.pipe(
  v.string((issue) => `reason must be a string, received ${received(issue.input)}`),
  v.maxLength(
    MAX_REASON_LENGTH,
    (issue) => `reason must be at most ${MAX_REASON_LENGTH} characters, received ${issue.received}`,
  ),
);

export const OriginSchema = v.picklist(
  ORIGINS,
  (issue) => `origin must be one of ${ORIGINS.join(', ')}, received ${received(issue.input)}`,
);

/**
 * The message of a strict object schema. Valibot reports three things through it: the input is not
 * an object, a required key is missing (`expected` is the key), or a key is unknown (`expected` is
 * `never`). Each gets its own sentence.
 */
export function objectMessage(what: string, allowed: readonly string[]) {
  return (issue: v.BaseIssue<unknown>): string => {
    const key = issue.path?.at(-1)?.key;
    if (issue.expected === 'never') {
      return `unknown field ${JSON.stringify(key)} in ${what}; allowed: ${allowed.join(', ')}`;
    }
    if (key !== undefined && issue.input === undefined)
      return `${String(key)} is required in ${what}, received nothing`;
    return `${what} must be a JSON object, received ${received(issue.input)}`;
  };
}

/**
 * Epoch ms when the original request entered the queue. The janitor sets it on the messages it
 * derives (fan-out, requeue), so the give-up horizon counts from the request, not the copy.
 */
export const FirstSentAtSchema = v.pipe(
  v.number((issue) => `firstSentAt must be epoch milliseconds, received ${received(issue.input)}`),
  v.integer('firstSentAt must be a whole number of epoch milliseconds'),
  v.minValue(1_577_836_800_000, 'firstSentAt must be epoch milliseconds after 2020-01-01'),
);

/** The workspace of a janitor, and of a message or event that names none. */
export const DEFAULT_WORKSPACE = 'default';
export const WORKSPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Which ElevenLabs workspace (one janitor each) a request is for; absent means `default`. */
export const WorkspaceSchema = v.pipe(
  v.string((issue) => `workspace must be a string, received ${received(issue.input)}`),
  v.regex(
    WORKSPACE_PATTERN,
    (issue) =>
      `workspace must be 1-64 letters, digits, "_" or "-", starting with a letter or digit, received ${received(issue.input)}`,
  ),
);

/** Epoch ms of the sweep mark a sweep message was decided on; the worker deletes only if it still matches. */
export const FirstSeenUnusedAtSchema = v.pipe(
  v.number((issue) => `firstSeenUnusedAt must be epoch milliseconds, received ${received(issue.input)}`),
  v.integer('firstSeenUnusedAt must be a whole number of epoch milliseconds'),
  v.minValue(1_577_836_800_000, 'firstSeenUnusedAt must be epoch milliseconds after 2020-01-01'),
);

const DELETION_REQUEST_KEYS = [
  'secretId',
  'reason',
  'origin',
  'agentId',
  'eventId',
  'firstSentAt',
  'runId',
  'firstSeenUnusedAt',
  'workspace',
] as const;

/** The message a producer sends to the queue: one secret to delete. */
export const DeletionRequestSchema = v.strictObject(
  {
    secretId: SecretIdSchema,
    reason: v.optional(ReasonSchema),
    origin: v.optional(OriginSchema),
    agentId: v.optional(v.pipe(v.string(), v.maxLength(256))),
    eventId: v.optional(v.pipe(v.string(), v.maxLength(256))),
    firstSentAt: v.optional(FirstSentAtSchema),
    /** Sweep messages only: the run that decided, and the mark it decided on. */
    runId: v.optional(v.pipe(v.string('runId must be a string'), v.minLength(1), v.maxLength(256))),
    firstSeenUnusedAt: v.optional(FirstSeenUnusedAtSchema),
    workspace: v.optional(WorkspaceSchema),
  },
  objectMessage('the deletion request', DELETION_REQUEST_KEYS),
);

export type DeletionRequest = v.InferOutput<typeof DeletionRequestSchema>;

/** Flattens valibot issues into one sentence. */
export function formatIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path && !issue.message.startsWith(path.split('.').pop() ?? '')
        ? `${path}: ${issue.message}`
        : issue.message;
    })
    .join('; ');
}

/** Validates any value against a schema; throws RequestValidationError naming every problem. */
export function validate<S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (!result.success) throw new RequestValidationError(formatIssues(result.issues));
  return result.output;
}

/** Returns the reason a secret id is invalid, or undefined when it is valid. */
export function secretIdProblem(value: unknown): string | undefined {
  const result = v.safeParse(SecretIdSchema, value);
  return result.success ? undefined : formatIssues(result.issues);
}

/** Largest number of secret ids one event, schedule or multi-id message may carry. */
export const MAX_IDS_PER_REQUEST = 1000;

export const DETAIL_TYPES = { agentRemoved: 'Agent Removed', deletionRequested: 'Secret Deletion Requested' } as const;

/** The default EventBridge `source` the rule listens to (configurable in the construct). */
export const DEFAULT_EVENT_SOURCE = 'convai.secret-janitor';

/**
 * Ids are checked one by one later, so that one bad id does not block the others:
 * here they only have to be strings, and not too many.
 */
const SecretIdListSchema = v.pipe(
  v.array(v.string('secretIds must contain only strings'), 'secretIds must be an array of strings'),
  v.minLength(1, 'secretIds must contain at least 1 id, received none'),
  v.maxLength(
    MAX_IDS_PER_REQUEST,
    (issue) => `secretIds must contain at most ${MAX_IDS_PER_REQUEST} ids, received ${issue.received}`,
  ),
);

const AgentIdSchema = v.pipe(
  v.string((issue) => `agentId must be a string, received ${received(issue.input)}`),
  v.minLength(1, 'agentId must not be empty'),
  v.maxLength(256, (issue) => `agentId must be at most 256 characters, received ${issue.received}`),
);

export const AgentRemovedDetailSchema = v.strictObject(
  {
    agentId: AgentIdSchema,
    secretIds: SecretIdListSchema,
    reason: v.optional(ReasonSchema),
    workspace: v.optional(WorkspaceSchema),
  },
  objectMessage('"Agent Removed" detail', ['agentId', 'secretIds', 'reason', 'workspace']),
);

export const DeletionRequestedDetailSchema = v.strictObject(
  { secretIds: SecretIdListSchema, reason: v.optional(ReasonSchema), workspace: v.optional(WorkspaceSchema) },
  objectMessage('"Secret Deletion Requested" detail', ['secretIds', 'reason', 'workspace']),
);

/** A message carrying several ids: from a producer, or the input of a scheduled deletion list. */
export const MultiDeletionRequestSchema = v.strictObject(
  {
    secretIds: SecretIdListSchema,
    reason: v.optional(ReasonSchema),
    origin: v.optional(OriginSchema),
    agentId: v.optional(AgentIdSchema),
    /** For schedules: the EventBridge Scheduler execution id. */
    eventId: v.optional(v.pipe(v.string(), v.maxLength(256))),
    firstSentAt: v.optional(FirstSentAtSchema),
    workspace: v.optional(WorkspaceSchema),
  },
  objectMessage('the multi-id request', [
    'secretIds',
    'reason',
    'origin',
    'agentId',
    'eventId',
    'firstSentAt',
    'workspace',
  ]),
);

export const EnvelopeSchema = v.looseObject(
  {
    id: v.pipe(
      v.string('EventBridge event id must be a string'),
      v.minLength(1, 'EventBridge event id must not be empty'),
      v.maxLength(256, (issue) => `EventBridge event id must be at most 256 characters, received ${issue.received}`),
    ),
    'detail-type': v.string('EventBridge detail-type must be a string'),
    source: v.string('EventBridge source must be a string'),
    detail: v.unknown(),
  },
  objectMessage('the EventBridge event', ['id', 'detail-type', 'source', 'detail']),
);

/** Where the ids came from; every enqueued message carries it into the logs. */
export interface Provenance {
  readonly origin: Origin;
  readonly reason?: string;
  readonly agentId?: string;
  readonly eventId?: string;
  /** Epoch ms of the original request (set on derived messages). */
  readonly firstSentAt?: number;
  /** The workspace the request is for; absent means `default`. */
  readonly workspace?: string;
}
