/**
 * Tolerant reader of ElevenLabs error bodies. `detail` may be an object (current or legacy format),
 * a FastAPI validation array, a plain string or missing, and the body may not be JSON at all.
 * The body arrives already scrubbed of the API key (`shared/redacting-clients.ts`); every text kept
 * from it is cut with `cutText`, so a cut is marked for the log redaction.
 */
import { cutText } from '#core/cut-text.ts';

export interface ValidationItem {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}

export interface ErrorDetail {
  readonly code?: string;
  readonly type?: string;
  readonly status?: string;
  readonly message?: string;
  readonly validation?: readonly ValidationItem[];
}

const MAX_MESSAGE = 300;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? cutText(value, MAX_MESSAGE) : undefined;
}

function toValidationItem(item: unknown): ValidationItem | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { loc, msg, type } = item as Record<string, unknown>;
  if (!Array.isArray(loc)) return undefined;
  return {
    loc: loc.filter((part): part is string | number => typeof part === 'string' || typeof part === 'number'),
    msg: str(msg) ?? '',
    type: str(type) ?? '',
  };
}

export function parseErrorBody(text: string): ErrorDetail {
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    return text.trim().length > 0 ? { message: cutText(text.trim(), MAX_MESSAGE) } : {};
  }
  if (typeof body !== 'object' || body === null) return {};
  const detail = (body as Record<string, unknown>).detail;
  if (typeof detail === 'string') return { message: str(detail) };
  if (Array.isArray(detail)) {
    const validation = detail.map(toValidationItem).filter((item) => item !== undefined);
    const message = validation.map((item) => `${item.loc.join('.')}: ${item.msg}`).join('; ');
    return { validation, message: cutText(message, MAX_MESSAGE) };
  }
  if (typeof detail === 'object' && detail !== null) {
    const d = detail as Record<string, unknown>;
    return { code: str(d.code), type: str(d.type), status: str(d.status), message: str(d.message) };
  }
  return {};
}

const PERMISSION_PATTERN = /\b((?:convai|workspace)_(?:read|write))\b/;

/** The key permission named in an auth error, e.g. `convai_write`, when the message names one. */
export function missingPermission(detail: ErrorDetail): string | undefined {
  return detail.message?.match(PERMISSION_PATTERN)?.[1];
}

/** True when a FastAPI validation error points at the request itself (path, query, body, header). */
export function isRequestValidation(detail: ErrorDetail): boolean {
  return (
    detail.validation !== undefined &&
    detail.validation.length > 0 &&
    detail.validation.every((item) => ['path', 'query', 'body', 'header'].includes(String(item.loc[0])))
  );
}
