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
import { SERVICE_NAME } from '#shared/config.ts';

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
    API_KEY_SECRET_ID: apiKeySecretId(props.api.apiKeySecret),
    API_KEY_SECRET_FIELD: props.api.apiKeySecretField,
    ELEVENLABS_BASE_URL: props.api.baseUrl,
    REQUEST_TIMEOUT_MS: String(props.api.requestTimeout.toMilliseconds()),
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
  });
}
