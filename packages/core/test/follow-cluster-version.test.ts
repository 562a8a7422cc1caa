import { describe, expect, it } from 'vitest';
import { versionLagOf } from '../src/kubernetes-version.ts';
import { plan } from '../src/planner.ts';
import { rolloutKey } from '../src/rollout/key.ts';
import { rolloutSlackMessage } from '../src/rollout/notice.ts';
import { rolloutRequestFromPlanItem } from '../src/rollout/request.ts';
import { startedMessage } from '../src/rollout/steps.ts';
import { parametersForNodegroup, targetImageIds } from '../src/targets.ts';
import type { CatalogSnapshot, ImageFacts, NodegroupFacts } from '../src/types/fleet.ts';
import type { PlanItem } from '../src/types/plan.ts';
import type { Policy } from '../src/types/policy.ts';
import type { PublishedRelease, ReleaseHistory } from '../src/types/releases.ts';
import { aCustomNodegroup, aFact, aFleet, aNodegroup, anImage, aPolicy, aWave, REGION } from './builders.ts';

const NOW = new Date('2026-11-24T04:00:00.000Z');
const DAY = 86_400_000;

const root = (minor: string) => `/aws/service/eks/optimized-ami/${minor}/amazon-linux-2023/x86_64/standard`;
const imageParam = (minor: string) => `${root(minor)}/recommended/image_id`;
const releaseParam = (minor: string) => `${root(minor)}/recommended/release_version`;

/** An AL2023 x86 release of Kubernetes `minor`, `ageDays` old at NOW. */
function release(minor: string, stamp: string, ageDays: number) {
  const imageId = `ami-0a${minor.replace('.', '')}${stamp}`;
  const name = `amazon-eks-node-al2023-x86_64-standard-${minor}-v${stamp}`;
  return {
    minor,
    imageId,
    releaseVersion: `${minor}.2-${stamp}`,
    name,
    image: anImage({ imageId, name, creationDate: new Date(NOW.getTime() - ageDays * DAY).toISOString() }),
  };
}
type Release = ReturnType<typeof release>;

const on132 = release('1.32', '20261110', 14);
const on133old = release('1.33', '20261103', 21);
const on133 = release('1.33', '20261110', 14);
const on133young = release('1.33', '20261121', 3);
const on134 = release('1.34', '20261110', 14);

function published(r: Release): PublishedRelease {
  return {
    imageId: r.imageId,
    releaseVersion: r.releaseVersion,
    name: r.name,
    parameterVersion: null,
    publishedAt: r.image.creationDate,
  };
}

/** The catalog: `newest` of each minor in recommended, every release described, histories read. */
function catalogOf(
  newest: Release[],
  older: Release[] = [],
  extraImages: ImageFacts[] = [],
): CatalogSnapshot {
  const all = [...newest, ...older];
  const histories: Record<string, ReleaseHistory> = {};
  for (const n of newest) {
    histories[imageParam(n.minor)] = {
      kind: 'ssm-path',
      location: root(n.minor),
      releases: all.filter((r) => r.minor === n.minor).map(published),
      complete: true,
      error: null,
    };
  }
  return {
    parameters: {
      [REGION]: Object.fromEntries(
        newest.flatMap((r) => [
          [imageParam(r.minor), r.imageId],
          [releaseParam(r.minor), r.releaseVersion],
        ]),
      ),
    },
    images: {
      [REGION]: Object.fromEntries([
        ...all.map((r) => [r.imageId, r.image]),
        ...extraImages.map((i) => [i.imageId, i]),
      ]),
    },
    releases: { [REGION]: histories },
  };
}

const dev = aWave({ name: 'dev', clusters: ['dev-*'], soakDays: 2, followClusterVersion: true });
const prod = aWave({ name: 'prod', clusters: ['prod-*'], followClusterVersion: true });

function policyWith(overrides: Partial<Policy> = {}): Policy {
  return aPolicy({ waves: [dev, prod], maxConcurrentPerCluster: 5, ...overrides });
}

