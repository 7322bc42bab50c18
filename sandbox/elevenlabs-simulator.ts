import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type EnvironmentVariable,
  environmentVariable,
  type NewEnvironmentVariable,
} from '#sandbox/environment-variable-shapes.ts';
import { pendingWaits } from '#sandbox/pending-waits.ts';
import { available, emptyUsedBy, type UsedBy } from '#sandbox/used-by-shapes.ts';

/**
 * A loopback simulator of the ElevenLabs ConvAI secrets and environment-variables API: the workspace
 * of `npm start` and the one fake every test uses (`test/helpers/fake-elevenlabs.ts` re-exports it).
 * Everything lives in memory. Every answer has the shape of the official client's serializers
 * (`@elevenlabs/elevenlabs-js`; test/integration/fake-elevenlabs.test.ts runs that client against it):
 *
 * - `GET    /v1/convai/secrets`               → `GetWorkspaceSecretsResponseModel` (`page_size`, `cursor`, `search`, `dependency_limit`)
 * - `GET    /v1/convai/secrets/{id}`          → `ConvAiWorkspaceStoredSecretConfig`
 * - `DELETE /v1/convai/secrets/{id}`          → 204; 422 while `used_by` holds anything; 404 when absent
 * - `GET    /v1/convai/environment-variables` → `EnvironmentVariablesListResponse` (`type`, `label`, `environment`, `page_size`, `cursor`)
 *
 * Whether DELETE counts a secret-type environment variable as a use is not documented. The simulator
 * takes the unsafe reading: it deletes a secret that only an environment variable references.
 *
 * Faults: `script` queues answers per route, `hook` may take over any request.
 */

export type Route = 'delete' | 'get' | 'list' | 'env_list' | 'other';
export type { EnvironmentVariable, NewEnvironmentVariable } from '#sandbox/environment-variable-shapes.ts';
export type { UsedBy } from '#sandbox/used-by-shapes.ts';

export interface StoredSecret {
  type: 'stored';
  secret_id: string;
  name: string;
  used_by: UsedBy;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The request target as sent: path and query string, e.g. `/v1/convai/secrets?page_size=100`. */
  readonly url: string;
  readonly query: Record<string, string>;
  /** `xi-api-key` included: compare through a copy without it, never store or snapshot it. */
  readonly headers: IncomingHttpHeaders;
  /** The request body as sent ('' for GET and DELETE). */
  readonly body: string;
  readonly route: Route;
  /** The `request-id` header the simulator answered with. */
  readonly requestId: string;
}

/** A scripted answer: a response, a connection reset, or a delay before the normal (or given) answer. */
export type Override =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | 'reset'
  | { delayMs: number; then?: Override };

export interface ElevenLabsSimulatorOptions {
  /** Keys accepted in `xi-api-key`. Default: `['test-api-key']`. */
  readonly validKeys?: Iterable<string>;
  /** Fixed delay before every response, in ms. */
  readonly latencyMs?: number;
  /** Called for every request after the scripted queue; return an Override to take over the answer. */
  readonly hook?: (request: RecordedRequest) => Override | undefined;
}

export interface ElevenLabsSimulator {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  readonly secrets: Map<string, StoredSecret>;
  /** Environment variables by id, in creation order. */
  readonly environmentVariables: Map<string, EnvironmentVariable>;
  readonly validKeys: Set<string>;
  latencyMs: number;
  hook: ElevenLabsSimulatorOptions['hook'];
  addSecret(secretId: string, name?: string): StoredSecret;
  /** Adds an available agent to `used_by`, so DELETE answers 422. */
  markInUse(secretId: string, agentId?: string, agentName?: string): void;
  /** Empties `used_by`. */
  release(secretId: string): void;
  /** Removes one holder (a tool, agent or MCP server by id, a phone number by `phone_number_id`) from `used_by`. */
  releaseHolder(secretId: string, holderId: string): void;
  addEnvironmentVariable(variable: NewEnvironmentVariable): EnvironmentVariable;
  /** Queues answers consumed one per request on that route, before the hook and the store. */
  script(route: Route, ...answers: Override[]): void;
  count(route?: Route): number;
  close(): Promise<void>;
}

const SECRETS = '/v1/convai/secrets';
const ENV_VARIABLES = '/v1/convai/environment-variables';
const ENV_TYPES: readonly string[] = ['string', 'secret', 'auth_connection'];

const isUsed = (u: UsedBy) =>
  [u.tools, u.agents, u.phone_numbers, u.mcp_servers, u.others].some((list) => list.length > 0) ||
  u.tools_has_more ||
  u.agents_has_more ||
  u.phone_numbers_has_more;

