import type { CfnResource, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { buildStack } from '#test/helpers/stacks.ts';

/**
 * What the synthesized stack hands each trigger, read from the template: every function's
 * environment, memory and timeout, and the payload of every schedule. Only the values CloudFormation
 * fills in at deploy time (`Ref` to the queues and the table) come from the caller: the loopback
 * fakes' URLs and names stand in for them.
 */

export interface DeployedFunction {
  /** Environment.Variables as in the template, every `Ref` resolved. */
  readonly env: Record<string, string>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export interface DeployedStack {
  readonly worker: DeployedFunction;
  readonly sweep?: DeployedFunction;
  /** Target.Input of each scheduled deletion (the SQS message body), by schedule name. */
  readonly scheduledDeletionInputs: Readonly<Record<string, string>>;
  /** Target.Input of the sweep schedule (the Lambda event). */
  readonly sweepScheduleInput?: string;
}

/** The deploy-time values of the resources the functions' environments refer to. */
export interface DeployTimeValues {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly marksTableName?: string;
}

type Resource = { Type: string; Properties: Record<string, unknown> };

const logicalId = (stack: Stack, construct: Construct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);

export function synthDeployedStack(context: Record<string, unknown>, values: DeployTimeValues): DeployedStack {
  const { stack, template } = buildStack(context);
  const { janitor } = stack;
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const refs = new Map<string, string>([
    [logicalId(stack, janitor.queue), values.queueUrl],
    [logicalId(stack, janitor.deadLetterQueue), values.dlqUrl],
  ]);
  if (janitor.sweep && values.marksTableName) refs.set(logicalId(stack, janitor.sweep.table), values.marksTableName);

  const resource = (id: string, type: string): Resource => {
    const found = resources[id];
    if (found?.Type !== type) throw new Error(`expected ${id} to be a ${type} in the template`);
    return found;
  };
  const deployedFunction = (construct: Construct): DeployedFunction => {
    const id = logicalId(stack, construct);
    const { Environment, MemorySize, Timeout } = resource(id, 'AWS::Lambda::Function').Properties as {
      Environment: { Variables: Record<string, unknown> };
      MemorySize: number;
      Timeout: number;
    };
    const env = Object.fromEntries(
      Object.entries(Environment.Variables).map(([name, value]) => {
        if (typeof value === 'string') return [name, value];
        const ref = (value as { Ref?: string }).Ref;
        const resolved = ref === undefined ? undefined : refs.get(ref);
        if (resolved === undefined) throw new Error(`${id} ${name} is ${JSON.stringify(value)}: no loopback value`);
        return [name, resolved];
      }),
    );
    return { env, memoryMb: MemorySize, timeoutSeconds: Timeout };
  };
  const input = (construct: Construct) =>
    String(
      (resource(logicalId(stack, construct), 'AWS::Scheduler::Schedule').Properties.Target as { Input: string }).Input,
    );

  return {
    worker: deployedFunction(janitor.worker),
    ...(janitor.sweep ? { sweep: deployedFunction(janitor.sweep.function) } : {}),
    // Construct ids are `Scheduled-<name>` (infra/janitor-triggers.ts).
    scheduledDeletionInputs: Object.fromEntries(
      janitor.triggers.schedules.map((schedule) => [schedule.node.id.replace(/^Scheduled-/, ''), input(schedule)]),
    ),
    ...(janitor.sweep ? { sweepScheduleInput: input(janitor.sweep.schedule) } : {}),
  };
}

/**
 * A schedule's Input as EventBridge Scheduler delivers it: the context attributes replaced by this
 * execution's values. An attribute the caller did not give fails, so a new one cannot slip through.
 */
export function schedulerPayload(
  input: string,
  execution: { readonly scheduledTime: string; readonly executionId: string },
): string {
  const attributes: Record<string, string> = {
    '<aws.scheduler.scheduled-time>': execution.scheduledTime,
    '<aws.scheduler.execution-id>': execution.executionId,
  };
  return input.replace(/<aws\.scheduler\.[a-z-]+>/g, (attribute) => {
    const value = attributes[attribute];
    if (value === undefined) throw new Error(`schedulerPayload: no value for ${attribute}`);
    return value;
  });
}
