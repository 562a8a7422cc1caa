import { describe, expect, it } from 'vitest';
import { releaseHistoryWanted } from '../src/age-selection.ts';
import { plan } from '../src/planner.ts';
import {
  releaseHistorySource,
  releasesFromImages,
  releasesFromParameterHistory,
  releasesFromPath,
} from '../src/release-history.ts';
import { scopeFleet } from '../src/safety/scope.ts';
import type { CatalogSnapshot, ImageFacts, NodegroupFacts } from '../src/types/fleet.ts';
import type { PlanItem } from '../src/types/plan.ts';
import type { Policy } from '../src/types/policy.ts';
import type { PublishedRelease, ReleaseHistory } from '../src/types/releases.ts';
import { aCustomNodegroup, aFleet, aNodegroup, anImage, aPolicy, aWave, REGION } from './builders.ts';

const NOW = new Date('2026-11-24T04:00:00.000Z');
const DAY = 86_400_000;
const ROOT = '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard';
const IMAGE_PARAM = `${ROOT}/recommended/image_id`;
const RELEASE_PARAM = `${ROOT}/recommended/release_version`;

/** An AL2023 x86 1.33 release: AMI, release version and image, `ageDays` old at NOW. */
function alRelease(stamp: string, ageDays: number, overrides: Partial<ImageFacts> = {}) {
  const imageId = `ami-0a2023${stamp}`;
  return {
    imageId,
    releaseVersion: `1.33.5-${stamp}`,
    name: `amazon-eks-node-al2023-x86_64-standard-1.33-v${stamp}`,
    image: anImage({
      imageId,
      name: `amazon-eks-node-al2023-x86_64-standard-1.33-v${stamp}`,
      creationDate: new Date(NOW.getTime() - ageDays * DAY).toISOString(),
      ...overrides,
    }),
  };
}

type Release = ReturnType<typeof alRelease>;

function published(r: Release, releaseVersion: string | null = r.releaseVersion): PublishedRelease {
  return {
    imageId: r.imageId,
    releaseVersion,
    name: r.name,
    parameterVersion: null,
    publishedAt: r.image.creationDate,
  };
}

function history(releases: PublishedRelease[], overrides: Partial<ReleaseHistory> = {}): ReleaseHistory {
  return { kind: 'ssm-path', location: ROOT, releases, complete: true, error: null, ...overrides };
}

/** The catalog AWS publishes: `newest` in recommended, `older` (and newest) as release-named parameters. */
function catalogOf(
  newest: Release,
  older: Release[],
  h: ReleaseHistory | null = history([newest, ...older].map((r) => published(r))),
): CatalogSnapshot {
  return {
    parameters: { [REGION]: { [IMAGE_PARAM]: newest.imageId, [RELEASE_PARAM]: newest.releaseVersion } },
    images: { [REGION]: Object.fromEntries([newest, ...older].map((r) => [r.imageId, r.image])) },
    ...(h ? { releases: { [REGION]: { [IMAGE_PARAM]: h } } } : {}),
  };
}

function planOne(ng: NodegroupFacts, catalog: CatalogSnapshot, policy: Policy): PlanItem {
  const [item, ...rest] = plan(aFleet([ng]), catalog, policy, NOW).items;
  expect(rest).toEqual([]);
  if (!item) throw new Error('no item');
  return item;
}

const r1121 = alRelease('20261121', 3);
const r1118 = alRelease('20261118', 6);
const r1110 = alRelease('20261110', 14);
const r1103 = alRelease('20261103', 21);