const INVALID_KEY = {
  detail: {
    type: 'authentication_error',
    code: 'invalid_api_key',
    status: 'invalid_api_key',
    message: 'Invalid API key',
  },
};
const IN_USE = {
  detail: { type: 'invalid_request', code: 'secret_in_use', status: 'secret_in_use', message: 'Secret is in use' },
};
const notFound = (id: string) => ({ detail: { status: 'not_found', message: `Secret ${id} not found` } });
const queryError = (param: string, msg: string, type: string) => ({ detail: [{ loc: ['query', param], msg, type }] });
const PAGE_SIZE_ERROR = queryError('page_size', 'Input should be between 1 and 100', 'less_than_equal');

const encodeCursor = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
function decodeCursor(cursor: string): number | undefined {
  try {
    const offset = (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { o?: unknown }).o;
    return Number.isInteger(offset) && (offset as number) >= 0 ? (offset as number) : undefined;
  } catch {
    return undefined;
  }
}

/** An integer query parameter in [1, 100], the given default when absent, or undefined when invalid. */
function boundedInt(value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  return /^\d+$/.test(value) && number >= 1 && number <= 100 ? number : undefined;
}

/** One page of `items` from the `cursor` offset, or an error answer. */
function paged<T>(items: readonly T[], size: number, cursor: string | undefined) {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  if (offset === undefined) return { error: queryError('cursor', 'Invalid cursor', 'value_error') };
  const next = offset + size < items.length ? encodeCursor(offset + size) : null;
  return { page: items.slice(offset, offset + size), next };
}

/** A secret as listed with `dependency_limit`: at most that many tools, agents and phone numbers, with `*_has_more`. */
function withDependencyLimit(secret: StoredSecret, limit: number | undefined): StoredSecret {
  if (limit === undefined) return secret;
  const u = secret.used_by;
  const usedBy: UsedBy = {
    ...u,
    tools: u.tools.slice(0, limit),
    tools_has_more: u.tools_has_more || u.tools.length > limit,
    agents: u.agents.slice(0, limit),
    agents_has_more: u.agents_has_more || u.agents.length > limit,
    phone_numbers: u.phone_numbers.slice(0, limit),
    phone_numbers_has_more: u.phone_numbers_has_more || u.phone_numbers.length > limit,
  };
  return { ...secret, used_by: usedBy };
}

function routeOf(method: string, pathname: string): Route {
  if (pathname === ENV_VARIABLES) return method === 'GET' ? 'env_list' : 'other';
  if (pathname === SECRETS) return method === 'GET' ? 'list' : 'other';
  const isItem = pathname.startsWith(`${SECRETS}/`) && !pathname.slice(SECRETS.length + 1).includes('/');
  if (!isItem) return 'other';
  return method === 'GET' ? 'get' : method === 'DELETE' ? 'delete' : 'other';
}

