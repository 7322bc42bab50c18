import { type App, Duration, type Environment, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { type JanitorContext, parseJanitorContext } from '#infra/context.ts';
import { addOperatorOutputs } from '#infra/outputs.ts';
import { SecretJanitor } from '#infra/secret-janitor.ts';

const hours = (value: number | undefined) => (value === undefined ? undefined : Duration.hours(value));

export interface JanitorStackProps extends StackProps {
  readonly config: JanitorContext;
}

/** The deployable stack: imports the API key secret and builds the janitor from validated context. */
export class JanitorStack extends Stack {
  readonly janitor: SecretJanitor;

  constructor(scope: Construct, id: string, props: JanitorStackProps) {
    super(scope, id, props);
    const { config } = props;
    const encryptionKey = config.apiKeyKmsKeyArn
      ? Key.fromKeyArn(this, 'ApiKeyKmsKey', config.apiKeyKmsKeyArn)
      : undefined;
    // By name, fromSecretNameV2 keeps the name exactly as given; parsing a partial ARN would cut a
    // final "-abcdef" segment off a name like "team-apikey", mistaking it for the random suffix.
    const apiKeySecret: ISecret = config.apiKeySecretArn
      ? Secret.fromSecretCompleteArn(this, 'ApiKeySecret', config.apiKeySecretArn)
      : Secret.fromSecretNameV2(this, 'ApiKeySecret', config.apiKeySecretName ?? '');

    let alarmTopic: Topic | undefined;
    if (config.alarmEmail) {
      alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'ConvAI Secret Janitor alarms', enforceSSL: true });
      alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
      Validations.of(alarmTopic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry no secret data, and CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.',
      });
    }

    this.janitor = new SecretJanitor(this, 'Janitor', {
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
      eventBus: config.eventBusName ? EventBus.fromEventBusName(this, 'EventBus', config.eventBusName) : undefined,
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
    addOperatorOutputs(this, this.janitor);
  }
}

/**
 * The stack `infra/app.ts` deploys: named and configured by the app's `janitor` context (the
 * cdk.json block or `-c janitor='{…}'`). Tests build their stacks through this function too.
 */
export function janitorStackFromContext(app: App, env: Environment): JanitorStack {
  const config = parseJanitorContext(app.node.tryGetContext('janitor'));
  return new JanitorStack(app, config.stackName, {
    config,
    description: 'ConvAI Secret Janitor: deletes stale ElevenLabs Conversational AI workspace secrets',
    env,
  });
}
