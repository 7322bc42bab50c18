/** Typed errors of the janitor. Every message says what was expected and what was received. */

export class JanitorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JanitorError';
  }
}

/** An environment variable or construct option is missing or invalid. Thrown at cold start / synth. */
export class ConfigError extends JanitorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** A message or event body does not match the published contract. Permanent: retrying cannot fix it. */
export class RequestValidationError extends JanitorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestValidationError';
  }
}

/** The ElevenLabs API key could not be read from Secrets Manager. Transient from the record's view. */
export class ApiKeyError extends JanitorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiKeyError';
  }
}

/** A queue operation (visibility change, DLQ send, fan-out send) failed. */
export class QueueError extends JanitorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueError';
  }
}

/**
 * The name, code and message of an AWS SDK or Node error ("Error (ECONNREFUSED): connect
 * ECONNREFUSED 127.0.0.1:443", "CredentialsProviderError: Could not load credentials from any
 * providers"), so errors that share a name stay apart. These never carry a secret value.
 */
export function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' && code !== error.name ? ` (${code})` : ''}: ${error.message}`;
}

/** Short, log-safe description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** An HTTP request to ElevenLabs did not produce a response (network error or timeout). */
export class ApiRequestError extends JanitorError {
  readonly reason: 'timeout' | 'network';
  constructor(reason: 'timeout' | 'network', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiRequestError';
    this.reason = reason;
  }
}

/** The sweep's marks table could not be read or written. The run stops before it enqueues anything. */
export class MarksTableError extends JanitorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MarksTableError';
  }
}
