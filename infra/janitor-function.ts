import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { cdkBundling } from '#infra/bundling.ts';
import { apiKeySecretId, grantReadApiKey } from '#infra/iam.ts';
import { checkEnvironmentSize } from '#infra/limits.ts';
import { envOf } from '#infra/setting-props.ts';
import { SERVICE_NAME } from '#shared/config.ts';
import { SETTINGS } from '#shared/settings.ts';

/** What every janitor function shares: the ElevenLabs API and its key. */
export interface ApiAccess {
  readonly apiKeySecret: ISecret;
  readonly apiKeyEncryptionKey?: IKey;
  readonly apiKeySecretField: string;
  readonly baseUrl: string;
  readonly requestTimeout: Duration;
}

export interface JanitorFunctionProps {
  /** Construct ids of the function, its role and its log group (kept stable across versions). */
  readonly ids: { readonly function: string; readonly role: string; readonly logs: string };
  readonly entry: string;
  readonly description: string;
  readonly roleDescription: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly api: ApiAccess;
  /** The function's own variables, beside the shared API settings. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Lambda's own retries of a failed asynchronous invocation. @default 2 (Lambda's default) */
  readonly retryAttempts?: number;
}

/**
 * A janitor Lambda: Node 24 on arm64, bundled with the shared esbuild options, its own log group and
 * a role with no managed policy that may write that log group and read the API key.
 */
export function createJanitorFunction(scope: Construct, props: JanitorFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, props.ids.logs, { retention: props.logRetention });
  const role = new Role(scope, props.ids.role, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  logGroup.grantWrite(role);
  grantReadApiKey(props.api.apiKeySecret, role, props.api.apiKeyEncryptionKey);
  const environment = {
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    ...envOf(SETTINGS.apiKeySecretId, apiKeySecretId(props.api.apiKeySecret)),
    ...envOf(SETTINGS.apiKeySecretField, props.api.apiKeySecretField),
    ...envOf(SETTINGS.baseUrl, props.api.baseUrl),
    ...envOf(SETTINGS.requestTimeoutMs, props.api.requestTimeout.toMilliseconds()),
    ...props.environment,
  };
  checkEnvironmentSize(`${props.ids.function} function`, environment);
  return new NodejsFunction(scope, props.ids.function, {
    entry: props.entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    role,
    logGroup,
    bundling: cdkBundling(),
    description: props.description,
    environment,
    ...(props.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
    ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
  });
}
