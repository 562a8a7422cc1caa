import { describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../src/config.ts';
import { historyWindow, RELEASE_SKEW_DAYS } from '../src/history-window.ts';
import { type PlanPorts, planFleet, plannedRolloutRequests } from '../src/plan-pipeline.ts';
import { candidateTargets } from '../src/planner.ts';
import { policyFromConfig } from '../src/policy.ts';
import { rolloutRecord } from '../src/rollout/steps.ts';
import type { HistoryQuery, RolloutRecord, RolloutRequest } from '../src/rollout/types.ts';
import type { Approval } from '../src/types/policy.ts';
import { aCatalog, aFleet, aNodegroup, anImage, NOW } from './builders.ts';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const daysAgo = (d: number) => iso(NOW.getTime() - d * DAY_MS);

describe('historyWindow', () => {
  const candidate = (release: string, targetCreatedAt: string | null, family = 'al2023') => ({
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: `ng-${release}`,
    family,
    release,
    targetCreatedAt,
  });

  describe('when nothing would roll', () => {
    it('reads the last two days: the rollouts the budgets may still count', () => {
      expect(historyWindow([], NOW)).toEqual({
        since: '2026-11-18T00:00:00.000Z',
        basis: { kind: 'live-starts' },
        releases: [],
      });
    });
  });

  describe('when node groups would roll', () => {
    it("starts the skew before the oldest target's image and names every target once", () => {
      const w = historyWindow(
        [
          candidate('20261110', '2026-11-10T00:00:00.000Z'),
          candidate('1.50.0', '2026-11-01T00:00:00.000Z', 'bottlerocket'),
          candidate('20261110', '2026-11-10T00:00:00.000Z'),
        ],
        NOW,
      );
      expect(w.since).toBe(iso(Date.parse('2026-11-01T00:00:00.000Z') - RELEASE_SKEW_DAYS * DAY_MS));
      expect(w.basis).toEqual({
        kind: 'target',
        family: 'bottlerocket',
        release: '1.50.0',
        createdAt: '2026-11-01T00:00:00.000Z',
      });
      expect(w.releases).toEqual([
        { family: 'al2023', release: '20261110' },
        { family: 'bottlerocket', release: '1.50.0' },
      ]);
    });

    it('keeps the live-start horizon when every target is newer than it', () => {
      const w = historyWindow([candidate('20261125', daysAgo(-20))], NOW);
      expect(w.since).toBe('2026-11-18T00:00:00.000Z');
      expect(w.basis).toEqual({ kind: 'live-starts' });
    });
  });

  describe("when a target's image has no creation date", () => {
    it('reads the whole ledger rather than guess', () => {
      const w = historyWindow([candidate('20261110', '2026-11-10T00:00:00.000Z'), candidate('x', null)], NOW);
      expect(w.since).toBeNull();
      expect(w.basis).toEqual({ kind: 'target-undated', family: 'al2023', release: 'x' });
    });
  });
});

/**
 * Three waves over four clusters of AL2023 node groups, a year of weekly releases in the ledger
 * (~900 records, all before the window), and the facts that decide this plan inside it: dev's
 * successes (soak), a failure in dev (wave gate, breaker), an approval, a `paused` attempt
 * (attempt numbers) and a rollout started 20 hours ago (update-in-progress, budgets).
 */
describe('planFleet with a history window', () => {
  const config: Config = parseConfig({
    regions: ['us-east-1'],
    clusters: ['*'],
    maxFailuresPerRelease: 2,
    waves: [
      { name: 'dev', clusters: ['dev-*'], soakDays: 1 },
      { name: 'staging', clusters: ['staging-*'], soakDays: 1 },
      { name: 'prod', clusters: ['prod-*'] },
    ],
  });
  const clusters = ['dev-a', 'staging-a', 'staging-b', 'prod-a'];
  const names = ['g1', 'g2', 'g3', 'g4'];
  // dev-a g1–g3 run the target already; everything else runs 20261001.
  const onTarget = (cluster: string, ng: string) => cluster === 'dev-a' && ng !== 'g4';
  const fleet = aFleet(
    clusters.flatMap((cluster) =>
      names.map((nodegroup) =>
        aNodegroup({
          cluster,
          nodegroup,
          releaseVersion: onTarget(cluster, nodegroup) ? '1.33.5-20261110' : '1.33.4-20261001',
        }),
      ),
    ),
  );
  const catalog = aCatalog({ images: [anImage()] });
  const target = { releaseVersion: '1.33.5-20261110', imageId: null };

  const request = (cluster: string, nodegroup: string, to: string, attempt = 1): RolloutRequest => ({
    accountId: null,
    region: 'us-east-1',
    cluster,
    nodegroup,
    strategy: 'release-version',
    current: { releaseVersion: '1.33.4-20261001', imageId: null },
    target: { releaseVersion: to, imageId: null },
    launchTemplate: null,
    wave: cluster.split('-')[0] ?? null,
    attempt,
  });
  const done = (
    cluster: string,
    nodegroup: string,
    to: string,
    at: string,
    outcome: RolloutRecord['outcome'],
    extra: Partial<RolloutRecord> = {},
  ) =>
    rolloutRecord(request(cluster, nodegroup, to, extra.attempt ?? 1), {
      outcome,
      createdAt: at,
      startedAt: outcome === 'not-started' ? null : at,
      finishedAt: outcome === 'started' ? null : iso(Date.parse(at) + 40 * 60_000),
      updateId: outcome === 'not-started' ? null : `u-${cluster}-${nodegroup}-${at}`,
      ...extra,
    });

  // A year of weekly releases before 20261001, each rolled by every node group two days after it came out.
  const old: RolloutRecord[] = [];
  for (let week = 1; week <= 56; week += 1) {
    const released = Date.parse('2026-10-01T00:00:00.000Z') - week * 7 * DAY_MS;
    const stamp = iso(released).slice(0, 10).replaceAll('-', '');
    for (const cluster of clusters)
      for (const ng of names) {
        const failed = (week + ng.length + cluster.length) % 11 === 0;
        old.push(
          done(cluster, ng, `1.33.4-${stamp}`, iso(released + 2 * DAY_MS), failed ? 'failed' : 'succeeded'),
        );
      }
  }
  const recent: RolloutRecord[] = [
    done('dev-a', 'g1', target.releaseVersion, '2026-11-12T03:00:00.000Z', 'succeeded'),
    done('dev-a', 'g2', target.releaseVersion, '2026-11-13T03:00:00.000Z', 'succeeded'),
    done('dev-a', 'g3', target.releaseVersion, '2026-11-18T03:00:00.000Z', 'succeeded'),
    done('dev-a', 'g4', target.releaseVersion, '2026-11-14T03:00:00.000Z', 'failed', {
      errors: [{ errorCode: 'NodeCreationFailure', errorMessage: 'nodes did not join', resourceIds: [] }],
    }),
    done('staging-a', 'g1', target.releaseVersion, '2026-11-16T03:00:00.000Z', 'not-started', {
      reason: 'paused',
    }),
    done('staging-b', 'g1', target.releaseVersion, daysAgo(20 / 24), 'started'),
  ];
  const approvals: Approval[] = [
    {
      release: '20261110',
      family: null,
      wave: 'staging',
      by: 'arn:aws:iam::111122223333:user/alice',
      at: '2026-11-15T00:00:00.000Z',
    },
  ];
  const all = [...old, ...recent];

  /** Plan-pipeline ports over the facts above; the ledger answers as the adapter does. */
  const ports = (records: readonly RolloutRecord[], queries: HistoryQuery[] = []): PlanPorts => ({
    inspect: async () => ({ fleet, catalog }),
    pause: { read: async () => ({ paused: false, reason: null }) },
    ledger: {
      async listHistory(q) {
        queries.push(q);
        return records
          .filter((r) => q.since === undefined || r.createdAt >= q.since)
          .filter((r) => q.until === undefined || r.createdAt < q.until)
          .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
          .slice(0, q.limit);
      },
    },
    approvals: { list: async () => approvals },
    recalls: { list: async () => [] },
  });
  const requests = (planned: Awaited<ReturnType<typeof planFleet>>) =>
    plannedRolloutRequests(planned, { runId: 'run-1', config }).map((r) => r.request);

  it("reads from its oldest candidate's image less the skew, and plans as the full history plans", async () => {
    const queries: HistoryQuery[] = [];
    const windowed = await planFleet(ports(all, queries), { config, now: NOW });
    // What the full history says, planned by the pure planner.
    const full = await planFleet(
      { ...ports(all), ledger: { listHistory: async () => [...all].reverse() } },
      { config, now: NOW },
    );
    // Read while the fleet was inspected: the 28 days before now hold the window (since 2026-10-27).
    expect(queries).toEqual([{ since: '2026-10-23T00:00:00.000Z', limit: 100_001 }]);
    expect(windowed.history.since).toBe('2026-10-27T00:00:00.000Z');
    expect(windowed.records).toHaveLength(recent.length);
    expect(all.length).toBeGreaterThan(900);
    expect(windowed.plan).toEqual(full.plan);
    expect(requests(windowed)).toEqual(requests(full));
    // The plan is not trivial: the window's records decide it.
    const decided = (p: typeof windowed.plan) =>
      Object.fromEntries(p.items.map((i) => [`${i.cluster}/${i.nodegroup}`, i.reason ?? i.decision]));
    expect(decided(windowed.plan)).toEqual({
      'dev-a/g1': 'current',
      'dev-a/g2': 'current',
      'dev-a/g3': 'current',
      'dev-a/g4': 'failed',
      'staging-a/g1': 'roll',
      'staging-a/g2': 'budget',
      'staging-a/g3': 'budget',
      'staging-a/g4': 'budget',
      'staging-b/g1': 'update-in-progress',
      'staging-b/g2': 'budget',
      'staging-b/g3': 'budget',
      'staging-b/g4': 'budget',
      'prod-a/g1': 'wave-gate',
      'prod-a/g2': 'wave-gate',
      'prod-a/g3': 'wave-gate',
      'prod-a/g4': 'wave-gate',
    });
    expect(requests(windowed).map((r) => [r.cluster, r.nodegroup, r.attempt])).toEqual([
      ['staging-a', 'g1', 2],
    ]);
  });

  it('plans otherwise without any one of the records that decide it: the window must hold them all', async () => {
    const windowed = await planFleet(ports(all), { config, now: NOW });
    // dev-a's successes are on node groups that run the target already, whose soak counts from
    // the image as well: they decide nothing here. The other three each decide one item.
    for (const dropped of recent.filter((r) => r.outcome !== 'succeeded')) {
      const without = await planFleet(ports(all.filter((r) => r !== dropped)), { config, now: NOW });
      expect(
        { plan: without.plan, requests: requests(without) },
        `${dropped.cluster}/${dropped.nodegroup} ${dropped.outcome}`,
      ).not.toEqual({ plan: windowed.plan, requests: requests(windowed) });
    }
  });

  it('covers every candidate target (the releases halt notices may name)', () => {
    const candidates = candidateTargets(fleet, catalog, policyFromConfig(config), NOW);
    expect(candidates.map((c) => `${c.cluster}/${c.nodegroup}`)).toHaveLength(13);
    expect(historyWindow(candidates, NOW).releases).toEqual([{ family: 'al2023', release: '20261110' }]);
  });
});
