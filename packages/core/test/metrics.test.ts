import { describe, expect, it } from 'vitest';
import {
  cronMaxGapSeconds,
  fleetFreshness,
  METRIC_DEFINITIONS,
  MetricName,
  metricDimensionSets,
  metricSeries,
  patchMetricBatches,
  releaseStampDate,
  rolloutMetricBatches,
  scanAlarmWindow,
  scanMetricBatches,
  slackFailureMetricBatches,
} from '../src/metrics.ts';
import { plan } from '../src/planner.ts';
import type { RolloutRecord } from '../src/rollout/types.ts';
import {
  aCatalog,
  aCustomNodegroup,
  aNodegroup,
  anImage,
  anOldImage,
  aPolicy,
  NOW,
  OLD_AMI,
} from './builders.ts';

describe('metric definitions', () => {
  it('defines every metric the issue names exactly once', () => {
    expect(METRIC_DEFINITIONS.map((d) => d.name).sort()).toEqual(Object.values(MetricName).sort());
    for (const d of METRIC_DEFINITIONS) expect(d.dimensionSets[0]).toEqual(['service']);
  });

  it('puts service first in every set and never lists a set twice', () => {
    for (const d of METRIC_DEFINITIONS) {
      const sets = metricDimensionSets(d.name, { clusterMetrics: true });
      for (const set of sets) expect(set[0], d.name).toBe('service');
      expect(new Set(sets.map((set) => set.join())).size, d.name).toBe(sets.length);
    }
  });

  describe('when cluster metrics are off (the default)', () => {
    it('emits no per-cluster set but failed rollouts per cluster and wave', () => {
      const perCluster = METRIC_DEFINITIONS.filter((d) =>
        metricDimensionSets(d.name).some((set) => set.includes('cluster')),
      ).map((d) => d.name);
      expect(perCluster).toEqual(['RolloutsFailed']);
    });
  });

  describe('when cluster metrics are on', () => {
    it("adds each definition's per-cluster sets after the default ones", () => {
      for (const d of METRIC_DEFINITIONS) {
        expect(metricDimensionSets(d.name, { clusterMetrics: true })).toEqual([
          ...d.dimensionSets,
          ...d.clusterDimensionSets,
        ]);
      }
      expect(metricDimensionSets(MetricName.nodegroupsBehind, { clusterMetrics: true })).toEqual([
        ['service'],
        ['service', 'wave'],
        ['service', 'account', 'region', 'cluster'],
      ]);
    });
  });
});

describe('releaseStampDate', () => {
  describe('when the release carries a date', () => {
    it('reads Amazon Linux and Windows stamps', () => {
      expect(releaseStampDate('1.33.4-20261001')).toBe('2026-10-01T00:00:00.000Z');
      expect(releaseStampDate('1.33-2026.10.15')).toBe('2026-10-15T00:00:00.000Z');
    });
  });
  describe('when it does not', () => {
    it('returns null for Bottlerocket versions and AMI IDs', () => {
      expect(releaseStampDate('1.49.0-1a2b3c4d')).toBeNull();
      expect(releaseStampDate(OLD_AMI)).toBeNull();
    });
  });
});

