/**
 * Benchmark 4: the monthly bill of everything nodekeeper deploys, observability included, for 1,000
 * node groups rolling weekly. Deterministic: it takes the scan's and the rollout's measured figures
 * from the other sections (results.json) and everything else from stated constants, the rules of
 * the scan program (a window of continuation scans, simulated below) and nodekeeper's own code (the
 * metric batches the handlers emit, the log lines they write, the dashboard body the stack renders).
 * Prices: us-east-1, arm64, list prices; each with the page it comes from.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { fleetTargets, parseConfig } from '@nodekeeper/core/config';
import {
  type MetricOptions,
  metricSeries,
  type NodegroupFreshness,
  rolloutMetricBatches,
  scanMetricBatches,
} from '@nodekeeper/core/metrics';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { createMetrics, publishBatches } from '../functions/lib/metrics.ts';
import { ALARM_METRICS, dashboardBody } from '../stacks/dashboard.ts';
import { resourceNames } from '../stacks/permissions.ts';
import { dashboardReads, reads } from '../test/helpers/cloudwatch.ts';
import type { CompletionResults } from './completion.ts';
import type { ScanResults } from './scan.ts';
import { round } from './scan.ts';

/** Where each price comes from. */
export const PRICE_SOURCES = {
  lambda:
    "AWS Lambda pricing (aws.amazon.com/lambda/pricing/): requests $0.20 per million; arm64 duration $0.0000133334 per GB-second (first tier); durable functions operations $8.00 per million (the page's worked example).",
  dynamodb:
    'Amazon DynamoDB on-demand pricing (aws.amazon.com/dynamodb/pricing/on-demand/): $0.625 per million write request units, $0.125 per million read request units (us-east-1, since the November 2024 reduction); an eventually consistent read of up to 4 KB is half a read request unit; storage $0.25 per GB-month (as quoted in the AWS Solutions cost table below).',
  dynamodbPitr:
    'DynamoDB point-in-time recovery: $0.20 per GB-month of table size (aws.amazon.com/dynamodb/pricing/on-demand/, continuous backups; figure not re-read in this run). Billed on the table and its local secondary indexes, not on global ones (DynamoDB Developer Guide, "Point-in-time backups for DynamoDB").',
  scheduler:
    'Amazon EventBridge pricing (aws.amazon.com/eventbridge/pricing/), Scheduler: the first 14 million scheduled invocations a month are free, then $1.00 per million.',
  cloudwatch:
    'Amazon CloudWatch pricing (aws.amazon.com/cloudwatch/pricing/), as the AWS Solutions cost table for Automated Security Response on AWS quotes it (docs.aws.amazon.com/solutions/latest/automated-security-response-on-aws/cost.html): custom metrics $0.30 per metric-month (first 10,000 metrics); dashboards $3.00 per dashboard per month; standard-resolution alarms $0.10 per alarm metric; logs ingestion $0.50 per GB. Free tier: "3 Dashboards for up to 50 metrics per month", "10 Alarm metrics", "5GB Data (ingestion, archive storage, and data scanned by Logs Insights queries)".',
  cloudwatchBilling:
    'CloudWatch User Guide, "Analyzing, optimizing, and reducing CloudWatch costs" (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_billing.html): "All custom metrics are prorated by the hour. They\'re metered only when they\'re sent to CloudWatch"; embedded metrics (EMF) are billed as custom metrics (MetricStorage:AWS/Logs-EMF) plus log ingestion and storage; a metric math alarm costs one alarm metric per metric it references; alarms are prorated by the hour while they exist; GetMetricData calls that dashboards make to refresh widgets "do not incur CloudWatch charges". Series prorated over 730 hours a month (8,760 ÷ 12).',
  logsStorage:
    'CloudWatch Logs storage (archival) $0.03 per GB-month, compressed (aws.amazon.com/cloudwatch/pricing/); counted here on uncompressed bytes, an upper bound.',
  sns: 'Amazon SNS (aws.amazon.com/sns/pricing/, as the AWS Solutions cost table quotes it): the first million requests a month free, then $0.50 per million.',
  sqs: 'Amazon SQS (aws.amazon.com/sqs/pricing/, as the AWS Solutions cost table quotes it): the first million requests a month free, then $0.40 per million.',
  eventbridge:
    'Amazon EventBridge (aws.amazon.com/eventbridge/pricing/, as the AWS Solutions cost table quotes it): "All state change events published by AWS services are free"; rules cost nothing.',
} as const;
export type PriceSource = keyof typeof PRICE_SOURCES;

/** Prices assumed (USD, us-east-1). */
export const PRICES = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  durableOperationsPerMillion: 8.0,
  dynamodbWriteRequestUnitsPerMillion: 0.625,
  dynamodbReadRequestUnitsPerMillion: 0.125,
  dynamodbStorageGbMonth: 0.25,
  dynamodbPitrGbMonth: 0.2,
  schedulerInvocationsPerMillion: 1.0,
  schedulerFreeInvocationsPerMonth: 14_000_000,
  customMetricMonth: 0.3,
  dashboardMonth: 3.0,
  standardAlarmMetricMonth: 0.1,
  logsIngestionGb: 0.5,
  logsStorageGbMonth: 0.03,
  snsRequestsPerMillion: 0.5,
  sqsRequestsPerMillion: 0.4,
  sources: PRICE_SOURCES,
} as const;

/** The goal of issue 20: everything nodekeeper deploys, under the smallest EC2 instance. */
export const COST_GOAL_USD = 3;
/** CloudWatch prorates metrics and alarms by the hour: 8,760 hours a year ÷ 12. */
export const HOURS_PER_MONTH = 730;
const WEEKS_PER_MONTH = 52 / 12;

