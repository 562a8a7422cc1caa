import { Metrics, type MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseConfigText } from '@nodekeeper/core/config';
import type { PatchCompletedEvent } from '@nodekeeper/core/messages';
import {
  DEFAULT_METRIC_OPTIONS,
  fleetFreshness,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricBatch,
  type MetricOptions,
  patchMetricBatches,
  rolloutMetricBatches,
  scanMetricBatches,
  slackFailureMetricBatches,
} from '@nodekeeper/core/metrics';
import type { CatalogSnapshot, Fleet, Plan } from '@nodekeeper/core/plan';
import type { RolloutRecord } from '@nodekeeper/core/rollout';

/** The unit strings core uses are Powertools' MetricUnit values. */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * A Powertools Metrics instance in the `nodekeeper` namespace with the `service` dimension
 * `nodekeeper`. Handlers share the module-level `metrics`; tests make their own.
 */
export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
}

/** The functions' shared metrics instance. */
export const metrics = createMetrics();

let cached: { json: string | null; options: MetricOptions } | null = null;

/**
 * What the functions emit: the `observability` section of the config in NODEKEEPER_CONFIG (the
 * default when it is unset or unreadable: metrics must never fail a handler). Memoised per config.
 */
export function metricOptionsFromEnv(vars: Record<string, string | undefined> = process.env): MetricOptions {
  const json = vars.NODEKEEPER_CONFIG?.trim() ? (vars.NODEKEEPER_CONFIG as string) : null;
  if (cached?.json === json) return cached.options;
  let options = DEFAULT_METRIC_OPTIONS;
  if (json !== null) {
    try {
      options = { clusterMetrics: parseConfigText(json, 'NODEKEEPER_CONFIG').observability.clusterMetrics };
    } catch {
      // The handler's own config read reports a bad config; metrics fall back to the default.
      options = DEFAULT_METRIC_OPTIONS;
    }
  }
  cached = { json, options };
  return options;
}

/**
 * Writes each batch as one EMF document on stdout (CloudWatch Logs turns it into metrics), with
 * exactly the batch's dimension sets. Never throws for a bad value: metrics must not fail a handler.
 */
export function publishBatches(target: Metrics, batches: readonly MetricBatch[]): void {
  for (const batch of batches) {
    const values = batch.values.filter((v) => Number.isFinite(v.value));
    if (values.length === 0 || batch.dimensionSets.length === 0) continue;
    for (const set of batch.dimensionSets) {
      // Powertools adds `service` (the default dimension) to every set; an empty set is [service].
      target.addDimensions(
        Object.fromEntries(
          set
            .filter((d) => d !== 'service')
            .map((d) => [d, batch.dimensions[d as keyof MetricBatch['dimensions']] ?? '']),
        ),
      );
    }
    for (const v of values) target.addMetric(v.name, v.unit as Unit, v.value);
    target.publishStoredMetrics();
  }
}

/**
 * Scan metrics: NodegroupsBehind and MaxAmiAgeDays fleet-wide and per wave (per cluster with
 * `clusterMetrics`), and ScanDurationSeconds. Pass the catalog so custom AMIs' ages (image creation
 * dates) are known.
 */
export function emitScanMetrics(
  target: Metrics,
  plan: Plan,
  fleet: Fleet,
  durationMs: number,
  catalog: CatalogSnapshot = { parameters: {}, images: {} },
  options: MetricOptions = metricOptionsFromEnv(),
): void {
  publishBatches(target, scanMetricBatches(fleetFreshness(fleet, catalog, plan), durationMs, options));
}

/**
 * Rollout metrics from the ledger record as a step wrote it: `started` → RolloutsStarted;
 * `succeeded`/`failed` → RolloutsSucceeded/RolloutsFailed and RolloutDurationSeconds;
 * `not-started` → nothing. Call it inside the step that writes the record, so a replay of the
 * durable workflow does not count it again.
 */
export function emitRolloutOutcome(
  target: Metrics,
  record: RolloutRecord,
  options: MetricOptions = metricOptionsFromEnv(),
): void {
  publishBatches(target, rolloutMetricBatches(record, options));
}

/** PatchInstancesSucceeded/Failed of one patch command (fleet-wide; per cluster with `clusterMetrics`). */
export function emitPatchResults(
  target: Metrics,
  result: Pick<PatchCompletedEvent, 'accountId' | 'region' | 'cluster' | 'counts'>,
  options: MetricOptions = metricOptionsFromEnv(),
): void {
  publishBatches(
    target,
    patchMetricBatches(
      {
        accountId: result.accountId,
        region: result.region,
        cluster: result.cluster,
        succeeded: result.counts.succeeded,
        failed: result.counts.failed,
      },
      options,
    ),
  );
}

/** One SlackDeliveryFailures count (a post the notifier gave up on). */
export function emitSlackFailure(target: Metrics, count = 1): void {
  publishBatches(target, slackFailureMetricBatches(count));
}