describe('age selection in plan', () => {
  describe('when the newest image is younger than minAmiAgeDays', () => {
    it('rolls to the newest release that is old enough, and says so', () => {
      const item = planOne(
        aNodegroup(),
        catalogOf(r1121, [r1118, r1110, r1103]),
        aPolicy({ minAmiAgeDays: 7 }),
      );
      expect(item).toMatchObject({
        decision: 'roll',
        reason: null,
        message:
          '1.33.4-20261001 → 1.33.5-20261110; newest 20261121 is 3 days old; rolling to 20261110 (14 days)',
        target: { releaseVersion: '1.33.5-20261110', imageId: r1110.imageId },
      });
    });

    it('takes a release that is exactly minAmiAgeDays old', () => {
      const exactly = alRelease('20261117', 7);
      const item = planOne(aNodegroup(), catalogOf(r1121, [exactly, r1110]), aPolicy({ minAmiAgeDays: 7 }));
      expect(item.target?.releaseVersion).toBe('1.33.5-20261117');
      expect(item.message).toContain('rolling to 20261117 (7 days)');
    });

    it('does not take one a minute short of it', () => {
      const short = alRelease('20261117', 7 - 60_000 / DAY);
      const item = planOne(aNodegroup(), catalogOf(r1121, [short, r1110]), aPolicy({ minAmiAgeDays: 7 }));
      expect(item.target?.releaseVersion).toBe('1.33.5-20261110');
    });

    it('skips with ami-too-new, naming the newest and when a newer release comes of age', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261110' });
      const item = planOne(ng, catalogOf(r1121, [r1118]), aPolicy({ minAmiAgeDays: 10 }));
      expect(item).toMatchObject({ decision: 'skip', reason: 'ami-too-new' });
      expect(item.message).toBe(
        'newest 20261121 is 3 days old; policy needs 10 days and no release newer than the current one is that old yet; 20261118 is in 4 days',
      );
    });

    it('counts the wait from the newest when it is the only release ahead', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261118' });
      const item = planOne(ng, catalogOf(r1121, [r1118]), aPolicy({ minAmiAgeDays: 7 }));
      expect(item.message).toBe(
        'newest 20261121 is 3 days old; policy needs 7 days and no release newer than the current one is that old yet; 20261121 is in 4 days',
      );
    });

    it('uses the wave minimum over the policy one', () => {
      const policy = aPolicy({ minAmiAgeDays: 2, waves: [aWave({ name: 'prod', minAmiAgeDays: 20 })] });
      const item = planOne(aNodegroup(), catalogOf(r1121, [r1118, r1110, r1103]), policy);
      expect(item).toMatchObject({ decision: 'roll', wave: 'prod' });
      expect(item.target?.releaseVersion).toBe('1.33.5-20261103');
    });

    it('words the wave minimum when nothing is old enough', () => {
      const policy = aPolicy({ waves: [aWave({ name: 'prod', minAmiAgeDays: 30 })] });
      const item = planOne(aNodegroup(), catalogOf(r1121, [r1110]), policy);
      expect(item.message).toContain('wave prod needs 30 days');
    });

    it('passes over older releases that are deprecated, not available or denied', () => {
      const deprecated = alRelease('20261117', 7, { deprecationTime: '2026-11-23T00:00:00.000Z' });
      const disabled = alRelease('20261114', 10, { state: 'disabled' });
      const denied = alRelease('20261112', 12);
      const policy = aPolicy({ minAmiAgeDays: 7, denyAmis: ['1.33.5-20261112'] });
      const item = planOne(aNodegroup(), catalogOf(r1121, [deprecated, disabled, denied, r1110]), policy);
      expect(item.target?.releaseVersion).toBe('1.33.5-20261110');
    });

    it('passes over an older release that is recalled', () => {
      const recall = {
        release: '20261114',
        family: 'al2023',
        reason: 'kernel panic on m7i',
        by: 'arn:aws:iam::111122223333:user/alice',
        at: '2026-11-23T10:00:00.000Z',
      };
      const r1114 = alRelease('20261114', 10);
      const policy = aPolicy({ minAmiAgeDays: 7, recalls: [recall] });
      const item = planOne(aNodegroup(), catalogOf(r1121, [r1114, r1110]), policy);
      expect(item.target?.releaseVersion).toBe('1.33.5-20261110');
    });

    it('is current when the node group already runs the chosen release', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261110' });
      const item = planOne(ng, catalogOf(r1121, [r1118, r1110]), aPolicy({ minAmiAgeDays: 7 }));
      expect(item).toMatchObject({
        decision: 'current',
        reason: null,
        message: 'at 20261110, the newest release at least 7 days old (newest 20261121 is 3 days old)',
      });
    });

    it('never downgrades a node group past the chosen release', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261118' });
      const item = planOne(ng, catalogOf(r1121, [r1118, r1110]), aPolicy({ minAmiAgeDays: 7 }));
      expect(item).toMatchObject({ decision: 'current', target: { imageId: r1110.imageId } });
      expect(item.message).toBe(
        '1.33.5-20261118 is newer than 20261110, the newest release at least 7 days old (newest 20261121 is 3 days old); never downgrades',
      );
    });

    it('holds when the chosen release has no published release version', () => {
      const h = history([published(r1121), published(r1110, null)]);
      const item = planOne(aNodegroup(), catalogOf(r1121, [r1110], h), aPolicy({ minAmiAgeDays: 7 }));
      expect(item).toMatchObject({ decision: 'skip', reason: 'ami-too-new' });
      expect(item.message).toBe(
        `newest 20261121 is 3 days old; policy needs 7 days; 20261110 is old enough (14 days) but AWS publishes no release version for it under ${ROOT}, and UpdateNodegroupVersion needs one: not guessed`,
      );
    });

    it('keeps the plain hold when older releases were not read', () => {
      const item = planOne(aNodegroup(), catalogOf(r1121, [r1110], null), aPolicy({ minAmiAgeDays: 7 }));
      expect(item.message).toBe(
        `${r1121.imageId} (${r1121.name}) is 3 days old; policy needs 7 days (4 days left)`,
      );
    });

    it('says why when reading older releases failed', () => {
      const h = history([], {
        error: 'AccessDeniedException: not authorized to perform ssm:GetParametersByPath',
      });
      const item = planOne(aNodegroup(), catalogOf(r1121, [], h), aPolicy({ minAmiAgeDays: 7 }));
      expect(item.reason).toBe('ami-too-new');
      expect(item.message).toContain('; older releases could not be read: AccessDeniedException');
    });

    it('rolls to the newest when it is old enough, without looking back', () => {
      const item = planOne(aNodegroup(), catalogOf(r1121, [r1110]), aPolicy({ minAmiAgeDays: 3 }));
      expect(item).toMatchObject({ decision: 'roll', message: '1.33.4-20261001 → 1.33.5-20261121' });
    });
  });

  describe('for a launch-template node group on an EKS-optimized AMI', () => {
    it('rolls its launch template to the chosen image', () => {
      const ng = aCustomNodegroup(r1103.imageId);
      const item = planOne(ng, catalogOf(r1121, [r1110, r1103]), aPolicy({ minAmiAgeDays: 7 }));
      expect(item).toMatchObject({ decision: 'roll', strategy: 'launch-template' });
      expect(item.target?.imageId).toBe(r1110.imageId);
      expect(item.message).toBe(
        `${r1103.imageId} → ${r1110.imageId} (${r1110.name}); newest 20261121 is 3 days old; rolling to 20261110 (14 days)`,
      );
    });
  });

  describe('for a golden parameter', () => {
    const GOLDEN = '/golden/eks-al2023/ami';
    const image = (id: string, ageDays: number) =>
      anImage({
        imageId: id,
        name: `golden-eks-${id}`,
        ownerId: '111122223333',
        creationDate: new Date(NOW.getTime() - ageDays * DAY).toISOString(),
      });
    const versions: PublishedRelease[] = [
      {
        imageId: 'ami-0901de00000003',
        releaseVersion: null,
        name: 'version 3',
        parameterVersion: 3,
        publishedAt: null,
      },
      {
        imageId: 'ami-0901de00000002',
        releaseVersion: null,
        name: 'version 2',
        parameterVersion: 2,
        publishedAt: null,
      },
      {
        imageId: 'ami-0901de00000001',
        releaseVersion: null,
        name: 'version 1',
        parameterVersion: 1,
        publishedAt: null,
      },
    ];
    const catalog: CatalogSnapshot = {
      parameters: { [REGION]: { [GOLDEN]: 'ami-0901de00000003' } },
      images: {
        [REGION]: Object.fromEntries(
          [
            image('ami-0901de00000003', 1),
            image('ami-0901de00000002', 9),
            image('ami-0901de00000001', 30),
          ].map((i) => [i.imageId, i]),
        ),
      },
      releases: {
        [REGION]: { [GOLDEN]: history(versions, { kind: 'parameter-history', location: GOLDEN }) },
      },
    };

    it('rolls to the newest version of the parameter whose AMI is old enough', () => {
      const ng = aCustomNodegroup('ami-0901de00000001', { tags: { 'nodekeeper.io/ami-parameter': GOLDEN } });
      const item = planOne(ng, catalog, aPolicy({ minAmiAgeDays: 7 }));
      expect(item.target?.imageId).toBe('ami-0901de00000002');
      expect(item.message).toBe(
        'ami-0901de00000001 → ami-0901de00000002 (golden-eks-ami-0901de00000002); newest ami-0901de00000003 (golden-eks-ami-0901de00000003) is 1 day old; rolling to ami-0901de00000002 (golden-eks-ami-0901de00000002) (9 days)',
      );
    });
  });

  describe('for Bottlerocket', () => {
    const root = '/aws/service/bottlerocket/aws-k8s-1.33/x86_64';
    const br = (version: string, id: string, ageDays: number) =>
      anImage({
        imageId: id,
        name: `bottlerocket-aws-k8s-1.33-x86_64-v${version}-abcdef12`,
        creationDate: new Date(NOW.getTime() - ageDays * DAY).toISOString(),
      });
    const images = [
      br('1.51.0', 'ami-0b0771e0151', 2),
      br('1.50.1', 'ami-0b0771e0150', 8),
      br('1.49.0', 'ami-0b0771e0149', 40),
    ];
    const catalog: CatalogSnapshot = {
      parameters: {
        [REGION]: {
          [`${root}/latest/image_id`]: 'ami-0b0771e0151',
          [`${root}/latest/image_version`]: '1.51.0-abcdef12',
        },
      },
      images: { [REGION]: Object.fromEntries(images.map((i) => [i.imageId, i])) },
      releases: {
        [REGION]: {
          [`${root}/latest/image_id`]: history(
            releasesFromPath(root, 'latest', [
              { name: `${root}/latest/image_id`, value: 'ami-0b0771e0151', lastModified: null },
              { name: `${root}/1.51.0/image_id`, value: 'ami-0b0771e0151', lastModified: null },
              { name: `${root}/1.51.0/image_version`, value: '1.51.0-abcdef12', lastModified: null },
              { name: `${root}/1.50.1/image_id`, value: 'ami-0b0771e0150', lastModified: null },
              { name: `${root}/1.50.1/image_version`, value: '1.50.1-abcdef12', lastModified: null },
              { name: `${root}/1.49.0/image_id`, value: 'ami-0b0771e0149', lastModified: null },
              { name: `${root}/1.49.0/image_version`, value: '1.49.0-abcdef12', lastModified: null },
            ]),
            { location: root },
          ),
        },
      },
    };

    it('rolls to the newest Bottlerocket version that is old enough', () => {
      const ng = aNodegroup({ amiType: 'BOTTLEROCKET_x86_64', releaseVersion: '1.49.0-abcdef12' });
      const item = planOne(ng, catalog, aPolicy({ minAmiAgeDays: 7 }));
      expect(item.target).toEqual({ releaseVersion: '1.50.1-abcdef12', imageId: 'ami-0b0771e0150' });
      expect(item.message).toBe(
        '1.49.0-abcdef12 → 1.50.1-abcdef12; newest 1.51.0 is 2 days old; rolling to 1.50.1 (8 days)',
      );
    });
  });

  describe('for Windows', () => {
    const parent = '/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.33';
    const win = (date: string, id: string, ageDays: number) =>
      anImage({
        imageId: id,
        name: `Windows_Server-2022-English-Core-EKS_Optimized-1.33-${date}`,
        ownerId: '801119661308',
        creationDate: new Date(NOW.getTime() - ageDays * DAY).toISOString(),
      });
    const images = [
      win('2026.11.21', 'ami-0w1n1121', 3),
      win('2026.11.12', 'ami-0w1n1112', 12),
      win('2026.10.15', 'ami-0w1n1015', 40),
    ];
    const catalog: CatalogSnapshot = {
      parameters: {
        [REGION]: {
          [`${parent}/image_id`]: 'ami-0w1n1121',
          [parent]: JSON.stringify({ image_id: 'ami-0w1n1121', release_version: '1.33-2026.11.21' }),
        },
      },
      images: { [REGION]: Object.fromEntries(images.map((i) => [i.imageId, i])) },
      releases: {
        [REGION]: {
          [`${parent}/image_id`]: history(releasesFromImages(images), {
            kind: 'images-by-name',
            location: 'Windows_Server-2022-English-Core-EKS_Optimized-1.33-*',
          }),
        },
      },
    };

    it('rolls to the newest Windows build that is old enough, with the AMI version from its name', () => {
      const ng = aNodegroup({ amiType: 'WINDOWS_CORE_2022_x86_64', releaseVersion: '1.33-2026.10.15' });
      const item = planOne(ng, catalog, aPolicy({ minAmiAgeDays: 7 }));
      expect(item.target).toEqual({ releaseVersion: '1.33-2026.11.12', imageId: 'ami-0w1n1112' });
      expect(item.message).toContain('newest 2026.11.21 is 3 days old; rolling to 2026.11.12 (12 days)');
    });
  });
});

