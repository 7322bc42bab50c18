import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, type QueueAttributeName, SQSClient } from '@aws-sdk/client-sqs';
import { parseWorkspace } from '#cli/args.ts';
import { clientConfig, requireRegion } from '#cli/aws.ts';
import { awsCall, EXIT, usageError } from '#cli/errors.ts';
import { formatAge, type Output } from '#cli/output.ts';
import { STACK_OUTPUTS, workspaceOutputPrefix } from '#infra/output-names.ts';

export interface StackOptions {
  readonly stack: string;
  readonly workspace?: string;
}

type Outputs = Readonly<Record<string, string>>;

const REQUIRED = [STACK_OUTPUTS.queueUrl, STACK_OUTPUTS.dlqUrl, STACK_OUTPUTS.eventSourceMappingId] as const;

/** The deletion-queue outputs, one per janitor (`QueueUrl`, `EuQueueUrl`, …), to name what a stack has. */
function queueOutputsIn(raw: Outputs): string {
  const keys = Object.keys(raw)
    .filter((key) => key.endsWith(STACK_OUTPUTS.queueUrl) && !key.endsWith(STACK_OUTPUTS.dlqUrl))
    .sort();
  return keys.length > 0 ? keys.join(', ') : 'none';
}

/**
 * One janitor's outputs, by their plain keys: the unprefixed ones without `--workspace` (or with
 * `default`), else those prefixed with the workspace's name (`eu` → `EuQueueUrl`), as the stack names
 * them. A stack without them is refused by name.
 */
export async function readStackOutputs(stack: string, workspaceFlag?: string): Promise<Outputs> {
  const workspace = parseWorkspace(workspaceFlag);
  const client = new CloudFormationClient(clientConfig(stack));
  await requireRegion(client);
  const output = await awsCall(`DescribeStacks for stack ${stack}`, () =>
    client.send(new DescribeStacksCommand({ StackName: stack })),
  );
  const raw: Outputs = Object.fromEntries(
    (output.Stacks?.[0]?.Outputs ?? []).flatMap((o) =>
      o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
    ),
  );
  const prefix = workspaceOutputPrefix(workspace);
  const missing = REQUIRED.filter((key) => !raw[`${prefix}${key}`]);
  if (prefix && missing.length > 0) {
    throw usageError(
      `stack ${stack} has no outputs for workspace ${workspace}: expected ${REQUIRED.map((key) => `${prefix}${key}`).join(', ')}, found queue outputs ${queueOutputsIn(raw)} (a stack's single or default janitor has unprefixed outputs: omit --workspace)`,
    );
  }
  if (missing.length > 0) {
    throw usageError(
      `stack ${stack} has no output ${missing[0]}: is it a ConvAI Secret Janitor stack, deployed with this version? Queue outputs found: ${queueOutputsIn(raw)} (for a prefixed one, pass --workspace)`,
    );
  }
  return Object.fromEntries(
    Object.values(STACK_OUTPUTS).flatMap((key) => {
      const value = raw[`${prefix}${key}`];
      return value ? [[key, value]] : [];
    }),
  );
}

function need(outputs: Outputs, key: string): string {
  return outputs[key] ?? '';
}

async function queueCounts(client: SQSClient, queueUrl: string) {
  const output = await awsCall(`GetQueueAttributes for ${queueUrl}`, () =>
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    ),
  );
  const count = (name: QueueAttributeName) => Number(output.Attributes?.[name] ?? 0);
  return {
    visible: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}

/** `ApproximateAgeOfOldestMessage` (seconds, latest 1-minute maximum of the last 15 minutes); SQS has no API for it. */
async function oldestMessageAgeSeconds(queueUrl: string): Promise<number | undefined> {
  const client = new CloudWatchClient(clientConfig(queueUrl));
  const end = new Date();
  const output = await awsCall('CloudWatch GetMetricData', () =>
    client.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 15 * 60_000),
        EndTime: end,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'oldest',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'ApproximateAgeOfOldestMessage',
                Dimensions: [{ Name: 'QueueName', Value: queueUrl.split('/').pop() ?? '' }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    ),
  );
  return output.MetricDataResults?.[0]?.Values?.[0];
}

