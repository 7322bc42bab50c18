import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ElevenLabsApi, Mark, QueuePort, Random, WorkerDeps } from '#core/ports.ts';
import type { VirtualClock } from '#sandbox/virtual-clock.ts';
import { AWS_CLIENT_CONFIG, createApiDeps } from '#shared/aws-clients.ts';
import type { WorkerConfig } from '#shared/config.ts';
import { logPort } from '#shared/powertools.ts';
import { createWorkerHandler } from '#shared/worker-handler.ts';
import { REGION } from '#test/helpers/fake-aws.ts';

/**
 * Lambda execution environments for the fault soak. Each runs the real worker handler over its own
 * HTTP client (keep-alive agent), key provider (5-minute cache) and Secrets Manager client, wired by
 * `createApiDeps` as in Lambda, with the virtual clock for time, the local queue for SQS (behind the
 * production `redactingQueue`) and Powertools for logs. An environment can be
 * told to time out after its n-th I/O call: from then on nothing it starts completes, as when Lambda
 * stops a function at its timeout, and the invocation fails.
 */

export interface Observations {
  /** Every in-process wait the worker asked for, in ms. */
  readonly sleeps: number[];
  /** Every HTTP timeout the worker gave a request, in ms. */
  readonly httpTimeouts: number[];
  /** Every ChangeMessageVisibility the worker asked for, in seconds. */
  readonly visibilityRequests: number[];
  /** Refusals by SQS error code. */
  readonly visibilityErrors: Record<string, number>;
  readonly dlqErrors: Record<string, number>;
  readonly metrics: Record<string, number>;
}

export interface ContainerWiring {
  readonly config: WorkerConfig;
  readonly clock: VirtualClock;
  readonly awsEndpoint: string;
  readonly queue: QueuePort;
  readonly marks: Map<string, Mark>;
  readonly random: Random;
  /** Called when an environment reaches its timeout. */
  readonly onTimeout?: () => void;
}

export const TIMEOUT_MESSAGE = 'Task timed out after 60.00 seconds';

const never = <T>() => new Promise<T>(() => undefined);
export const tally = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function watched<A extends unknown[]>(errors: Record<string, number>, call: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await call(...args);
    } catch (error) {
      tally(errors, ((error as Error).cause as Error)?.name ?? 'unknown');
      throw error;
    }
  };
}

export function createContainerPool(wiring: ContainerWiring) {
  const { config, clock } = wiring;
  const seen: Observations = {
    sleeps: [],
    httpTimeouts: [],
    visibilityRequests: [],
    visibilityErrors: {},
    dlqErrors: {},
    metrics: {},
  };
  const clients: SecretsManagerClient[] = [];
  const idle: ReturnType<typeof createContainer>[] = [];

  function createContainer() {
    let frozen = false;
    let calls = 0;
    let killAfter: number | undefined;
    let kill: ((error: Error) => void) | undefined;
    const gate =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        if (frozen) return never();
        calls += 1;
        if (killAfter !== undefined && calls >= killAfter) {
          frozen = true;
          wiring.onTimeout?.();
          kill?.(new Error(TIMEOUT_MESSAGE));
          return never();
        }
        return call(...args);
      };
    const client = new SecretsManagerClient({
      ...AWS_CLIENT_CONFIG,
      // Every injected fault reaches the key provider; the SDK's retries would hide some and wait real seconds.
      maxAttempts: 1,
      endpoint: wiring.awsEndpoint,
      region: REGION,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret-access-key' },
    });
    clients.push(client);
    // The production wiring: the HTTP client with answers scrubbed of the key, the cached key provider.
    const { api, apiKey } = createApiDeps(config, {
      secretsManager: client,
      time: { now: clock.now, sleep: clock.sleep, random: wiring.random },
    });
    const timed =
      (send: ElevenLabsApi['deleteSecret']): ElevenLabsApi['deleteSecret'] =>
      (secretId, key, timeoutMs) => {
        seen.httpTimeouts.push(timeoutMs);
        return send(secretId, key, timeoutMs);
      };
    const unlessFrozen = (log: typeof logPort.info) => (message: string, extra?: Record<string, unknown>) => {
      if (!frozen) log(message, extra);
    };
    // Every API method is an I/O call; the two the worker uses also record their timeouts.
    const gated = Object.fromEntries(
      Object.entries(api).map(([name, call]) => [name, gate(call as (...args: unknown[]) => Promise<unknown>)]),
    ) as unknown as ElevenLabsApi;
    const deps: WorkerDeps = {
      api: { ...gated, deleteSecret: gate(timed(api.deleteSecret)), getSecret: gate(timed(api.getSecret)) },
      apiKey: { get: gate((options?: { forceRefresh?: boolean }) => apiKey.get(options)) },
      queue: {
        changeVisibility: gate(
          watched(seen.visibilityErrors, (handle: string, seconds: number) => {
            seen.visibilityRequests.push(seconds);
            return wiring.queue.changeVisibility(handle, seconds);
          }),
        ),
        sendToDlq: gate(watched(seen.dlqErrors, wiring.queue.sendToDlq)),
        sendBatch: gate(wiring.queue.sendBatch),
      },
      logger: {
        info: unlessFrozen(logPort.info),
        warn: unlessFrozen(logPort.warn),
        error: unlessFrozen(logPort.error),
      },
      metrics: { count: (name) => (frozen ? undefined : tally(seen.metrics, name)) },
      marks: {
        get: gate(async (secretId: string) => wiring.marks.get(secretId)),
        clear: gate(async (secretId: string) => void wiring.marks.delete(secretId)),
      },
      now: clock.now,
      sleep: gate(async (ms: number) => {
        seen.sleeps.push(ms);
        await clock.sleep(ms);
      }),
      random: wiring.random,
    };
    const handler = createWorkerHandler(config, deps);
    return {
      get frozen() {
        return frozen;
      },
      run(event: SQSEvent, context: Context, killAt: number | undefined): Promise<SQSBatchResponse> {
        calls = 0;
        killAfter = killAt;
        return new Promise((resolve, reject) => {
          kill = reject;
          handler(event, context).then(resolve, reject);
        });
      },
    };
  }

  return {
    seen,
    /** Runs one invocation in an idle environment (or a new one); `killAt` times it out at that I/O call. */
    async invoke(event: SQSEvent, context: Context, killAt?: number): Promise<SQSBatchResponse> {
      const container = idle.pop() ?? createContainer();
      try {
        return await container.run(event, context, killAt);
      } finally {
        if (!container.frozen) idle.push(container);
      }
    },
    close() {
      for (const client of clients) client.destroy();
    },
  };
}
