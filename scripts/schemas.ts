import { toJsonSchema } from '@valibot/to-json-schema';
import type { GenericSchema } from 'valibot';
import { DeletionRequestSchema } from '#core/schema.ts';

/** Every contract we publish for producers, by file name under `schemas/`. */
export const PUBLISHED: Record<string, { title: string; schema: GenericSchema }> = {
  'deletion-request.schema.json': {
    title: 'ConvAI Secret Janitor: deletion request (SQS message body)',
    schema: DeletionRequestSchema,
  },
};

/** The JSON text of one published schema, exactly as committed. */
export function renderSchema(file: string): string {
  const entry = PUBLISHED[file];
  if (!entry) throw new Error(`unknown schema file ${file}`);
  const json = { title: entry.title, ...toJsonSchema(entry.schema, { errorMode: 'throw' }) };
  return `${JSON.stringify(json, null, 2)}\n`;
}
