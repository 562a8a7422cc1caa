/**
 * nodekeeper's CloudWatch metrics as data, and the numbers behind them: fleet freshness (how far
 * behind the latest AMI each node group is, how old its AMI is), rollout outcomes, patch results.
 * Handlers emit the batches with Powertools Metrics (EMF); the stacks build the dashboard and the
 * alarms from the same definitions. Pure: no clock, IO or environment.
 */
import type { RolloutRecord } from './rollout/types.ts';
import { currentCustomImageId, isCustom, lookupTarget } from './targets.ts';
import type { CatalogSnapshot, Fleet, NodegroupFacts } from './types/fleet.ts';
import type { AmiRef, Plan, PlanItem } from './types/plan.ts';

const DAY_MS = 86_400_000;

/** The CloudWatch namespace of every nodekeeper metric. */
export const METRICS_NAMESPACE = 'nodekeeper';

/** Metric names (CloudWatch `MetricName`). */
export const MetricName = {
  nodegroupsBehind: 'NodegroupsBehind',
  maxAmiAgeDays: 'MaxAmiAgeDays',
  rolloutsStarted: 'RolloutsStarted',
  rolloutsSucceeded: 'RolloutsSucceeded',
  rolloutsFailed: 'RolloutsFailed',
  rolloutDurationSeconds: 'RolloutDurationSeconds',
  patchInstancesSucceeded: 'PatchInstancesSucceeded',
  patchInstancesFailed: 'PatchInstancesFailed',
  slackDeliveryFailures: 'SlackDeliveryFailures',
  scanDurationSeconds: 'ScanDurationSeconds',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** CloudWatch units nodekeeper uses (the same strings Powertools' MetricUnit has). */
export const MetricUnitName = { count: 'Count', seconds: 'Seconds', none: 'None' } as const;
export type MetricUnitName = (typeof MetricUnitName)[keyof typeof MetricUnitName];

/** Dimension names. `service` is Powertools' default dimension (`nodekeeper`) and is always present. */
export const MetricDimension = {
  service: 'service',
  account: 'account',
  region: 'region',
  cluster: 'cluster',
  wave: 'wave',
} as const;
export type MetricDimension = (typeof MetricDimension)[keyof typeof MetricDimension];

/** The `service` dimension's value (POWERTOOLS_SERVICE_NAME in every function). */
export const METRICS_SERVICE = 'nodekeeper';
/** `account` value for the hub's own account (a node group whose `accountId` is null). */
export const SELF_ACCOUNT = 'self';
/** `wave` value for node groups in no wave. */
export const NO_WAVE = 'none';

const { service, account, region, cluster, wave } = MetricDimension;

/** The dimension sets nodekeeper emits, always including `service`. */
export const DimensionSet = {
  fleet: [service],
  wave: [service, wave],
  cluster: [service, account, region, cluster],
  clusterWave: [service, account, region, cluster, wave],
} as const satisfies Record<string, readonly MetricDimension[]>;

/** One metric: what it counts, its unit, the statistic that reads it, and its dimension sets. */
export interface MetricDefinition {
  name: MetricName;
  unit: MetricUnitName;
  /** The statistic dashboards and alarms use. */
  statistic: 'Sum' | 'Maximum' | 'Average';
  description: string;
  /** Emitted by which function(s). */
  emittedBy: readonly string[];
  /**
   * The dimension sets it is always emitted with: exactly what the dashboard and the alarms read
   * (stacks/observability.ts; test/infra/observability.test.ts holds the two together).
   */
  dimensionSets: readonly (readonly MetricDimension[])[];
  /**
   * Per-cluster sets, emitted only with the config's `observability.clusterMetrics` (CloudWatch
   * bills every dimension-value combination as one custom metric, so these cost ~5 series per cluster).
   */
  clusterDimensionSets: readonly (readonly MetricDimension[])[];
}

/** Every nodekeeper metric. Pure data; the handlers, the dashboard, the alarms and the docs read it. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  {
    name: MetricName.nodegroupsBehind,
    unit: MetricUnitName.count,
    statistic: 'Maximum',
    description: 'Node groups whose AMI is older than the latest available one (per scan).',
    emittedBy: ['rollout-scan', 'rollout-fanout'],
    dimensionSets: [DimensionSet.fleet, DimensionSet.wave],
    clusterDimensionSets: [DimensionSet.cluster],
  },
  {
    name: MetricName.maxAmiAgeDays,
    unit: MetricUnitName.none,
    statistic: 'Maximum',
    description: 'Age in days of the oldest AMI a node group runs (per scan).',
    emittedBy: ['rollout-scan', 'rollout-fanout'],
    dimensionSets: [DimensionSet.fleet, DimensionSet.wave],
    clusterDimensionSets: [DimensionSet.cluster],
  },
  {
    name: MetricName.scanDurationSeconds,
    unit: MetricUnitName.seconds,
    statistic: 'Maximum',
    description:
      'Wall-clock time of one scan: inspect, plan, post, start (for a fleet scan: plan, post, start after its inspect invocations).',
    emittedBy: ['rollout-scan', 'rollout-fanout'],
    dimensionSets: [DimensionSet.fleet],
    clusterDimensionSets: [],
  },
  {
    name: MetricName.rolloutsStarted,
    unit: MetricUnitName.count,
    statistic: 'Sum',
    description: 'Node group updates nodekeeper started.',
    emittedBy: ['rollout-workflow'],
    dimensionSets: [DimensionSet.fleet],
    clusterDimensionSets: [DimensionSet.clusterWave],
  },
  {
    name: MetricName.rolloutsSucceeded,
    unit: MetricUnitName.count,
    statistic: 'Sum',
    description: 'Rollouts whose EKS update finished Successful.',
    emittedBy: ['rollout-workflow'],
    dimensionSets: [DimensionSet.fleet],
    clusterDimensionSets: [DimensionSet.clusterWave],
  },
  {
    name: MetricName.rolloutsFailed,
    unit: MetricUnitName.count,
    statistic: 'Sum',
    description:
      'Rollouts that failed (EKS update Failed/Cancelled, or AWS refused the start). Per cluster and wave always: a series exists only where something failed.',
    emittedBy: ['rollout-workflow'],
    dimensionSets: [DimensionSet.fleet, DimensionSet.clusterWave],
    clusterDimensionSets: [],
  },
  {
    name: MetricName.rolloutDurationSeconds,
    unit: MetricUnitName.seconds,
    statistic: 'Maximum',
    description: 'Start to finish of a rollout that finished (succeeded or failed).',
    emittedBy: ['rollout-workflow'],
    dimensionSets: [DimensionSet.fleet],
    clusterDimensionSets: [DimensionSet.clusterWave],
  },
  {
    name: MetricName.patchInstancesSucceeded,
    unit: MetricUnitName.count,
    statistic: 'Sum',
    description: 'Instances AWS-RunPatchBaseline patched successfully.',
    emittedBy: ['patch-status'],
    dimensionSets: [DimensionSet.fleet],
    clusterDimensionSets: [DimensionSet.cluster],
  },
  {
    name: MetricName.patchInstancesFailed,
    unit: MetricUnitName.count,
    statistic: 'Sum',
    description: 'Instances where AWS-RunPatchBaseline failed, timed out or was cancelled.',
    emittedBy: ['patch-status'],
    dimensionSets: [DimensionSet.fleet],
    clusterDimensionSets: [DimensionSet.cluster],
  },
  {
    name: MetricName.slackDeliveryFailures,
    unit: MetricUnitName.count,
    statistic: 'Sum',
    description: 'Slack posts that could not be delivered (after the notifier gave up retrying).',
    emittedBy: [
      'rollout-scan',
      'rollout-fanout',
      'rollout-workflow',
      'patch',
      'patch-status',
      'slack-command',
    ],
    dimensionSets: [DimensionSet.fleet],
    clusterDimensionSets: [],
  },
];

/** What the handlers emit (the config's `observability` section). */
export interface MetricOptions {
  /** Also emit each metric's `clusterDimensionSets` (per-cluster series). */
  clusterMetrics: boolean;
}

/** The default: only the dimension sets the dashboard and the alarms read. */
export const DEFAULT_METRIC_OPTIONS: MetricOptions = { clusterMetrics: false };

/** The dimension sets `name` is emitted with under `options`, `service` first in each. Pure. */
export function metricDimensionSets(
  name: MetricName,
  options: MetricOptions = DEFAULT_METRIC_OPTIONS,
): readonly (readonly MetricDimension[])[] {
  const definition = METRIC_DEFINITIONS.find((d) => d.name === name);
  if (!definition) throw new Error(`no metric definition for ${name}`);
  return options.clusterMetrics
    ? [...definition.dimensionSets, ...definition.clusterDimensionSets]
    : definition.dimensionSets;
}

/** One value of one metric. */
export interface MetricValue {
  name: MetricName;
  unit: MetricUnitName;
  value: number;
}

/**
 * Values emitted with the same dimension sets: one EMF document. `dimensions` holds the values of
 * the dimensions the sets name (all but `service`, which Powertools adds to every set).
 */
export interface MetricBatch {
  dimensions: Partial<Record<Exclude<MetricDimension, 'service'>, string>>;
  /** Every set each value is emitted with (from METRIC_DEFINITIONS), `service` first in each. */
  dimensionSets: readonly (readonly MetricDimension[])[];
  values: MetricValue[];
}

type DimensionValues = MetricBatch['dimensions'];

const sameSet = (a: readonly MetricDimension[], b: readonly MetricDimension[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Groups `values` into batches by the dimension sets their definitions give under `options`; a set
 * naming a dimension `dimensions` has no value for is left out. `only`: keep just that set (an
 * aggregate of one level, such as one wave's maximum, belongs to that level's series only).
 */
function batchesOf(
  values: readonly MetricValue[],
  dimensions: DimensionValues,
  options: MetricOptions,
  only?: readonly MetricDimension[],
): MetricBatch[] {
  const has = (d: MetricDimension) => d === 'service' || typeof dimensions[d] === 'string';
  const groups = new Map<string, MetricBatch>();
  for (const value of values) {
    const sets = metricDimensionSets(value.name, options).filter(
      (set) => set.every(has) && (only === undefined || sameSet(set, only)),
    );
    if (sets.length === 0) continue;
    const key = sets.map((set) => set.join(',')).join('|');
    const group = groups.get(key);
    if (group) {
      group.values.push(value);
      continue;
    }
    const named = new Set(sets.flat());
    groups.set(key, {
      dimensions: Object.fromEntries(
        Object.entries(dimensions).filter(([d]) => named.has(d as MetricDimension)),
      ) as DimensionValues,
      dimensionSets: sets,
      values: [value],
    });
  }
  return [...groups.values()];
}

/** One CloudWatch metric (namespace `nodekeeper`): a name and one value per dimension of its set. */
export interface MetricSeries {
  name: MetricName;
  dimensions: Partial<Record<MetricDimension, string>>;
}

/**
 * The CloudWatch metrics the batches write to: one per value and dimension set (CloudWatch treats
 * each combination of dimension values as its own metric and bills it so). Deduplicated. Pure.
 */
export function metricSeries(batches: readonly MetricBatch[]): MetricSeries[] {
  const out = new Map<string, MetricSeries>();
  for (const batch of batches) {
    for (const set of batch.dimensionSets) {
      const dimensions = Object.fromEntries(
        set.map((d) => [d, d === 'service' ? METRICS_SERVICE : (batch.dimensions[d] ?? '')]),
      ) as MetricSeries['dimensions'];
      for (const value of batch.values) {
        const key = JSON.stringify([value.name, set, set.map((d) => dimensions[d])]);
        if (!out.has(key)) out.set(key, { name: value.name, dimensions });
      }
    }
  }
  return [...out.values()];
}

// --- Freshness -------------------------------------------------------------------------------

/** Where an AMI's date comes from: the release's date stamp, or EC2's image creation date. */
export const AmiDateSource = { releaseStamp: 'release-stamp', imageCreation: 'image-creation' } as const;
export type AmiDateSource = (typeof AmiDateSource)[keyof typeof AmiDateSource];

export interface DatedAmi extends AmiRef {
  /** ISO 8601 (date only for release stamps: `2026-10-01T00:00:00.000Z`); null when unknown. */
  date: string | null;
  dateSource: AmiDateSource | null;
  /** Whole days between `date` and the plan's time; null when the date is unknown. */
  ageDays: number | null;
}

/** How fresh one node group is, as of the plan's `generatedAt`. */
export interface NodegroupFreshness {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  wave: string | null;
  amiType: string;
  current: DatedAmi;
  /** The latest available AMI (the plan's target); null when nodekeeper cannot tell. */
  latest: DatedAmi | null;
  /** Whole days between the current and the latest release; 0 when current; null when unknown. */
  daysBehind: number | null;
  /** True when a newer AMI exists; null when nodekeeper cannot tell. */
  behind: boolean | null;
}

const AL_STAMP = /^\d+\.\d+\.\d+-(\d{4})(\d{2})(\d{2})$/;
const WINDOWS_STAMP = /^\d+\.\d+-(\d{4})\.(\d{2})\.(\d{2})$/;

/**
 * The date a release version carries: Amazon Linux `1.33.4-20261001` and Windows
 * `1.33-2026.10.15` do; Bottlerocket versions and AMI IDs do not (null). Pure.
 */
export function releaseStampDate(releaseVersion: string | null): string | null {
  if (releaseVersion === null) return null;
  const m = AL_STAMP.exec(releaseVersion) ?? WINDOWS_STAMP.exec(releaseVersion);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

/** Whole days from `fromIso` to `toIso` (floored, never negative). Pure. */
export function wholeDaysBetween(fromIso: string, toIso: string): number {
  return Math.max(0, Math.floor((Date.parse(toIso) - Date.parse(fromIso)) / DAY_MS));
}

function itemKey(x: { accountId: string | null; region: string; cluster: string; nodegroup: string }) {
  return [x.accountId ?? '', x.region, x.cluster, x.nodegroup].join('\u0000');
}

function imageDate(catalog: CatalogSnapshot, regionName: string, imageId: string | null): string | null {
  if (imageId === null) return null;
  const date = catalog.images[regionName]?.[imageId]?.creationDate;
  return date && !Number.isNaN(Date.parse(date)) ? new Date(date).toISOString() : null;
}

function dated(ref: AmiRef, date: string | null, source: AmiDateSource | null, now: string): DatedAmi {
  return {
    releaseVersion: ref.releaseVersion,
    imageId: ref.imageId,
    date,
    dateSource: date === null ? null : source,
    ageDays: date === null ? null : wholeDaysBetween(date, now),
  };
}

function sameAmi(current: AmiRef, target: AmiRef, custom: boolean): boolean {
  if (custom) return current.imageId !== null && current.imageId === target.imageId;
  return current.releaseVersion !== null && current.releaseVersion === target.releaseVersion;
}

function currentDated(
  ng: NodegroupFacts,
  item: PlanItem | undefined,
  catalog: CatalogSnapshot,
  now: string,
): DatedAmi {
  const custom = isCustom(ng);
  const ref: AmiRef = item?.current ?? {
    releaseVersion: ng.releaseVersion,
    imageId: custom ? currentCustomImageId(ng) : (ng.launchTemplate?.imageId ?? null),
  };
  if (custom) {
    const date = imageDate(catalog, ng.region, currentCustomImageId(ng));
    if (date !== null) return dated(ref, date, AmiDateSource.imageCreation, now);
  }
  const stamp = releaseStampDate(ng.releaseVersion);
  if (!custom && stamp !== null) return dated(ref, stamp, AmiDateSource.releaseStamp, now);
  // Bottlerocket and unnamed custom AMIs: only known when the node group already runs the target.
  const target = latestRef(ng, item, catalog);
  if (target !== null && sameAmi(ref, target, custom)) {
    return dated(ref, imageDate(catalog, ng.region, target.imageId), AmiDateSource.imageCreation, now);
  }
  return dated(ref, null, null, now);
}

/** The plan's target, else (opted out, update in progress…) what the catalog says is latest. */
function latestRef(ng: NodegroupFacts, item: PlanItem | undefined, catalog: CatalogSnapshot): AmiRef | null {
  if (item?.target) return item.target;
  const found = lookupTarget(ng, catalog);
  return found.kind === 'found' ? { releaseVersion: found.releaseVersion, imageId: found.imageId } : null;
}

function latestDated(ng: NodegroupFacts, item: PlanItem | undefined, catalog: CatalogSnapshot, now: string) {
  const target = latestRef(ng, item, catalog);
  if (target === null) return null;
  const date = imageDate(catalog, ng.region, target.imageId);
  if (date !== null) return dated(target, date, AmiDateSource.imageCreation, now);
  const stamp = isCustom(ng) ? null : releaseStampDate(target.releaseVersion);
  return dated(target, stamp, AmiDateSource.releaseStamp, now);
}

function behindOf(item: PlanItem | undefined, current: AmiRef, latest: DatedAmi | null, custom: boolean) {
  if (item?.decision === 'current') return false;
  if (item?.decision === 'roll') return true;
  if (latest === null) return null;
  return !sameAmi(current, latest, custom);
}

function daysBehindOf(
  ng: NodegroupFacts,
  behind: boolean | null,
  current: DatedAmi,
  latest: DatedAmi | null,
): number | null {
  if (behind === false) return 0;
  if (behind === null || latest === null) return null;
  // Compare like with like: two release stamps, else two image dates.
  const a = isCustom(ng) ? null : releaseStampDate(current.releaseVersion);
  const b = isCustom(ng) ? null : releaseStampDate(latest.releaseVersion);
  if (a !== null && b !== null) return wholeDaysBetween(a, b);
  if (current.date !== null && latest.date !== null) return wholeDaysBetween(current.date, latest.date);
  return null;
}

/**
 * Freshness of every inspected node group as of `plan.generatedAt`: the current AMI's date (release
 * stamp for Amazon Linux and Windows, image creation for custom AMIs), the latest AMI (the plan's
 * target), days behind and whether it is behind. Order follows `fleet.nodegroups`. Pure.
 */
export function fleetFreshness(fleet: Fleet, catalog: CatalogSnapshot, plan: Plan): NodegroupFreshness[] {
  const items = new Map(plan.items.map((i) => [itemKey(i), i]));
  return fleet.nodegroups.map((ng) => {
    const item = items.get(itemKey(ng));
    const current = currentDated(ng, item, catalog, plan.generatedAt);
    const latest = latestDated(ng, item, catalog, plan.generatedAt);
    const behind = behindOf(item, current, latest, isCustom(ng));
    return {
      accountId: ng.accountId,
      region: ng.region,
      cluster: ng.cluster,
      nodegroup: ng.nodegroup,
      wave: item?.wave ?? null,
      amiType: ng.amiType,
      current,
      latest,
      daysBehind: daysBehindOf(ng, behind, current, latest),
      behind,
    };
  });
}

/** Aggregate freshness: node groups behind, oldest AMI age (null when no age is known). Pure. */
export function summarizeFreshness(rows: readonly NodegroupFreshness[]): {
  nodegroups: number;
  behind: number;
  unknown: number;
  maxAmiAgeDays: number | null;
} {
  let behind = 0;
  let unknown = 0;
  let max: number | null = null;
  for (const r of rows) {
    if (r.behind === true) behind += 1;
    if (r.behind === null) unknown += 1;
    if (r.current.ageDays !== null) max = Math.max(max ?? 0, r.current.ageDays);
  }
  return { nodegroups: rows.length, behind, unknown, maxAmiAgeDays: max };
}

function freshnessValues(rows: readonly NodegroupFreshness[]): MetricValue[] {
  const s = summarizeFreshness(rows);
  const values: MetricValue[] = [
    { name: MetricName.nodegroupsBehind, unit: MetricUnitName.count, value: s.behind },
  ];
  if (s.maxAmiAgeDays !== null) {
    values.push({ name: MetricName.maxAmiAgeDays, unit: MetricUnitName.none, value: s.maxAmiAgeDays });
  }
  return values;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/**
 * The scan's metric batches: fleet-wide (NodegroupsBehind, MaxAmiAgeDays, ScanDurationSeconds),
 * one per wave and, with `clusterMetrics`, one per (account, region, cluster). Each level carries
 * only its own aggregate. Sorted, so the output is deterministic. Pure.
 */
export function scanMetricBatches(
  rows: readonly NodegroupFreshness[],
  durationMs: number,
  options: MetricOptions = DEFAULT_METRIC_OPTIONS,
): MetricBatch[] {
  const fleet = batchesOf(
    [
      ...freshnessValues(rows),
      {
        name: MetricName.scanDurationSeconds,
        unit: MetricUnitName.seconds,
        value: Math.max(0, durationMs) / 1000,
      },
    ],
    {},
    options,
    DimensionSet.fleet,
  );
  const byWave = [...groupBy(rows, (r) => r.wave ?? NO_WAVE)].sort(([a], [b]) => (a < b ? -1 : 1));
  const byCluster = [
    ...groupBy(rows, (r) => [r.accountId ?? SELF_ACCOUNT, r.region, r.cluster].join('\u0000')),
  ].sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    ...fleet,
    ...byWave.flatMap(([name, list]) =>
      batchesOf(freshnessValues(list), { wave: name }, options, DimensionSet.wave),
    ),
    ...byCluster.flatMap(([, list]) => {
      const first = list[0] as NodegroupFreshness;
      const dimensions = {
        account: first.accountId ?? SELF_ACCOUNT,
        region: first.region,
        cluster: first.cluster,
      };
      return batchesOf(freshnessValues(list), dimensions, options, DimensionSet.cluster);
    }),
  ];
}

/**
 * The metrics of one rollout record as the workflow records it: `started` counts a start;
 * `succeeded`/`failed` count the outcome plus its duration (when the start time is known);
 * `not-started` emits nothing (no batch). Each value goes to the sets its definition names. Pure.
 */
export function rolloutMetricBatches(
  record: RolloutRecord,
  options: MetricOptions = DEFAULT_METRIC_OPTIONS,
): MetricBatch[] {
  const values: MetricValue[] = [];
  if (record.outcome === 'started') {
    values.push({ name: MetricName.rolloutsStarted, unit: MetricUnitName.count, value: 1 });
  } else if (record.outcome === 'succeeded' || record.outcome === 'failed') {
    values.push({
      name: record.outcome === 'succeeded' ? MetricName.rolloutsSucceeded : MetricName.rolloutsFailed,
      unit: MetricUnitName.count,
      value: 1,
    });
    const start = record.startedAt ?? null;
    if (start !== null && record.finishedAt !== null) {
      const seconds = (Date.parse(record.finishedAt) - Date.parse(start)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) {
        values.push({
          name: MetricName.rolloutDurationSeconds,
          unit: MetricUnitName.seconds,
          value: seconds,
        });
      }
    }
  }
  return batchesOf(
    values,
    {
      account: record.accountId ?? SELF_ACCOUNT,
      region: record.region,
      cluster: record.cluster,
      wave: record.wave ?? NO_WAVE,
    },
    options,
  );
}

/** Patch results of one command (or one cluster's part of it). */
export interface PatchResultCounts {
  accountId: string | null;
  region: string;
  cluster: string;
  succeeded: number;
  failed: number;
}

/** PatchInstancesSucceeded/Failed fleet-wide, and per cluster with `clusterMetrics`. Pure. */
export function patchMetricBatches(
  result: PatchResultCounts,
  options: MetricOptions = DEFAULT_METRIC_OPTIONS,
): MetricBatch[] {
  return batchesOf(
    [
      {
        name: MetricName.patchInstancesSucceeded,
        unit: MetricUnitName.count,
        value: Math.max(0, result.succeeded),
      },
      {
        name: MetricName.patchInstancesFailed,
        unit: MetricUnitName.count,
        value: Math.max(0, result.failed),
      },
    ],
    { account: result.accountId ?? SELF_ACCOUNT, region: result.region, cluster: result.cluster },
    options,
  );
}

/** One SlackDeliveryFailures count, fleet-wide only (Slack is one destination). Pure. */
export function slackFailureMetricBatches(count = 1): MetricBatch[] {
  return batchesOf(
    [{ name: MetricName.slackDeliveryFailures, unit: MetricUnitName.count, value: count }],
    {},
    DEFAULT_METRIC_OPTIONS,
  );
}

// --- Schedule period for the "scan is not running" alarm ------------------------------------------

const DOW_NAMES: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

/** Values of one cron field in [min, max]; null when the field uses a form this reader does not expand. */
function expandField(field: string, min: number, max: number, names: Record<string, number> = {}) {
  const values = new Set<number>();
  const num = (s: string) => names[s.toUpperCase()] ?? (/^\d+$/.test(s) ? Number(s) : Number.NaN);
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (range === undefined || !Number.isInteger(step) || step < 1) return null;
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = num(a ?? '');
      hi = num(b ?? '');
    } else {
      lo = num(range);
      hi = stepText === undefined ? lo : max;
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < min || hi > max || lo > hi) return null;
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** The largest cyclic gap between sorted values in a cycle of `period`. */
function maxCyclicGap(values: number[], period: number): number {
  let gap = 0;
  for (let i = 0; i < values.length; i += 1) {
    const a = values[i] as number;
    const b = i + 1 < values.length ? (values[i + 1] as number) : (values[0] as number) + period;
    gap = Math.max(gap, b - a);
  }
  return gap;
}

/** CloudWatch evaluates at most 7 days of datapoints for an alarm with a period of an hour or more. */
export const ALARM_MAX_EVALUATION_SECONDS = 7 * 86_400;

/** The alarm shape that detects "no scan for 2 schedule periods". */
export interface ScanAlarmWindow {
  /** Longest time between two consecutive fires of the cron, in seconds (an upper bound). */
  maxGapSeconds: number;
  /** Alarm period (60 s … 1 day). */
  periodSeconds: number;
  evaluationPeriods: number;
  /** True when 2 gaps exceed what CloudWatch can evaluate and the window was capped at 7 days. */
  capped: boolean;
}

/**
 * The longest gap between consecutive fires of an EventBridge `cron(min hour dom month dow year)`,
 * in seconds, from its fields (the month and year fields are taken as every month). Days of the
 * month count as 31-day months. Returns null for forms it does not expand (`L`, `W`, `#`). Pure.
 */
export function cronMaxGapSeconds(expression: string): number | null {
  const body = /^cron\((.*)\)$/.exec(expression.trim())?.[1];
  const fields = body?.trim().split(/\s+/);
  if (fields?.length !== 6) return null;
  const [minF, hourF, domF, , dowF] = fields as [string, string, string, string, string, string];
  const minutes = expandField(minF, 0, 59);
  const hours = expandField(hourF, 0, 23);
  if (!minutes || !hours || minutes.length === 0 || hours.length === 0) return null;
  // Fire times within one day, in minutes.
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  let days: number[] | null;
  let cycle: number;
  if (domF === '?') {
    days = expandField(dowF, 1, 7, DOW_NAMES);
    cycle = 7;
  } else {
    days = expandField(domF, 1, 31);
    cycle = 31;
  }
  if (!days || days.length === 0) return null;
  const dayGap = maxCyclicGap(days, cycle);
  const first = times[0] as number;
  const last = times[times.length - 1] as number;
  const intraDay = times.length > 1 ? maxCyclicGap(times, 1440) : 0;
  const acrossDays = (dayGap - 1) * 1440 + (1440 - (last - first));
  const gapMinutes = times.length > 1 ? Math.max(acrossDays, dayGap === 1 ? intraDay : 0) : dayGap * 1440;
  return gapMinutes * 60;
}

/**
 * Period and evaluation periods for "the scan did not run for 2 schedule periods": 2 × the longest
 * gap between fires, split into periods CloudWatch accepts (≤ 1 day each) and capped at 7 days.
 * An unreadable cron falls back to daily periods over 2 days. Pure.
 */
export function scanAlarmWindow(cron: string): ScanAlarmWindow {
  const gap = cronMaxGapSeconds(cron) ?? 86_400;
  const wanted = 2 * gap;
  const capped = wanted > ALARM_MAX_EVALUATION_SECONDS;
  const window = Math.min(wanted, ALARM_MAX_EVALUATION_SECONDS);
  const periodSeconds = gap >= 86_400 ? 86_400 : gap >= 3600 ? 3600 : 300;
  return {
    maxGapSeconds: gap,
    periodSeconds,
    evaluationPeriods: Math.max(2, Math.ceil(window / periodSeconds)),
    capped,
  };
}
