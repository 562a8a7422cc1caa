import { describe, expect, it } from 'vitest';
import { plan } from '../../src/planner.ts';
import { rolloutKey } from '../../src/rollout/key.ts';
import { parseRolloutRequest } from '../../src/rollout/request.ts';
import {
  planRollback,
  previousImagesWanted,
  type RollbackInput,
  rollbackRequests,
  rolloutToCurrent,
} from '../../src/rollout/rollback.ts';
import { rolloutRecord } from '../../src/rollout/steps.ts';
import type { RolloutRecord, RolloutRequest } from '../../src/rollout/types.ts';
import { rolloutFactsFromRecords } from '../../src/safety/facts.ts';
import type { ImageFacts } from '../../src/types/fleet.ts';
import type { Recall } from '../../src/types/policy.ts';
import {
  aCatalog,
  aCustomNodegroup,
  aFleet,
  aNodegroup,
  anImage,
  anOldImage,
  aPolicy,
  aWave,
  NEW_AMI,
  NOW,
  OLD_AMI,
  REGION,
} from '../builders.ts';

const OLDER_AMI = 'ami-00000000000older0';
const BY = 'arn:aws:iam::111122223333:user/ana';

function aRecall(release: string, overrides: Partial<Recall> = {}): Recall {
  return {
    release,
    family: null,
    reason: 'nodes fail to join',
    by: BY,
    at: '2026-11-19T12:00:00.000Z',
    ...overrides,
  };
}

/** A succeeded forward rollout of `nodegroup` from → to (AMI IDs), finished at `at`. */
function rolled(
  from: string,
  to: string,
  overrides: Partial<RolloutRecord> & { nodegroup?: string } = {},
): RolloutRecord {
  const request: RolloutRequest = {
    accountId: null,
    region: REGION,
    cluster: overrides.cluster ?? 'prod-a',
    nodegroup: overrides.nodegroup ?? 'custom',
    strategy: 'launch-template',
    current: { releaseVersion: from, imageId: from },
    target: { releaseVersion: null, imageId: to },
    launchTemplate: { id: 'lt-01', version: '3' },
    wave: null,
    attempt: 1,
    ...(overrides.kind ? { kind: overrides.kind } : {}),
  };
  const at = overrides.finishedAt ?? '2026-11-15T02:40:00.000Z';
  return rolloutRecord(request, {
    outcome: 'succeeded',
    createdAt: '2026-11-15T02:00:00.000Z',
    startedAt: '2026-11-15T02:00:00.000Z',
    finishedAt: at,
    ...overrides,
  });
}

const images = (...list: ImageFacts[]) => ({ [REGION]: Object.fromEntries(list.map((i) => [i.imageId, i])) });

function input(overrides: Partial<RollbackInput> = {}): RollbackInput {
  return {
    selection: { kind: 'nodegroup', cluster: 'prod-a', nodegroup: 'custom' },
    fleet: aFleet([aCustomNodegroup(NEW_AMI)]),
    catalog: aCatalog(),
    policy: aPolicy({ recalls: [aRecall(NEW_AMI)] }),
    records: [rolled(OLD_AMI, NEW_AMI)],
    images: images(anOldImage()),
    now: NOW,
    ...overrides,
  };
}

