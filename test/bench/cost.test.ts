import { METRIC_DEFINITIONS } from '@nodekeeper/core/metrics';
import { describe, expect, it } from 'vitest';
import type { CompletionResults } from '../../bench/completion.ts';
import {
  COST_GOAL_USD,
  COST_SCENARIO,
  type CostLine,
  costModel,
  HOURS_PER_MONTH,
  PRICE_SOURCES,
  PRICES,
  simulateWindow,
} from '../../bench/cost.ts';
import type { ScanResults } from '../../bench/scan.ts';
import { ALARM_METRICS } from '../../stacks/dashboard.ts';

// What the scan and completion sections measure, as the cost model reads them.
const scan = { nodegroups: 1000, throttled: { wallMs: 55_553 } } as unknown as ScanResults;
const completion = {
  rollouts: [
    {
      updateSeconds: 400,
      polls: 4,
      invocations: 3,
      invocationMs: 1200,
      billedOperationsEstimate: 10,
      dynamodbReads: 3,
      dynamodbWrites: 6,
    },
    {
      updateSeconds: 1000,
      polls: 6,
      invocations: 4,
      invocationMs: 1670,
      billedOperationsEstimate: 12,
      dynamodbReads: 3,
      dynamodbWrites: 6,
    },
  ],
} as unknown as CompletionResults;

const cost = costModel(scan, completion);
const lineOf = (item: string) => cost.lines.find((l) => l.item === item) as CostLine;

describe('costModel', () => {
  describe('for 1,000 node groups rolling weekly', () => {
    it('bills everything nodekeeper deploys under $3 a month by default', () => {
      expect(cost.scenario.nodegroups).toBe(1000);
      expect(cost.monthlyUsd.total).toBeLessThan(COST_GOAL_USD);
      expect(cost.pass).toBe(true);
    });

    it('states a line for every service it deploys, observability included', () => {
      expect([...new Set(cost.lines.map((l) => l.service))]).toEqual([
        'Lambda',
        'DynamoDB',
        'EventBridge Scheduler',
        'EventBridge',
        'CloudWatch',
        'CloudWatch Logs',
        'SNS',
        'SQS',
      ]);
      for (const item of ['custom metrics (EMF)', 'alarms', 'dashboard', 'ingestion', 'storage']) {
        expect(
          cost.lines.map((l) => l.item),
          item,
        ).toContain(item);
      }
    });

    it('computes each line from its quantity and stated price, with a price source', () => {
      for (const l of cost.lines) {
        expect(l.usd, l.item).toBeCloseTo(l.quantity * l.unitPriceUsd, 2);
        expect(Object.keys(PRICE_SOURCES), l.item).toContain(l.source);
        expect(l.basis.length, l.item).toBeGreaterThan(10);
      }
      const sum = cost.lines.reduce((n, l) => n + l.usd, 0);
      expect(cost.monthlyUsd.total).toBeCloseTo(sum, 3);
      expect(Object.values(cost.monthlyUsd.byService).reduce((n, v) => n + v, 0)).toBeCloseTo(sum, 3);
    });

    it('prices the alarms per alarm metric and the metrics per hour with data', () => {
      // As many as the rendered stack's alarms read (test/infra/observability.test.ts).
      expect(lineOf('alarms')).toMatchObject({
        quantity: ALARM_METRICS,
        unitPriceUsd: PRICES.standardAlarmMetricMonth,
      });
      expect(lineOf('alarms').usd).toBeCloseTo(ALARM_METRICS * 0.1, 4);
      expect(lineOf('custom metrics (EMF)').quantity).toBeCloseTo(
        cost.metrics.metricHoursPerMonth / HOURS_PER_MONTH,
        2,
      );
      expect(lineOf('dashboard')).toMatchObject({ quantity: 0, usd: 0 });
    });

    it('takes the scan duration and the rollout figures from the measured sections', () => {
      expect(cost.scenario.scanSeconds).toBe(55.6);
      expect(cost.scenario).toMatchObject({
        typicalUpdateSeconds: 1000,
        rolloutInvocations: 6,
        billedOperationsPerRollout: 12,
        dynamodbWritesPerRollout: 6,
      });
      expect(lineOf('durable operations').usd).toBeCloseTo(
        (cost.scenario.rolloutsPerMonth * 12 * PRICES.durableOperationsPerMillion) / 1e6,
        3,
      );
    });

    it('prices the fleet scan and its inspect function as deployed and idle: one target is not above the fan-out threshold', () => {
      expect(COST_SCENARIO.targets).toBe(1);
      expect(lineOf('fleet scan and inspect functions')).toMatchObject({
        service: 'Lambda',
        quantity: 0,
        usd: 0,
      });
      expect(lineOf('fleet scan and inspect functions').basis).toContain('rollout.fanOutAboveTargets (100)');
    });

    it('is deterministic', () => {
      expect(costModel(scan, completion)).toEqual(cost);
    });
  });

  describe('when the dashboard or cluster metrics are deployed', () => {
    const variant = (dashboard: boolean, clusterMetrics: boolean) =>
      cost.variants.find(
        (v) => v.dashboard === dashboard && v.clusterMetrics === clusterMetrics && v.history === 'window',
      );

    it('adds $3.00 for the dashboard and goes over the goal', () => {
      expect((variant(true, false)?.totalUsd ?? 0) - cost.monthlyUsd.total).toBeCloseTo(
        PRICES.dashboardMonth,
        3,
      );
      expect(variant(true, false)?.pass).toBe(false);
    });

    it('counts the per-cluster series the definitions add: per cluster, and per cluster and wave', () => {
      const perCluster = METRIC_DEFINITIONS.filter((d) =>
        d.clusterDimensionSets.some((set) => !set.includes('wave')),
      ).filter((d) => d.emittedBy.includes('rollout-scan')).length;
      const perClusterWave = METRIC_DEFINITIONS.filter((d) =>
        d.clusterDimensionSets.some((set) => set.includes('wave')),
      ).length;
      expect(cost.metrics.seriesWithClusterMetrics - cost.metrics.series).toBe(
        COST_SCENARIO.clusters * (perCluster + perClusterWave),
      );
      expect(variant(false, true)?.totalUsd ?? 0).toBeGreaterThan(cost.monthlyUsd.total);
    });

    it('keeps the dashboard within the free tier of 50 metrics without cluster metrics', () => {
      expect(cost.metrics.dashboardMetrics).toBeLessThanOrEqual(50);
      expect(cost.metrics.dashboardMetricsWithClusterMetrics).toBeGreaterThan(50);
    });
  });

  describe('when the ledger is read by a Scan of the whole table', () => {
    it('reads every record each full scan instead of the history window', () => {
      const scanAll = cost.variants.find((v) => v.history === 'table-scan');
      expect(cost.ledger.records).toBeGreaterThan(cost.ledger.historyItemsPerScan);
      expect(scanAll?.totalUsd ?? 0).toBeGreaterThan(cost.monthlyUsd.total);
    });
  });
});