/**
 * The scenario: the scan section's fleet (100 clusters × 10 node groups in one account and region;
 * more accounts or regions change no line but the scan's duration, which shrinks: AWS's buckets
 * are per account and region), every node group rolling every week inside one 4-hour window.
 */
export const COST_SCENARIO = {
  clusters: 100,
  nodegroupsPerCluster: 10,
  /** Clusters per wave (dev, staging, prod): the `wave` dimension's values. */
  waves: { dev: 20, staging: 30, prod: 50 },
  targets: 1,
  /** One fire a week, e.g. cron(0 3 ? * TUE *), windowMinutes 240, maxConcurrentPerCluster 1. */
  firesPerWeek: 1,
  windowMinutes: 240,
  maxConcurrentPerCluster: 1,
  /** EKS update durations spread ±25 % around the measured typical rollout (low-discrepancy, deterministic). */
  updateSpread: 0.25,
  /** A continuation a later scan covered: read the scan mark and return (warm function). */
  coveredInvocationSeconds: 0.2,
  /** From a continuation's request to its invocation starting (Lambda's asynchronous queue). */
  invokeDelaySeconds: 0.1,
  /** After starting rollouts the scan reads the ledger until they show (every 2 s; one read here). */
  startVisibleSeconds: 2,
  /** Failed rollouts a month: the circuit breaker halts a release after maxFailuresPerRelease (1). */
  failedRolloutsPerMonth: 2,
  /** /nodekeeper commands a month: an acknowledgement and a worker invocation each. */
  slashCommandsPerMonth: 100,
  slashInvocationSeconds: 2,
  slashMemoryGb: 0.25,
  /** Alarm state changes a month, each one SNS publish (OK and ALARM both notify). */
  alarmNotificationsPerMonth: 20,
  /**
   * Days of history a scan reads (issue 20 §3, decisions/009): from the oldest candidate target's
   * image (up to 14 days old for a weekly release) minus 14 days of release skew.
   */
  historyWindowDays: 28,
  /** Days rollout records stay in the ledger (packages/aws createLedger retentionDays). */
  ledgerRetentionDays: 400,
  /** Global secondary indexes projecting every attribute of a rollout record: gsi1 by cluster, gsi2 by time (issue 20 §3). */
  ledgerIndexes: 2,
  /** Writes to a rollout's own record (create, start, outcome); each also writes every index. */
  recordWritesPerRollout: 3,
  /** Log retention of every function (stacks/context.ts functionDefaults: '3 months'). */
  logRetentionMonths: 3,
  scanMemoryGb: 1,
  workflowMemoryGb: 0.5,
  /** Patching is on demand: none in this scenario (a patch command adds 2 series for an hour and a few log lines). */
  patchCommandsPerMonth: 0,
} as const;

export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  /** USD per unit (after the unit's own scaling, e.g. per million). */
  unitPriceUsd: number;
  usd: number;
  basis: string;
  source: PriceSource;
}

export interface CostVariant {
  name: string;
  dashboard: boolean;
  clusterMetrics: boolean;
  /** How the scan reads the ledger's history: the bounded window, or a Scan of the whole table. */
  history: 'window' | 'table-scan';
  totalUsd: number;
  pass: boolean;
}

/** One simulated window of the scenario: the scheduled scan and the continuation scans after it. */
export interface WindowRun {
  fullScans: number;
  coveredContinuations: number;
  continuationRequests: number;
  rolloutsStarted: number;
  /** Node groups the window could not start (0: everything rolled inside it). */
  leftOver: number;
  /** Hours after the fire in which something was emitted. */
  activeHours: number;
  /** From the fire to the last rollout's end, in minutes. */
  lastRolloutEndMinutes: number;
}

export interface CostResults {
  scenario: typeof COST_SCENARIO & {
    nodegroups: number;
    rolloutsPerMonth: number;
    scanSeconds: number;
    typicalUpdateSeconds: number;
    rolloutInvocations: number;
    rolloutInvocationSeconds: number;
    billedOperationsPerRollout: number;
    dynamodbWritesPerRollout: number;
    dynamodbReadsPerRollout: number;
    freeTiersIgnored: true;
  };
  window: WindowRun & { perMonth: { fullScans: number; coveredContinuations: number } };
  metrics: {
    /** Distinct series a month by default and with cluster metrics (from core's batches). */
    series: number;
    seriesWithClusterMetrics: number;
    metricHoursPerMonth: number;
    metricHoursPerMonthWithClusterMetrics: number;
    alarmMetrics: number;
    /** Metrics the dashboard shows (SEARCH expressions count the series they find). */
    dashboardMetrics: number;
    dashboardMetricsWithClusterMetrics: number;
  };
  logs: {
    bytesPerRollout: number;
    bytesPerFullScan: number;
    bytesPerCoveredContinuation: number;
    emfBytesPerRollout: number;
    emfBytesPerFullScan: number;
    gbPerMonth: number;
  };
  ledger: { records: number; itemBytes: number; historyItemsPerScan: number; tableScanItemsPerScan: number };
  lines: CostLine[];
  monthlyUsd: { total: number; byService: Record<string, number> };
  goalUsd: number;
  pass: boolean;
  variants: CostVariant[];
  notModelled: string[];
  prices: typeof PRICES;
}

// --- The window: continuation scans as the scan program runs them -----------------------------

const GOLDEN = 0.618_033_988_749_895;

