import { describe, expect, it } from 'vitest';
import {
  cronMaxGapSeconds,
  fleetFreshness,
  METRIC_DEFINITIONS,
  MetricName,
  releaseStampDate,
  rolloutMetricBatch,
  scanAlarmWindow,
  scanMetricBatches,
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

  it('turns into fleet, wave and cluster batches', () => {
    const batches = scanMetricBatches(fleetFreshness(fleet, catalog, planned), 2500);
    expect(batches[0]?.values).toEqual([
      { name: 'NodegroupsBehind', unit: 'Count', value: 2 },
      { name: 'MaxAmiAgeDays', unit: 'None', value: 50 },
      { name: 'ScanDurationSeconds', unit: 'Seconds', value: 2.5 },
    ]);
    expect(batches.at(-1)?.dimensions).toEqual({ account: 'self', region: 'us-east-1', cluster: 'prod-a' });
  });
});

describe('rolloutMetricBatch', () => {
  const base = {
    key: 'k',
    accountId: null,
    region: 'us-east-1',
    cluster: 'c',
    nodegroup: 'n',
    wave: null,
    startedAt: '2026-11-20T00:00:00.000Z',
  };
  describe('when the record is not-started', () => {
    it('returns null', () => {
      expect(
        rolloutMetricBatch({ ...base, outcome: 'not-started', finishedAt: null } as unknown as RolloutRecord),
      ).toBeNull();
    });
  });
  describe('when it failed', () => {
    it('counts the failure with its duration, fleet-wide too', () => {
      const batch = rolloutMetricBatch({
        ...base,
        outcome: 'failed',
        finishedAt: '2026-11-20T00:10:00.000Z',
      } as unknown as RolloutRecord);
      expect(batch).toEqual({
        dimensions: { account: 'self', region: 'us-east-1', cluster: 'c', wave: 'none' },
        fleetWide: true,
        values: [
          { name: 'RolloutsFailed', unit: 'Count', value: 1 },
          { name: 'RolloutDurationSeconds', unit: 'Seconds', value: 600 },
        ],
      });
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