describe('scopeFleet', () => {
  it('gives the safety rules the age-selected target', () => {
    const [group] = scopeFleet(
      aFleet([aNodegroup()]),
      catalogOf(r1121, [r1118, r1110]),
      aPolicy({ minAmiAgeDays: 7 }),
      NOW,
    );
    expect(group?.target).toEqual({ release: '20261110', label: '1.33.5-20261110' });
  });

  it('gives the newest when it is old enough', () => {
    const [group] = scopeFleet(
      aFleet([aNodegroup()]),
      catalogOf(r1121, [r1110]),
      aPolicy({ minAmiAgeDays: 0 }),
      NOW,
    );
    expect(group?.target).toEqual({ release: '20261121', label: '1.33.5-20261121' });
  });
});

describe('releaseHistoryWanted', () => {
  const rule = { minAmiAgeDays: 7, denyAmis: [], waves: [] };

  it('asks for the family root when the newest image is too new', () => {
    expect(releaseHistoryWanted(aNodegroup(), catalogOf(r1121, [], null), rule, NOW)).toEqual({
      kind: 'ssm-path',
      key: IMAGE_PARAM,
      path: ROOT,
      skip: 'recommended',
    });
  });

  it('asks for nothing when the newest is old enough, already read, or already run', () => {
    expect(
      releaseHistoryWanted(aNodegroup(), catalogOf(r1121, [], null), { ...rule, minAmiAgeDays: 3 }, NOW),
    ).toBeNull();
    expect(releaseHistoryWanted(aNodegroup(), catalogOf(r1121, []), rule, NOW)).toBeNull();
    const atNewest = aNodegroup({ releaseVersion: '1.33.5-20261121' });
    expect(releaseHistoryWanted(atNewest, catalogOf(r1121, [], null), rule, NOW)).toBeNull();
  });

  it('asks a golden parameter for its history', () => {
    const ng = aCustomNodegroup('ami-0old', { tags: { 'nodekeeper.io/ami-parameter': '/golden/x' } });
    const catalog: CatalogSnapshot = {
      parameters: { [REGION]: { '/golden/x': 'ami-0new' } },
      images: {
        [REGION]: { 'ami-0new': anImage({ imageId: 'ami-0new', creationDate: '2026-11-23T00:00:00.000Z' }) },
      },
    };
    expect(releaseHistoryWanted(ng, catalog, rule, NOW)).toEqual({
      kind: 'parameter-history',
      key: '/golden/x',
      parameter: '/golden/x',
    });
  });
});

