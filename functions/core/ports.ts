/**
 * The ports of the core: every interface and data type the decisions need from the outside world.
 * Adapters (`functions/adapters/`) implement them; handlers wire real adapters; tests pass fakes.
 * The core never imports an adapter.
 */
import type { MetricName, Outcome, SweepMetricName } from '#core/outcomes.ts';

export type Sleep = (ms: number) => Promise<void>;
/** Uniform in [0, 1), like Math.random. */
export type Random = () => number;
/** Epoch milliseconds now. */
export type Clock = () => number;

export interface LogPort {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface MetricsPort {
  count(name: MetricName, value?: number): void;
}

export interface SweepMetricsPort {
  record(name: SweepMetricName, value: number, unit: 'Count' | 'Milliseconds'): void;
}

// ── ElevenLabs ────────────────────────────────────────────────────────────────────────────────

/** One raw HTTP answer. Classification happens in the core, not in the adapter. */
export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  readonly requestId?: string;
  readonly retryAfter: string | null;
}

export interface ListSecretsQuery {
  readonly pageSize: number;
  readonly cursor?: string;
  readonly search?: string;
}

/** `GET /v1/convai/environment-variables`: the janitor reads only the secret-type variables. */
export interface ListEnvironmentVariablesQuery {
  readonly type: 'secret';
  readonly pageSize: number;
  readonly cursor?: string;
}

/** The slice of the ElevenLabs API the janitor uses. Every call is one attempt; throws ApiRequestError. */
export interface ElevenLabsApi {
  deleteSecret(secretId: string, apiKey: string, timeoutMs: number): Promise<ApiResponse>;
  getSecret(secretId: string, apiKey: string, timeoutMs: number): Promise<ApiResponse>;
  listSecrets(query: ListSecretsQuery, apiKey: string, timeoutMs: number): Promise<ApiResponse>;
  listEnvironmentVariables(
    query: ListEnvironmentVariablesQuery,
    apiKey: string,
    timeoutMs: number,
  ): Promise<ApiResponse>;
}

export interface ApiKeyProvider {
  /** The API key; cached per container for the TTL. `forceRefresh` bypasses the cache (after a 401). Throws ApiKeyError. */
  get(options?: { forceRefresh?: boolean }): Promise<string>;
}

// ── SQS ───────────────────────────────────────────────────────────────────────────────────────

/** Why and how a message left for the DLQ; sent as message attributes beside the original body. */
export interface DlqAttributes {
  readonly failureReason: string;
  readonly lastStatus?: number;
  readonly attempts: number;
  readonly firstSentAt: string;
  readonly secretId?: string;
  readonly origin?: string;
}

export interface BatchEntry {
  readonly id: string;
  readonly body: string;
}

/** Queue operations the worker and the sweep need. Throws QueueError on failure. */
export interface QueuePort {
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
  sendToDlq(body: string, attributes: DlqAttributes): Promise<void>;
  /** Sends up to 10 entries; returns the ids of the entries that failed. */
  sendBatch(entries: readonly BatchEntry[]): Promise<string[]>;
}

/** One SQS record, reduced to what the decision needs. */
export interface QueuedRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** `ApproximateReceiveCount`: this delivery's number, from 1. */
  readonly receiveCount: number;
  /** `SentTimestamp` in epoch ms: when the message first entered the queue. */
  readonly sentAtMs: number;
}

/** What happened to one record: the log line, the metric and whether SQS delivers it again. */
export interface RecordReport {
  readonly outcome: Outcome;
  /** True: report in `batchItemFailures` so SQS delivers the record again. */
  readonly retry: boolean;
  readonly fields: Record<string, unknown>;
  /** Ids of a multi-id message refused one by one; each gets its own `refused` log line. */
  readonly refusals?: readonly Record<string, unknown>[];
}

// ── Sweep marks (DynamoDB) ────────────────────────────────────────────────────────────────────

/** A secret the sweep has seen unused, and since when. Stored in the marks table. */
export interface Mark {
  readonly secretId: string;
  readonly name: string;
  /** Epoch ms of the first run that saw it unused (after the last use, gap or unmark). */
  readonly firstSeenUnusedAt: number;
  /** Epoch ms of the latest run that saw it unused. */
  readonly lastSeenUnusedAt: number;
}

export type AuditDecision = 'marked' | 'unmarked' | 'enqueued' | 'would_enqueue' | 'skipped';

export interface AuditRecord {
  readonly secretId: string;
  readonly name?: string;
  readonly decision: AuditDecision;
  readonly reason: string;
  readonly runId: string;
  readonly mode: string;
  readonly at: number;
}

/** Throws MarksTableError when a read or write still fails after retries. */
export interface MarksStore {
  readAll(): Promise<Map<string, Mark>>;
  /** One mark, read consistently (the worker checks a sweep request against it). */
  get(secretId: string): Promise<Mark | undefined>;
  /** Unmarks first, then marks, then audits. */
  apply(changes: { deletes: readonly string[]; puts: readonly Mark[]; audits: readonly AuditRecord[] }): Promise<void>;
  /** Removes one mark (the worker, after ElevenLabs said the secret is in use) with its audit. */
  clear(secretId: string, audit: AuditRecord): Promise<void>;
  /** Records that a sweep run started; false when a run with this id already did (a repeat). */
  claimRun(runId: string, atMs: number): Promise<boolean>;
}

// ── What each function's core takes ───────────────────────────────────────────────────────────

/** Time, waiting and randomness: passed in so that tests and the sandbox can compress time. */
export interface TimeDeps {
  readonly now: Clock;
  readonly sleep: Sleep;
  readonly random: Random;
}

export interface WorkerDeps extends TimeDeps {
  readonly api: ElevenLabsApi;
  readonly apiKey: ApiKeyProvider;
  readonly queue: QueuePort;
  readonly logger: LogPort;
  readonly metrics: MetricsPort;
  /** The sweep's marks; present when a sweep is deployed. */
  readonly marks?: Pick<MarksStore, 'clear' | 'get'>;
}
