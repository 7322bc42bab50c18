import * as v from 'valibot';
import { RequestValidationError } from '#functions/errors.ts';

/** Upper bound of a message body we accept, in UTF-8 bytes. */
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_REASON_LENGTH = 512;

/** Letters, digits, `_` and `-`, 1–128 characters. Everything else never reaches a URL. */
export const SECRET_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const ORIGINS = ['request', 'event', 'schedule', 'sweep'] as const;
export type Origin = (typeof ORIGINS)[number];

function received(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return `a ${typeof input}`;
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

/** The message a producer sends to the queue: one secret to delete. */
export const DeletionRequestSchema = v.strictObject(
  {
    secretId: SecretIdSchema,
    reason: v.optional(ReasonSchema),
    origin: v.optional(OriginSchema),
    agentId: v.optional(v.pipe(v.string(), v.maxLength(256))),
    eventId: v.optional(v.pipe(v.string(), v.maxLength(256))),
    firstSentAt: v.optional(FirstSentAtSchema),
  },
  objectMessage('the deletion request', ['secretId', 'reason', 'origin', 'agentId', 'eventId', 'firstSentAt']),
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

/** Parses JSON text with a size limit; throws RequestValidationError with a specific reason. */
export function parseJsonBody(body: string): unknown {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new RequestValidationError(`body must be at most ${MAX_BODY_BYTES} bytes, received ${bytes} bytes`);
  }
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new RequestValidationError(`body must be JSON, received ${received(body)}`, { cause });
  }
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