describe('releaseHistorySource', () => {
  it('names the Windows AMIs by name, Amazon Linux and Bottlerocket by their parameter roots', () => {
    const entry = (amiType: string) => ({
      kind: 'catalog' as const,
      entry: {
        amiType: amiType as 'AL2_x86_64',
        k8sVersion: '1.32',
        family: 'al2' as const,
        imageIdParameter: 'x',
        releaseVersionParameter: 'y',
        releaseVersionSource: 'plain' as const,
      },
    });
    expect(releaseHistorySource(entry('AL2_x86_64'))).toMatchObject({
      path: '/aws/service/eks/optimized-ami/1.32/amazon-linux-2',
    });
    expect(releaseHistorySource(entry('BOTTLEROCKET_ARM_64_NVIDIA'))).toMatchObject({
      path: '/aws/service/bottlerocket/aws-k8s-1.32-nvidia/arm64',
      skip: 'latest',
    });
    expect(releaseHistorySource(entry('WINDOWS_FULL_2019_x86_64'))).toMatchObject({
      kind: 'images-by-name',
      namePattern: 'Windows_Server-2019-English-Full-EKS_Optimized-1.32-*',
    });
  });
});

describe('releasesFromPath', () => {
  it('reads release-named sub-parameters and JSON parents, and skips recommended', () => {
    const releases = releasesFromPath(ROOT, 'recommended', [
      { name: `${ROOT}/recommended/image_id`, value: 'ami-0new', lastModified: '2026-11-21T00:00:00.000Z' },
      {
        name: `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261110/image_id`,
        value: 'ami-01110',
        lastModified: '2026-11-10T05:00:00.000Z',
      },
      {
        name: `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261110/release_version`,
        value: '1.33.5-20261110',
        lastModified: null,
      },
      {
        name: `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261103`,
        value: JSON.stringify({
          schema_version: '3',
          image_id: 'ami-01103',
          release_version: '1.33.5-20261103',
        }),
        lastModified: '2026-11-03T05:00:00.000Z',
      },
      {
        name: `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261020/image_id`,
        value: 'not-an-ami',
        lastModified: null,
      },
    ]);
    expect(releases).toEqual([
      {
        imageId: 'ami-01110',
        releaseVersion: '1.33.5-20261110',
        name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261110',
        parameterVersion: null,
        publishedAt: '2026-11-10T05:00:00.000Z',
      },
      {
        imageId: 'ami-01103',
        releaseVersion: '1.33.5-20261103',
        name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261103',
        parameterVersion: null,
        publishedAt: '2026-11-03T05:00:00.000Z',
      },
    ]);
  });

  it('leaves the release version null when none is published', () => {
    const [release] = releasesFromPath(ROOT, 'recommended', [
      {
        name: `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261110/image_id`,
        value: 'ami-01110',
        lastModified: null,
      },
    ]);
    expect(release?.releaseVersion).toBeNull();
  });
});

