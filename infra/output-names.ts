/**
 * The stack's outputs for operators, by CloudFormation output key. Free of CDK imports so that the
 * CLI (`convai-secret-janitor status`) reads them by the same names without loading aws-cdk-lib.
 */
export const STACK_OUTPUTS = {
  queueUrl: 'QueueUrl',
  queueArn: 'QueueArn',
  dlqUrl: 'DeadLetterQueueUrl',
  dlqArn: 'DeadLetterQueueArn',
  workerFunctionName: 'WorkerFunctionName',
  eventSourceMappingId: 'WorkerEventSourceMappingId',
  /** Only when a sweep is deployed. */
  marksTableName: 'MarksTableName',
  sweepScheduleName: 'SweepScheduleName',
  sweepSchedule: 'SweepSchedule',
  sweepMode: 'SweepMode',
} as const;

export type StackOutputKey = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];

/**
 * What a janitor's output keys start with: nothing for `default` (and for a stack's single janitor,
 * which the caller decides), else the workspace name capitalized with non-alphanumerics removed
 * (`eu` → `EuQueueUrl`).
 */
export function workspaceOutputPrefix(workspace: string | undefined): string {
  if (workspace === undefined || workspace === 'default') return '';
  return workspace.replace(/[^A-Za-z0-9]/g, '').replace(/^./, (c) => c.toUpperCase());
}
