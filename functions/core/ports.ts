/** The narrow interfaces the core depends on. Handlers wire real clients; tests pass fakes. */

export interface LogPort {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const OUTCOMES = [
  'deleted',
  'already_gone',
  'in_use_deferred',
  'in_use_skipped',
  'transient_retry',
  'refused',
  'moved_to_dlq',
  'auth_failed',
  'would_delete',
  'returned_unstarted',
  'fanned_out',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const METRIC_BY_OUTCOME = {
  deleted: 'Deleted',
  already_gone: 'AlreadyGone',
  in_use_deferred: 'InUseDeferred',
  in_use_skipped: 'InUseSkipped',
  transient_retry: 'TransientRetry',
  refused: 'Refused',
  moved_to_dlq: 'MovedToDlq',
  auth_failed: 'AuthFailed',
  would_delete: 'WouldDelete',
  returned_unstarted: 'ReturnedUnstarted',
  fanned_out: 'FannedOut',
} as const satisfies Record<Outcome, string>;
export type MetricName = (typeof METRIC_BY_OUTCOME)[Outcome] | 'VisibilityChangeFailed' | 'DlqSendFailed';

export interface MetricsPort {
  count(name: MetricName, value?: number): void;
}

export const SWEEP_METRICS = [
  'SweepInventorySize',
  'SweepOwned',
  'SweepUnused',
  'SweepNewlyMarked',
  'SweepUnmarked',
  'SweepDue',
  'SweepEnqueued',
  'SweepSkippedProtected',
  'SweepSkippedInUse',
  'SweepSkippedUnreadable',
  'SweepSkippedGracePeriod',
  'SweepSkippedCapExceeded',
  'SweepListCalls',
  'SweepCapExceeded',
  'SweepAborted',
  'SweepEnqueueFailed',
] as const;
export type SweepMetricName = (typeof SWEEP_METRICS)[number] | 'SweepDuration';

export interface SweepMetricsPort {
  record(name: SweepMetricName, value: number, unit: 'Count' | 'Milliseconds'): void;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