/**
 * Simulates one window (times in seconds after the fire), following docs/rollouts.md: a scan plans
 * as of its start (a rollout counts as ended once it ended before that), starts one node group per
 * cluster whose budget is free inside the window, and each rollout it starts while the plan held
 * work back for the budget asks for a continuation when it ends. The scan function runs one
 * invocation at a time (reserved concurrency 1), in arrival order; a continuation asked for before
 * the last scan began planning is covered and returns at once (ScanMarkPort). Pure.
 */
export function simulateWindow(o: {
  clusters: number;
  nodegroupsPerCluster: number;
  windowSeconds: number;
  scanSeconds: number;
  coveredSeconds: number;
  startVisibleSeconds: number;
  invokeDelaySeconds: number;
  updateSeconds: (cluster: number, index: number) => number;
}): WindowRun & {
  scanAt: number[];
  rollouts: Array<{ cluster: number; startAt: number; endAt: number }>;
} {
  const next = new Array<number>(o.clusters).fill(0);
  const runningUntil = new Array<number>(o.clusters).fill(Number.NEGATIVE_INFINITY);
  const requests: number[] = [];
  const rollouts: Array<{ cluster: number; startAt: number; endAt: number }> = [];
  const scanAt: number[] = [];
  let free = 0;
  let lastPlannedAt = Number.NEGATIVE_INFINITY;
  let covered = 0;
  let continuationRequests = 0;

  const fullScan = (start: number) => {
    lastPlannedAt = start;
    scanAt.push(start);
    const end = start + o.scanSeconds;
    const starting: number[] = [];
    if (start < o.windowSeconds) {
      for (let c = 0; c < o.clusters; c += 1) {
        if ((next[c] as number) < o.nodegroupsPerCluster && (runningUntil[c] as number) <= start)
          starting.push(c);
      }
    }
    for (const c of starting) next[c] = (next[c] as number) + 1;
    // Held for the budget: a cluster with node groups left whose one slot is taken.
    const heldForBudget = next.some((n) => n < o.nodegroupsPerCluster);
    for (const c of starting) {
      const endAt = end + o.updateSeconds(c, (next[c] as number) - 1);
      runningUntil[c] = endAt;
      rollouts.push({ cluster: c, startAt: end, endAt });
      if (heldForBudget) {
        continuationRequests += 1;
        requests.push(endAt);
      }
    }
    free = end + (starting.length > 0 ? o.startVisibleSeconds : 0);
  };

  fullScan(0);
  while (requests.length > 0) {
    requests.sort((a, b) => a - b);
    const asked = requests.shift() as number;
    const at = Math.max(asked + o.invokeDelaySeconds, free);
    if (lastPlannedAt > asked) {
      covered += 1;
      free = at + o.coveredSeconds;
    } else {
      fullScan(at);
    }
  }
  const lastEnd = Math.max(0, ...rollouts.map((r) => r.endAt));
  const hours = new Set<number>([
    ...scanAt.map((t) => Math.floor((t + o.scanSeconds) / 3600)),
    ...rollouts.flatMap((r) => [Math.floor(r.startAt / 3600), Math.floor(r.endAt / 3600)]),
  ]);
  return {
    fullScans: scanAt.length,
    coveredContinuations: covered,
    continuationRequests,
    rolloutsStarted: rollouts.length,
    leftOver: next.reduce((n, done) => n + (o.nodegroupsPerCluster - done), 0),
    activeHours: hours.size,
    lastRolloutEndMinutes: round(lastEnd / 60, 1),
    scanAt,
    rollouts,
  };
}

// --- What the handlers write: metric series and log bytes -------------------------------------

function waveOf(cluster: number): string {
  const { dev, staging } = COST_SCENARIO.waves;
  return cluster < dev ? 'dev' : cluster < dev + staging ? 'staging' : 'prod';
}

const clusterName = (c: number) => `eks-${String(c).padStart(3, '0')}`;
const nodegroupName = (i: number) => `ng-${String(i).padStart(2, '0')}-general`;
const KEY = 'a'.repeat(64);

function freshnessRows(): NodegroupFreshness[] {
  const rows: NodegroupFreshness[] = [];
  for (let c = 0; c < COST_SCENARIO.clusters; c += 1) {
    for (let i = 0; i < COST_SCENARIO.nodegroupsPerCluster; i += 1) {
      rows.push({
        accountId: null,
        region: 'us-east-1',
        cluster: clusterName(c),
        nodegroup: nodegroupName(i),
        wave: waveOf(c),
        amiType: 'AL2023_x86_64_STANDARD',
        current: {
          releaseVersion: '1.33.4-20261001',
          imageId: null,
          date: '2026-10-01T00:00:00.000Z',
          dateSource: 'release-stamp',
          ageDays: 54,
        },
        latest: null,
        daysBehind: 40,
        behind: true,
      });
    }
  }
  return rows;
}

function rolloutRecord(cluster: number, index: number, outcome: RolloutRecord['outcome']): RolloutRecord {
  return {
    key: KEY,
    accountId: null,
    region: 'us-east-1',
    cluster: clusterName(cluster),
    nodegroup: nodegroupName(index),
    strategy: 'release-version',
    wave: waveOf(cluster),
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0a2023x8600001110' },
    attempt: 1,
    updateId: '11d9ccfc-1e41-4e9f-9ee1-fe0f3113e096',
    launchTemplateVersion: null,
    outcome,
    reason: null,
    message: null,
    errors: [],
    createdAt: '2026-11-24T03:00:57.000Z',
    startedAt: '2026-11-24T03:00:57.000Z',
    finishedAt: outcome === 'started' ? null : '2026-11-24T03:17:37.000Z',
    slackThreadTs: '1795924857.123456',
  } as RolloutRecord;
}

