import type { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '#shared/config.ts';

/** An alarm that fires on one datapoint above the threshold (0 by default); no data is not breaching. */
export function alarmAbove(scope: Construct, id: string, description: string, metric: IMetric, threshold = 0): Alarm {
  return new Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

/**
 * One of a janitor's own EMF metrics. Powertools adds the `service` dimension, and the handlers the
 * `workspace` one, so two janitors in one account and region never share a metric or an alarm.
 */
export function janitorMetric(
  metricName: string,
  workspace: string,
  options: { readonly statistic?: string; readonly period?: Duration } = {},
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, workspace },
    statistic: options.statistic ?? 'Sum',
    ...(options.period ? { period: options.period } : {}),
  });
}
