/**
 * The one way into the worker: a queue body (a single request, a multi-id request, or an EventBridge
 * envelope) in, a typed message or a refusal with its reason out. Never throws for bad input.
 */
import * as v from 'valibot';
import { cutText } from '#core/cut-text.ts';
import {
  AgentRemovedDetailSchema,
  DEFAULT_EVENT_SOURCE,
  DEFAULT_WORKSPACE,
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

/** What this janitor accepts: events from its own source, and requests for its own workspace. */
export interface MessageScope {
  /** The only EventBridge `source` an envelope may carry (the rule's). */
  readonly eventSource: string;
  /** This janitor's workspace; a message naming none is for `default`. */
  readonly workspace: string;
}

const DEFAULT_SCOPE: MessageScope = { eventSource: DEFAULT_EVENT_SOURCE, workspace: DEFAULT_WORKSPACE };

function compact(provenance: Provenance): Provenance {
  return Object.fromEntries(Object.entries(provenance).filter(([, value]) => value !== undefined)) as Provenance;
}

function fromEnvelope(body: Record<string, unknown>, scope: MessageScope): ParsedMessage {
  const envelope = validate(EnvelopeSchema, body);
  // Only the janitor's rule delivers events; an envelope from any other source was forged.
  if (envelope.source !== scope.eventSource) {
    throw new RequestValidationError(
      `EventBridge source must be ${JSON.stringify(scope.eventSource)} (this janitor's eventSource), received ${JSON.stringify(cutText(envelope.source, 80))}`,
    );
  }
  const type = envelope['detail-type'];
  const event = (detail: { secretIds: string[]; reason?: string; workspace?: string }, agentId?: string) => ({
    kind: 'multi' as const,
    secretIds: detail.secretIds,
    provenance: compact({
      origin: 'event',
      reason: detail.reason,
      agentId,
      eventId: envelope.id,
      workspace: detail.workspace,
    }),
  });
  if (type === DETAIL_TYPES.agentRemoved) {
    const detail = validate(AgentRemovedDetailSchema, envelope.detail);
    return event(detail, detail.agentId);
  }
  if (type === DETAIL_TYPES.deletionRequested) return event(validate(DeletionRequestedDetailSchema, envelope.detail));
  throw new RequestValidationError(
    `detail-type must be "${DETAIL_TYPES.agentRemoved}" or "${DETAIL_TYPES.deletionRequested}", received ${JSON.stringify(type)}`,
  );
}

/**
 * Reads any body the queue can receive: a single request, a multi-id request (producer or schedule),
 * or an EventBridge event delivered by the rule. Bad input yields `{ kind: 'invalid', reason }`.
 */
export function parseMessage(body: string, scope: MessageScope = DEFAULT_SCOPE): ParsedMessage | InvalidMessage {
  try {
    const message = readMessage(body, scope);
    const workspace =
      (message.kind === 'single' ? message.request.workspace : message.provenance.workspace) ?? DEFAULT_WORKSPACE;
    if (workspace !== scope.workspace) {
      // Another workspace's secret ids mean nothing to this janitor's key (a DELETE would answer 404
      // and read as "already gone"): the request goes to the DLQ with its reason, to be redriven.
      return {
        kind: 'invalid',
        reason: `workspace must be ${JSON.stringify(scope.workspace)} (this janitor's), received ${JSON.stringify(workspace)}`,
      };
    }
    return message;
  } catch (error) {
    if (error instanceof RequestValidationError) return { kind: 'invalid', reason: error.message };
    throw error;
  }
}

function readMessage(body: string, scope: MessageScope): ParsedMessage {
  const value = parseStrictJson(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new RequestValidationError(`body must be a JSON object, received ${kind}`);
  }
  const record = value as Record<string, unknown>;
  if ('detail-type' in record) return fromEnvelope(record, scope);
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
        workspace: multi.workspace,
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