describe('simulateWindow', () => {
  const base = {
    windowSeconds: 4 * 3600,
    scanSeconds: 60,
    coveredSeconds: 0.2,
    startVisibleSeconds: 2,
    invokeDelaySeconds: 0.1,
  };

  describe('when one cluster rolls three node groups one at a time', () => {
    it('runs one scan per rollout end and asks no continuation from the last one', () => {
      const run = simulateWindow({
        ...base,
        clusters: 1,
        nodegroupsPerCluster: 3,
        updateSeconds: () => 1000,
      });
      expect(run).toMatchObject({
        fullScans: 3,
        coveredContinuations: 0,
        continuationRequests: 2,
        rolloutsStarted: 3,
        leftOver: 0,
      });
      // Each start: the scan's end; each scan: the previous rollout's end plus the invocation delay.
      const starts = run.rollouts.map((r) => r.startAt);
      for (const [i, at] of [60, 1120.1, 2180.2].entries()) expect(starts[i]).toBeCloseTo(at, 6);
    });
  });

  describe('when rollouts in many clusters end together', () => {
    it('covers the continuations a scan that began after them already saw', () => {
      const run = simulateWindow({
        ...base,
        clusters: 10,
        nodegroupsPerCluster: 2,
        updateSeconds: () => 1000,
      });
      expect(run.fullScans).toBe(2);
      expect(run.continuationRequests).toBe(10);
      expect(run.coveredContinuations).toBe(9);
      expect(run.rolloutsStarted).toBe(20);
    });
  });

  describe('when the window closes before every node group started', () => {
    it('starts nothing after it and leaves the rest over', () => {
      const run = simulateWindow({
        ...base,
        windowSeconds: 1500,
        clusters: 1,
        nodegroupsPerCluster: 3,
        updateSeconds: () => 1000,
      });
      expect(run.rolloutsStarted).toBe(2);
      expect(run.leftOver).toBe(1);
    });
  });
});
