import { type App, Duration, type Environment, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { type JanitorContext, parseJanitorApp } from '#infra/context.ts';
import { workspaceOutputPrefix } from '#infra/output-names.ts';
import { addOperatorOutputs } from '#infra/outputs.ts';
import { SecretJanitor } from '#infra/secret-janitor.ts';

const hours = (value: number | undefined) => (value === undefined ? undefined : Duration.hours(value));

export interface JanitorStackProps extends StackProps {
  /** One janitor per ElevenLabs workspace; the single-janitor context gives one. */
  readonly janitors: readonly JanitorContext[];
}

/**
 * Construct ids that stay stable: the single janitor, and the `default` workspace of a list, keep the
 * ids the single form always had (`Janitor`, `ApiKeySecret`, …); another workspace's carry its name.
 */
function idsFor(config: JanitorContext, single: boolean) {
  const suffix =
    single || config.workspace === undefined || config.workspace === 'default' ? '' : `-${config.workspace}`;
  return {
    janitor: `Janitor${suffix}`,
    secret: `ApiKeySecret${suffix}`,
    key: `ApiKeyKmsKey${suffix}`,
    bus: `EventBus${suffix}`,
    /**
     * The same rule for stack outputs: the single janitor's and the `default` workspace's keep their
     * plain names (what the CLI's `status` reads without `--workspace`); another's carry its name.
     */
    outputs: suffix ? workspaceOutputPrefix(config.workspace) : '',
  };
}

/** The deployable stack: imports each API key secret and builds one janitor per workspace from validated context. */
export class JanitorStack extends Stack {
  /** The first janitor (the only one in the single-janitor form). */
  readonly janitor: SecretJanitor;
  readonly janitors: readonly SecretJanitor[];

  constructor(scope: Construct, id: string, props: JanitorStackProps) {
    super(scope, id, props);
    const first = props.janitors[0];
    if (!first) throw new Error('JanitorStack: expected at least one janitor');

    let alarmTopic: Topic | undefined;
    if (first.alarmEmail) {
      alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'ConvAI Secret Janitor alarms', enforceSSL: true });
      alarmTopic.addSubscription(new EmailSubscription(first.alarmEmail));
      Validations.of(alarmTopic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry no secret data, and CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.',
      });
    }
    const single = props.janitors.length === 1;
    this.janitors = props.janitors.map((config) => this.addJanitor(config, idsFor(config, single), alarmTopic));
    this.janitor = this.janitors[0] as SecretJanitor;
  }

  private addJanitor(config: JanitorContext, ids: ReturnType<typeof idsFor>, alarmTopic: Topic | undefined) {
    const encryptionKey = config.apiKeyKmsKeyArn ? Key.fromKeyArn(this, ids.key, config.apiKeyKmsKeyArn) : undefined;
    // By name, fromSecretNameV2 keeps the name exactly as given; parsing a partial ARN would cut a
    // final "-abcdef" segment off a name like "team-apikey", mistaking it for the random suffix.
    const apiKeySecret: ISecret = config.apiKeySecretArn
      ? Secret.fromSecretCompleteArn(this, ids.secret, config.apiKeySecretArn)
      : Secret.fromSecretNameV2(this, ids.secret, config.apiKeySecretName ?? '');
    const janitor = new SecretJanitor(this, ids.janitor, {
      apiKeySecret,
      apiKeyEncryptionKey: encryptionKey,
      apiKeySecretField: config.apiKeySecretField,
      baseUrl: config.baseUrl,
      horizon: hours(config.horizonHours),
      protectedSecretIds: config.protectedSecretIds,
      dryRun: config.dryRun,
      concurrency: config.concurrency,
      maxConcurrency: config.maxConcurrency,
      enabled: config.enabled,
      alarmTopic,
      eventBus: config.eventBusName ? EventBus.fromEventBusName(this, ids.bus, config.eventBusName) : undefined,
      eventSource: config.eventSource,
      workspace: config.workspace,
      scheduledDeletions: config.scheduledDeletions,
      sweep: config.sweep && {
        prefixes: config.sweep.prefixes,
        mode: config.sweep.mode,
        schedule: config.sweep.schedule,
        timeZone: config.sweep.timeZone,
        gracePeriod: hours(config.sweep.gracePeriodHours),
        maxObservationGap: hours(config.sweep.maxObservationGapHours),
        maxDeletionsPerRun: config.sweep.maxDeletionsPerRun,
        maxDeletionPercent: config.sweep.maxDeletionPercent,
        protectedNamePatterns: config.sweep.protectedNamePatterns,
      },
    });
    addOperatorOutputs(this, janitor, ids.outputs);
    return janitor;
  }
}

/**
 * The stack `infra/app.ts` deploys: named and configured by the app's `janitor` context (the
 * cdk.json block or `-c janitor='{…}'`), with one janitor, or one per entry of `workspaces`.
 * Tests build their stacks through this function too.
 */
export function janitorStackFromContext(app: App, env: Environment): JanitorStack {
  const { stackName, janitors } = parseJanitorApp(app.node.tryGetContext('janitor'));
  return new JanitorStack(app, stackName, {
    janitors,
    description: 'ConvAI Secret Janitor: deletes stale ElevenLabs Conversational AI workspace secrets',
    env,
  });
}
