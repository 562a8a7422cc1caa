import { describe, expect, it } from 'vitest';
import { plan } from '../../src/planner.ts';
import { buildReport, type ReportInput } from '../../src/report/build.ts';
import { renderReportHtml } from '../../src/report/html.ts';
import { renderReportTable } from '../../src/report/table.ts';
import type { RolloutRecord } from '../../src/rollout/types.ts';
import { aCatalog, aNodegroup, anImage, anOldImage, aPolicy, NOW } from '../builders.ts';

const fleet = {
  nodegroups: [
    aNodegroup(),
    aNodegroup({ nodegroup: 'skipped', tags: { 'nodekeeper.io/skip': 'true' } }),
    aNodegroup({ nodegroup: 'fresh', releaseVersion: '1.33.5-20261110' }),
  ],
  errors: [],
};
const catalog = aCatalog({ images: [anImage(), anOldImage()] });
// NOW is a Sunday, outside the window: the report shows what would roll in the next window.
const policy = aPolicy({
  window: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 240 },
  ignoreWindow: true,
});

function rollout(overrides: Partial<RolloutRecord>): RolloutRecord {
  return {
    key: 'k',
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    strategy: 'release-version',
    wave: null,
    from: { releaseVersion: '1.33.3-20260901', imageId: null },
    to: { releaseVersion: '1.33.4-20261001', imageId: null },
    attempt: 1,
    updateId: 'u',
    launchTemplateVersion: null,
    outcome: 'succeeded',
    reason: null,
    message: null,
    errors: [],
    createdAt: '2026-11-10T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    slackThreadTs: null,
    ...overrides,
  };
}

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    fleet,
    catalog,
    plan: plan(fleet, catalog, policy, NOW),
    policy,
    history: [
      rollout({ key: 'a', createdAt: '2026-11-01T00:00:00.000Z' }),
      rollout({ key: 'b', outcome: 'failed', createdAt: '2026-11-15T00:00:00.000Z' }),
    ],
    ledger: { kind: 'ok', table: 't', records: 2 },
    windowAfter: (from) => ({
      start: new Date(from.getTime() + 3_600_000).toISOString(),
      end: new Date(from.getTime() + 5 * 3_600_000).toISOString(),
    }),
    ...overrides,
  };
}

describe('buildReport', () => {
  describe('when a group rolls, one is opted out and one is current', () => {
    const report = buildReport(input());
    const byName = Object.fromEntries(report.clusters[0]?.nodegroups.map((n) => [n.nodegroup, n]) ?? []);

    it('gives the next window to the group that rolls', () => {
      expect(byName.general?.nextRoll).toEqual({
        kind: 'next-window',
        at: '2026-11-20T01:00:00.000Z',
        why: 'rolls in the next window',
      });
      expect(report.nextWindow?.start).toBe('2026-11-20T01:00:00.000Z');
    });

    it('says the opted-out group is never rolled, with the plan message', () => {
      expect(byName.skipped?.nextRoll).toMatchObject({ kind: 'never', at: null });
      expect(report.holds.map((h) => [h.reason, h.items.map((i) => i.nodegroup)])).toEqual([
        ['opted-out', ['skipped']],
      ]);
    });

    it('takes the newest ledger record as the last rollout', () => {
      expect(byName.general?.lastRollout).toMatchObject({ key: 'b', outcome: 'failed' });
      expect(report.clusters[0]?.failed).toBe(1);
      expect(report.summary).toMatchObject({ nodegroups: 3, behind: 2, current: 1, roll: 1, skip: 1 });
    });
  });

  describe('when the last ledger record is a rollback', () => {
    const rolledBack = input({
      history: [
        rollout({ key: 'a', createdAt: '2026-11-12T00:00:00.000Z' }),
        rollout({
          key: 'r',
          kind: 'rollback',
          strategy: 'launch-template',
          from: { releaseVersion: null, imageId: 'ami-0bad' },
          to: { releaseVersion: null, imageId: 'ami-0good' },
          createdAt: '2026-11-15T00:00:00.000Z',
        }),
      ],
    });
    const report = buildReport(rolledBack);
    const general = report.clusters[0]?.nodegroups.find((n) => n.nodegroup === 'general');

    it('shows it as a rollback in the JSON, the timeline, the table and the HTML', () => {
      expect(general?.lastRollout).toMatchObject({
        key: 'r',
        kind: 'rollback',
        from: 'ami-0bad',
        to: 'ami-0good',
      });
      expect(report.timeline.map((e) => e.title)).toEqual([
        'prod-a/general rollback succeeded',
        'prod-a/general succeeded',
      ]);
      expect(renderReportTable(report)).toContain('rollback succeeded 2026-11-15');
      expect(renderReportHtml(report)).toContain('rollback succeeded</span>');
    });

    it('leaves a forward rollout without a kind', () => {
      expect(
        buildReport(input()).clusters[0]?.nodegroups.find((n) => n.nodegroup === 'general')?.lastRollout,
      ).not.toHaveProperty('kind');
    });
  });

  describe('when the AMI is too new for the wave', () => {
    it('waits until it is old enough, then the first window after that', () => {
      const strict = aPolicy({ minAmiAgeDays: 14, window: policy.window });
      const report = buildReport(input({ policy: strict, plan: plan(fleet, catalog, strict, NOW) }));
      const general = report.clusters[0]?.nodegroups.find((n) => n.nodegroup === 'general');
      expect(general?.reason).toBe('ami-too-new');
      // The image is from 2026-11-10: 14 days later is 2026-11-24, then the window an hour after.
      expect(general?.nextRoll).toMatchObject({ kind: 'waiting', at: '2026-11-24T01:00:00.000Z' });
    });
  });
});

describe('renderReportHtml', () => {
  const html = renderReportHtml(buildReport(input()));

  it('is one document with nothing to fetch', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(
      /<(script|link|img|iframe)\b|@import|url\(|\ssrc=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i,
    );
    expect(html).toContain("default-src 'none'");
  });

  it('draws one heat-map cell per node group and explains the holds', () => {
    expect(html.match(/class="cell /g)).toHaveLength(3);
    expect(html).toContain('data-reason="opted-out"');
    expect(html).toContain('nodekeeper.io/skip=true');
  });

  it('escapes names from the fleet', () => {
    const evil = { nodegroups: [aNodegroup({ cluster: 'prod-<b>', nodegroup: '"x"&' })], errors: [] };
    const out = renderReportHtml(
      buildReport(input({ fleet: evil, plan: plan(evil, catalog, aPolicy({ clusters: ['*'] }), NOW) })),
    );
    expect(out).not.toContain('prod-<b>');
    expect(out).toContain('prod-&lt;b&gt;');
    expect(out).toContain('&quot;x&quot;&amp;');
  });
});

describe('renderReportTable', () => {
  describe('when there is no ledger', () => {
    it('says so and still lists every node group', () => {
      const text = renderReportTable(
        buildReport(input({ history: [], ledger: { kind: 'missing', table: 't', message: 'gone' } })),
      );
      expect(text).toContain('no ledger (table t does not exist)');
      expect(text).toMatch(/general\s+-\s+1\.33\.4-20261001\s+50\s+1\.33\.5-20261110\s+40\s+-\s+-\s+roll/);
    });
  });
});
