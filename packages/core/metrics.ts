/**
 * Metric definitions and the numbers behind them (scan, rollout, patch, Slack), and fleet freshness.
 */
export {
  DEFAULT_METRIC_OPTIONS,
  DimensionSet,
  fleetFreshness,
  METRIC_DEFINITIONS,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricBatch,
  type MetricDefinition,
  type MetricDimension,
  MetricName,
  type MetricOptions,
  type MetricSeries,
  metricDimensionSets,
  metricSeries,
  NO_WAVE,
  type NodegroupFreshness,
  patchMetricBatches,
  rolloutMetricBatches,
  SELF_ACCOUNT,
  scanAlarmWindow,
  scanMetricBatches,
  slackFailureMetricBatches,
} from './src/metrics.ts';