/** Lines written to stdout and stderr while `fn` runs (Powertools writes synchronously). */
function captured(fn: () => void): string[] {
  const lines: string[] = [];
  const grab = ((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    return true;
  }) as typeof process.stdout.write;
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = grab;
  process.stderr.write = grab;
  try {
    fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return lines;
}

const bytesOf = (lines: readonly string[]) => lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);

/** A Powertools logger with the Lambda context fields it adds in Lambda (as functions/lib/logger.ts). */
function lambdaLogger(fn: string, memoryMb: number): Logger {
  const logger = new Logger({ serviceName: 'nodekeeper' });
  logger.addContext({
    functionName: fn,
    functionVersion: '1',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:111122223333:function:${fn}:1`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
  } as Parameters<Logger['addContext']>[0]);
  return logger;
}

/**
 * Lambda's own records per invocation in the JSON log format (platform.start, platform.report), in
 * the shapes the Lambda Developer Guide documents.
 */
function platformBytesPerInvocation(memoryMb: number): number {
  const requestId = '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa';
  return bytesOf([
    JSON.stringify({
      time: '2026-11-24T03:00:00.000Z',
      type: 'platform.start',
      record: { requestId, version: '1' },
    }),
    JSON.stringify({
      time: '2026-11-24T03:00:01.000Z',
      type: 'platform.report',
      record: {
        requestId,
        metrics: {
          durationMs: 1234.56,
          billedDurationMs: 1235,
          memorySizeMB: memoryMb,
          maxMemoryUsedMB: 180,
          initDurationMs: 512.34,
        },
        status: 'success',
      },
    }),
  ]);
}

/** Bytes one rollout's workflow logs (the lines functions/lib/workflow.ts writes on the success path) and its EMF. */
function rolloutLogBytes(polls: number, options: MetricOptions): { app: number; emf: number } {
  const logger = lambdaLogger('nodekeeper-prod-rollout-workflow', 512);
  const id = { cluster: clusterName(42), nodegroup: nodegroupName(3), region: 'us-east-1', key: KEY };
  const updateId = '11d9ccfc-1e41-4e9f-9ee1-fe0f3113e096';
  const app = captured(() => {
    logger.info('guard decision', { ...id, decision: 'proceed' });
    logger.info('rollout start', { ...id, result: 'started', updateId });
    logger.info('slack notification', { ...id, event: 'started', result: 'sent' });
    for (let p = 1; p <= polls; p += 1) {
      logger.info('update polled', { ...id, updateId, status: p < polls ? 'InProgress' : 'Successful' });
    }
    logger.info('rollout outcome', { ...id, updateId, outcome: 'succeeded', errorCodes: [] });
    logger.info('slack notification', { ...id, event: 'succeeded', result: 'sent' });
    logger.info('continuation scan requested', id);
  });
  const metrics = createMetrics();
  const emf = captured(() => {
    publishBatches(metrics, rolloutMetricBatches(rolloutRecord(42, 3, 'started'), options));
    publishBatches(metrics, rolloutMetricBatches(rolloutRecord(42, 3, 'succeeded'), options));
  });
  return { app: bytesOf(app), emf: bytesOf(emf) };
}

/** Bytes of one full scan's log lines (functions/rollout-scan.ts, functions/lib/scan.ts) and EMF; and of a covered one. */
function scanLogBytes(
  startsPerScan: number,
  options: MetricOptions,
): { full: number; emf: number; covered: number } {
  const logger = lambdaLogger('nodekeeper-prod-rollout-scan', 1024);
  const eventId = 'nodekeeper.continuation:2026-11-24T03:17:37.000Z:a1b2c3d4';
  const full = captured(() => {
    logger.info('scan started', {
      eventId,
      source: 'nodekeeper.continuation',
      targets: 1,
      regions: ['us-east-1'],
    });
    logger.info('fleet inspected', {
      region: 'us-east-1',
      clusters: 100,
      nodegroups: 1000,
      errors: 0,
      parameters: 12,
      images: 8,
    });
    logger.info('scan planned', {
      eventId,
      source: 'nodekeeper.continuation',
      roll: 10,
      current: 900,
      skip: 90,
      errors: 0,
    });
    logger.info('run thread', { runId: `scan-${'b'.repeat(32)}`, result: 'exists' });
    logger.info('plan summary not posted: slack not configured', { eventId });
  });
  const starts = captured(() => {
    logger.info('workflow start', {
      cluster: clusterName(42),
      nodegroup: nodegroupName(3),
      executionName: `nk_prod_${clusterName(42)}_${nodegroupName(3)}_7b1ff7f937c42ce64280`,
      result: 'started',
    });
  });
  const covered = captured(() => {
    logger.info('scan started', {
      eventId,
      source: 'nodekeeper.continuation',
      targets: 1,
      regions: ['us-east-1'],
    });
    logger.info('continuation already covered by a later scan', {
      eventId,
      lastPlannedAt: '2026-11-24T03:17:40.000Z',
    });
  });
  const metrics = createMetrics();
  const emf = captured(() => publishBatches(metrics, scanMetricBatches(freshnessRows(), 55_600, options)));
  return {
    full: bytesOf(full) + bytesOf(starts) * startsPerScan,
    emf: bytesOf(emf),
    covered: bytesOf(covered),
  };
}

/** Metric-hours a week and distinct series of one window, from the batches the handlers emit. */
function metricHours(
  run: ReturnType<typeof simulateWindow>,
  scanSeconds: number,
  options: MetricOptions,
): { hours: number; series: Set<string> } {
  const byKey = new Map<string, Set<number>>();
  const add = (batches: ReturnType<typeof scanMetricBatches>, hour: number) => {
    for (const s of metricSeries(batches)) {
      const key = JSON.stringify([s.name, s.dimensions]);
      const hours = byKey.get(key) ?? new Set<number>();
      hours.add(hour);
      byKey.set(key, hours);
    }
  };
  const scan = scanMetricBatches(freshnessRows(), scanSeconds * 1000, options);
  for (const at of run.scanAt) add(scan, Math.floor((at + scanSeconds) / 3600));
  const count = new Map<number, number>();
  for (const r of run.rollouts) {
    const index = count.get(r.cluster) ?? 0;
    count.set(r.cluster, index + 1);
    add(
      rolloutMetricBatches(rolloutRecord(r.cluster, index, 'started'), options),
      Math.floor(r.startAt / 3600),
    );
    add(
      rolloutMetricBatches(rolloutRecord(r.cluster, index, 'succeeded'), options),
      Math.floor(r.endAt / 3600),
    );
  }
  let hours = 0;
  for (const set of byKey.values()) hours += set.size;
  return { hours, series: new Set(byKey.keys()) };
}

/** Series a failed rollout adds: RolloutsFailed fleet-wide and per cluster and wave (an hour each). */
function failureSeries(options: MetricOptions): number {
  return metricSeries(rolloutMetricBatches(rolloutRecord(7, 0, 'failed'), options)).filter(
    (s) => s.name === 'RolloutsFailed',
  ).length;
}

/** The resources of a `prod` stage, as the stacks name them. */
const DEPLOYED = resourceNames('prod');

/**
 * The scan's fan-out threshold by default (`rollout.fanOutAboveTargets`, core's config parser): with
 * no more (account, region) targets than this the scan inspects every target in its own invocation,
 * and the durable fleet scan and its inspect function are deployed but never invoked.
 */
function fanOutAboveTargets(): number {
  const config = parseConfig({ regions: ['us-east-1'], clusters: ['*'] });
  if (fleetTargets(config).length !== 1) throw new Error('expected one target from one region');
  return config.rollout.fanOutAboveTargets;
}

/** Metrics the dashboard shows: one per explicit metric, and what each SEARCH finds. */
function dashboardMetricCount(series: Set<string>, clusterMetrics: boolean): number {
  const body = dashboardBody({
    region: 'us-east-1',
    dlqName: 'dlq',
    alarmArns: [],
    // Every function the stack deploys (stacks/permissions.ts resourceNames, as stacks/app.ts).
    functions: DEPLOYED.functions,
    scanFunction: DEPLOYED.functions['rollout-scan'],
    fleetScanFunction: DEPLOYED.functions['rollout-fanout'],
    workflowFunction: DEPLOYED.functions['rollout-workflow'],
    clusterMetrics,
  });
  const emitted = [...series].map((k) => {
    const [name, dimensions] = JSON.parse(k) as [string, Record<string, string>];
    return { namespace: 'nodekeeper', name, dimensions };
  });
  let n = 0;
  for (const read of dashboardReads(body)) {
    const isSearch = Object.values(read.dimensions).some((v) => v === null);
    // A search for failures per cluster finds what failed this month: at most the month's failures.
    if (isSearch) {
      const found = emitted.filter((s) => reads(read, s)).length;
      n += read.name === 'RolloutsFailed' ? COST_SCENARIO.failedRolloutsPerMonth : found;
    } else n += 1;
  }
  return n;
}

/** Size of a rollout record's ledger item (attribute names and values, as DynamoDB counts it; JSON ≈ that). */
function ledgerItemBytes(): number {
  const record = rolloutRecord(42, 3, 'succeeded');
  return Buffer.byteLength(
    JSON.stringify({
      pk: `ROLLOUT#${record.key}`,
      sk: 'ROLLOUT',
      gsi1pk: `CLUSTER#${record.cluster}`,
      gsi1sk: `${record.createdAt}#${record.nodegroup}#${record.key.slice(0, 12)}`,
      type: 'rollout',
      expiresAt: 1_830_000_000,
      ...record,
    }),
  );
}

