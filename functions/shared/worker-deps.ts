import type { MarksStore, WorkerDeps } from '#core/ports.ts';
import { createApiDeps, createMarksStore, createQueue } from '#shared/aws-clients.ts';
import type { WorkerConfig } from '#shared/config.ts';
import { logPort, metricsPort } from '#shared/powertools.ts';

/** The worker needs the marks table only for sweep deletions: the client is built on first use. */
function lazyMarks(tableName: string): Pick<MarksStore, 'get' | 'clear'> {
  let store: MarksStore | undefined;
  const load = () => {
    store ??= createMarksStore(tableName);
    return store;
  };
  return {
    get: (secretId) => load().get(secretId),
    clear: (secretId, audit) => load().clear(secretId, audit),
  };
}

/** Wires the real clients for the worker. Runs once, at cold start. */
export function createWorkerDeps(config: WorkerConfig): WorkerDeps {
  return {
    ...createApiDeps(config),
    queue: createQueue(config.queueUrl, config.dlqUrl),
    logger: logPort,
    metrics: metricsPort,
    ...(config.marksTableName ? { marks: lazyMarks(config.marksTableName) } : {}),
  };
}
