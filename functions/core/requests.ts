import * as v from 'valibot';
import {
  type DeletionRequest,
  DeletionRequestSchema,
  FirstSentAtSchema,
  formatIssues,
  type Origin,
  OriginSchema,
  objectMessage,
  parseJsonBody,
  ReasonSchema,
  SECRET_ID_PATTERN,
  validate,
} from '#core/schema.ts';
import { RequestValidationError } from '#functions/errors.ts';

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

const AgentIdSchema = v.pipe(v.string('agentId must be a string'), v.minLength(1), v.maxLength(256));

export const AgentRemovedDetailSchema = v.strictObject(
  { agentId: AgentIdSchema, secretIds: SecretIdListSchema, reason: v.optional(ReasonSchema) },
  objectMessage('"Agent Removed" detail', ['agentId', 'secretIds', 'reason']),
);

export const DeletionRequestedDetailSchema = v.strictObject(
  { secretIds: SecretIdListSchema, reason: v.optional(ReasonSchema) },
  objectMessage('"Secret Deletion Requested" detail', ['secretIds', 'reason']),
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
  },
  objectMessage('the multi-id request', ['secretIds', 'reason', 'origin', 'agentId', 'eventId', 'firstSentAt']),
);

const EnvelopeSchema = v.looseObject(
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
}

export type ParsedMessage =
  | { readonly kind: 'single'; readonly request: DeletionRequest }
  | { readonly kind: 'multi'; readonly secretIds: readonly string[]; readonly provenance: Provenance };

function compact(provenance: Provenance): Provenance {
  return Object.fromEntries(Object.entries(provenance).filter(([, value]) => value !== undefined)) as Provenance;
}

function fromEnvelope(body: Record<string, unknown>): ParsedMessage {
  const envelope = validate(EnvelopeSchema, body);
  const type = envelope['detail-type'];
  if (type === DETAIL_TYPES.agentRemoved) {
    const detail = validate(AgentRemovedDetailSchema, envelope.detail);
    return {
      kind: 'multi',
      secretIds: detail.secretIds,
      provenance: compact({ origin: 'event', reason: detail.reason, agentId: detail.agentId, eventId: envelope.id }),
    };
  }
  if (type === DETAIL_TYPES.deletionRequested) {
    const detail = validate(DeletionRequestedDetailSchema, envelope.detail);
    return {
      kind: 'multi',
      secretIds: detail.secretIds,
      provenance: compact({ origin: 'event', reason: detail.reason, eventId: envelope.id }),
    };
  }
  throw new RequestValidationError(
    `detail-type must be "${DETAIL_TYPES.agentRemoved}" or "${DETAIL_TYPES.deletionRequested}", received ${JSON.stringify(type)}`,
  );
}

/**
 * Reads any body the queue can receive: a single request, a multi-id request (producer or schedule),
 * or an EventBridge event delivered by the rule. Throws RequestValidationError with the reason.
 */
export function parseMessage(body: string): ParsedMessage {
  const value = parseJsonBody(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new RequestValidationError(`body must be a JSON object, received ${kind}`);
  }
  const record = value as Record<string, unknown>;
  if ('detail-type' in record) return fromEnvelope(record);
  if ('secretIds' in record) {
    const multi = validate(MultiDeletionRequestSchema, record);
    return {
      kind: 'multi',
      secretIds: multi.secretIds,
      provenance: compact({
        origin: multi.origin ?? 'request',
        reason: multi.reason,
        agentId: multi.agentId,
        eventId: multi.eventId,
        firstSentAt: multi.firstSentAt,
      }),
    };
  }
  return { kind: 'single', request: validate(DeletionRequestSchema, record) };
}

/** Splits ids into valid (deduplicated, in order) and invalid (with the reason for each). */
export function partitionIds(ids: readonly string[]): {
  valid: string[];
  invalid: { secretId: string; problem: string }[];
} {
  const valid = new Set<string>();
  const invalid = new Map<string, { secretId: string; problem: string }>();
  for (const id of ids) {
    if (SECRET_ID_PATTERN.test(id)) valid.add(id);
    else if (!invalid.has(id)) {
      const problem = formatIssues(v.safeParse(DeletionRequestSchema.entries.secretId, id).issues ?? []);
      invalid.set(id, { secretId: JSON.stringify(id).slice(0, 60), problem });
    }
  }
  return { valid: [...valid], invalid: [...invalid.values()] };
}
