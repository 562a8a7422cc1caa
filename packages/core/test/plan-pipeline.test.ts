import { describe, expect, it } from 'vitest';
import { type Config, type FleetTarget, parseConfig } from '../src/config.ts';
import { RELEASE_SKEW_DAYS } from '../src/history-window.ts';
import {
  type InspectionTarget,
  PLAN_HISTORY_MAX_RECORDS,
  type PlanPorts,
  type PlanProgress,
  planFleet,
  plannedRolloutRequests,
} from '../src/plan-pipeline.ts';
import { rolloutKey } from '../src/rollout/key.ts';
import type { HistoryQuery, RolloutRecord } from '../src/rollout/types.ts';
import { SkipReason } from '../src/types/plan.ts';
import type { Approval } from '../src/types/policy.ts';
import { aCatalog, aFleet, aNodegroup, NOW } from './builders.ts';

const config: Config = parseConfig({ regions: ['us-east-1', 'eu-west-1'], clusters: ['prod-*'] });
/** The ledger read begun while the fleet is inspected: the 28 days before NOW. */
const PREFETCH_SINCE = '2026-10-23T00:00:00.000Z';

class MissingTable extends Error {
  readonly code = 'ResourceNotFoundException';
}

/** Ports over fixed facts: prod-a/general behind in us-east-1, nothing in eu-west-1. */
function ports(overrides: Partial<PlanPorts> = {}): PlanPorts & { queries: HistoryQuery[] } {
  const queries: HistoryQuery[] = [];
  return {
    queries,
    async inspect(target: FleetTarget, onCluster) {
      onCluster?.({ clustersDone: 0, clustersTotal: 1, nodegroupsDone: 0 });
      onCluster?.({ clustersDone: 1, clustersTotal: 1, nodegroupsDone: 1 });
      return target.region === 'us-east-1'
        ? { fleet: aFleet([aNodegroup()]), catalog: aCatalog() }
        : { fleet: aFleet([]), catalog: aCatalog({ region: target.region, parameters: {}, images: [] }) };
    },
    pause: { read: async () => ({ paused: false, reason: null }) },
    ledger: {
      async listHistory(query) {
        queries.push(query);
        return [];
      },
    },
    approvals: { list: async (): Promise<Approval[]> => [] },
    recalls: { list: async () => [] },
    isLedgerMissing: (error) => error instanceof MissingTable,
    ...overrides,
  };
}

const item = (p: Awaited<ReturnType<typeof planFleet>>) =>
  p.plan.items.find((i) => i.nodegroup === 'general');

