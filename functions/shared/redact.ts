/**
 * Last line of defence for logs and queue messages: every API key the container has read is
 * registered here, and every text that leaves the worker is scrubbed of it, whatever the text came
 * from (an error body that echoes the key, say). Text is scrubbed before anything cuts it (see
 * `redacting-clients.ts`); what an earlier cut may have left of a key is scrubbed too.
 */
import { CUT_MARK } from '#core/cut-text.ts';

const secrets = new Set<string>();
const REDACTED = '[redacted]';
const MAX_DEPTH = 6;
/** The shortest value registered, and the shortest piece of one that counts as a leak. */
export const MIN_SECRET_LENGTH = 8;

/**
 * Remembers a secret value so that no later log line can contain it. Values under 8 characters are
 * ignored. The value's JSON-escaped forms are remembered too: a body that echoes it in a JSON string
 * holds it escaped.
 */
export function registerSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH) return;
  const escaped = JSON.stringify(value).slice(1, -1);
  for (const form of [value, escaped, escaped.replaceAll('/', '\\/')]) secrets.add(form);
}

/** Where a secret occurs in the text, every occurrence, overlapping ones too, as [start, end). */
function occurrences(text: string, secret: string): [number, number][] {
  const found: [number, number][] = [];
  for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1))
    found.push([at, at + secret.length]);
  return found;
}

/**
 * What a cut left of a secret: its first 8 or more characters right before a cut, that is at the
 * end of the text or before `CUT_MARK` (the core's cuts end with it).
 */
function cutPieces(text: string, secret: string): [number, number][] {
  const found: [number, number][] = [];
  for (const [at] of occurrences(text, secret.slice(0, MIN_SECRET_LENGTH))) {
    let end = at + MIN_SECRET_LENGTH;
    while (end < text.length && end - at < secret.length && text[end] === secret[end - at]) end += 1;
    if (end === text.length || text.startsWith(CUT_MARK, end)) found.push([at, end]);
  }
  return found;
}

/**
 * The text with every registered secret, and every piece of one at a cut, replaced. The spans are
 * found in the original text and merged before anything is replaced, so secrets that overlap each
 * other never leave a piece of one behind.
 */
export function redactText(text: string): string {
  const spans: [number, number][] = [];
  for (const secret of secrets) {
    if (text.includes(secret)) spans.push(...occurrences(text, secret));
    spans.push(...cutPieces(text, secret));
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let result = '';
  let from = 0;
  for (const [start, end] of spans) {
    if (end <= from) continue;
    if (start >= from) result += `${text.slice(from, start)}${REDACTED}`;
    from = end;
  }
  return `${result}${text.slice(from)}`;
}

/** Text of a value nested too deep to walk: scrubbed as a whole, never passed on unscrubbed. */
function flatten(value: object): string {
  try {
    return redactText(JSON.stringify(value) ?? String(value));
  } catch {
    return '[unserializable]';
  }
}

/**
 * A copy of the value with every registered secret replaced, in strings at any depth. Objects deeper
 * than 6 levels become their scrubbed JSON text.
 */
export function redact<T>(value: T, depth = 0): T {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return redactText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return flatten(value) as T;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, depth + 1)])) as T;
}