describe('fleetFreshness', () => {
  const fleet = { nodegroups: [aNodegroup(), aCustomNodegroup(OLD_AMI)], errors: [] };
  const catalog = aCatalog({ images: [anImage(), anOldImage()] });
  const planned = plan(fleet, catalog, aPolicy(), NOW);

  describe('when an Amazon Linux group is behind', () => {
    it('dates it by its release stamp and counts days between releases', () => {
      const [general] = fleetFreshness(fleet, catalog, planned);
      expect(general).toMatchObject({
        behind: true,
        daysBehind: 40,
        current: { dateSource: 'release-stamp', ageDays: 50 },
        latest: { releaseVersion: '1.33.5-20261110', ageDays: 10 },
      });
    });
  });

  describe('when a custom group runs an older image', () => {
    it('dates it by the image creation date', () => {
      const custom = fleetFreshness(fleet, catalog, planned)[1];
      expect(custom?.current).toMatchObject({ dateSource: 'image-creation', ageDays: 50 });
      expect(custom?.daysBehind).toBe(40);
    });
  });

  describe('when it turns into scan batches', () => {
    const rows = fleetFreshness(fleet, catalog, planned);

    it('writes the fleet level and one batch per wave, each with its own set only', () => {
      const batches = scanMetricBatches(rows, 2500);
      expect(batches.map((b) => [b.dimensions, b.dimensionSets])).toEqual([
        [{}, [['service']]],
        [{ wave: 'none' }, [['service', 'wave']]],
      ]);
      expect(batches[0]?.values).toEqual([
        { name: 'NodegroupsBehind', unit: 'Count', value: 2 },
        { name: 'MaxAmiAgeDays', unit: 'None', value: 50 },
        { name: 'ScanDurationSeconds', unit: 'Seconds', value: 2.5 },
      ]);
      expect(batches[1]?.values.map((v) => v.name)).toEqual(['NodegroupsBehind', 'MaxAmiAgeDays']);
    });

    it('adds one batch per cluster with cluster metrics on', () => {
      const batches = scanMetricBatches(rows, 2500, { clusterMetrics: true });
      expect(batches).toHaveLength(3);
      expect(batches.at(-1)).toMatchObject({
        dimensions: { account: 'self', region: 'us-east-1', cluster: 'prod-a' },
        dimensionSets: [['service', 'account', 'region', 'cluster']],
      });
    });
  });
});

describe('rolloutMetricBatches', () => {
  const base = {
    key: 'k',
    accountId: null,
    region: 'us-east-1',
    cluster: 'c',
    nodegroup: 'n',
    wave: null,
    startedAt: '2026-11-20T00:00:00.000Z',
  };
  const failed = {
    ...base,
    outcome: 'failed',
    finishedAt: '2026-11-20T00:10:00.000Z',
  } as unknown as RolloutRecord;

  describe('when the record is not-started', () => {
    it('returns no batch', () => {
      expect(
        rolloutMetricBatches({
          ...base,
          outcome: 'not-started',
          finishedAt: null,
        } as unknown as RolloutRecord),
      ).toEqual([]);
    });
  });

  describe('when it started', () => {
    it('counts the start fleet-wide only by default', () => {
      expect(
        rolloutMetricBatches({ ...base, outcome: 'started', finishedAt: null } as unknown as RolloutRecord),
      ).toEqual([
        {
          dimensions: {},
          dimensionSets: [['service']],
          values: [{ name: 'RolloutsStarted', unit: 'Count', value: 1 }],
        },
      ]);
    });
  });

  describe('when it failed', () => {
    it('counts the failure fleet-wide and per cluster and wave, its duration fleet-wide', () => {
      expect(rolloutMetricBatches(failed)).toEqual([
        {
          dimensions: { account: 'self', region: 'us-east-1', cluster: 'c', wave: 'none' },
          dimensionSets: [['service'], ['service', 'account', 'region', 'cluster', 'wave']],
          values: [{ name: 'RolloutsFailed', unit: 'Count', value: 1 }],
        },
        {
          dimensions: {},
          dimensionSets: [['service']],
          values: [{ name: 'RolloutDurationSeconds', unit: 'Seconds', value: 600 }],
        },
      ]);
    });

    it('puts the duration per cluster and wave too with cluster metrics on', () => {
      expect(rolloutMetricBatches(failed, { clusterMetrics: true })).toEqual([
        {
          dimensions: { account: 'self', region: 'us-east-1', cluster: 'c', wave: 'none' },
          dimensionSets: [['service'], ['service', 'account', 'region', 'cluster', 'wave']],
          values: [
            { name: 'RolloutsFailed', unit: 'Count', value: 1 },
            { name: 'RolloutDurationSeconds', unit: 'Seconds', value: 600 },
          ],
        },
      ]);
    });
  });
});

