/**
 * Metric definitions and the numbers behind them (scan, rollout, patch, Slack), and fleet freshness.
 */
export {
  fleetFreshness,
  METRIC_DEFINITIONS,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricBatch,
  MetricName,
  patchMetricBatch,
  rolloutMetricBatch,
  scanAlarmWindow,
  scanMetricBatches,
  slackFailureMetricBatch,
} from './src/metrics.ts';