describe('releasesFromParameterHistory', () => {
  it('keeps one release per AMI, at the newest version that held it', () => {
    const releases = releasesFromParameterHistory([
      { name: '/g', value: 'ami-0a', lastModified: '2026-10-01T00:00:00.000Z', version: 1 },
      { name: '/g', value: 'ami-0b', lastModified: '2026-11-01T00:00:00.000Z', version: 2 },
      { name: '/g', value: 'ami-0a', lastModified: '2026-11-05T00:00:00.000Z', version: 3 },
      { name: '/g', value: 'oops', lastModified: '2026-11-06T00:00:00.000Z', version: 4 },
    ]);
    expect(releases.map((r) => [r.imageId, r.parameterVersion])).toEqual([
      ['ami-0a', 3],
      ['ami-0b', 2],
    ]);
  });
});

describe('releasesFromImages', () => {
  it('takes the AMI version from a Windows EKS-optimized AMI name and drops other names', () => {
    const releases = releasesFromImages([
      anImage({ imageId: 'ami-0w', name: 'Windows_Server-2022-English-Full-EKS_Optimized-1.33-2026.11.12' }),
      anImage({ imageId: 'ami-0x', name: 'Windows_Server-2022-English-Full-Base-2026.11.12' }),
    ]);
    expect(releases.map((r) => [r.imageId, r.releaseVersion])).toEqual([['ami-0w', '1.33-2026.11.12']]);
  });
});