// --- The bill -----------------------------------------------------------------------------------

const line = (
  service: string,
  item: string,
  quantity: number,
  unit: string,
  unitPriceUsd: number,
  basis: string,
  source: PriceSource,
  usd = quantity * unitPriceUsd,
): CostLine => ({ service, item, quantity: round(quantity, 3), unit, unitPriceUsd, usd, basis, source });

/**
 * The monthly bill, line by line, for the scenario (COST_SCENARIO) from the scan's throttled wall
 * time and the typical rollout the completion section measured. Free tiers ignored (Scheduler's
 * applied: per account and large). Deterministic for the same inputs.
 */
export function costModel(scan: ScanResults | null, completion: CompletionResults | null): CostResults {
  const s = COST_SCENARIO;
  const nodegroups = s.clusters * s.nodegroupsPerCluster;
  const fanOutAbove = fanOutAboveTargets();
  if (s.targets > fanOutAbove) {
    throw new Error(
      `the cost model prices the scan of at most ${fanOutAbove} targets (rollout.fanOutAboveTargets); the scenario has ${s.targets}, which the durable fleet scan would inspect`,
    );
  }
  const scanSeconds = scan ? (scan.throttled.wallMs / 1000) * (nodegroups / scan.nodegroups) : 60;
  // The typical rollout: the completion run closest to 20 minutes.
  const typical =
    completion?.rollouts.reduce((best, r) =>
      Math.abs(r.updateSeconds - 1200) < Math.abs(best.updateSeconds - 1200) ? r : best,
    ) ?? null;
  const typicalUpdateSeconds = typical?.updateSeconds ?? 1200;
  const polls = typical?.polls ?? 6;
  // In Lambda every wait ends the invocation: one invocation per poll (the first shares the start's).
  const rolloutInvocations = Math.max(typical?.invocations ?? 0, polls);
  const rolloutInvocationSeconds = Math.max(0.2, (typical?.invocationMs ?? 1000) / 1000);
  const billedOperationsPerRollout = typical?.billedOperationsEstimate ?? 12;
  const writesPerRollout = typical?.dynamodbWrites ?? 4;
  const readsPerRollout = typical?.dynamodbReads ?? 2;

  const run = simulateWindow({
    clusters: s.clusters,
    nodegroupsPerCluster: s.nodegroupsPerCluster,
    windowSeconds: s.windowMinutes * 60,
    scanSeconds,
    coveredSeconds: s.coveredInvocationSeconds,
    startVisibleSeconds: s.startVisibleSeconds,
    invokeDelaySeconds: s.invokeDelaySeconds,
    updateSeconds: (c, i) => {
      const k = c * s.nodegroupsPerCluster + i + 1;
      return typicalUpdateSeconds * (1 + s.updateSpread * (2 * ((k * GOLDEN) % 1) - 1));
    },
  });
  const windowsPerMonth = s.firesPerWeek * WEEKS_PER_MONTH;
  const fullScans = run.fullScans * windowsPerMonth;
  const covered = run.coveredContinuations * windowsPerMonth;
  const rollouts = run.rolloutsStarted * windowsPerMonth;
  const startsPerScan = run.rolloutsStarted / run.fullScans;

  // Ledger: records kept for the retention, their size, what a scan reads.
  const records = Math.round(rollouts * 12 * (s.ledgerRetentionDays / 365));
  const itemBytes = ledgerItemBytes();
  const historyItemsPerScan = Math.min(records, Math.round((rollouts * 12 * s.historyWindowDays) / 365));
  const readUnits = (items: number) => Math.ceil((items * itemBytes) / 4096) * 0.5;

  // Metrics and logs.
  const defaults: MetricOptions = { clusterMetrics: false };
  const perCluster: MetricOptions = { clusterMetrics: true };
  const seriesDefault = metricHours(run, scanSeconds, defaults);
  const seriesCluster = metricHours(run, scanSeconds, perCluster);
  // Each failure writes RolloutsFailed fleet-wide and for its cluster and wave, for an hour; the
  // fleet-wide series is one, the per-cluster ones one per failure (in different clusters, at most).
  const failureHours = (o: MetricOptions) => s.failedRolloutsPerMonth * failureSeries(o);
  const failureSeriesCount = (o: MetricOptions) => 1 + s.failedRolloutsPerMonth * (failureSeries(o) - 1);
  const metricHoursDefault = seriesDefault.hours * windowsPerMonth + failureHours(defaults);
  const metricHoursCluster = seriesCluster.hours * windowsPerMonth + failureHours(perCluster);
  const seriesCount = (o: MetricOptions) =>
    (o.clusterMetrics ? seriesCluster : seriesDefault).series.size + failureSeriesCount(o);

  const rolloutLogDefault = rolloutLogBytes(polls, defaults);
  const rolloutLogCluster = rolloutLogBytes(polls, perCluster);
  const scanLogDefault = scanLogBytes(startsPerScan, defaults);
  const scanLogCluster = scanLogBytes(startsPerScan, perCluster);
  const logBytes = (o: MetricOptions) => {
    const scanLog = o.clusterMetrics ? scanLogCluster : scanLogDefault;
    const rolloutLog = o.clusterMetrics ? rolloutLogCluster : rolloutLogDefault;
    return (
      rollouts * (rolloutLog.app + rolloutLog.emf + rolloutInvocations * platformBytesPerInvocation(512)) +
      fullScans * (scanLog.full + scanLog.emf + platformBytesPerInvocation(1024)) +
      covered * (scanLog.covered + platformBytesPerInvocation(1024)) +
      s.slashCommandsPerMonth * 2 * platformBytesPerInvocation(256)
    );
  };

  const bill = (v: Omit<CostVariant, 'totalUsd' | 'pass' | 'name'>): CostLine[] => {
    const o: MetricOptions = { clusterMetrics: v.clusterMetrics };
    const scanGbSeconds = fullScans * (scanSeconds + s.startVisibleSeconds) * s.scanMemoryGb;
    const coveredGbSeconds = covered * s.coveredInvocationSeconds * s.scanMemoryGb;
    const workflowGbSeconds = rollouts * rolloutInvocationSeconds * s.workflowMemoryGb;
    const slashGbSeconds = s.slashCommandsPerMonth * 2 * s.slashInvocationSeconds * s.slashMemoryGb;
    const requests = fullScans + covered + rollouts * rolloutInvocations + s.slashCommandsPerMonth * 2;
    const historyItems = v.history === 'window' ? historyItemsPerScan : records;
    const scanReadUnits = fullScans * readUnits(historyItems) + (covered + fullScans) * 0.5;
    const writeUnits =
      rollouts * (writesPerRollout + s.recordWritesPerRollout * s.ledgerIndexes) + fullScans * 1;
    const tableGb = (records * itemBytes) / 1e9;
    const logGb = logBytes(o) / 1e9;
    const metricMonths = (v.clusterMetrics ? metricHoursCluster : metricHoursDefault) / HOURS_PER_MONTH;
    const lines: CostLine[] = [
      line(
        'Lambda',
        'scan compute (scheduled and continuation scans)',
        scanGbSeconds,
        'GB-s',
        PRICES.lambdaArmGbSecond,
        `${round(fullScans, 1)} full scans × (${round(scanSeconds, 1)} s + ${s.startVisibleSeconds} s until starts show) × ${s.scanMemoryGb} GB`,
        'lambda',
      ),
      line(
        'Lambda',
        'covered continuations',
        coveredGbSeconds,
        'GB-s',
        PRICES.lambdaArmGbSecond,
        `${Math.round(covered)} × ${s.coveredInvocationSeconds} s × ${s.scanMemoryGb} GB (a later scan covered them)`,
        'lambda',
      ),
      line(
        'Lambda',
        'rollout workflow compute',
        workflowGbSeconds,
        'GB-s',
        PRICES.lambdaArmGbSecond,
        `${Math.round(rollouts)} rollouts × ${round(rolloutInvocationSeconds)} s × ${s.workflowMemoryGb} GB (measured)`,
        'lambda',
      ),
      line(
        'Lambda',
        'slash command compute',
        slashGbSeconds,
        'GB-s',
        PRICES.lambdaArmGbSecond,
        `${s.slashCommandsPerMonth} commands × 2 invocations × ${s.slashInvocationSeconds} s × ${s.slashMemoryGb} GB`,
        'lambda',
      ),
      line(
        'Lambda',
        'fleet scan and inspect functions',
        0,
        'GB-s',
        PRICES.lambdaArmGbSecond,
        `deployed, never invoked: ${s.targets} (account, region) target, not above rollout.fanOutAboveTargets (${fanOutAbove}), so the scan inspects in its own invocation; Lambda bills invocations only`,
        'lambda',
      ),
      line(
        'Lambda',
        'requests',
        requests / 1e6,
        'million requests',
        PRICES.lambdaRequestsPerMillion,
        `${Math.round(requests)} invocations: scans, continuations, ${rolloutInvocations} per rollout (measured), slash commands`,
        'lambda',
      ),
      line(
        'Lambda',
        'durable operations',
        (rollouts * billedOperationsPerRollout) / 1e6,
        'million operations',
        PRICES.durableOperationsPerMillion,
        `${Math.round(rollouts)} rollouts × ${billedOperationsPerRollout} billed operations (measured)`,
        'lambda',
      ),
      line(
        'DynamoDB',
        'ledger writes',
        writeUnits / 1e6,
        'million WRU',
        PRICES.dynamodbWriteRequestUnitsPerMillion,
        `${writesPerRollout} writes per rollout (measured) + ${s.recordWritesPerRollout} record writes × ${s.ledgerIndexes} indexes; 1 scan mark per full scan`,
        'dynamodb',
      ),
      line(
        'DynamoDB',
        'rollout ledger reads',
        (rollouts * readsPerRollout) / 1e6,
        'million RRU',
        PRICES.dynamodbReadRequestUnitsPerMillion,
        `${readsPerRollout} reads per rollout (measured)`,
        'dynamodb',
      ),
      line(
        'DynamoDB',
        'scan history reads',
        scanReadUnits / 1e6,
        'million RRU',
        PRICES.dynamodbReadRequestUnitsPerMillion,
        v.history === 'window'
          ? `${round(fullScans, 1)} full scans × ${historyItems} records (the plan's ${s.historyWindowDays}-day history window) × ${itemBytes} B, eventually consistent; scan marks`
          : `${round(fullScans, 1)} full scans × ${records} records (a Scan of the whole ledger) × ${itemBytes} B, eventually consistent; scan marks`,
        'dynamodb',
      ),
      line(
        'DynamoDB',
        'ledger storage (table and indexes)',
        tableGb * (1 + s.ledgerIndexes),
        'GB-month',
        PRICES.dynamodbStorageGbMonth,
        `${records} records (${s.ledgerRetentionDays} days) × ${itemBytes} B × (table + ${s.ledgerIndexes} indexes projecting all)`,
        'dynamodb',
      ),
      line(
        'DynamoDB',
        'point-in-time recovery',
        tableGb,
        'GB-month',
        PRICES.dynamodbPitrGbMonth,
        'PITR on (sst.aws.Dynamo), billed on the table size',
        'dynamodbPitr',
      ),
      line(
        'EventBridge Scheduler',
        'schedule invocations',
        Math.max(0, s.firesPerWeek * WEEKS_PER_MONTH - PRICES.schedulerFreeInvocationsPerMonth) / 1e6,
        'million invocations',
        PRICES.schedulerInvocationsPerMillion,
        `${round(s.firesPerWeek * WEEKS_PER_MONTH)} fires, within the 14 million free`,
        'scheduler',
      ),
      line(
        'EventBridge',
        'rules (patch status, golden AMI)',
        0,
        'events',
        0,
        'AWS service events (aws.ssm) are free; no patching in this scenario',
        'eventbridge',
      ),
      line(
        'CloudWatch',
        'custom metrics (EMF)',
        metricMonths,
        'metric-months',
        PRICES.customMetricMonth,
        `${seriesCount(o)} series, ${round(v.clusterMetrics ? metricHoursCluster : metricHoursDefault)} metric-hours with data ÷ ${HOURS_PER_MONTH}${v.clusterMetrics ? ' (cluster metrics on)' : ''}`,
        'cloudwatchBilling',
      ),
      line(
        'CloudWatch',
        'alarms',
        ALARM_METRICS,
        'alarm metrics',
        PRICES.standardAlarmMetricMonth,
        `7 standard-resolution alarms reading ${ALARM_METRICS} metrics: the durable executions alarm reads 2, the scan errors alarm 3 (the scan's errors, the fleet scan's failed and timed-out executions)`,
        'cloudwatch',
      ),
      line(
        'CloudWatch',
        'dashboard',
        v.dashboard ? 1 : 0,
        'dashboards',
        PRICES.dashboardMonth,
        v.dashboard
          ? 'observability.dashboard: true'
          : 'not deployed (observability.dashboard: false, the default)',
        'cloudwatch',
      ),
      line(
        'CloudWatch Logs',
        'ingestion',
        logGb,
        'GB',
        PRICES.logsIngestionGb,
        'log lines the handlers write, EMF documents, Lambda platform records (rendered here)',
        'cloudwatch',
      ),
      line(
        'CloudWatch Logs',
        'storage',
        logGb * s.logRetentionMonths,
        'GB-month',
        PRICES.logsStorageGbMonth,
        `${s.logRetentionMonths} months of retention, uncompressed`,
        'logsStorage',
      ),
      line(
        'SNS',
        'alarm notifications',
        s.alarmNotificationsPerMonth / 1e6,
        'million requests',
        PRICES.snsRequestsPerMillion,
        `${s.alarmNotificationsPerMonth} alarm state changes`,
        'sns',
      ),
      line(
        'SQS',
        'schedule dead-letter queue',
        0,
        'million requests',
        PRICES.sqsRequestsPerMillion,
        'empty while Scheduler delivers (its alarm reads AWS/SQS metrics, which are free)',
        'sqs',
      ),
    ];
    return lines.map((l) => ({ ...l, usd: round(l.usd, 4) }));
  };

  const total = (lines: CostLine[]) =>
    round(
      lines.reduce((n, l) => n + l.usd, 0),
      4,
    );
  const variantsSpec: Array<Omit<CostVariant, 'totalUsd' | 'pass'>> = [
    {
      name: 'default (no dashboard, no cluster metrics)',
      dashboard: false,
      clusterMetrics: false,
      history: 'window',
    },
    { name: 'with the dashboard', dashboard: true, clusterMetrics: false, history: 'window' },
    { name: 'with cluster metrics', dashboard: false, clusterMetrics: true, history: 'window' },
    {
      name: 'with the dashboard and cluster metrics',
      dashboard: true,
      clusterMetrics: true,
      history: 'window',
    },
    {
      name: 'default, history read by a Scan of the whole ledger',
      dashboard: false,
      clusterMetrics: false,
      history: 'table-scan',
    },
  ];
  const variants = variantsSpec.map((v) => {
    const t = total(bill(v));
    return { ...v, totalUsd: t, pass: t < COST_GOAL_USD };
  });
  const lines = bill(variantsSpec[0] as Omit<CostVariant, 'totalUsd' | 'pass'>);
  const byService: Record<string, number> = {};
  for (const l of lines) byService[l.service] = round((byService[l.service] ?? 0) + l.usd, 4);
  const t = total(lines);

  return {
    scenario: {
      ...s,
      nodegroups,
      rolloutsPerMonth: Math.round(rollouts),
      scanSeconds: round(scanSeconds, 1),
      typicalUpdateSeconds,
      rolloutInvocations,
      rolloutInvocationSeconds: round(rolloutInvocationSeconds),
      billedOperationsPerRollout,
      dynamodbWritesPerRollout: writesPerRollout,
      dynamodbReadsPerRollout: readsPerRollout,
      freeTiersIgnored: true,
    },
    window: {
      fullScans: run.fullScans,
      coveredContinuations: run.coveredContinuations,
      continuationRequests: run.continuationRequests,
      rolloutsStarted: run.rolloutsStarted,
      leftOver: run.leftOver,
      activeHours: run.activeHours,
      lastRolloutEndMinutes: run.lastRolloutEndMinutes,
      perMonth: { fullScans: round(fullScans, 1), coveredContinuations: round(covered, 1) },
    },
    metrics: {
      series: seriesCount(defaults),
      seriesWithClusterMetrics: seriesCount(perCluster),
      metricHoursPerMonth: round(metricHoursDefault, 1),
      metricHoursPerMonthWithClusterMetrics: round(metricHoursCluster, 1),
      alarmMetrics: ALARM_METRICS,
      dashboardMetrics: dashboardMetricCount(seriesDefault.series, false),
      dashboardMetricsWithClusterMetrics: dashboardMetricCount(seriesCluster.series, true),
    },
    logs: {
      bytesPerRollout:
        rolloutLogDefault.app + rolloutLogDefault.emf + rolloutInvocations * platformBytesPerInvocation(512),
      bytesPerFullScan: Math.round(
        scanLogDefault.full + scanLogDefault.emf + platformBytesPerInvocation(1024),
      ),
      bytesPerCoveredContinuation: scanLogDefault.covered + platformBytesPerInvocation(1024),
      emfBytesPerRollout: rolloutLogDefault.emf,
      emfBytesPerFullScan: scanLogDefault.emf,
      gbPerMonth: round(logBytes(defaults) / 1e9, 4),
    },
    ledger: { records, itemBytes, historyItemsPerScan, tableScanItemsPerScan: records },
    lines,
    monthlyUsd: { total: t, byService },
    goalUsd: COST_GOAL_USD,
    pass: t < COST_GOAL_USD,
    variants,
    notModelled: [
      'Lambda durable execution data written and retained (a few kilobytes of step results per rollout, kept 30 days): no per-GB price in the sources above.',
      'CloudWatch Logs Insights queries and Live Tail (operator-driven); GetMetricData from the console (dashboards refreshing widgets are not charged).',
      'Patching (on demand): each patch command adds PatchInstances* series for an hour and a few log lines.',
      "The slash command's own log lines (a few per command; its invocations' platform records are counted).",
      'Data transfer: every call stays in the Region except the Slack webhook (a few kilobytes a rollout).',
    ],
    prices: PRICES,
  };
}
