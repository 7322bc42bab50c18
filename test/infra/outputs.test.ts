import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import type { JanitorStack } from '#infra/stack.ts';
import { buildStack, SECRET_ARN } from '#test/helpers/stacks.ts';

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({
  Ref: stack.getLogicalId(construct.node.defaultChild as never),
});
const arn = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild as never), 'Arn'],
});

function outputs(template: Template): Record<string, unknown> {
  return template.toJSON().Outputs as Record<string, unknown>;
}

function mappingId(stack: JanitorStack): { Ref: string } {
  const mappings = stack.janitor.worker.node.findAll().filter((c) => c instanceof CfnEventSourceMapping);
  expect(mappings).toHaveLength(1);
  return { Ref: stack.getLogicalId(mappings[0] as CfnEventSourceMapping) };
}

describe('stack outputs for operators', () => {
  it('outputs the queues, the worker and its event source mapping when no sweep is deployed', () => {
    const { stack, template } = buildStack({ apiKeySecretArn: SECRET_ARN });
    const { janitor } = stack;
    expect(outputs(template)).toEqual({
      QueueUrl: { Description: 'Deletion queue URL (producers, enqueue)', Value: ref(stack, janitor.queue) },
      QueueArn: { Description: 'Deletion queue ARN (redrive destination)', Value: arn(stack, janitor.queue) },
      DeadLetterQueueUrl: {
        Description: 'Dead-letter queue URL (dlq list, dlq redrive)',
        Value: ref(stack, janitor.deadLetterQueue),
      },
      DeadLetterQueueArn: { Description: 'Dead-letter queue ARN', Value: arn(stack, janitor.deadLetterQueue) },
      WorkerFunctionName: { Description: 'Worker Lambda function name', Value: ref(stack, janitor.worker) },
      WorkerEventSourceMappingId: {
        Description: "UUID of the worker's SQS event source mapping (pause, resume)",
        Value: mappingId(stack),
      },
    });
  });

  it('adds the marks table, the schedule name, expression and the sweep mode when a sweep is deployed', () => {
    const { stack, template } = buildStack({
      apiKeySecretArn: SECRET_ARN,
      sweep: { prefixes: ['s-'], mode: 'delete', schedule: 'cron(0 3 * * ? *)', timeZone: 'Europe/Berlin' },
    });
    const sweep = stack.janitor.sweep;
    if (!sweep) throw new Error('expected a sweep');
    const all = outputs(template);
    expect(Object.keys(all).sort()).toEqual(
      [
        'DeadLetterQueueArn',
        'DeadLetterQueueUrl',
        'MarksTableName',
        'QueueArn',
        'QueueUrl',
        'SweepMode',
        'SweepSchedule',
        'SweepScheduleName',
        'WorkerEventSourceMappingId',
        'WorkerFunctionName',
      ].sort(),
    );
    expect(all.MarksTableName).toEqual({
      Description: 'Sweep marks table name (marks and audit records)',
      Value: ref(stack, sweep.table),
    });
    expect(all.SweepScheduleName).toEqual({
      Description: 'Sweep schedule name (EventBridge Scheduler)',
      Value: ref(stack, sweep.schedule),
    });
    expect(all.SweepSchedule).toEqual({
      Description: 'Sweep schedule expression and time zone',
      Value: 'cron(0 3 * * ? *) Europe/Berlin',
    });
    expect(all.SweepMode).toEqual({ Description: 'Sweep mode: report (logs only) or delete', Value: 'delete' });
  });

  it('never outputs the API key secret, its ARN or any environment value', () => {
    const { template } = buildStack({ apiKeySecretArn: SECRET_ARN, sweep: { prefixes: ['s-'] } });
    expect(JSON.stringify(outputs(template))).not.toContain('secretsmanager');
  });
});