export async function startElevenLabsSimulator(options: ElevenLabsSimulatorOptions = {}): Promise<ElevenLabsSimulator> {
  const waits = pendingWaits();
  const wait = waits.wait;
  const scripted = new Map<Route, Override[]>();
  let counter = 0;
  let variables = 0;

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    if (res.destroyed || res.writableEnded) return;
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'string' ? 'text/plain' : 'application/json';
    res.writeHead(status, { ...(text ? { 'content-type': type } : {}), ...headers });
    res.end(text);
  }

  function answerFromStore(req: RecordedRequest, res: ServerResponse) {
    const key = req.headers['xi-api-key'];
    if (req.route === 'other') return send(res, 404, { detail: 'Not Found' });
    if (typeof key !== 'string' || !simulator.validKeys.has(key)) return send(res, 401, INVALID_KEY);
    if (req.route === 'list') return send(res, ...listSecrets(req.query));
    if (req.route === 'env_list') return send(res, ...listEnvironmentVariables(req.query));
    const id = decodeURIComponent(req.path.slice(SECRETS.length + 1));
    const secret = simulator.secrets.get(id);
    if (!secret) return send(res, 404, notFound(id));
    if (req.route === 'get') return send(res, 200, secret);
    if (isUsed(secret.used_by)) return send(res, 422, IN_USE);
    simulator.secrets.delete(id);
    send(res, 204);
  }

  function listSecrets(query: Record<string, string>): [number, unknown] {
    const limit = boundedInt(query.dependency_limit, Number.POSITIVE_INFINITY);
    if (limit === undefined) {
      return [422, queryError('dependency_limit', 'Input should be between 1 and 100', 'less_than_equal')];
    }
    const all = [...simulator.secrets.values()]
      .filter((secret) => secret.name.startsWith(query.search ?? ''))
      .map((secret) => withDependencyLimit(secret, Number.isFinite(limit) ? limit : undefined));
    if (query.page_size === undefined) return [200, { secrets: all, next_cursor: null }];
    const size = boundedInt(query.page_size);
    if (size === undefined) return [422, PAGE_SIZE_ERROR];
    const result = paged(all, size, query.cursor);
    if ('error' in result) return [422, result.error];
    return [200, { secrets: result.page, next_cursor: result.next }];
  }

  function listEnvironmentVariables(query: Record<string, string>): [number, unknown] {
    if (query.type !== undefined && !ENV_TYPES.includes(query.type)) {
      return [422, queryError('type', "Input should be 'string', 'secret' or 'auth_connection'", 'enum')];
    }
    const size = boundedInt(query.page_size, 100);
    if (size === undefined) return [422, PAGE_SIZE_ERROR];
    const { environment } = query;
    const all = [...simulator.environmentVariables.values()]
      .filter((variable) => query.type === undefined || variable.type === query.type)
      .filter((variable) => query.label === undefined || variable.label === query.label)
      .filter((variable) => environment === undefined || environment in variable.values)
      .map((variable) =>
        environment === undefined
          ? variable
          : ({ ...variable, values: { [environment]: variable.values[environment] } } as EnvironmentVariable),
      );
    const result = paged(all, size, query.cursor);
    if ('error' in result) return [422, result.error];
    return [200, { environment_variables: result.page, next_cursor: result.next, has_more: result.next !== null }];
  }

  async function apply(override: Override | undefined, req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (override === undefined) return answerFromStore(req, res);
    if (override === 'reset') {
      res.socket?.resetAndDestroy();
      return;
    }
    if ('delayMs' in override) {
      await wait(override.delayMs);
      return apply(override.then, req, res);
    }
    send(res, override.status, override.body, override.headers);
  }

  async function handle(incoming: IncomingMessage, res: ServerResponse) {
    const url = new URL(incoming.url ?? '/', 'http://simulator');
    const method = incoming.method ?? 'GET';
    counter += 1;
    const requestId = `req_fake_${counter}`;
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const req: RecordedRequest = {
      method,
      path: url.pathname,
      url: incoming.url ?? '/',
      query: Object.fromEntries(url.searchParams),
      headers: incoming.headers,
      body: Buffer.concat(chunks).toString(),
      route: routeOf(method, url.pathname),
      requestId,
    };
    simulator.requests.push(req);
    res.setHeader('request-id', requestId);
    if (simulator.latencyMs > 0) await wait(simulator.latencyMs);
    await apply(scripted.get(req.route)?.shift() ?? simulator.hook?.(req), req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { detail: `simulator failed: ${String(error)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const simulator: ElevenLabsSimulator = {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: [],
    secrets: new Map(),
    environmentVariables: new Map(),
    validKeys: new Set(options.validKeys ?? ['test-api-key']),
    latencyMs: options.latencyMs ?? 0,
    hook: options.hook,
    addSecret(secretId, name = `secret-${secretId}`) {
      const secret: StoredSecret = { type: 'stored', secret_id: secretId, name, used_by: emptyUsedBy() };
      simulator.secrets.set(secretId, secret);
      return secret;
    },
    markInUse(secretId, agentId = 'agent_in_use', agentName = agentId) {
      const secret = simulator.secrets.get(secretId);
      if (!secret) throw new Error(`the ElevenLabs simulator has no secret ${secretId}`);
      secret.used_by.agents.push(available(agentId, agentName));
    },
    release(secretId) {
      const secret = simulator.secrets.get(secretId);
      if (secret) secret.used_by = emptyUsedBy();
    },
    releaseHolder(secretId, holderId) {
      const usedBy = simulator.secrets.get(secretId)?.used_by;
      if (!usedBy) return;
      usedBy.tools = usedBy.tools.filter((holder) => holder.id !== holderId);
      usedBy.agents = usedBy.agents.filter((holder) => holder.id !== holderId);
      usedBy.mcp_servers = usedBy.mcp_servers.filter((holder) => holder.id !== holderId);
      usedBy.phone_numbers = usedBy.phone_numbers.filter((holder) => holder.phone_number_id !== holderId);
    },
    addEnvironmentVariable(variable) {
      variables += 1;
      const stored = environmentVariable(variable, variables);
      simulator.environmentVariables.set(stored.id, stored);
      return stored;
    },
    script(route, ...answers) {
      scripted.set(route, [...(scripted.get(route) ?? []), ...answers]);
    },
    count: (route) => simulator.requests.filter((req) => route === undefined || req.route === route).length,
    close() {
      waits.cancelAll();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return simulator;
}
