import { parseRetryAfterMs } from '#core/backoff.ts';
import { type ErrorDetail, isRequestValidation, missingPermission, parseErrorBody } from '#core/error-body.ts';

/** What one HTTP answer to `DELETE /v1/convai/secrets/{id}` means for the request. */
export type Classification =
  | { readonly kind: 'deleted' }
  | { readonly kind: 'already_gone' }
  | { readonly kind: 'in_use'; readonly detail: ErrorDetail }
  | { readonly kind: 'auth'; readonly detail: ErrorDetail; readonly permission?: string }
  | { readonly kind: 'transient'; readonly detail: ErrorDetail; readonly retryAfterMs?: number }
  | { readonly kind: 'permanent'; readonly detail: ErrorDetail };

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly retryAfter?: string | null;
}

const IN_USE_WORDS = /\bin[ _-]?use\b|\bused by\b|\bdependen/i;

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Classifies a DELETE answer.
 * - 2xx deleted; 404 already gone.
 * - 422: a FastAPI validation array pointing at the request is permanent; any other or unreadable
 *   422 counts as "in use" (the conservative choice: we retry rather than give up).
 * - 401/403 auth; 408/429/5xx transient (with Retry-After); any other 4xx permanent.
 */
export function classifyDelete(answer: HttpAnswer, nowMs: number): Classification {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'deleted' };
  if (status === 404) return { kind: 'already_gone' };
  const detail = parseErrorBody(answer.body);
  if (status === 422) {
    // The in-use body is undocumented: a validation array that speaks of use still counts as in use.
    const permanent = isRequestValidation(detail) && !IN_USE_WORDS.test(detail.message ?? '');
    return permanent ? { kind: 'permanent', detail } : { kind: 'in_use', detail };
  }
  if (status === 401 || status === 403) {
    const permission = missingPermission(detail);
    return permission ? { kind: 'auth', detail, permission } : { kind: 'auth', detail };
  }
  if (isTransientStatus(status)) {
    const retryAfterMs = parseRetryAfterMs(answer.retryAfter, nowMs);
    return retryAfterMs === undefined ? { kind: 'transient', detail } : { kind: 'transient', detail, retryAfterMs };
  }
  return { kind: 'permanent', detail };
}

/** What one HTTP answer to a GET means. Anything but 2xx, auth or transient is a failure. */
export type ReadClassification =
  | { readonly kind: 'ok' }
  | Extract<Classification, { kind: 'auth' | 'transient' | 'permanent' }>;

export function classifyRead(answer: HttpAnswer, nowMs: number): ReadClassification {
  if (answer.status >= 200 && answer.status < 300) return { kind: 'ok' };
  const classification = classifyDelete(answer, nowMs);
  if (classification.kind === 'auth' || classification.kind === 'transient') return classification;
  return { kind: 'permanent', detail: parseErrorBody(answer.body) };
}
