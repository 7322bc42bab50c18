/** The words the janitor decides with: outcomes of a record and the metric each one counts. */

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
  'SweepSkippedInUseEnvVariable',
  'SweepSkippedUnreadable',
  'SweepSkippedGracePeriod',
  'SweepSkippedCapExceeded',
  'SweepEnvVariables',
  'SweepListCalls',
  'SweepCapExceeded',
  'SweepAborted',
  'SweepEnqueueFailed',
] as const;
export type SweepMetricName = (typeof SWEEP_METRICS)[number] | 'SweepDuration';
