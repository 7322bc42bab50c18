import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { STACK_OUTPUTS } from '#infra/output-names.ts';
import type { SecretJanitor } from '#infra/secret-janitor.ts';

/** What operators and the CLI need, as stack outputs. Names and ARNs only: nothing secret. */
export function addOperatorOutputs(stack: Stack, janitor: SecretJanitor, prefix = ''): void {
  const output = (key: string, value: string, description: string) =>
    new CfnOutput(stack, `${prefix}${key}`, {
      value,
      description: prefix ? `${description}, workspace ${janitor.workspace}` : description,
    });
  output(STACK_OUTPUTS.queueUrl, janitor.queue.queueUrl, 'Deletion queue URL (producers, enqueue)');
  output(STACK_OUTPUTS.queueArn, janitor.queue.queueArn, 'Deletion queue ARN (redrive destination)');
  output(STACK_OUTPUTS.dlqUrl, janitor.deadLetterQueue.queueUrl, 'Dead-letter queue URL (dlq list, dlq redrive)');
  output(STACK_OUTPUTS.dlqArn, janitor.deadLetterQueue.queueArn, 'Dead-letter queue ARN');
  output(STACK_OUTPUTS.workerFunctionName, janitor.worker.functionName, 'Worker Lambda function name');
  output(
    STACK_OUTPUTS.eventSourceMappingId,
    janitor.eventSourceMappingId,
    "UUID of the worker's SQS event source mapping (pause, resume)",
  );
  const sweep = janitor.sweep;
  if (!sweep) return;
  const schedule = sweep.schedule.node.defaultChild as CfnSchedule;
  output(STACK_OUTPUTS.marksTableName, sweep.table.tableName, 'Sweep marks table name (marks and audit records)');
  output(STACK_OUTPUTS.sweepScheduleName, sweep.schedule.scheduleName, 'Sweep schedule name (EventBridge Scheduler)');
  output(
    STACK_OUTPUTS.sweepSchedule,
    `${schedule.scheduleExpression} ${schedule.scheduleExpressionTimezone ?? 'UTC'}`,
    'Sweep schedule expression and time zone',
  );
  output(STACK_OUTPUTS.sweepMode, sweep.mode, 'Sweep mode: report (logs only) or delete');
}
