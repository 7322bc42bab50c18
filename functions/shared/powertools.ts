import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LogPort, MetricsPort, SweepMetricsPort } from '#core/ports.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '#shared/config.ts';
import { redact } from '#shared/redact.ts';

/** Shared Powertools instances, created once per container. */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** Powertools Logger behind the core's narrow LogPort; every line is scrubbed of the API key. */
export const logPort: LogPort = {
  info: (message, extra = {}) => logger.info(redact(message), redact(extra) as LogAttributes),
  warn: (message, extra = {}) => logger.warn(redact(message), redact(extra) as LogAttributes),
  error: (message, extra = {}) => logger.error(redact(message), redact(extra) as LogAttributes),
};

export const metricsPort: MetricsPort = {
  count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
};

export const sweepMetricsPort: SweepMetricsPort = {
  record: (name, value, unit) => metrics.addMetric(name, MetricUnit[unit], value),
};
