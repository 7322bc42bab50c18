import { randomUUID } from 'node:crypto';

/**
 * The control-plane calls of the CLI's `status`, `pause` and `resume` for the loopback AWS fake:
 * CloudFormation `DescribeStacks` (query protocol, XML) and Lambda `GetEventSourceMapping` /
 * `UpdateEventSourceMapping` (REST JSON). The real SDK clients reach them through
 * `AWS_ENDPOINT_URL_CLOUDFORMATION` and `AWS_ENDPOINT_URL_LAMBDA`.
 */

export interface ControlState {
  /** Stack name → its outputs. */
  readonly stacks: Map<string, Record<string, string>>;
  /** Event source mapping UUID → whether it is enabled. */
  readonly eventSourceMappings: Map<string, { enabled: boolean }>;
}

export interface ControlAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function describeStacks(params: URLSearchParams, state: ControlState): ControlAnswer {
  const name = params.get('StackName') ?? '';
  const outputs = state.stacks.get(name);
  const xml = { 'content-type': 'text/xml' };
  if (!outputs) {
    return {
      status: 400,
      headers: xml,
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xmlEscape(name)} does not exist</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    };
  }
  const members = Object.entries(outputs)
    .map(
      ([key, value]) =>
        `<member><OutputKey>${xmlEscape(key)}</OutputKey><OutputValue>${xmlEscape(value)}</OutputValue></member>`,
    )
    .join('');
  return {
    status: 200,
    headers: xml,
    body: `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${xmlEscape(name)}</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/${xmlEscape(name)}/1</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
  };
}

function eventSourceMapping(method: string, uuid: string, body: string, state: ControlState): ControlAnswer {
  const json = { 'content-type': 'application/json' };
  const mapping = state.eventSourceMappings.get(uuid);
  if (!mapping) {
    return {
      status: 404,
      headers: { ...json, 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: JSON.stringify({ Type: 'User', Message: `The resource you requested does not exist. (UUID ${uuid})` }),
    };
  }
  if (method === 'PUT') {
    const enabled = (JSON.parse(body || '{}') as { Enabled?: unknown }).Enabled;
    if (typeof enabled === 'boolean') mapping.enabled = enabled;
  }
  return {
    status: method === 'PUT' ? 202 : 200,
    headers: json,
    body: JSON.stringify({
      UUID: uuid,
      State: mapping.enabled ? 'Enabled' : 'Disabled',
      BatchSize: 10,
      EventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:janitor-queue',
      FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:janitor-worker',
    }),
  };
}

const MAPPING_PATH = /^\/2015-03-31\/event-source-mappings\/([^/?]+)\/?$/;

/** The answer when the request is one of these calls, else undefined (the JSON-protocol fake answers). */
export function answerControlPlane(
  method: string,
  url: string,
  contentType: string,
  body: string,
  state: ControlState,
): ControlAnswer | undefined {
  const path = new URL(url, 'http://fake').pathname;
  const mapping = MAPPING_PATH.exec(path);
  if (mapping && (method === 'GET' || method === 'PUT')) {
    return eventSourceMapping(method, decodeURIComponent(mapping[1] ?? ''), body, state);
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(body);
    if (params.get('Action') === 'DescribeStacks') return describeStacks(params, state);
  }
  return undefined;
}
