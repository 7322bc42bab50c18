/**
 * Last line of defence for logs: every API key the container has read is registered here, and every
 * log line is scrubbed of it, whatever the text came from (an error body that echoes the key, say).
 */
const secrets = new Set<string>();
const REDACTED = '[redacted]';
const MAX_DEPTH = 6;

/** Remembers a secret value so that no later log line can contain it. Values under 8 characters are ignored. */
export function registerSecret(value: string): void {
  if (value.length >= 8) secrets.add(value);
}

function scrub(text: string): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  return result;
}

/** A copy of the value with every registered secret replaced, in strings at any depth (up to 6). */
export function redact<T>(value: T, depth = 0): T {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return scrub(value) as T;
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, depth + 1)])) as T;
}
