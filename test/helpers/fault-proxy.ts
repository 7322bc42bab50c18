import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pendingWaits } from '#sandbox/pending-waits.ts';
import { type FaultDecision, HTTP_FAULTS, type HttpFault, type ProxiedRequest } from '#test/helpers/fault-plan.ts';

/**
 * A loopback HTTP proxy in front of the fake ElevenLabs that injects the API faults a fault plan
 * (`fault-plan.ts`) decides: 408, 429 with and without `Retry-After` (seconds or HTTP date),
 * 500/502/503, connection resets (before the request reaches ElevenLabs, or after, so that the answer
 * is lost), hangs past the client's timeout, slow answers, and error bodies that echo the API key. Every answer carries the proxy's own `request-id`,
 * so a log line's `requestId` leads back to what the proxy did.
 */

export interface ProxyRecord extends ProxiedRequest {
  readonly requestId: string;
  readonly fault?: FaultDecision;
  /** The fake's status, when the request reached it. */
  upstreamStatus?: number;
}

export interface FaultProxy {
  readonly baseUrl: string;
  readonly records: ProxyRecord[];
  readonly byRequestId: Map<string, ProxyRecord>;
  faultCounts(): Record<HttpFault, number>;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The fake ElevenLabs base URL. */
  readonly upstream: string;
  readonly decide: (request: ProxiedRequest) => FaultDecision | undefined;
  /** The clock `Retry-After` dates are written on (the worker's virtual clock). */
  readonly now: () => number;
}

const SECRETS = '/v1/convai/secrets/';

/** An error body with the key at `offset` characters into the message. */
export function echoBody(apiKey: string, offset: number, asText: boolean): { body: string; type: string } {
  const filler = 'upstream gateway rejected the request for this workspace; '.repeat(8).slice(0, offset);
  const message = `${filler}${apiKey} is not allowed here`;
  if (asText) return { body: message, type: 'text/plain' };
  return { body: JSON.stringify({ detail: { status: 'internal_error', message } }), type: 'application/json' };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const records: ProxyRecord[] = [];
  const byRequestId = new Map<string, ProxyRecord>();
  const calls = new Map<string, number>();
  const waits = pendingWaits();
  const wait = waits.wait;

  function forward(incoming: IncomingMessage): Promise<{ status: number; body: Buffer; type?: string }> {
    return new Promise((resolve, reject) => {
      const out = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: incoming.url,
          method: incoming.method,
          agent,
          headers: {
            'xi-api-key': incoming.headers['xi-api-key'] ?? '',
            'user-agent': incoming.headers['user-agent'] ?? '',
            accept: 'application/json',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const type = res.headers['content-type'];
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ...(type ? { type } : {}) });
          });
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end();
    });
  }

  function answer(res: ServerResponse, requestId: string, status: number, body: string | Buffer, headers = {}) {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'request-id': requestId, ...headers });
    res.end(body);
  }

  async function handle(incoming: IncomingMessage, res: ServerResponse) {
    incoming.resume();
    const method = incoming.method ?? 'GET';
    const path = new URL(incoming.url ?? '/', 'http://proxy').pathname;
    const item = path.startsWith(SECRETS) ? decodeURIComponent(path.slice(SECRETS.length)) : undefined;
    const route = item && method === 'DELETE' ? 'delete' : item && method === 'GET' ? 'get' : 'other';
    const counter = `${method} ${item ?? path}`;
    const call = (calls.get(counter) ?? 0) + 1;
    calls.set(counter, call);
    const proxied: ProxiedRequest = { method, route, call, ...(item === undefined ? {} : { secretId: item }) };
    const fault = options.decide(proxied);
    const requestId = `proxy_${records.length + 1}`;
    const record: ProxyRecord = { ...proxied, requestId, ...(fault ? { fault } : {}) };
    records.push(record);
    byRequestId.set(requestId, record);
    const relay = async () => {
      const up = await forward(incoming);
      record.upstreamStatus = up.status;
      return up;
    };
    if (!fault) {
      const up = await relay();
      return answer(res, requestId, up.status, up.body, up.type ? { 'content-type': up.type } : {});
    }
    const json = (detail: string) =>
      JSON.stringify({ detail: { status: detail, message: detail.replaceAll('_', ' ') } });
    switch (fault.kind) {
      case 'status_408':
        return answer(res, requestId, 408, json('request_timeout'), { 'content-type': 'application/json' });
      case 'status_429':
        return answer(res, requestId, 429, json('rate_limited'), { 'content-type': 'application/json' });
      case 'status_429_retry_after_seconds':
        return answer(res, requestId, 429, json('rate_limited'), {
          'content-type': 'application/json',
          'retry-after': String(fault.retryAfterSeconds ?? 1),
        });
      case 'status_429_retry_after_date':
        return answer(res, requestId, 429, json('rate_limited'), {
          'content-type': 'application/json',
          'retry-after': new Date(options.now() + (fault.retryAfterSeconds ?? 1) * 1000).toUTCString(),
        });
      case 'status_500':
      case 'status_502':
      case 'status_503':
        return answer(res, requestId, Number(fault.kind.slice(-3)), json('server_error'), {
          'content-type': 'application/json',
        });
      case 'reset':
        res.socket?.resetAndDestroy();
        return;
      case 'reset_answer_lost':
        await relay();
        res.socket?.resetAndDestroy();
        return;
      case 'hang':
        return; // The client gives up at its timeout; closing the proxy ends the socket.
      case 'hang_answer_lost':
        await relay();
        return;
      case 'slow': {
        await wait(fault.delayMs ?? 20);
        const up = await relay();
        return answer(res, requestId, up.status, up.body, up.type ? { 'content-type': up.type } : {});
      }
      case 'echo_key': {
        const key = String(incoming.headers['xi-api-key'] ?? '');
        const { body, type } = echoBody(key, fault.echoOffset ?? 0, fault.echoAsText ?? false);
        return answer(res, requestId, fault.echoStatus ?? 500, body, { 'content-type': type });
      }
    }
  }

  const server = createServer((incoming, res) => {
    handle(incoming, res).catch(() => {
      if (!res.headersSent && !res.destroyed) answer(res, 'proxy_error', 502, 'proxy failed to reach the fake');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    records,
    byRequestId,
    faultCounts() {
      const counts = Object.fromEntries(HTTP_FAULTS.map((kind) => [kind, 0])) as Record<HttpFault, number>;
      for (const record of records) if (record.fault) counts[record.fault.kind] += 1;
      return counts;
    },
    close() {
      waits.cancelAll();
      agent.destroy();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