describe('patchMetricBatches', () => {
  const result = { accountId: null, region: 'us-east-1', cluster: 'c', succeeded: 4, failed: 1 };
  it('counts instances fleet-wide by default and per cluster with cluster metrics on', () => {
    expect(patchMetricBatches(result).map((b) => b.dimensionSets)).toEqual([[['service']]]);
    expect(patchMetricBatches(result, { clusterMetrics: true }).map((b) => b.dimensionSets)).toEqual([
      [['service'], ['service', 'account', 'region', 'cluster']],
    ]);
  });
});

describe('metricSeries', () => {
  describe('when failures in two clusters and a start are counted', () => {
    it('lists each metric once per combination of dimension values', () => {
      const record = (cluster: string, outcome: string) =>
        ({
          key: cluster,
          accountId: null,
          region: 'us-east-1',
          cluster,
          nodegroup: 'n',
          wave: 'prod',
          outcome,
          startedAt: null,
          finishedAt: null,
        }) as unknown as RolloutRecord;
      const batches = [
        ...rolloutMetricBatches(record('a', 'failed')),
        ...rolloutMetricBatches(record('a', 'failed')),
        ...rolloutMetricBatches(record('b', 'failed')),
        ...rolloutMetricBatches(record('b', 'started')),
        ...slackFailureMetricBatches(),
      ];
      expect(metricSeries(batches)).toEqual([
        { name: 'RolloutsFailed', dimensions: { service: 'nodekeeper' } },
        {
          name: 'RolloutsFailed',
          dimensions: {
            service: 'nodekeeper',
            account: 'self',
            region: 'us-east-1',
            cluster: 'a',
            wave: 'prod',
          },
        },
        {
          name: 'RolloutsFailed',
          dimensions: {
            service: 'nodekeeper',
            account: 'self',
            region: 'us-east-1',
            cluster: 'b',
            wave: 'prod',
          },
        },
        { name: 'RolloutsStarted', dimensions: { service: 'nodekeeper' } },
        { name: 'SlackDeliveryFailures', dimensions: { service: 'nodekeeper' } },
      ]);
    });
  });
});

describe('scanAlarmWindow', () => {
  describe('when the schedule runs daily', () => {
    it('alarms after 2 days of daily periods', () => {
      expect(cronMaxGapSeconds('cron(0 3 * * ? *)')).toBe(86_400);
      expect(scanAlarmWindow('cron(0 3 * * ? *)')).toEqual({
        maxGapSeconds: 86_400,
        periodSeconds: 86_400,
        evaluationPeriods: 2,
        capped: false,
      });
    });
  });
  describe('when it runs hourly', () => {
    it('alarms after 2 hours', () => {
      expect(scanAlarmWindow('cron(15 * * * ? *)')).toMatchObject({
        periodSeconds: 3600,
        evaluationPeriods: 2,
      });
    });
  });
  describe('when it runs Tuesday to Thursday', () => {
    it('takes the 5-day weekend gap and caps 2 gaps at 7 days', () => {
      expect(cronMaxGapSeconds('cron(0 3 ? * TUE-THU *)')).toBe(5 * 86_400);
      expect(scanAlarmWindow('cron(0 3 ? * TUE-THU *)')).toEqual({
        maxGapSeconds: 5 * 86_400,
        periodSeconds: 86_400,
        evaluationPeriods: 7,
        capped: true,
      });
    });
  });
  describe('when it runs twice a day on weekdays', () => {
    it('measures the gap from Friday evening to Monday morning', () => {
      expect(cronMaxGapSeconds('cron(0 6,18 ? * MON-FRI *)')).toBe((2 * 24 + 12) * 3600);
    });
  });
  describe('when the cron uses a form it does not expand', () => {
    it('falls back to daily periods', () => {
      expect(scanAlarmWindow('cron(0 3 L * ? *)')).toMatchObject({
        periodSeconds: 86_400,
        evaluationPeriods: 2,
      });
    });
  });
});