describe('planFleet', () => {
  describe('when every fact is readable', () => {
    it("plans as of now from the merged inspections, reading the records since its target's image, less the skew", async () => {
      const p = ports();
      const planned = await planFleet(p, { config, now: NOW });
      expect(planned.plan.generatedAt).toBe(NOW.toISOString());
      expect(item(planned)).toMatchObject({ decision: 'roll', cluster: 'prod-a' });
      expect(planned.warnings).toEqual([]);
      // The target image (builders) was created 2026-11-10.
      const since = new Date(
        Date.parse('2026-11-10T00:00:00.000Z') - RELEASE_SKEW_DAYS * 86_400_000,
      ).toISOString();
      expect(planned.ledger).toEqual({ kind: 'ok', records: 0, since });
      // One read, begun while the fleet was inspected: the last 28 days hold the whole window.
      expect(p.queries).toEqual([{ since: PREFETCH_SINCE, limit: PLAN_HISTORY_MAX_RECORDS + 1 }]);
      expect(planned.history).toMatchObject({
        since,
        basis: { kind: 'target', family: 'al2023', release: '20261110' },
        releases: [{ family: 'al2023', release: '20261110' }],
      });
    });

    it('reads further back when the caller asks (the report), never less than its window', async () => {
      const p = ports();
      const further = new Date('2026-08-01T00:00:00.000Z');
      await planFleet(p, { config, now: NOW, historySince: further });
      await planFleet(p, { config, now: NOW, historySince: new Date('2026-11-19T00:00:00.000Z') });
      expect(p.queries).toEqual([
        { since: PREFETCH_SINCE, limit: PLAN_HISTORY_MAX_RECORDS + 1 },
        { since: further.toISOString(), until: PREFETCH_SINCE, limit: PLAN_HISTORY_MAX_RECORDS + 1 },
        { since: PREFETCH_SINCE, limit: PLAN_HISTORY_MAX_RECORDS + 1 },
      ]);
    });

    it('reads only the last two days (live starts for the budgets) when nothing would roll', async () => {
      const p = ports({
        inspect: async (target) => ({
          fleet: aFleet([]),
          catalog: aCatalog({ region: target.region, parameters: {}, images: [] }),
        }),
      });
      const planned = await planFleet(p, { config, now: NOW });
      expect(p.queries).toEqual([{ since: PREFETCH_SINCE, limit: PLAN_HISTORY_MAX_RECORDS + 1 }]);
      expect(planned.history).toEqual({
        since: '2026-11-18T00:00:00.000Z',
        basis: { kind: 'live-starts' },
        releases: [],
      });
    });

    it('reads the part of a long window before the prefetched days once, and keeps every record once, newest first', async () => {
      const at = (iso: string, nodegroup: string): RolloutRecord =>
        ({ key: `${nodegroup}-${iso}`, createdAt: iso, nodegroup }) as unknown as RolloutRecord;
      const ledger = [
        at('2026-11-19T00:00:00.000Z', 'a'),
        at('2026-10-23T00:00:00.000Z', 'b'),
        at('2026-10-22T23:59:59.000Z', 'c'),
        at('2026-08-02T00:00:00.000Z', 'd'),
        at('2026-07-01T00:00:00.000Z', 'e'),
      ];
      const p = ports({
        ledger: {
          async listHistory(q) {
            return ledger.filter(
              (r) =>
                (q.since === undefined || r.createdAt >= q.since) &&
                (q.until === undefined || r.createdAt < q.until),
            );
          },
        },
      });
      const planned = await planFleet(p, {
        config,
        now: NOW,
        historySince: new Date('2026-08-01T00:00:00.000Z'),
      });
      expect(planned.records.map((r) => r.nodegroup)).toEqual(['a', 'b', 'c', 'd']);
      expect(planned.ledger).toEqual({ kind: 'ok', records: 4, since: '2026-08-01T00:00:00.000Z' });
    });

    it('holds every roll when its window holds more records than it may read, rather than plan on part', async () => {
      const many = Array.from({ length: PLAN_HISTORY_MAX_RECORDS + 1 }, () => ({}) as RolloutRecord);
      const planned = await planFleet(ports({ ledger: { listHistory: async () => many } }), {
        config,
        now: NOW,
      });
      expect(planned.ledger).toMatchObject({ kind: 'unreadable' });
      expect(planned.warnings[0]?.message).toMatch(
        /more than 100,000 rollout records since 2026-10-27T00:00:00.000Z \(the oldest target, 20261110 \(al2023\), was created 2026-11-10T00:00:00.000Z\); planning on part of them is not safe/,
      );
      expect(item(planned)).toMatchObject({ decision: 'skip', reason: SkipReason.stateUnreadable });
      expect(planned.records).toEqual([]);
    });

    it('reports progress per target and per cluster', async () => {
      const seen: PlanProgress[] = [];
      await planFleet(ports(), { config, now: NOW, targetConcurrency: 1, onProgress: (e) => seen.push(e) });
      expect(seen.map((e) => [e.phase, e.target.region, e.targetsDone, e.clustersDone])).toEqual([
        ['inspecting', 'us-east-1', 0, 0],
        ['cluster', 'us-east-1', 0, 0],
        ['cluster', 'us-east-1', 0, 1],
        ['inspected', 'us-east-1', 1, 1],
        ['inspecting', 'eu-west-1', 1, 1],
        ['cluster', 'eu-west-1', 1, 1],
        ['cluster', 'eu-west-1', 1, 2],
        ['inspected', 'eu-west-1', 2, 2],
      ]);
      expect(seen.every((e) => e.targetsTotal === 2)).toBe(true);
    });

    it('inspects only the regions asked for', async () => {
      const inspected: string[] = [];
      const base = ports();
      await planFleet(
        {
          ...base,
          inspect: (t, cb) => {
            inspected.push(t.region);
            return base.inspect(t, cb);
          },
        },
        { config, now: NOW, regions: ['eu-west-1'] },
      );
      expect(inspected).toEqual(['eu-west-1']);
    });

    it('hands each inspection the waves and followClusterVersion, so it reads the next minor for followers only', async () => {
      const following = parseConfig({
        regions: ['us-east-1'],
        clusters: ['prod-*', 'dev-*'],
        followClusterVersion: true,
        waves: [
          { name: 'dev', clusters: ['dev-*'] },
          { name: 'prod', clusters: ['prod-*'], followClusterVersion: false },
        ],
      });
      const targets: InspectionTarget[] = [];
      const base = ports();
      await planFleet(
        {
          ...base,
          inspect: (t, cb) => {
            targets.push(t);
            return base.inspect(t, cb);
          },
        },
        { config: following, now: NOW },
      );
      expect(targets.map((t) => t.follow?.followClusterVersion)).toEqual([true]);
      expect(targets[0]?.follow?.waves.map((w) => [w.name, w.followClusterVersion])).toEqual([
        ['dev', null],
        ['prod', false],
      ]);
    });
  });

  describe('when rollouts are paused', () => {
    it('says who paused, when and why', async () => {
      const planned = await planFleet(
        ports({
          pause: {
            read: async () => ({ paused: true, reason: 'freeze', by: 'bob', at: '2026-11-19T00:00:00.000Z' }),
          },
        }),
        { config, now: NOW },
      );
      expect(item(planned)).toMatchObject({
        decision: 'skip',
        reason: SkipReason.paused,
        message: 'rollouts are paused by bob at 2026-11-19T00:00:00.000Z: freeze',
      });
    });
  });

  describe('when the ledger cannot be read', () => {
    it('holds every rollout with state-unreadable and warns', async () => {
      const planned = await planFleet(
        ports({
          ledger: {
            listHistory: async () => {
              throw new Error('AccessDeniedException: no');
            },
          },
        }),
        { config, now: NOW },
      );
      expect(item(planned)).toMatchObject({ decision: 'skip', reason: SkipReason.stateUnreadable });
      expect(planned.warnings.map((w) => w.code)).toEqual(['ledger-unreadable']);
      expect(planned.ledger).toMatchObject({ kind: 'unreadable' });
    });

    it('holds every rollout when only the approvals cannot be read', async () => {
      const planned = await planFleet(
        ports({
          approvals: {
            list: async () => {
              throw new Error('throttled');
            },
          },
        }),
        { config, now: NOW },
      );
      expect(item(planned)).toMatchObject({ reason: SkipReason.stateUnreadable });
    });
  });

  describe('when the pause flag cannot be read', () => {
    it('holds every rollout with state-unreadable and warns', async () => {
      const planned = await planFleet(
        ports({
          pause: {
            read: async () => {
              throw new Error('ssm down');
            },
          },
        }),
        { config, now: NOW },
      );
      expect(item(planned)).toMatchObject({ decision: 'skip', reason: SkipReason.stateUnreadable });
      expect(item(planned)?.message).toContain('the pause flag');
      expect(planned.warnings.map((w) => w.code)).toEqual(['pause-unreadable']);
    });
  });

  describe('when the ledger table does not exist', () => {
    it('plans without history and notes it', async () => {
      const missing = async () => {
        throw new MissingTable('no table');
      };
      const planned = await planFleet(
        ports({ ledger: { listHistory: missing }, approvals: { list: missing } }),
        { config, now: NOW },
      );
      expect(item(planned)).toMatchObject({ decision: 'roll' });
      expect(planned.warnings.map((w) => w.code)).toEqual(['ledger-missing']);
      expect(planned.ledger.kind).toBe('missing');
    });
  });
});

