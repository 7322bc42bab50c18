import { Duration, TimeZone } from 'aws-cdk-lib';
import { EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_WORKSPACE, DETAIL_TYPES, MAX_IDS_PER_REQUEST, MAX_REASON_LENGTH } from '#core/message-schemas.ts';
import { partitionIds } from '#core/parse-message.ts';
import { propValue } from '#infra/setting-props.ts';
import { ConfigError } from '#shared/errors.ts';
import { timeZoneProblem as canonicalTimeZoneProblem, scheduleExpressionProblem } from '#shared/schedule-expression.ts';
import { SETTINGS } from '#shared/settings.ts';

/** A fixed list of secrets deleted on a schedule, e.g. a nightly teardown of demo workspaces. */
export interface ScheduledDeletion {
  /** Stable name (letters, digits, `-`, `_`; 1–48); part of the construct id and the logs. */
  readonly name: string;
  /** `cron(minutes hours day-of-month month day-of-week year)` or `rate(value unit)`. */
  readonly expression: string;
  /** IANA time zone of a cron expression. @default 'UTC' */
  readonly timeZone?: string;
  /** The secret ids to delete, 1–1000. */
  readonly secretIds: readonly string[];
  /** Logged with every deletion. @default 'scheduled deletion <name>' */
  readonly reason?: string;
}

export interface JanitorTriggersProps {
  /** The deletion queue every trigger delivers to. */
  readonly queue: IQueue;
  /** Where EventBridge and Scheduler put what they could not deliver (the janitor's DLQ). */
  readonly deadLetterQueue: IQueue;
  /** Bus the teardown rule listens on. @default the account's default bus */
  readonly eventBus?: IEventBus;
  /** The only `source` the rule accepts. @default 'convai.secret-janitor' (settings: eventSource) */
  readonly eventSource?: string;
  /** Fixed deletion lists on a schedule. @default [] */
  readonly scheduledDeletions?: readonly ScheduledDeletion[];
  /** The janitor's workspace: the rule matches only its events, the schedules name it. @default 'default' */
  readonly workspace?: string;
}

/**
 * The rule's filter on `detail.workspace`: the janitor's own workspace, and for the `default` one
 * also events that name no workspace. So two janitors on one bus never take each other's events.
 */
export function workspaceFilter(workspace: string): (string | { exists: boolean })[] {
  return workspace === DEFAULT_WORKSPACE ? [DEFAULT_WORKSPACE, { exists: false }] : [workspace];
}

/** Retries and age for native delivery: the most EventBridge and Scheduler allow. */
const DELIVERY = { retryAttempts: 185, maxEventAge: Duration.hours(24) } as const;

/** Why a Scheduler expression is not accepted, or undefined. */
export function expressionProblem(expression: string): string | undefined {
  const problem = scheduleExpressionProblem(expression);
  return problem && `expression must ${problem}, received "${expression}"`;
}

/** Why a time zone is not a canonical IANA name (exactly as Scheduler spells it), or undefined. */
export function timeZoneProblem(timeZone: string): string | undefined {
  const problem = canonicalTimeZoneProblem(timeZone);
  return problem && `timeZone must ${problem}, received "${timeZone}"`;
}

/** Checks one scheduled deletion at synth; throws a ConfigError that names the schedule and the problem. */
export function validateScheduledDeletion(schedule: ScheduledDeletion): void {
  const fail = (problem: string) => {
    throw new ConfigError(`scheduledDeletions "${schedule.name}": ${problem}`);
  };
  if (!/^[A-Za-z0-9_-]{1,48}$/.test(schedule.name)) fail('name must be 1-48 letters, digits, "-" or "_"');
  const problem = expressionProblem(schedule.expression) ?? timeZoneProblem(schedule.timeZone ?? 'UTC');
  if (problem) fail(problem);
  if (schedule.secretIds.length < 1 || schedule.secretIds.length > MAX_IDS_PER_REQUEST) {
    fail(`secretIds must hold 1-${MAX_IDS_PER_REQUEST} ids, received ${schedule.secretIds.length}`);
  }
  const { invalid } = partitionIds(schedule.secretIds);
  if (invalid.length > 0) fail(invalid.map(({ secretId, problem }) => `${secretId}: ${problem}`).join('; '));
  if (schedule.reason !== undefined && schedule.reason.length > MAX_REASON_LENGTH) {
    fail(`reason must be at most ${MAX_REASON_LENGTH} characters, received ${schedule.reason.length}`);
  }
}

/**
 * The native triggers that feed the queue: an EventBridge rule for teardown events and one
 * EventBridge Scheduler schedule per fixed deletion list. Both deliver straight to the queue, with
 * retries and a dead-letter queue, so no path depends on async Lambda retries.
 */
export class JanitorTriggers extends Construct {
  readonly rule: Rule;
  /** The bus the rule listens on. */
  readonly eventBus: IEventBus;
  /** The only `source` the rule accepts. */
  readonly eventSource: string;
  readonly schedules: Schedule[] = [];

  constructor(scope: Construct, id: string, props: JanitorTriggersProps) {
    super(scope, id);
    const source = propValue(SETTINGS.eventSource, props.eventSource);
    this.eventSource = source;
    this.eventBus = props.eventBus ?? EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const workspace = propValue(SETTINGS.workspace, props.workspace);
    this.rule = new Rule(this, 'TeardownRule', {
      description: 'ConvAI Secret Janitor: Agent Removed and Secret Deletion Requested events to the deletion queue',
      eventBus: this.eventBus,
      eventPattern: {
        source: [source],
        detailType: [DETAIL_TYPES.agentRemoved, DETAIL_TYPES.deletionRequested],
        detail: { workspace: workspaceFilter(workspace) },
      },
    });
    this.rule.addTarget(new SqsQueue(props.queue, { deadLetterQueue: props.deadLetterQueue, ...DELIVERY }));

    const names = new Set<string>();
    for (const schedule of props.scheduledDeletions ?? []) {
      validateScheduledDeletion(schedule);
      if (names.has(schedule.name)) throw new ConfigError(`scheduledDeletions "${schedule.name}": name is used twice`);
      names.add(schedule.name);
      this.schedules.push(
        new Schedule(this, `Scheduled-${schedule.name}`, {
          description: `ConvAI Secret Janitor: scheduled deletion "${schedule.name}"`,
          schedule: ScheduleExpression.expression(schedule.expression, TimeZone.of(schedule.timeZone ?? 'UTC')),
          target: new SqsSendMessage(props.queue, {
            input: ScheduleTargetInput.fromObject({
              secretIds: [...schedule.secretIds],
              reason: schedule.reason ?? `scheduled deletion ${schedule.name}`,
              origin: 'schedule',
              eventId: ContextAttribute.executionId,
              ...(workspace === DEFAULT_WORKSPACE ? {} : { workspace }),
            }),
            deadLetterQueue: props.deadLetterQueue,
            ...DELIVERY,
          }),
        }),
      );
    }
  }
}
