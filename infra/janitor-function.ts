import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, type FunctionOptions, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { cdkBundling } from '#infra/bundling.ts';
import { type FunctionName, handlerCode } from '#infra/handler-code.ts';
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
  /** Which handler (a key of `FUNCTION_ENTRIES`). */
  readonly handler: FunctionName;
  /**
   * Folder holding prebuilt `<handler>/index.mjs` bundles; for tests.
   * @default the package's `dist/handlers/` when present, else bundle from source
   */
  readonly prebuiltHandlers?: string;
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
 * A janitor Lambda: Node 24 on arm64, its own log group and a role with no managed policy that may
 * write that log group and read the API key. Its code is the prebuilt bundle of the published package
 * (built with the shared esbuild options by `npm run build`) or, from the sources in this repository,
 * bundled at synth with the same options.
 */
export function createJanitorFunction(scope: Construct, props: JanitorFunctionProps): LambdaFunction {
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
  const options: FunctionOptions = {
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    role,
    logGroup,
    description: props.description,
    environment,
    ...(props.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
    ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
  };
  const code = handlerCode(props.handler, props.prebuiltHandlers);
  if (code.kind === 'prebuilt') {
    return new LambdaFunction(scope, props.ids.function, {
      ...options,
      runtime: Runtime.NODEJS_24_X,
      code: Code.fromAsset(code.dir),
      handler: 'index.handler',
    });
  }
  return new NodejsFunction(scope, props.ids.function, {
    ...options,
    runtime: Runtime.NODEJS_24_X,
    entry: code.entry,
    handler: 'handler',
    bundling: cdkBundling(),
  });
}
