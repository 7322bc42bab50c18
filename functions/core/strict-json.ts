/**
 * Reads a queue body as JSON, stricter than `JSON.parse`: it also refuses what `JSON.parse` lets
 * through silently and what no producer of ours sends. A byte order mark, a key given twice in one
 * object (parsers disagree on which one wins), a key that names an object's prototype (`__proto__`,
 * `constructor`, `prototype`), a lone surrogate (not Unicode text), and nesting deeper than any
 * message format needs (a value that deep breaks `JSON.stringify` later). Never throws anything but
 * RequestValidationError, with a reason naming what was wrong.
 */
import { MAX_BODY_BYTES, received } from '#core/message-schemas.ts';
import { RequestValidationError } from '#shared/errors.ts';

/** Deepest nesting of objects and arrays accepted; every message format needs at most 3. */
export const MAX_JSON_DEPTH = 32;
/** Keys that could reach an object's prototype once a value is copied or merged. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The first problem of valid JSON text that `JSON.parse` accepts silently, or undefined. One pass,
 * no recursion: it follows objects and arrays with a stack of the keys seen in each open object.
 */
function structureProblem(text: string): string | undefined {
  const open: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      let escaped = false;
      while (end < text.length && text.charCodeAt(end) !== QUOTE) {
        if (text.charCodeAt(end) === BACKSLASH) {
          escaped = true;
          end += 1;
        }
        end += 1;
      }
      const token = text.slice(index, end + 1);
      const value = escaped ? (JSON.parse(token) as string) : token.slice(1, -1);
      if (!value.isWellFormed()) {
        return `body must be well-formed Unicode text, received a lone surrogate in ${received(value)}`;
      }
      const keys = open.at(-1);
      if (expectKey && keys) {
        if (FORBIDDEN_KEYS.has(value)) {
          return `body must not use the key ${received(value)} anywhere: it names an object's prototype`;
        }
        if (keys.has(value)) return `body must give each key once per object, received ${received(value)} twice`;
        keys.add(value);
        expectKey = false;
      }
      index = end;
    } else if (char === '{' || char === '[') {
      open.push(char === '{' ? new Set() : undefined);
      if (open.length > MAX_JSON_DEPTH) {
        return `body must nest objects and arrays at most ${MAX_JSON_DEPTH} levels deep, received more`;
      }
      expectKey = char === '{';
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      expectKey = open.at(-1) !== undefined;
    }
  }
  return undefined;
}

/** Parses a queue body; throws RequestValidationError with a specific reason. */
export function parseStrictJson(body: string): unknown {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new RequestValidationError(`body must be at most ${MAX_BODY_BYTES} bytes, received ${bytes} bytes`);
  }
  if (body.startsWith('\uFEFF')) {
    throw new RequestValidationError('body must be JSON without a byte order mark (U+FEFF) before it');
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    throw new RequestValidationError(`body must be JSON, received ${received(body)}`, { cause });
  }
  const problem = structureProblem(body);
  if (problem) throw new RequestValidationError(problem);
  return value;
}
