import { Metrics, type MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PatchCompletedEvent } from '@nodekeeper/core/messages';
import {
  fleetFreshness,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricBatch,
  patchMetricBatch,
  rolloutMetricBatch,
  scanMetricBatches,
  slackFailureMetricBatch,
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

/**
 * Writes each batch as one EMF document on stdout (CloudWatch Logs turns it into metrics). A
 * `fleetWide` batch carries two dimension sets: its own and `service` alone. Never throws for
 * a bad value: metrics must not fail a handler.
 */
export function publishBatches(target: Metrics, batches: readonly MetricBatch[]): void {
  for (const batch of batches) {
    if (batch.values.length === 0) continue;
    const dimensions = Object.fromEntries(
      Object.entries(batch.dimensions).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
      ),
    );
    if (Object.keys(dimensions).length > 0) target.addDimensions(dimensions);
    // An empty set serializes as [service]: the fleet-wide series of the same values.
    if (batch.fleetWide && Object.keys(dimensions).length > 0) target.addDimensions({});
    for (const v of batch.values) {
      if (Number.isFinite(v.value)) target.addMetric(v.name, v.unit as Unit, v.value);
    }
    target.publishStoredMetrics();
  }
}

/**
 * Scan metrics: NodegroupsBehind and MaxAmiAgeDays fleet-wide, per wave and per cluster, and
 * ScanDurationSeconds. Pass the catalog so custom AMIs' ages (image creation dates) are known.
 */
export function emitScanMetrics(
  target: Metrics,
  plan: Plan,
  fleet: Fleet,
  durationMs: number,
  catalog: CatalogSnapshot = { parameters: {}, images: {} },
): void {
  publishBatches(target, scanMetricBatches(fleetFreshness(fleet, catalog, plan), durationMs));
}

/**
 * Rollout metrics from the ledger record as a step wrote it: `started` → RolloutsStarted;
 * `succeeded`/`failed` → RolloutsSucceeded/RolloutsFailed and RolloutDurationSeconds;
 * `not-started` → nothing. Call it inside the step that writes the record, so a replay of the
 * durable workflow does not count it again.
 */
export function emitRolloutOutcome(target: Metrics, record: RolloutRecord): void {
  const batch = rolloutMetricBatch(record);
  if (batch !== null) publishBatches(target, [batch]);
}

/** PatchInstancesSucceeded/Failed of one patch command (per cluster and fleet-wide). */
export function emitPatchResults(
  target: Metrics,
  result: Pick<PatchCompletedEvent, 'accountId' | 'region' | 'cluster' | 'counts'>,
): void {
  publishBatches(target, [
    patchMetricBatch({
      accountId: result.accountId,
      region: result.region,
      cluster: result.cluster,
      succeeded: result.counts.succeeded,
      failed: result.counts.failed,
    }),
  ]);
}

/** One SlackDeliveryFailures count (a post the notifier gave up on). */
export function emitSlackFailure(target: Metrics, count = 1): void {
  publishBatches(target, [slackFailureMetricBatch(count)]);
}
