import { afterEach, describe, expect, it, vi } from 'vitest';
import { plan } from '../src/planner.ts';
import type { PlanItem } from '../src/types/plan.ts';
import {
  AL2023_X86_IMAGE_PARAM,
  AL2023_X86_RELEASE_PARAM,
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
} from './builders.ts';

const GOLDEN = '/golden/eks-al2023/ami';
const GOLDEN_AMI = 'ami-0000000000golden2';

/** Plans one node group with the default catalog (unless given) and returns its only item. */
function planOne(
  ng = aNodegroup(),
  options: { catalog?: ReturnType<typeof aCatalog>; policy?: ReturnType<typeof aPolicy>; now?: Date } = {},
): PlanItem {
  const result = plan(
    aFleet([ng]),
    options.catalog ?? aCatalog(),
    options.policy ?? aPolicy(),
    options.now ?? NOW,
  );
  expect(result.items).toHaveLength(1);
  const [item] = result.items;
  if (!item) throw new Error('no item');
  return item;
}

describe('plan', () => {
  describe('when an EKS-AMI node group is behind the latest release', () => {
    it('rolls by release version, in the contract shape', () => {
      expect(plan(aFleet([aNodegroup()]), aCatalog(), aPolicy(), NOW)).toEqual({
        generatedAt: '2026-11-20T00:00:00.000Z',
        items: [
          {
            accountId: null,
            cluster: 'prod-a',
            nodegroup: 'general',
            region: 'us-east-1',
            decision: 'roll',
            reason: null,
            message: '1.33.4-20261001 → 1.33.5-20261110',
            strategy: 'release-version',
            current: { releaseVersion: '1.33.4-20261001', imageId: null },
            target: { releaseVersion: '1.33.5-20261110', imageId: NEW_AMI },
            wave: null,
            updateConfig: null,
            endOfLife: { family: 'al2023', familyEndOfLife: null, image: null },
          },
        ],
      });
    });

    it('uses release-version for a launch template without an ImageId', () => {
      const ng = aNodegroup({ launchTemplate: { id: 'lt-02', name: 'plain', version: '3', imageId: null } });
      expect(planOne(ng)).toMatchObject({ decision: 'roll', strategy: 'release-version' });
    });
  });

  describe('when a Bottlerocket group is behind', () => {
    it('rolls to the image_version release', () => {
      const base = '/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest';
      const catalog = aCatalog({
        parameters: { [`${base}/image_id`]: NEW_AMI, [`${base}/image_version`]: '1.50.0-abcdef12' },
      });
      const ng = aNodegroup({ amiType: 'BOTTLEROCKET_x86_64', releaseVersion: '1.49.0-1a2b3c4d' });
      expect(planOne(ng, { catalog })).toMatchObject({
        decision: 'roll',
        message: '1.49.0-1a2b3c4d → 1.50.0-abcdef12',
        target: { releaseVersion: '1.50.0-abcdef12', imageId: NEW_AMI },
      });
    });
  });

  describe('when the group is already at the target', () => {
    it('is current', () => {
      const item = planOne(aNodegroup({ releaseVersion: '1.33.5-20261110' }));
      expect(item).toMatchObject({ decision: 'current', reason: null, message: 'at 1.33.5-20261110' });
    });

    it('is current even when the target would be gated', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261110' });
      const policy = aPolicy({ minAmiAgeDays: 30, denyAmis: ['1.33.5-20261110'] });
      expect(planOne(ng, { policy }).decision).toBe('current');
    });
  });

  describe('when the group runs a newer release than the target', () => {
    it('never downgrades', () => {
      const item = planOne(aNodegroup({ releaseVersion: '1.33.6-20261201' }));
      expect(item).toMatchObject({ decision: 'current', reason: null });
      expect(item.message).toBe('1.33.6-20261201 is newer than 1.33.5-20261110; never downgrades');
    });
  });

  describe('when the current release follows no known scheme', () => {
    it('skips with unknown-ami-family rather than risk a downgrade', () => {
      const item = planOne(aNodegroup({ releaseVersion: 'weird' }));
      expect(item).toMatchObject({ decision: 'skip', reason: 'unknown-ami-family' });
      expect(item.message).toContain('cannot order release weird');
    });
  });

  describe('when the group is CUSTOM with an EKS-optimized image', () => {
    it('rolls by launch template to the image_id parameter value', () => {
      const item = planOne(aCustomNodegroup(OLD_AMI));
      expect(item).toEqual({
        accountId: null,
        cluster: 'prod-a',
        nodegroup: 'custom',
        region: REGION,
        decision: 'roll',
        reason: null,
        message: `${OLD_AMI} → ${NEW_AMI} (amazon-eks-node-al2023-x86_64-standard-1.33-v20261110)`,
        strategy: 'launch-template',
        current: { releaseVersion: OLD_AMI, imageId: OLD_AMI },
        target: { releaseVersion: '1.33.5-20261110', imageId: NEW_AMI },
        wave: null,
        updateConfig: null,
        endOfLife: {
          family: 'al2023',
          familyEndOfLife: null,
          image: {
            imageId: OLD_AMI,
            name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261001',
            deprecationTime: null,
            daysToDeprecation: null,
          },
        },
      });
    });

    it('is current when it runs the target AMI', () => {
      expect(planOne(aCustomNodegroup(NEW_AMI))).toMatchObject({
        decision: 'current',
        strategy: 'launch-template',
      });
    });

    it('never downgrades to an older AMI', () => {
      const newer = anImage({
        imageId: 'ami-00000000000newer1',
        name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261201',
        creationDate: '2026-12-01T00:00:00.000Z',
      });
      const catalog = aCatalog({
        parameters: { [AL2023_X86_IMAGE_PARAM]: NEW_AMI, [AL2023_X86_RELEASE_PARAM]: '1.33.5-20261110' },
        images: [anImage(), newer],
      });
      const item = planOne(aCustomNodegroup(newer.imageId), { catalog });
      expect(item).toMatchObject({ decision: 'current' });
      expect(item.message).toContain('never downgrades');
    });
  });

  describe('when the group is CUSTOM with the golden tag', () => {
    const ng = aCustomNodegroup(OLD_AMI, { tags: { 'nodekeeper.io/ami-parameter': GOLDEN } });
    const golden = anImage({
      imageId: GOLDEN_AMI,
      name: 'acme-golden-al2023-20261112',
      creationDate: '2026-11-12T00:00:00.000Z',
    });

    it('rolls to the parameter value', () => {
      const catalog = aCatalog({
        parameters: { [GOLDEN]: GOLDEN_AMI },
        images: [golden, anOldImage({ name: 'acme-golden-al2023-20261001' })],
      });
      expect(planOne(ng, { catalog })).toMatchObject({
        decision: 'roll',
        strategy: 'launch-template',
        message: `${OLD_AMI} → ${GOLDEN_AMI} (acme-golden-al2023-20261112)`,
        target: { releaseVersion: null, imageId: GOLDEN_AMI },
      });
    });

    it('skips with no-parameter when the parameter does not exist', () => {
      const item = planOne(ng, { catalog: aCatalog({ parameters: {} }) });
      expect(item).toMatchObject({ decision: 'skip', reason: 'no-parameter' });
      expect(item.message).toBe(`SSM parameter ${GOLDEN} does not exist in us-east-1`);
    });
  });

  describe('when the node group carries the skip tag', () => {
    it('skips with opted-out', () => {
      const item = planOne(aNodegroup({ tags: { 'nodekeeper.io/skip': 'true' }, status: 'DEGRADED' }));
      expect(item).toMatchObject({ decision: 'skip', reason: 'opted-out', target: null });
      expect(item.message).toBe('tag nodekeeper.io/skip=true');
    });

    it('does not skip for other values', () => {
      expect(planOne(aNodegroup({ tags: { 'nodekeeper.io/skip': 'false' } })).decision).toBe('roll');
    });
  });

  describe('when an update is running', () => {
    it('skips UPDATING groups with update-in-progress', () => {
      expect(planOne(aNodegroup({ status: 'UPDATING' }))).toMatchObject({
        reason: 'update-in-progress',
        message: 'node group is UPDATING',
      });
    });
  });

  describe('when the node group is not ACTIVE', () => {
    it.each(['DEGRADED', 'CREATING', 'DELETING', 'CREATE_FAILED'])('skips %s with not-active', (status) => {
      expect(planOne(aNodegroup({ status }))).toMatchObject({
        decision: 'skip',
        reason: 'not-active',
        message: `node group is ${status}, not ACTIVE`,
      });
    });
  });

  describe('when the AMI family is unknown', () => {
    it('skips a CUSTOM group whose image has no EKS name', () => {
      const catalog = aCatalog({ images: [anOldImage({ name: 'acme-base-20261001' })] });
      const item = planOne(aCustomNodegroup(OLD_AMI), { catalog });
      expect(item).toMatchObject({ reason: 'unknown-ami-family', strategy: 'launch-template' });
      expect(item.message).toContain('acme-base-20261001');
    });

    it('skips a CUSTOM group whose image could not be described', () => {
      expect(planOne(aCustomNodegroup(OLD_AMI), { catalog: aCatalog({ images: [] }) }).reason).toBe(
        'unknown-ami-family',
      );
    });

    it('skips a golden tag on an EKS-AMI group, explaining that switching needs a new node group', () => {
      const item = planOne(aNodegroup({ tags: { 'nodekeeper.io/ami-parameter': GOLDEN } }));
      expect(item).toMatchObject({ reason: 'unknown-ami-family', strategy: 'release-version' });
      expect(item.message).toContain('needs a new node group');
    });

    it('skips an amiType nodekeeper does not know', () => {
      expect(planOne(aNodegroup({ amiType: 'AL2029_QUANTUM' })).reason).toBe('unknown-ami-family');
    });
  });

  describe('when the parameter does not exist', () => {
    it('skips AL2 after 1.32 with no-parameter, and says why', () => {
      const item = planOne(
        aNodegroup({ amiType: 'AL2_x86_64', version: '1.33', releaseVersion: '1.32.9-20251101' }),
      );
      expect(item).toMatchObject({ decision: 'skip', reason: 'no-parameter', target: null });
      expect(item.message).toBe(
        'SSM parameter /aws/service/eks/optimized-ami/1.33/amazon-linux-2/recommended/image_id does not exist in us-east-1; EKS publishes no AL2 AMIs after Kubernetes 1.32',
      );
    });

    it('skips when only the release parameter is missing', () => {
      const catalog = aCatalog({ parameters: { [AL2023_X86_IMAGE_PARAM]: NEW_AMI } });
      expect(planOne(aNodegroup(), { catalog })).toMatchObject({ reason: 'no-parameter' });
    });

    it('looks in the node group region only', () => {
      const catalog = aCatalog({ region: 'eu-west-1' });
      expect(planOne(aNodegroup(), { catalog }).reason).toBe('no-parameter');
    });
  });

  describe('when the target AMI is younger than minAmiAgeDays', () => {
    it('skips with ami-too-new and says how long is left', () => {
      const item = planOne(aNodegroup(), { policy: aPolicy({ minAmiAgeDays: 14 }) });
      expect(item).toMatchObject({ decision: 'skip', reason: 'ami-too-new' });
      expect(item.target).toEqual({ releaseVersion: '1.33.5-20261110', imageId: NEW_AMI });
      expect(item.message).toBe(
        `${NEW_AMI} (amazon-eks-node-al2023-x86_64-standard-1.33-v20261110) is 10 days old; policy needs 14 days (4 days left)`,
      );
    });

    it('rolls once the AMI is exactly old enough', () => {
      expect(planOne(aNodegroup(), { policy: aPolicy({ minAmiAgeDays: 10 }) }).decision).toBe('roll');
    });

    it('reports hours when less than a day is left', () => {
      const now = new Date('2026-11-16T18:00:00.000Z');
      expect(planOne(aNodegroup(), { policy: aPolicy({ minAmiAgeDays: 7 }), now }).message).toContain(
        '(6 hours left)',
      );
    });

    it('uses the wave minimum instead of the global one', () => {
      const policy = aPolicy({
        minAmiAgeDays: 0,
        waves: [aWave({ name: 'prod', clusters: ['prod-*'], minAmiAgeDays: 30 })],
      });
      const item = planOne(aNodegroup(), { policy });
      expect(item).toMatchObject({ reason: 'ami-too-new', wave: 'prod' });
      expect(item.message).toContain('wave prod needs 30 days (20 days left)');
    });

    it('lets a wave relax the global minimum', () => {
      const policy = aPolicy({ minAmiAgeDays: 30, waves: [aWave({ name: 'prod', minAmiAgeDays: 0 })] });
      expect(planOne(aNodegroup(), { policy }).decision).toBe('roll');
    });

    it('uses the global minimum when the wave sets none', () => {
      const policy = aPolicy({ minAmiAgeDays: 30, waves: [aWave({ name: 'prod', minAmiAgeDays: null })] });
      expect(planOne(aNodegroup(), { policy }).message).toContain('policy needs 30 days');
    });
  });

  describe('when the target is on the deny list', () => {
    it('skips with ami-denied by AMI ID', () => {
      const item = planOne(aNodegroup(), { policy: aPolicy({ denyAmis: [NEW_AMI] }) });
      expect(item).toMatchObject({
        reason: 'ami-denied',
        message: `${NEW_AMI} is on the deny list (denyAmis)`,
      });
    });

    it('skips with ami-denied by release version', () => {
      expect(planOne(aNodegroup(), { policy: aPolicy({ denyAmis: ['1.33.5-20261110'] }) }).reason).toBe(
        'ami-denied',
      );
    });

    it('ignores entries that name other AMIs', () => {
      expect(
        planOne(aNodegroup(), { policy: aPolicy({ denyAmis: ['1.33.4-20261001', OLD_AMI] }) }).decision,
      ).toBe('roll');
    });
  });

  describe('when the target AMI is unavailable', () => {
    it('skips an image that is not available', () => {
      const catalog = aCatalog({ images: [anImage({ state: 'pending' })] });
      const item = planOne(aNodegroup(), { catalog });
      expect(item).toMatchObject({ reason: 'ami-unavailable' });
      expect(item.message).toContain('is pending');
    });

    it('skips an image deprecated at or before now', () => {
      const catalog = aCatalog({ images: [anImage({ deprecationTime: NOW.toISOString() })] });
      expect(planOne(aNodegroup(), { catalog }).message).toContain(
        'was deprecated at 2026-11-20T00:00:00.000Z',
      );
    });

    it('rolls to an image whose deprecation is still ahead', () => {
      const catalog = aCatalog({ images: [anImage({ deprecationTime: '2028-11-10T00:00:00.000Z' })] });
      expect(planOne(aNodegroup(), { catalog }).decision).toBe('roll');
    });

    it('skips an image DescribeImages did not return', () => {
      expect(planOne(aNodegroup(), { catalog: aCatalog({ images: [] }) }).reason).toBe('ami-unavailable');
    });
  });

  describe('when rollouts are paused', () => {
    const paused = { reason: 'incident 42', by: 'alice', at: '2026-11-19T22:00:00.000Z' };

    it('skips would-be rolls with paused', () => {
      const item = planOne(aNodegroup(), { policy: aPolicy({ paused }) });
      expect(item).toMatchObject({ decision: 'skip', reason: 'paused', target: { imageId: NEW_AMI } });
      expect(item.message).toBe('rollouts are paused by alice at 2026-11-19T22:00:00.000Z: incident 42');
    });

    it('still reports current groups as current', () => {
      const item = planOne(aNodegroup({ releaseVersion: '1.33.5-20261110' }), {
        policy: aPolicy({ paused }),
      });
      expect(item.decision).toBe('current');
    });
  });

  describe('when inspection failed', () => {
    it('turns a node group error into an error item that replaces the node group', () => {
      const fleet = aFleet(
        [aNodegroup()],
        [
          {
            accountId: null,
            region: REGION,
            cluster: 'prod-a',
            nodegroup: 'general',
            message: 'DescribeNodegroup: AccessDeniedException',
          },
        ],
      );
      expect(plan(fleet, aCatalog(), aPolicy(), NOW).items).toEqual([
        {
          accountId: null,
          cluster: 'prod-a',
          nodegroup: 'general',
          region: REGION,
          decision: 'skip',
          reason: 'error',
          message: 'DescribeNodegroup: AccessDeniedException',
          strategy: null,
          current: { releaseVersion: null, imageId: null },
          target: null,
          wave: null,
        },
      ]);
    });

    it('stands for a whole cluster with nodegroup *, next to what was inspected', () => {
      const fleet = aFleet(
        [aNodegroup({ cluster: 'prod-b' })],
        [
          {
            accountId: null,
            region: REGION,
            cluster: 'prod-a',
            nodegroup: null,
            message: 'ListNodegroups: throttled',
          },
        ],
      );
      const items = plan(fleet, aCatalog(), aPolicy({ waves: [aWave()] }), NOW).items;
      expect(items.map((i) => [i.cluster, i.nodegroup, i.decision, i.reason, i.wave])).toEqual([
        ['prod-a', '*', 'skip', 'error', 'prod'],
        ['prod-b', 'general', 'roll', null, 'prod'],
      ]);
    });

    it('drops errors of unselected clusters', () => {
      const fleet = aFleet(
        [],
        [{ accountId: null, region: REGION, cluster: 'dev-a', nodegroup: null, message: 'boom' }],
      );
      expect(plan(fleet, aCatalog(), aPolicy({ clusters: ['prod-*'] }), NOW).items).toEqual([]);
    });
  });

  describe('when the wave tag names no configured wave', () => {
    it('skips with error and names the known waves', () => {
      const policy = aPolicy({ waves: [aWave({ name: 'dev', clusters: ['dev-*'] }), aWave()] });
      const item = planOne(aNodegroup({ tags: { 'nodekeeper.io/wave': 'canary' } }), { policy });
      expect(item).toMatchObject({ reason: 'error', wave: 'canary' });
      expect(item.message).toBe('tag nodekeeper.io/wave=canary names no configured wave (known: dev, prod)');
    });
  });

  describe('when assigning waves', () => {
    const policy = aPolicy({
      waves: [
        aWave({ name: 'dev', clusters: ['dev-*', 'prod-canary'] }),
        aWave({ name: 'prod', clusters: ['prod-*'] }),
      ],
    });

    it('takes the first wave whose globs match the cluster', () => {
      const fleet = aFleet([
        aNodegroup({ cluster: 'dev-a' }),
        aNodegroup({ cluster: 'prod-canary' }),
        aNodegroup({ cluster: 'prod-a' }),
        aNodegroup({ cluster: 'stage-a' }),
      ]);
      expect(plan(fleet, aCatalog(), policy, NOW).items.map((i) => [i.cluster, i.wave])).toEqual([
        ['dev-a', 'dev'],
        ['prod-a', 'prod'],
        ['prod-canary', 'dev'],
        ['stage-a', null],
      ]);
    });

    it('lets the wave tag override the cluster wave', () => {
      expect(planOne(aNodegroup({ tags: { 'nodekeeper.io/wave': 'dev' } }), { policy }).wave).toBe('dev');
    });
  });

  describe('when selecting clusters', () => {
    it('plans only clusters matching the globs', () => {
      const fleet = aFleet([
        aNodegroup({ cluster: 'prod-a' }),
        aNodegroup({ cluster: 'dev-a' }),
        aNodegroup({ cluster: 'test-a' }),
      ]);
      const items = plan(fleet, aCatalog(), aPolicy({ clusters: ['prod-*', 'test-a'] }), NOW).items;
      expect(items.map((i) => i.cluster)).toEqual(['prod-a', 'test-a']);
    });
  });

  describe('ordering and purity', () => {
    const fleet = aFleet([
      aNodegroup({ cluster: 'prod-b', nodegroup: 'z' }),
      aNodegroup({ region: 'eu-west-1', cluster: 'prod-z', nodegroup: 'a' }),
      aNodegroup({ cluster: 'prod-a', nodegroup: 'b' }),
      aNodegroup({ cluster: 'prod-a', nodegroup: 'a' }),
      aCustomNodegroup(OLD_AMI, { cluster: 'prod-b', nodegroup: 'B' }),
    ]);

    it('sorts items by region, cluster, node group', () => {
      const items = plan(fleet, aCatalog(), aPolicy(), NOW).items;
      expect(items.map((i) => `${i.region}/${i.cluster}/${i.nodegroup}`)).toEqual([
        'eu-west-1/prod-z/a',
        'us-east-1/prod-a/a',
        'us-east-1/prod-a/b',
        'us-east-1/prod-b/B',
        'us-east-1/prod-b/z',
      ]);
    });

    it('gives the same plan for the same input, whatever the input order', () => {
      const reversed = aFleet([...fleet.nodegroups].reverse());
      const first = plan(fleet, aCatalog(), aPolicy({ minAmiAgeDays: 3 }), NOW);
      expect(plan(reversed, aCatalog(), aPolicy({ minAmiAgeDays: 3 }), NOW)).toEqual(first);
      expect(JSON.stringify(plan(fleet, aCatalog(), aPolicy({ minAmiAgeDays: 3 }), NOW))).toBe(
        JSON.stringify(first),
      );
    });

    it('does not modify its inputs', () => {
      const catalog = aCatalog();
      const policy = aPolicy({ waves: [aWave()] });
      const snapshot = JSON.stringify([fleet, catalog, policy]);
      plan(fleet, catalog, policy, NOW);
      expect(JSON.stringify([fleet, catalog, policy])).toBe(snapshot);
    });
  });

  describe('when the system clock differs from now', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('depends only on the now argument', () => {
      const policy = aPolicy({ minAmiAgeDays: 14 });
      vi.useFakeTimers();
      vi.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
      const early = plan(aFleet([aNodegroup()]), aCatalog(), policy, NOW);
      vi.setSystemTime(new Date('2026-11-11T00:00:00.000Z'));
      const again = plan(aFleet([aNodegroup()]), aCatalog(), policy, NOW);
      expect(again).toEqual(early);
      expect(early.generatedAt).toBe(NOW.toISOString());
      expect(early.items[0]?.reason).toBe('ami-too-new');
      const later = plan(aFleet([aNodegroup()]), aCatalog(), policy, new Date('2026-11-24T00:00:00.000Z'));
      expect(later.items[0]?.decision).toBe('roll');
    });
  });
});
