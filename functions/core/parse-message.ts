/**
 * The one way into the worker: a queue body (a single request, a multi-id request, or an EventBridge
 * envelope) in, a typed message or a refusal with its reason out. Never throws for bad input.
 */
import * as v from 'valibot';
import { cutText } from '#core/cut-text.ts';
import {
  AgentRemovedDetailSchema,
  DETAIL_TYPES,
  type DeletionRequest,
  DeletionRequestedDetailSchema,
  DeletionRequestSchema,
  EnvelopeSchema,
  formatIssues,
  MultiDeletionRequestSchema,
  type Provenance,
  SECRET_ID_PATTERN,
  validate,
} from '#core/message-schemas.ts';
import { parseStrictJson } from '#core/strict-json.ts';
import { RequestValidationError } from '#shared/errors.ts';

export type ParsedMessage =
  | { readonly kind: 'single'; readonly request: DeletionRequest }
  | { readonly kind: 'multi'; readonly secretIds: readonly string[]; readonly provenance: Provenance };

/** A body the worker will not act on, with the reason (it goes to the DLQ as `invalid_message`). */
export interface InvalidMessage {
  readonly kind: 'invalid';
  readonly reason: string;
}

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
 * or an EventBridge event delivered by the rule. Bad input yields `{ kind: 'invalid', reason }`.
 */
export function parseMessage(body: string): ParsedMessage | InvalidMessage {
  try {
    return readMessage(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return { kind: 'invalid', reason: error.message };
    throw error;
  }
}

function readMessage(body: string): ParsedMessage {
  const value = parseStrictJson(body);
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
      invalid.set(id, { secretId: cutText(JSON.stringify(id), 60), problem });
    }
  }
  return { valid: [...valid], invalid: [...invalid.values()] };
}