async function mappingState(outputs: Outputs, queueUrl: string) {
  const client = new LambdaClient(clientConfig(queueUrl));
  const uuid = need(outputs, STACK_OUTPUTS.eventSourceMappingId);
  const mapping = await awsCall('Lambda GetEventSourceMapping', () =>
    client.send(new GetEventSourceMappingCommand({ UUID: uuid })),
  );
  return { uuid, state: mapping.State ?? 'unknown' };
}

/** `status`: queue depth, in flight, DLQ depth, oldest message age, the worker's event source and the sweep. */
export async function statusCommand(options: StackOptions, out: Output): Promise<number> {
  const outputs = await readStackOutputs(options.stack, options.workspace);
  const queueUrl = need(outputs, STACK_OUTPUTS.queueUrl);
  const dlqUrl = need(outputs, STACK_OUTPUTS.dlqUrl);
  const sqs = new SQSClient(clientConfig(queueUrl));
  const [queue, dlq, oldest, mapping] = await Promise.all([
    queueCounts(sqs, queueUrl),
    queueCounts(sqs, dlqUrl),
    oldestMessageAgeSeconds(queueUrl),
    mappingState(outputs, queueUrl),
  ]);
  const sweep = outputs[STACK_OUTPUTS.sweepMode]
    ? {
        mode: outputs[STACK_OUTPUTS.sweepMode],
        schedule: outputs[STACK_OUTPUTS.sweepSchedule],
        scheduleName: outputs[STACK_OUTPUTS.sweepScheduleName],
        marksTable: outputs[STACK_OUTPUTS.marksTableName],
      }
    : undefined;
  const status = {
    stack: options.stack,
    ...(options.workspace ? { workspace: options.workspace } : {}),
    queue: { url: queueUrl, ...queue, oldestMessageAgeSeconds: oldest ?? null },
    deadLetterQueue: { url: dlqUrl, visible: dlq.visible, inFlight: dlq.inFlight },
    worker: {
      functionName: outputs[STACK_OUTPUTS.workerFunctionName],
      eventSourceMapping: mapping.uuid,
      eventSourceState: mapping.state,
    },
    sweep: sweep ?? null,
  };
  if (out.json) {
    out.document(status);
    return EXIT.ok;
  }
  out.table(
    ['What', 'Value'],
    [
      ['Queue depth (visible)', queue.visible],
      ['In flight', queue.inFlight],
      ['Delayed', queue.delayed],
      ['Oldest message age', oldest === undefined ? 'no data in the last 15 min' : formatAge(oldest * 1000)],
      ['DLQ depth', dlq.visible + dlq.inFlight],
      ['Worker event source', `${mapping.state} (${mapping.uuid})`],
      ['Worker function', status.worker.functionName ?? ''],
      ['Sweep', sweep ? `${sweep.mode}, ${sweep.schedule} (${sweep.scheduleName})` : 'not deployed'],
    ],
  );
  return EXIT.ok;
}

/** `pause` / `resume`: flips the worker's event source mapping. Messages wait in the queue meanwhile. */
export async function setConsumingCommand(options: StackOptions, enabled: boolean, out: Output): Promise<number> {
  const outputs = await readStackOutputs(options.stack, options.workspace);
  const queueUrl = need(outputs, STACK_OUTPUTS.queueUrl);
  const uuid = need(outputs, STACK_OUTPUTS.eventSourceMappingId);
  const client = new LambdaClient(clientConfig(queueUrl));
  const mapping = await awsCall('Lambda UpdateEventSourceMapping', () =>
    client.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: enabled })),
  );
  const state = mapping.State ?? 'unknown';
  if (out.json)
    out.document({
      stack: options.stack,
      ...(options.workspace ? { workspace: options.workspace } : {}),
      eventSourceMapping: uuid,
      enabled,
      state,
    });
  else
    out.line(
      `Worker event source ${uuid}: ${state}. ${enabled ? 'The worker consumes the queue again.' : 'Messages wait in the queue; nothing is consumed until resume.'}`,
    );
  return EXIT.ok;
}
