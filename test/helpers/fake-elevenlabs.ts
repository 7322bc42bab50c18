import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emptyUsedBy as freshUsedBy } from '#test/helpers/used-by.ts';

/** A loopback stand-in for the ElevenLabs ConvAI secrets API. Everything lives in memory. */

export type Route = 'delete' | 'get' | 'list' | 'other';

export interface UsedBy {
  tools: unknown[];
  tools_has_more: boolean;
  agents: unknown[];
  agents_has_more: boolean;
  phone_numbers: unknown[];
  phone_numbers_has_more: boolean;
  mcp_servers: unknown[];
  others: string[];
}

export interface StoredSecret {
  type: 'stored';
  secret_id: string;
  name: string;
  used_by: UsedBy;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly route: Route;
  /** The `request-id` header the fake answered with. */
  readonly requestId: string;
}

/** A scripted answer: a response, a connection reset, or a delay before the normal (or given) answer. */
export type Override =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | 'reset'
  | { delayMs: number; then?: Override };

export interface FakeElevenLabsOptions {
  /** Keys accepted in `xi-api-key`. Default: `['test-api-key']`. */
  readonly validKeys?: Iterable<string>;
  /** Fixed delay before every response, in ms. */
  readonly latencyMs?: number;
  /** Called for every request after the scripted queue; return an Override to take over the answer. */
  readonly hook?: (request: RecordedRequest) => Override | undefined;
}

export interface FakeElevenLabs {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  readonly secrets: Map<string, StoredSecret>;
  readonly validKeys: Set<string>;
  latencyMs: number;
  hook: FakeElevenLabsOptions['hook'];
  addSecret(secretId: string, name?: string): StoredSecret;
  /** Adds an agent (or another holder) to `used_by`, so DELETE answers 422. */
  markInUse(secretId: string, agentId?: string): void;
  /** Empties `used_by`. */
  release(secretId: string): void;
  /** Queues answers consumed one per request on that route, before the hook and the store. */
  script(route: Route, ...answers: Override[]): void;
  count(route?: Route): number;
  close(): Promise<void>;
}

const SECRETS = '/v1/convai/secrets';
const emptyUsedBy = (): UsedBy => freshUsedBy();
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

const encodeCursor = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
function decodeCursor(cursor: string): number | undefined {
  try {
    const offset = (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { o?: unknown }).o;
    return Number.isInteger(offset) && (offset as number) >= 0 ? (offset as number) : undefined;
  } catch {
    return undefined;
  }
}

export async function startFakeElevenLabs(options: FakeElevenLabsOptions = {}): Promise<FakeElevenLabs> {
  const timers = new Set<NodeJS.Timeout>();
  const scripted = new Map<Route, Override[]>();
  let counter = 0;
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

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
    if (typeof key !== 'string' || !fake.validKeys.has(key)) return send(res, 401, INVALID_KEY);
    if (req.route === 'list') return send(res, ...list(req.query));
    const id = decodeURIComponent(req.path.slice(SECRETS.length + 1));
    const secret = fake.secrets.get(id);
    if (!secret) return send(res, 404, notFound(id));
    if (req.route === 'get') return send(res, 200, secret);
    if (isUsed(secret.used_by)) return send(res, 422, IN_USE);
    fake.secrets.delete(id);
    send(res, 204);
  }

  function list(query: Record<string, string>): [number, unknown] {
    let all = [...fake.secrets.values()];
    if (query.search) all = all.filter((secret) => secret.name.startsWith(query.search ?? ''));
    if (query.page_size === undefined) return [200, { secrets: all, next_cursor: null }];
    const size = Number(query.page_size);
    if (!/^\d+$/.test(query.page_size) || size < 1 || size > 100) {
      return [422, queryError('page_size', 'Input should be between 1 and 100', 'less_than_equal')];
    }
    const offset = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
    if (offset === undefined) return [422, queryError('cursor', 'Invalid cursor', 'value_error')];
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? encodeCursor(offset + size) : null;
    return [200, { secrets: page, next_cursor: next }];
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
    const url = new URL(incoming.url ?? '/', 'http://fake');
    const method = incoming.method ?? 'GET';
    const isItem = url.pathname.startsWith(`${SECRETS}/`) && !url.pathname.slice(SECRETS.length + 1).includes('/');
    const route: Route =
      url.pathname === SECRETS && method === 'GET'
        ? 'list'
        : isItem && (method === 'GET' || method === 'DELETE')
          ? method === 'GET'
            ? 'get'
            : 'delete'
          : 'other';
    counter += 1;
    const requestId = `req_fake_${counter}`;
    const req: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: incoming.headers,
      route,
      requestId,
    };
    fake.requests.push(req);
    res.setHeader('request-id', requestId);
    incoming.resume();
    if (fake.latencyMs > 0) await wait(fake.latencyMs);
    await apply(scripted.get(route)?.shift() ?? fake.hook?.(req), req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { detail: `fake failed: ${String(error)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeElevenLabs = {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: [],
    secrets: new Map(),
    validKeys: new Set(options.validKeys ?? ['test-api-key']),
    latencyMs: options.latencyMs ?? 0,
    hook: options.hook,
    addSecret(secretId, name = `secret-${secretId}`) {
      const secret: StoredSecret = { type: 'stored', secret_id: secretId, name, used_by: emptyUsedBy() };
      fake.secrets.set(secretId, secret);
      return secret;
    },
    markInUse(secretId, agentId = 'agent_in_use') {
      const secret = fake.secrets.get(secretId);
      if (!secret) throw new Error(`fake ElevenLabs has no secret ${secretId}`);
      secret.used_by.agents.push({ type: 'available', id: agentId, name: agentId, created_at_unix_secs: 0 });
    },
    release(secretId) {
      const secret = fake.secrets.get(secretId);
      if (secret) secret.used_by = emptyUsedBy();
    },
    script(route, ...answers) {
      scripted.set(route, [...(scripted.get(route) ?? []), ...answers]);
    },
    count: (route) => fake.requests.filter((req) => route === undefined || req.route === route).length,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return fake;
}
