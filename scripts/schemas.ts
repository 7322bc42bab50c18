import { toJsonSchema } from '@valibot/to-json-schema';
import type { GenericSchema } from 'valibot';
import {
  AgentRemovedDetailSchema,
  DeletionRequestedDetailSchema,
  DeletionRequestSchema,
  MultiDeletionRequestSchema,
  SECRET_ID_PATTERN,
} from '#core/message-schemas.ts';

/** Every contract we publish for producers, by file name under `schemas/`. */
export const PUBLISHED: Record<string, { title: string; schema: GenericSchema }> = {
  'deletion-request.schema.json': {
    title: 'ConvAI Secret Janitor: deletion request (SQS message body)',
    schema: DeletionRequestSchema,
  },
  'multi-deletion-request.schema.json': {
    title: 'ConvAI Secret Janitor: multi-id deletion request (SQS message body; the worker fans it out)',
    schema: MultiDeletionRequestSchema,
  },
  'agent-removed.detail.schema.json': {
    title: 'ConvAI Secret Janitor: EventBridge "Agent Removed" event detail',
    schema: AgentRemovedDetailSchema,
  },
  'secret-deletion-requested.detail.schema.json': {
    title: 'ConvAI Secret Janitor: EventBridge "Secret Deletion Requested" event detail',
    schema: DeletionRequestedDetailSchema,
  },
};

type Json = Record<string, unknown>;

/**
 * The worker reads a `secretIds` list loosely (strings) so that it can refuse bad ids one by one;
 * producers must send valid ids only, so the published schema pins the id pattern.
 */
function pinSecretIdItems(json: Json): Json {
  const properties = json.properties as Record<string, Json> | undefined;
  const secretIds = properties?.secretIds;
  if (secretIds) secretIds.items = { type: 'string', pattern: SECRET_ID_PATTERN.source };
  return json;
}

/** The JSON text of one published schema, exactly as committed. */
export function renderSchema(file: string): string {
  const entry = PUBLISHED[file];
  if (!entry) throw new Error(`unknown schema file ${file}`);
  const json = pinSecretIdItems({ title: entry.title, ...toJsonSchema(entry.schema, { errorMode: 'throw' }) });
  return `${JSON.stringify(json, null, 2)}\n`;
}