describe('plannedRolloutRequests', () => {
  describe('when the ledger shows an attempt that ended "not now"', () => {
    it('numbers the next attempt from the records the plan saw', async () => {
      const first = await planFleet(ports(), { config, now: NOW });
      const [request] = plannedRolloutRequests(first, { runId: 'run-1', config }).map((r) => r.request);
      if (request === undefined) throw new Error('no request');
      expect(request).toMatchObject({ attempt: 1, runId: 'run-1' });
      const record: RolloutRecord = {
        key: rolloutKey({ ...request, attempt: 1 }),
        accountId: null,
        region: request.region,
        cluster: request.cluster,
        nodegroup: request.nodegroup,
        strategy: request.strategy,
        wave: null,
        from: request.current,
        to: request.target,
        attempt: 1,
        updateId: null,
        launchTemplateVersion: null,
        outcome: 'not-started',
        reason: 'paused',
        message: null,
        errors: [],
        createdAt: NOW.toISOString(),
        startedAt: null,
        finishedAt: null,
        slackThreadTs: null,
      };
      const second = await planFleet(ports({ ledger: { listHistory: async () => [record] } }), {
        config,
        now: NOW,
      });
      const [next] = plannedRolloutRequests(second, { runId: 'run-2', config });
      expect(next?.request.attempt).toBe(2);
    });
  });

  describe('when the last attempt failed', () => {
    /** The failed first attempt of the planned request, finished an hour before NOW. */
    async function failedFirst() {
      const first = await planFleet(ports(), { config, now: NOW });
      const [request] = plannedRolloutRequests(first, { runId: 'run-1', config }).map((r) => r.request);
      if (request === undefined) throw new Error('no request');
      const at = new Date(NOW.getTime() - 3_600_000).toISOString();
      const record: RolloutRecord = {
        key: rolloutKey({ ...request, attempt: 1 }),
        accountId: null,
        region: request.region,
        cluster: request.cluster,
        nodegroup: request.nodegroup,
        strategy: request.strategy,
        wave: null,
        from: request.current,
        to: request.target,
        attempt: 1,
        updateId: 'upd-1',
        launchTemplateVersion: null,
        outcome: 'failed',
        reason: null,
        message: 'NodeCreationFailure',
        errors: [{ errorCode: 'NodeCreationFailure', errorMessage: 'nodes failed to join', resourceIds: [] }],
        createdAt: at,
        startedAt: at,
        finishedAt: at,
        slackThreadTs: null,
      };
      return { request, record };
    }
    const plannedWith = (record: RolloutRecord, approvals: Approval[], maxFailuresPerRelease = 1) =>
      planFleet(
        ports({ ledger: { listHistory: async () => [record] }, approvals: { list: async () => approvals } }),
        { config: { ...config, maxFailuresPerRelease }, now: NOW },
      );

    it('holds the node group as failed and starts no new attempt by itself', async () => {
      const { record } = await failedFirst();
      const planned = await plannedWith(record, [], 2);
      expect(item(planned)).toMatchObject({ decision: 'skip', reason: SkipReason.failed });
      expect(plannedRolloutRequests(planned, { runId: 'run-2', config })).toEqual([]);
    });

    it('starts attempt 2 after an approval of the release given after the failure (scan and CLI alike)', async () => {
      const { record } = await failedFirst();
      const approval: Approval = {
        release: '20261110',
        family: 'al2023',
        wave: null,
        by: 'ops',
        at: NOW.toISOString(),
      };
      const planned = await plannedWith(record, [approval]);
      expect(item(planned)).toMatchObject({ decision: 'roll' });
      const [next] = plannedRolloutRequests(planned, { runId: 'run-2', config });
      expect(next?.request).toMatchObject({ attempt: 2, runId: 'run-2' });
    });

    it('starts attempt 2 after a retry of that node group', async () => {
      const { request, record } = await failedFirst();
      const retry: Approval = {
        release: '20261110',
        family: 'al2023',
        wave: null,
        by: 'ops',
        at: NOW.toISOString(),
        nodegroup: {
          accountId: null,
          region: request.region,
          cluster: request.cluster,
          nodegroup: request.nodegroup,
        },
      };
      const planned = await plannedWith(record, [retry]);
      const [next] = plannedRolloutRequests(planned, { runId: 'run-2', config });
      expect(next?.request.attempt).toBe(2);
    });
  });
});