describe('planRollback', () => {
  describe('when a custom-AMI group runs a recalled image nodekeeper rolled it to', () => {
    it('rolls it back to the image the ledger shows before it', () => {
      const p = planRollback(input());
      expect(p.items).toHaveLength(1);
      expect(p.items[0]).toMatchObject({
        cluster: 'prod-a',
        nodegroup: 'custom',
        decision: 'rollback',
        reason: null,
        strategy: 'launch-template',
        current: { imageId: NEW_AMI },
        target: { releaseVersion: null, imageId: OLD_AMI },
        attempt: 1,
        overridden: [],
      });
      expect(p.items[0]?.message).toContain(`${NEW_AMI} → ${OLD_AMI}`);
    });

    it('turns the item into a rollback request whose key differs from a forward rollout to the same image', () => {
      const i = input();
      const [entry] = rollbackRequests(planRollback(i), { ...i, runId: 'cli-1' });
      expect(entry?.request).toMatchObject({
        kind: 'rollback',
        strategy: 'launch-template',
        target: { imageId: OLD_AMI },
        launchTemplate: { id: 'lt-01', version: '4' },
        attempt: 1,
        runId: 'cli-1',
      });
      const request = entry?.request as RolloutRequest;
      expect(parseRolloutRequest(JSON.parse(JSON.stringify(request)))).toEqual(request);
      const { kind: _, ...forward } = request;
      expect(rolloutKey(request)).not.toBe(rolloutKey(forward));
    });

    it('asks EC2 about the previous image only', () => {
      const i = input();
      expect(previousImagesWanted(i.selection, i.fleet, i.catalog, i.policy, i.records)).toEqual([
        { accountId: null, region: REGION, imageIds: [OLD_AMI] },
      ]);
    });
  });

  describe('refusals', () => {
    it('refuses a group whose image is not recalled, naming the recall command', () => {
      const item = planRollback(input({ policy: aPolicy() })).items[0];
      expect(item).toMatchObject({ decision: 'refuse', reason: 'not-recalled' });
      expect(item?.message).toContain(`\`nodekeeper recall ${NEW_AMI} --reason "…"\``);
    });

    it('refuses an EKS AMI group: EKS cannot roll back, and names the earlier release and the alternative', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261110' });
      const record = rolloutRecord(
        {
          accountId: null,
          region: REGION,
          cluster: 'prod-a',
          nodegroup: 'general',
          strategy: 'release-version',
          current: { releaseVersion: '1.33.4-20261001', imageId: null },
          target: { releaseVersion: '1.33.5-20261110', imageId: NEW_AMI },
          launchTemplate: null,
          wave: null,
          attempt: 1,
        },
        {
          outcome: 'succeeded',
          createdAt: '2026-11-15T02:00:00.000Z',
          finishedAt: '2026-11-15T02:40:00.000Z',
        },
      );
      const item = planRollback(
        input({
          selection: { kind: 'image', image: '20261110' },
          fleet: aFleet([ng]),
          records: [record],
          policy: aPolicy({ recalls: [aRecall('20261110')] }),
        }),
      ).items[0];
      expect(item).toMatchObject({ nodegroup: 'general', decision: 'refuse', reason: 'eks-ami' });
      expect(item?.message).toContain('EKS cannot roll a managed node group back to an earlier AMI version');
      expect(item?.message).toContain('the earlier release 1.33.4-20261001 (CreateNodegroup releaseVersion)');
    });

    it('refuses a group nodekeeper did not roll to its image (no earlier image in the ledger)', () => {
      const item = planRollback(input({ records: [] })).items[0];
      expect(item).toMatchObject({ decision: 'refuse', reason: 'no-previous-image', target: null });
      expect(item?.message).toContain('roll back by hand: a new version of launch template lt-01');
    });

    it('refuses a group that came to its image with a Kubernetes upgrade (never back to an earlier minor)', () => {
      const item = planRollback(input({ records: [rolled(OLD_AMI, NEW_AMI, { targetVersion: '1.33' })] }))
        .items[0];
      expect(item).toMatchObject({
        decision: 'refuse',
        reason: 'kubernetes-downgrade',
        target: { imageId: OLD_AMI },
      });
      expect(item?.message).toContain(
        'nodekeeper never takes a node group back to an earlier Kubernetes minor',
      );
      expect(item?.message).toContain('an earlier 1.33 image (a new version of launch template lt-01)');
    });

    it('refuses when the previous image is recalled too', () => {
      const item = planRollback(input({ policy: aPolicy({ recalls: [aRecall(NEW_AMI), aRecall(OLD_AMI)] }) }))
        .items[0];
      expect(item).toMatchObject({ decision: 'refuse', reason: 'previous-recalled' });
      expect(item?.message).toContain(`nodekeeper unrecall ${OLD_AMI}`);
    });

    it('refuses when the previous image is deregistered or cannot be described', () => {
      expect(planRollback(input({ images: { [REGION]: { [OLD_AMI]: null } } })).items[0]).toMatchObject({
        decision: 'refuse',
        reason: 'previous-unavailable',
      });
      const gone = planRollback(input({ images: images(anOldImage({ state: 'deregistered' })) })).items[0];
      expect(gone).toMatchObject({ decision: 'refuse', reason: 'previous-unavailable' });
      expect(gone?.message).toContain('is deregistered');
    });

    it('rolls back to a deprecated previous image, saying EC2 still launches it by ID', () => {
      const item = planRollback(
        input({ images: images(anOldImage({ deprecationTime: '2026-11-01T00:00:00.000Z' })) }),
      ).items[0];
      expect(item?.decision).toBe('rollback');
      expect(item?.message).toContain('EC2 still launches a deprecated image by its ID');
    });

    it('refuses a group mid-update (EKS or the ledger)', () => {
      const updating = planRollback(
        input({ fleet: aFleet([aCustomNodegroup(NEW_AMI, { status: 'UPDATING' })]) }),
      );
      expect(updating.items[0]).toMatchObject({ decision: 'refuse', reason: 'update-in-progress' });
      const started = rolled(NEW_AMI, OLDER_AMI, {
        outcome: 'started',
        finishedAt: null,
        startedAt: '2026-11-19T23:00:00.000Z',
        createdAt: '2026-11-19T23:00:00.000Z',
      });
      const i = input();
      const history = rolloutFactsFromRecords([started], i.fleet, i.catalog);
      expect(planRollback({ ...i, policy: { ...i.policy, history } }).items[0]).toMatchObject({
        decision: 'refuse',
        reason: 'update-in-progress',
      });
    });
  });

  describe('when the group was rolled back before', () => {
    it('goes further back, never forward to the image it left', () => {
      // older → old (forward), old → new (forward), new → old (rollback): on old, recalled too now.
      const records = [
        rolled(OLDER_AMI, OLD_AMI, {
          finishedAt: '2026-11-01T00:00:00.000Z',
          createdAt: '2026-11-01T00:00:00.000Z',
        }),
        rolled(OLD_AMI, NEW_AMI),
        rolled(NEW_AMI, OLD_AMI, { kind: 'rollback', finishedAt: '2026-11-19T00:00:00.000Z' }),
      ];
      const ng = aCustomNodegroup(OLD_AMI);
      expect(rolloutToCurrent(ng, records)?.from.imageId).toBe(OLDER_AMI);
      const item = planRollback(
        input({
          fleet: aFleet([ng]),
          records,
          policy: aPolicy({ recalls: [aRecall(NEW_AMI), aRecall(OLD_AMI)] }),
          images: images(anOldImage({ imageId: OLDER_AMI, name: 'golden-older' })),
        }),
      ).items[0];
      expect(item).toMatchObject({ decision: 'rollback', target: { imageId: OLDER_AMI } });
    });

    it('tries a failed rollback again as the next attempt', () => {
      const i = input();
      const [first] = rollbackRequests(planRollback(i), i);
      const failed = rolloutRecord(first?.request as RolloutRequest, {
        outcome: 'failed',
        createdAt: '2026-11-19T01:00:00.000Z',
        updateId: 'u-1',
        finishedAt: '2026-11-19T01:30:00.000Z',
      });
      const again = planRollback({ ...i, records: [...i.records, failed] }).items[0];
      expect(again).toMatchObject({ decision: 'rollback', attempt: 2 });
      expect(again?.message).toContain('attempt 2 after attempt 1 failed');
    });
  });

  describe('holds', () => {
    const twoWaves = () => {
      const dev = aCustomNodegroup(NEW_AMI, { cluster: 'dev-a' });
      const prod = aCustomNodegroup(NEW_AMI);
      return input({
        selection: { kind: 'image', image: NEW_AMI },
        fleet: aFleet([dev, prod]),
        records: [rolled(OLD_AMI, NEW_AMI, { cluster: 'dev-a' }), rolled(OLD_AMI, NEW_AMI)],
        policy: aPolicy({
          recalls: [aRecall(NEW_AMI)],
          waves: [aWave({ name: 'dev', clusters: ['dev-*'] }), aWave({ name: 'prod', clusters: ['prod-*'] })],
        }),
      });
    };

    it('rolls back an earlier wave first, and every wave at once with ignoreWaves', () => {
      const p = planRollback(twoWaves());
      expect(p.items.map((i) => [i.cluster, i.decision, i.reason])).toEqual([
        ['dev-a', 'rollback', null],
        ['prod-a', 'hold', 'wave-gate'],
      ]);
      expect(p.items[1]?.message).toContain('wave prod rolls back after wave dev (dev-a/custom)');
      const all = planRollback({ ...twoWaves(), ignoreWaves: true });
      expect(all.items.map((i) => i.decision)).toEqual(['rollback', 'rollback']);
      expect(all.items[1]?.overridden).toEqual(['waves']);
      expect(all.items[1]?.message).toContain('overrides the wave order (--ignore-waves)');
      expect(all.overrides).toEqual({ window: false, waves: true });
    });

    it('holds outside the maintenance window unless ignoreWindow says otherwise', () => {
      const window = { cron: 'cron(0 3 ? * TUE *)', timezone: 'UTC', windowMinutes: 60 };
      const i = input({ policy: aPolicy({ recalls: [aRecall(NEW_AMI)], window }) });
      expect(planRollback(i).items[0]).toMatchObject({ decision: 'hold', reason: 'outside-window' });
      const now = planRollback({ ...i, ignoreWindow: true }).items[0];
      expect(now).toMatchObject({ decision: 'rollback', overridden: ['window'] });
      expect(now?.message).toContain('overrides the maintenance window (--ignore-window)');
    });

    it('holds when paused, and counts the budget per cluster', () => {
      const paused = input({
        policy: aPolicy({ recalls: [aRecall(NEW_AMI)], paused: { reason: 'incident', by: BY, at: null } }),
      });
      expect(planRollback(paused).items[0]).toMatchObject({ decision: 'hold', reason: 'paused' });
      const two = input({
        selection: { kind: 'image', image: NEW_AMI },
        fleet: aFleet([aCustomNodegroup(NEW_AMI), aCustomNodegroup(NEW_AMI, { nodegroup: 'custom2' })]),
        records: [rolled(OLD_AMI, NEW_AMI), rolled(OLD_AMI, NEW_AMI, { nodegroup: 'custom2' })],
      });
      expect(planRollback(two).items.map((i) => [i.nodegroup, i.decision, i.reason])).toEqual([
        ['custom', 'rollback', null],
        ['custom2', 'hold', 'budget'],
      ]);
    });
  });

  describe('selection by release', () => {
    it('takes the custom-AMI groups whose image is that release, as a recall of it would', () => {
      const ng = aCustomNodegroup(NEW_AMI);
      const other = aCustomNodegroup(OLD_AMI, { nodegroup: 'untouched' });
      const p = planRollback(
        input({
          selection: { kind: 'image', image: '20261110', family: 'al2023' },
          fleet: aFleet([ng, other]),
          policy: aPolicy({ recalls: [aRecall('20261110', { family: 'al2023' })] }),
          catalog: aCatalog({ images: [anImage(), anOldImage()] }),
        }),
      );
      expect(p.items.map((i) => [i.nodegroup, i.decision])).toEqual([['custom', 'rollback']]);
    });
  });
});

describe('after a rollback', () => {
  it('the planner holds the group as recalled rather than roll it forward to the bad image', () => {
    const ng = aCustomNodegroup(OLD_AMI);
    const p = plan(aFleet([ng]), aCatalog(), aPolicy({ recalls: [aRecall(NEW_AMI)] }), NOW);
    expect(p.items[0]).toMatchObject({ decision: 'skip', reason: 'recalled' });
  });

  it('a finished rollback is no evidence for waves or the breaker; a running one counts for budgets', () => {
    const i = input();
    const done = rolled(NEW_AMI, OLD_AMI, { kind: 'rollback', outcome: 'failed' });
    const running = rolled(NEW_AMI, OLD_AMI, { kind: 'rollback', outcome: 'started', finishedAt: null });
    expect(rolloutFactsFromRecords([done], i.fleet, i.catalog)).toEqual([]);
    expect(rolloutFactsFromRecords([running], i.fleet, i.catalog)).toHaveLength(1);
  });
});
