import { describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../src/config.ts';
import type { PlanPorts } from '../../src/plan-pipeline.ts';
import { runScanProgram, type ScanObservation, type ScanPorts } from '../../src/rollout/scan-program.ts';
import { rolloutRecord } from '../../src/rollout/steps.ts';
import type { ClaimResult, RolloutRecord } from '../../src/rollout/types.ts';
import type { Approval } from '../../src/types/policy.ts';
import { aCatalog, aFleet, aNodegroup, NOW } from '../builders.ts';

const config: Config = parseConfig({ regions: ['us-east-1'], clusters: ['prod-*'] });
const event = { id: 'fire-1', time: NOW.toISOString() };

/** prod-a/general behind; notification claims kept in memory; every post delivered. */
function world(overrides: { plan?: Partial<PlanPorts>; slack?: boolean } = {}) {
  const claims = new Set<string>();
  const posts: string[] = [];
  const started: string[] = [];
  const ports: ScanPorts = {
    plan: {
      inspect: async () => ({ fleet: aFleet([aNodegroup()]), catalog: aCatalog() }),
      pause: { read: async () => ({ paused: false, reason: null }) },
      ledger: { listHistory: async () => [] },
      approvals: { list: async (): Promise<Approval[]> => [] },
      recalls: { list: async () => [] },
      isLedgerMissing: () => false,
      ...overrides.plan,
    },
    ledger: {
      async claimNotification(key): Promise<ClaimResult> {
        if (claims.has(key)) return { kind: 'already-sent' };
        claims.add(key);
        return { kind: 'claimed' };
      },
      markNotificationSent: async () => undefined,
      get: async () => null,
    },
    notify:
      overrides.slack === false
        ? null
        : {
            async post(message) {
              posts.push(message.text);
              return { ok: true, ts: '1.1' };
            },
          },
    starter: {
      async start({ executionName }) {
        if (started.includes(executionName)) return { kind: 'already-started' };
        started.push(executionName);
        return { kind: 'started' };
      },
    },
    runs: null,
    now: () => NOW,
    newClaimOwner: () => 'scan:test',
  };
  return { ports, posts, started };
}

describe('runScanProgram', () => {
  describe('when every fact is readable', () => {
    it('starts one workflow per roll item and posts the summary once per trigger', async () => {
      const w = world();
      const seen: ScanObservation['kind'][] = [];
      const first = await runScanProgram({ event, config, stage: 'test' }, w.ports, (o) => seen.push(o.kind));
      const again = await runScanProgram({ event, config, stage: 'test' }, w.ports);
      expect(first).toMatchObject({
        kind: 'ran',
        counts: { roll: 1 },
        runId: expect.stringMatching(/^scan-/),
      });
      expect(first.kind === 'ran' && first.starts.map((s) => s.kind)).toEqual(['started']);
      expect(again.kind === 'ran' && again.starts.map((s) => s.kind)).toEqual(['already-started']);
      expect(w.posts).toHaveLength(1);
      expect(w.started).toHaveLength(1);
      expect(seen).toEqual(['planned', 'summary']);
    });
  });

  describe('when Slack is not configured', () => {
    it('starts the rollouts and reports the summary as not posted', async () => {
      const w = world({ slack: false });
      const seen: ScanObservation[] = [];
      const out = await runScanProgram({ event, config, stage: 'test' }, w.ports, (o) => seen.push(o));
      expect(out.kind).toBe('ran');
      expect(w.started).toHaveLength(1);
      expect(seen).toContainEqual({ kind: 'summary', result: 'slack-not-configured' });
    });
  });

  describe('when the pause flag is unreadable', () => {
    it('is held and starts nothing', async () => {
      const w = world({
        plan: {
          pause: {
            read: async () => {
              throw new Error('AccessDenied');
            },
          },
        },
      });
      const out = await runScanProgram({ event, config, stage: 'test' }, w.ports);
      expect(out).toMatchObject({
        kind: 'held',
        message: expect.stringContaining('scan held every rollout'),
      });
      expect(w.started).toEqual([]);
      expect(w.posts).toEqual([]);
    });
  });

  describe('when the plan holds node groups back for the budget', () => {
    const budget: Config = parseConfig({
      regions: ['us-east-1'],
      clusters: ['prod-*'],
      maxConcurrentPerCluster: 1,
    });
    const two = () => ({
      inspect: async () => ({
        fleet: aFleet([aNodegroup(), aNodegroup({ nodegroup: 'batch' })]),
        catalog: aCatalog(),
      }),
    });

    it('marks each started rollout to ask for a continuation scan when it ends', async () => {
      const requests: Array<{ continuation?: boolean }> = [];
      const w = world({ plan: two() });
      const start = w.ports.starter.start;
      w.ports.starter = {
        start: (input) => {
          requests.push(input.request);
          return start(input);
        },
      };
      const out = await runScanProgram({ event, config: budget, stage: 'test' }, w.ports);
      expect(out.kind === 'ran' && out.planned.plan.items.map((i) => [i.nodegroup, i.reason])).toEqual([
        ['batch', null],
        ['general', 'budget'],
      ]);
      expect(requests).toEqual([expect.objectContaining({ nodegroup: 'batch', continuation: true })]);
    });

    it('asks for none when nothing waits for the budget', async () => {
      const requests: Array<{ continuation?: boolean }> = [];
      const w = world();
      const start = w.ports.starter.start;
      w.ports.starter = {
        start: (input) => {
          requests.push(input.request);
          return start(input);
        },
      };
      await runScanProgram({ event, config: budget, stage: 'test' }, w.ports);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.continuation).toBeUndefined();
    });
  });

  describe('when the trigger is a continuation', () => {
    it('plans as of its own clock, keeps the run and posts no plan summary', async () => {
      const later = new Date(NOW.getTime() + 3_600_000);
      const w = world();
      w.ports.now = () => later;
      const starts: Array<{ runId?: string }> = [];
      const start = w.ports.starter.start;
      w.ports.starter = {
        start: (input) => {
          starts.push(input.request);
          return start(input);
        },
      };
      const out = await runScanProgram(
        {
          event: { id: 'continuation:abc', time: NOW.toISOString(), continuation: { runId: 'scan-run-1' } },
          config,
          stage: 'test',
        },
        w.ports,
      );
      expect(out.kind === 'ran' && out.planned.plan.generatedAt).toBe(later.toISOString());
      expect(out.kind === 'ran' && out.runId).toBe('scan-run-1');
      expect(starts).toEqual([expect.objectContaining({ runId: 'scan-run-1' })]);
      expect(w.posts).toEqual([]);
    });
  });

  describe('after starting rollouts', () => {
    it('returns once the ledger shows each of them, reading again between sleeps', async () => {
      const w = world();
      let reads = 0;
      const slept: number[] = [];
      w.ports.ledger.get = async () => {
        reads += 1;
        return reads >= 3 ? ({ outcome: 'started' } as never) : null;
      };
      w.ports.sleep = async (ms) => {
        slept.push(ms);
      };
      const seen: string[] = [];
      await runScanProgram({ event, config, stage: 'test' }, w.ports, (o) => seen.push(o.kind));
      expect(reads).toBe(3);
      expect(slept).toEqual([2000, 2000]);
      expect(seen).not.toContain('starts-not-visible');
    });

    it('gives up after the bound and says which rollouts the ledger did not show', async () => {
      const w = world();
      let sleeps = 0;
      w.ports.sleep = async () => {
        sleeps += 1;
      };
      const seen: Array<{ kind: string; keys?: string[] }> = [];
      const out = await runScanProgram({ event, config, stage: 'test' }, w.ports, (o) => seen.push(o));
      expect(sleeps).toBe(29);
      const keys = out.kind === 'ran' ? out.starts.map((s) => s.key) : [];
      expect(seen.at(-1)).toEqual({ kind: 'starts-not-visible', keys });
    });
  });

  describe('when scans mark when they began planning', () => {
    const marks = () => {
      let last: string | null = null;
      const set: string[] = [];
      return {
        set,
        port: {
          lastPlannedAt: async () => last,
          markPlanned: async (at: string) => {
            last = at;
            set.push(at);
          },
        },
      };
    };

    it('skips a continuation asked for before the last scan began planning: that scan saw it', async () => {
      const m = marks();
      const w = world();
      w.ports.marks = m.port;
      await runScanProgram({ event, config, stage: 'test' }, w.ports);
      expect(m.set).toEqual([NOW.toISOString()]);
      const before = new Date(NOW.getTime() - 60_000).toISOString();
      const covered = await runScanProgram(
        {
          event: { id: 'continuation:x', time: before, continuation: { runId: null } },
          config,
          stage: 'test',
        },
        w.ports,
      );
      expect(covered).toEqual({ kind: 'covered', lastPlannedAt: NOW.toISOString() });
      expect(m.set).toHaveLength(1);
    });

    it('plans a continuation asked for only moments before the last scan began planning (its index read may be stale)', async () => {
      const m = marks();
      const w = world();
      w.ports.marks = m.port;
      await m.port.markPlanned(NOW.toISOString());
      const moments = new Date(NOW.getTime() - 2_000).toISOString();
      const out = await runScanProgram(
        {
          event: { id: 'continuation:z', time: moments, continuation: { runId: null } },
          config,
          stage: 'test',
        },
        w.ports,
      );
      expect(out.kind).toBe('ran');
    });

    it('waits until a continuation is 2 s old before planning, so the outcome that asked is in the time index', async () => {
      const w = world();
      const slept: number[] = [];
      w.ports.sleep = async (ms) => {
        slept.push(ms);
      };
      const justNow = new Date(NOW.getTime() - 500).toISOString();
      await runScanProgram(
        {
          event: { id: 'continuation:w', time: justNow, continuation: { runId: null } },
          config,
          stage: 'test',
        },
        w.ports,
      );
      expect(slept[0]).toBe(1_500);
    });

    it('plans a continuation asked for after the last scan began planning, and marks it', async () => {
      const m = marks();
      const w = world();
      w.ports.marks = m.port;
      await m.port.markPlanned(new Date(NOW.getTime() - 60_000).toISOString());
      const out = await runScanProgram(
        {
          event: { id: 'continuation:y', time: NOW.toISOString(), continuation: { runId: null } },
          config,
          stage: 'test',
        },
        w.ports,
      );
      expect(out.kind).toBe('ran');
      expect(m.set.at(-1)).toBe(NOW.toISOString());
    });
  });

  describe('when releases are halted', () => {
    const failedOn = (nodegroup: string, releaseVersion: string, at: string): RolloutRecord =>
      rolloutRecord(
        {
          accountId: null,
          region: 'us-east-1',
          cluster: 'prod-a',
          nodegroup,
          strategy: 'release-version',
          current: { releaseVersion: '1.33.4-20261001', imageId: null },
          target: { releaseVersion, imageId: null },
          launchTemplate: null,
          wave: null,
          attempt: 1,
        },
        { outcome: 'failed', createdAt: at, startedAt: at, finishedAt: at, updateId: `u-${nodegroup}` },
      );

    it("posts a notice for a halt of a candidate's target, never for an older release its window may hold only in part", async () => {
      // 20261110 is prod-a/general's target: its failures all lie in the plan's history window.
      // 20261020 is nobody's target any more: its earlier failures may lie before the window.
      const history = [
        failedOn('batch', '1.33.5-20261110', '2026-11-18T00:00:00.000Z'),
        failedOn('batch', '1.33.4-20261020', '2026-11-19T00:00:00.000Z'),
      ];
      const w = world({
        plan: {
          inspect: async () => ({
            fleet: aFleet([
              aNodegroup(),
              aNodegroup({ nodegroup: 'batch', releaseVersion: '1.33.5-20261110' }),
            ]),
            catalog: aCatalog(),
          }),
          ledger: { listHistory: async () => history },
        },
      });
      const seen: ScanObservation[] = [];
      await runScanProgram({ event, config, stage: 'test' }, w.ports, (o) => seen.push(o));
      expect(seen.filter((o) => o.kind === 'halt')).toEqual([
        { kind: 'halt', release: '20261110', family: 'al2023', delivered: true },
      ]);
    });
  });
});