/** An AL2023 group in dev-a on Kubernetes `version`, its cluster on `clusterVersion`. */
function behind(
  version: string,
  clusterVersion: string,
  overrides: Partial<NodegroupFacts> = {},
): NodegroupFacts {
  return aNodegroup({
    cluster: 'dev-a',
    nodegroup: 'web',
    version,
    clusterVersion,
    releaseVersion: version === '1.32' ? on132.releaseVersion : `${version}.2-20261110`,
    ...overrides,
  });
}

function planOf(
  nodegroups: NodegroupFacts[],
  catalog: CatalogSnapshot,
  policy: Policy,
): Record<string, PlanItem> {
  const items = plan(aFleet(nodegroups), catalog, policy, NOW).items;
  return Object.fromEntries(items.map((i) => [`${i.cluster}/${i.nodegroup}`, i]));
}

describe('plan with followClusterVersion', () => {
  describe('when a group follows its cluster', () => {
    it('moves one minor, with that minor’s newest image, and says so', () => {
      const item = planOf([behind('1.32', '1.34')], catalogOf([on132, on133, on134]), policyWith())[
        'dev-a/web'
      ];
      expect(item).toMatchObject({
        decision: 'roll',
        targetVersion: '1.33',
        target: { releaseVersion: on133.releaseVersion, imageId: on133.imageId },
      });
      expect(item?.message).toContain('kubernetes 1.32 → 1.33 (cluster is 1.34)');
      expect(item?.message).toContain(`${on132.releaseVersion} → ${on133.releaseVersion}`);
    });

    it('goes to the cluster’s minor and never beyond it', () => {
      const item = planOf([behind('1.33', '1.34')], catalogOf([on133, on134]), policyWith())['dev-a/web'];
      expect(item).toMatchObject({
        decision: 'roll',
        targetVersion: '1.34',
        target: { imageId: on134.imageId },
      });
      const atCluster = planOf(
        [behind('1.34', '1.34', { releaseVersion: on134.releaseVersion })],
        catalogOf([on134]),
        policyWith(),
      )['dev-a/web'];
      expect(atCluster?.decision).toBe('current');
      expect(atCluster?.targetVersion).toBeUndefined();
    });

    it('takes the next minor’s newest release old enough under minAmiAgeDays, never one of its own minor', () => {
      const item = planOf(
        [behind('1.32', '1.33')],
        catalogOf([on132, on133young], [on133, on133old]),
        policyWith({ minAmiAgeDays: 7 }),
      )['dev-a/web'];
      expect(item).toMatchObject({
        decision: 'roll',
        targetVersion: '1.33',
        target: { imageId: on133.imageId },
      });
      expect(item?.message).toContain('kubernetes 1.32 → 1.33');
    });

    it('holds ami-too-new, naming the move, when nothing of the next minor is old enough', () => {
      const item = planOf(
        [behind('1.32', '1.33')],
        catalogOf([on132, on133young]),
        policyWith({ minAmiAgeDays: 7 }),
      )['dev-a/web'];
      expect(item).toMatchObject({ decision: 'skip', reason: 'ami-too-new' });
      expect(item?.message).toMatch(/^kubernetes 1\.32 → 1\.33 \(cluster is 1\.33\): /);
    });

    it('holds no-parameter, naming the move, when AWS publishes no image for the next minor', () => {
      const item = planOf([behind('1.32', '1.33')], catalogOf([on132]), policyWith())['dev-a/web'];
      expect(item).toMatchObject({ decision: 'skip', reason: 'no-parameter' });
      expect(item?.message).toContain('kubernetes 1.32 → 1.33');
    });

    it('reads the next minor’s parameters as well as its own', () => {
      expect(parametersForNodegroup(behind('1.32', '1.34'), null, policyWith())).toEqual([
        imageParam('1.32'),
        releaseParam('1.32'),
        imageParam('1.33'),
        releaseParam('1.33'),
      ]);
    });

    it('reads the next minor’s parameters when the policy’s top-level setting makes its wave follow', () => {
      const policy = policyWith({
        followClusterVersion: true,
        waves: [aWave({ name: 'dev', clusters: ['dev-*'] })],
      });
      expect(parametersForNodegroup(behind('1.32', '1.33'), null, policy)).toEqual([
        imageParam('1.32'),
        releaseParam('1.32'),
        imageParam('1.33'),
        releaseParam('1.33'),
      ]);
    });

    it('reads the next minor’s target image too, once its parameter names one', () => {
      const ng = behind('1.32', '1.33');
      expect(targetImageIds(ng, catalogOf([on132, on133]), policyWith())).toEqual([
        on132.imageId,
        on133.imageId,
      ]);
    });
  });

  describe('when a group does not follow its cluster', () => {
    const off = policyWith({ waves: [aWave({ name: 'dev', clusters: ['dev-*'] })] });

    it('reads only its own minor’s parameters and target image (it is planned on its own minor)', () => {
      const ng = behind('1.32', '1.34');
      expect(parametersForNodegroup(ng, null, off)).toEqual([imageParam('1.32'), releaseParam('1.32')]);
      expect(targetImageIds(ng, catalogOf([on132, on133]), off)).toEqual([on132.imageId]);
    });

    it('reads only its own minor when its wave opts out of a top-level followClusterVersion', () => {
      const optedOut = policyWith({
        followClusterVersion: true,
        waves: [aWave({ name: 'dev', clusters: ['dev-*'], followClusterVersion: false })],
      });
      expect(parametersForNodegroup(behind('1.32', '1.33'), null, optedOut)).toEqual([
        imageParam('1.32'),
        releaseParam('1.32'),
      ]);
    });

    it('reads only its own minor when the inspection has no follow rule', () => {
      expect(parametersForNodegroup(behind('1.32', '1.33'), null, null)).toEqual([
        imageParam('1.32'),
        releaseParam('1.32'),
      ]);
    });

    it('holds version-behind when it has nothing else to do, naming the setting', () => {
      const ng = behind('1.32', '1.33');
      const item = planOf([ng], catalogOf([on132, on133]), off)['dev-a/web'];
      expect(item).toMatchObject({ decision: 'skip', reason: 'version-behind' });
      expect(item?.message).toBe(
        `kubernetes 1.32 is behind cluster 1.33; set followClusterVersion on wave dev to follow (on its own minor: at ${on132.releaseVersion})`,
      );
      expect(item?.warnings).toBeUndefined();
    });

    it('still rolls images of its own minor, with a version-behind warning', () => {
      const ng = behind('1.32', '1.33', { releaseVersion: '1.32.2-20261001' });
      const item = planOf([ng], catalogOf([on132, on133]), off)['dev-a/web'];
      expect(item).toMatchObject({ decision: 'roll', target: { imageId: on132.imageId } });
      expect(item?.targetVersion).toBeUndefined();
      expect(item?.warnings).toEqual([
        {
          code: 'version-behind',
          message:
            'kubernetes 1.32 is behind cluster 1.33; set followClusterVersion on wave dev to follow; this rollout stays on 1.32',
        },
      ]);
    });

    it('follows when the top level turns it on and the wave says nothing', () => {
      const item = planOf([behind('1.32', '1.33')], catalogOf([on132, on133]), {
        ...off,
        followClusterVersion: true,
      })['dev-a/web'];
      expect(item?.targetVersion).toBe('1.33');
    });
  });

  describe('when the skew is beyond what Kubernetes supports', () => {
    it('warns version-skew-unsupported past 3 minors (2 for kubelets older than 1.25)', () => {
      const off = policyWith({ waves: [aWave({ name: 'dev', clusters: ['dev-*'] })] });
      const far = planOf([behind('1.29', '1.33', { releaseVersion: '1.29.2-20261110' })], catalogOf([]), off)[
        'dev-a/web'
      ];
      expect(far?.warnings?.map((w) => w.code)).toContain('version-skew-unsupported');
      expect(far?.warnings?.find((w) => w.code === 'version-skew-unsupported')?.message).toContain(
        'kubernetes 1.29 is 4 minors behind cluster 1.33; Kubernetes supports kubelets at most 3 minors older than kube-apiserver',
      );
      const within = planOf(
        [behind('1.30', '1.33', { releaseVersion: '1.30.2-20261110' })],
        catalogOf([]),
        off,
      )['dev-a/web'];
      expect(within?.warnings?.map((w) => w.code)).not.toContain('version-skew-unsupported');
      expect(versionLagOf({ version: '1.24', clusterVersion: '1.27' })?.supportedSkew).toBe(2);
    });
  });

  describe('when the group runs a custom AMI', () => {
    const golden = (minor: string) => `/images/web/${minor}/ami`;
    const g133 = anImage({
      imageId: 'ami-0901de0000000133',
      name: 'web-golden-1.33',
      creationDate: '2026-11-10T00:00:00.000Z',
    });
    const g132 = anImage({
      imageId: 'ami-0901de0000000132',
      name: 'web-golden-1.32',
      creationDate: '2026-11-01T00:00:00.000Z',
    });
    const catalog: CatalogSnapshot = {
      parameters: { [REGION]: { [golden('1.32')]: g132.imageId, [golden('1.33')]: g133.imageId } },
      images: { [REGION]: { [g132.imageId]: g132, [g133.imageId]: g133 } },
    };
    const customBehind = (imageId: string, tag: string, overrides: Partial<NodegroupFacts> = {}) =>
      aCustomNodegroup(imageId, {
        cluster: 'dev-a',
        version: '1.32',
        clusterVersion: '1.33',
        tags: { 'nodekeeper.io/ami-parameter': tag },
        ...overrides,
      });

    it('reads a golden parameter per minor through {version} and rolls to the next minor’s AMI', () => {
      const ng = customBehind(g132.imageId, '/images/web/{version}/ami');
      expect(parametersForNodegroup(ng, null, policyWith())).toEqual([golden('1.32'), golden('1.33')]);
      const item = planOf([ng], catalog, policyWith())['dev-a/custom'];
      expect(item).toMatchObject({
        decision: 'roll',
        strategy: 'launch-template',
        targetVersion: '1.33',
        target: { imageId: g133.imageId },
      });
    });

    it('reads only its own minor’s golden parameter when its wave does not follow, and plans on it', () => {
      const off = policyWith({ waves: [aWave({ name: 'dev', clusters: ['dev-*'] })] });
      const ng = customBehind(g132.imageId, '/images/web/{version}/ami');
      expect(parametersForNodegroup(ng, null, off)).toEqual([golden('1.32')]);
      const ownMinorOnly: CatalogSnapshot = {
        parameters: { [REGION]: { [golden('1.32')]: g132.imageId } },
        images: { [REGION]: { [g132.imageId]: g132 } },
      };
      expect(planOf([ng], ownMinorOnly, off)['dev-a/custom']).toMatchObject({
        decision: 'skip',
        reason: 'version-behind',
      });
    });

    it('holds version-behind when the golden parameter names one AMI for every minor', () => {
      const item = planOf([customBehind(g132.imageId, golden('1.32'))], catalog, policyWith())[
        'dev-a/custom'
      ];
      expect(item).toMatchObject({ decision: 'skip', reason: 'version-behind' });
      expect(item?.message).toContain(
        'names one AMI for every Kubernetes version, so the AMI for 1.33 is unknown',
      );
    });

    it('is current once it runs the next minor’s image, whatever version EKS still reports', () => {
      const item = planOf([customBehind(g133.imageId, '/images/web/{version}/ami')], catalog, policyWith())[
        'dev-a/custom'
      ];
      expect(item).toMatchObject({ decision: 'current' });
      expect(item?.message).toContain('kubernetes 1.33');
    });
  });

  describe('the wave gate of a version upgrade', () => {
    const devGroup = (version: string) =>
      behind(version, '1.33', {
        nodegroup: 'web',
        releaseVersion: version === '1.33' ? on133.releaseVersion : on132.releaseVersion,
      });
    const prodGroup = aNodegroup({
      cluster: 'prod-a',
      nodegroup: 'api',
      version: '1.32',
      clusterVersion: '1.33',
      releaseVersion: on132.releaseVersion,
    });
    const catalog = catalogOf([on132, on133]);

    it('holds the later wave until the earlier one has moved to the minor', () => {
      const items = planOf([devGroup('1.32'), prodGroup], catalog, policyWith());
      expect(items['dev-a/web']?.decision).toBe('roll');
      expect(items['prod-a/api']).toMatchObject({ decision: 'skip', reason: 'wave-gate' });
      expect(items['prod-a/api']?.message).toContain(
        'waits for dev-a/web (wave dev) to move to kubernetes 1.33 first',
      );
    });

    it('holds it for the earlier wave’s soak, then lets it move', () => {
      const moved = aFact({
        cluster: 'dev-a',
        nodegroup: 'web',
        release: '20261110',
        kubernetesVersion: '1.33',
        startedAt: new Date(NOW.getTime() - DAY).toISOString(),
        finishedAt: new Date(NOW.getTime() - DAY + 3_600_000).toISOString(),
      });
      const soaking = planOf([devGroup('1.33'), prodGroup], catalog, policyWith({ history: [moved] }));
      expect(soaking['prod-a/api']).toMatchObject({ decision: 'skip', reason: 'wave-gate' });
      // The release's soak and the minor's soak both hold it (the release's is named first).
      expect(soaking['prod-a/api']?.message).toMatch(
        /^waits for dev-a\/web \(wave dev\) to soak 1\.33\.2-20261110: 25 h left \(\+1 more/,
      );
      const later = new Date(NOW.getTime() + 2 * DAY);
      const soaked = plan(
        aFleet([devGroup('1.33'), prodGroup]),
        catalog,
        policyWith({ history: [moved] }),
        later,
      ).items;
      expect(soaked.find((i) => i.nodegroup === 'api')).toMatchObject({
        decision: 'roll',
        targetVersion: '1.33',
      });
    });
    it('holds a group of another release line for the minor’s soak alone', () => {
      const br = '/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest';
      const brImage = anImage({
        imageId: 'ami-0b0000000000133a',
        name: 'bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12',
        creationDate: '2026-11-01T00:00:00.000Z',
      });
      const withBr = catalogOf([on132, on133], [], [brImage]);
      const params = withBr.parameters[REGION] ?? {};
      params[`${br}/image_id`] = brImage.imageId;
      params[`${br}/image_version`] = '1.50.0-abcdef12';
      const rocket = aNodegroup({
        cluster: 'prod-a',
        nodegroup: 'rocket',
        amiType: 'BOTTLEROCKET_x86_64',
        version: '1.32',
        clusterVersion: '1.33',
        releaseVersion: '1.49.0-aaaaaaaa',
      });
      const moved = aFact({
        cluster: 'dev-a',
        nodegroup: 'web',
        kubernetesVersion: '1.33',
        startedAt: new Date(NOW.getTime() - DAY).toISOString(),
        finishedAt: new Date(NOW.getTime() - DAY + 3_600_000).toISOString(),
      });
      const items = planOf([devGroup('1.33'), rocket], withBr, policyWith({ history: [moved] }));
      expect(items['prod-a/rocket']).toMatchObject({ decision: 'skip', reason: 'wave-gate' });
      expect(items['prod-a/rocket']?.message).toBe(
        'waits for dev-a/web (wave dev) to soak kubernetes 1.33: 25 h left',
      );
    });
  });

  describe('its rollout request', () => {
    it('carries the target version, and its key differs from a rollout to the same image on the group’s own minor', () => {
      const item = planOf([behind('1.32', '1.33')], catalogOf([on132, on133]), policyWith())['dev-a/web'];
      if (!item) throw new Error('no item');
      const request = rolloutRequestFromPlanItem(item, null);
      if (!request) throw new Error('no request');
      expect(request.targetVersion).toBe('1.33');
      const { targetVersion: _, ...sameImage } = request;
      expect(rolloutKey(request)).not.toBe(rolloutKey(sameImage));
      expect(startedMessage(request)).toBe(
        `dev-a/web: rolling ${on132.releaseVersion} → ${on133.releaseVersion} to kubernetes 1.33 (release version)`,
      );
      const notice = rolloutSlackMessage({
        event: 'started',
        request,
        updateId: 'u-1',
        startedAt: NOW.toISOString(),
      } as never);
      expect(JSON.stringify(notice.blocks)).toContain('*Kubernetes*\\n`→ 1.33`');
    });
  });
});
