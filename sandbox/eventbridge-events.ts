import { randomUUID } from 'node:crypto';

/**
 * EventBridge events in the exact envelope shape a rule delivers to an SQS target: the whole event,
 * serialized as JSON, is the message body. The literals are written out here on purpose (not taken
 * from the code under test), so a drift in the worker's constants shows up as a failing test.
 */

export const EVENT_ACCOUNT = '123456789012';
export const EVENT_REGION = 'eu-west-1';
export const EVENT_SOURCE = 'convai.secret-janitor';
export const AGENT_REMOVED = 'Agent Removed';
export const DELETION_REQUESTED = 'Secret Deletion Requested';

export interface EventBridgeEvent<Detail = unknown> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Detail;
}

export interface EnvelopeOptions {
  readonly id?: string;
  readonly source?: string;
  readonly account?: string;
  /** Event time; EventBridge writes it in whole seconds, e.g. `2026-11-26T12:00:00Z`. */
  readonly time?: Date | string;
  readonly region?: string;
  readonly resources?: string[];
}

/** `2026-11-26T12:00:00.123Z` → `2026-11-26T12:00:00Z`, as EventBridge formats `time`. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Any EventBridge event with the given detail-type and detail. */
export function eventBridgeEvent<Detail>(
  detailType: string,
  detail: Detail,
  options: EnvelopeOptions = {},
): EventBridgeEvent<Detail> {
  const time = options.time ?? new Date();
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': detailType,
    source: options.source ?? EVENT_SOURCE,
    account: options.account ?? EVENT_ACCOUNT,
    time: typeof time === 'string' ? time : eventTime(time),
    region: options.region ?? EVENT_REGION,
    resources: options.resources ?? [],
    detail,
  };
}

export function agentRemovedEvent<Detail>(detail: Detail, options: EnvelopeOptions = {}): EventBridgeEvent<Detail> {
  return eventBridgeEvent(AGENT_REMOVED, detail, options);
}

export function deletionRequestedEvent<Detail>(
  detail: Detail,
  options: EnvelopeOptions = {},
): EventBridgeEvent<Detail> {
  return eventBridgeEvent(DELETION_REQUESTED, detail, options);
}

/** The SQS message body of an event delivered by a rule (no input transformer). */
export function envelopeBody(event: EventBridgeEvent): string {
  return JSON.stringify(event);
}

/** The subset of a PutEvents request entry that decides the delivered envelope. */
export interface PutEventsEntryLike {
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Resources?: string[] | undefined;
  readonly Time?: Date | undefined;
}

/**
 * The event EventBridge would deliver for one accepted PutEvents entry: `Detail` (a JSON string in
 * the request) becomes the `detail` object, `Source`/`DetailType` become `source`/`detail-type`.
 */
export function envelopeFromPutEventsEntry(
  entry: PutEventsEntryLike,
  options: Omit<EnvelopeOptions, 'source' | 'resources' | 'time'> = {},
): EventBridgeEvent {
  if (entry.Source === undefined || entry.DetailType === undefined || entry.Detail === undefined) {
    throw new Error('a PutEvents entry needs Source, DetailType and Detail to be delivered');
  }
  return eventBridgeEvent(entry.DetailType, JSON.parse(entry.Detail) as unknown, {
    ...options,
    source: entry.Source,
    resources: entry.Resources ?? [],
    ...(entry.Time ? { time: entry.Time } : {}),
  });
}
