import { describe, expect, it } from 'vitest';
import { eksOptimizedAmiName, identifyAmiByName } from '../src/catalog.ts';
import {
  AMI_FAMILY_END_OF_LIFE,
  DEPRECATION_WARNING_DAYS,
  endOfLifeOf,
  endOfLifeWarnings,
} from '../src/end-of-life.ts';
import { plan } from '../src/planner.ts';
import type { ImageFacts, NodegroupFacts } from '../src/types/fleet.ts';
import type { PlanItem } from '../src/types/plan.ts';
import {
  aCatalog,
  aCustomNodegroup,
  aFleet,
  aNodegroup,
  anImage,
  anOldImage,
  aPolicy,
  NEW_AMI,
  NOW,
  OLD_AMI,
  REGION,
} from './builders.ts';

const DAY = 86_400_000;
const AL2_IMAGE_PARAM = '/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended/image_id';
const AL2_RELEASE_PARAM = '/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended/release_version';
const AL2_LAST = 'ami-00000000000a12last';
const AL2_OLD = 'ami-00000000000a12old0';

/** The last AL2 1.32 build (the target) and an older one a group may still run. */
function al2Catalog(oldDeprecation: string | null = '2026-12-20T02:41:09.000Z') {
  return aCatalog({
    parameters: { [AL2_IMAGE_PARAM]: AL2_LAST, [AL2_RELEASE_PARAM]: '1.32.9-20251209' },
    images: [
      anImage({
        imageId: AL2_LAST,
        name: 'amazon-eks-node-1.32-v20251209',
        creationDate: '2025-12-09T05:12:44.000Z',
        deprecationTime: '2027-12-09T05:12:44.000Z',
      }),
      anImage({
        imageId: AL2_OLD,
        name: 'amazon-eks-node-1.32-v20241220',
        creationDate: '2024-12-20T02:41:09.000Z',
        deprecationTime: oldDeprecation,
      }),
    ],
  });
}

function al2Nodegroup(overrides: Partial<NodegroupFacts> = {}): NodegroupFacts {
  return aNodegroup({
    nodegroup: 'legacy',
    amiType: 'AL2_x86_64',
    version: '1.32',
    // At its cluster's minor: a group behind it would hold with version-behind.
    clusterVersion: '1.32',
    releaseVersion: '1.32.9-20251209',
    currentImageId: AL2_LAST,
    ...overrides,
  });
}

function planOne(ng: NodegroupFacts, catalog = aCatalog(), now = NOW): PlanItem {
  const [item] = plan(aFleet([ng]), catalog, aPolicy(), now).items;
  if (!item) throw new Error('no item');
  return item;
}

const codes = (item: PlanItem) => (item.warnings ?? []).map((w) => w.code);

/** An AL2023 group running OLD_AMI, whose DeprecationTime is `deprecation`. */
function runningOld(deprecation: string | null) {
  const ng = aNodegroup({ currentImageId: OLD_AMI });
  const catalog = aCatalog({ images: [anImage(), anOldImage({ deprecationTime: deprecation })] });
  return { ng, catalog };
}

describe('eksOptimizedAmiName', () => {
  it.each([
    [
      'AL2023_x86_64_STANDARD',
      '1.33',
      '1.33.5-20261110',
      'amazon-eks-node-al2023-x86_64-standard-1.33-v20261110',
    ],
    ['AL2023_ARM_64_NVIDIA', '1.33', '1.33.5-20261110', 'amazon-eks-node-al2023-arm64-nvidia-1.33-v20261110'],
    [
      'AL2023_x86_64_NEURON',
      '1.32',
      '1.32.9-20261110',
      'amazon-eks-node-al2023-x86_64-neuron-1.32-v20261110',
    ],
    ['AL2_x86_64', '1.32', '1.32.0-20241220', 'amazon-eks-node-1.32-v20241220'],
    ['AL2_x86_64_GPU', '1.31', '1.31.7-20250101', 'amazon-eks-gpu-node-1.31-v20250101'],
    ['AL2_ARM_64', '1.30', '1.30.9-20250101', 'amazon-eks-arm64-node-1.30-v20250101'],
    ['BOTTLEROCKET_x86_64', '1.33', '1.50.0-abcdef12', 'bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12'],
    [
      'BOTTLEROCKET_ARM_64_NVIDIA_FIPS',
      '1.33',
      '1.50.0-abcdef12',
      'bottlerocket-aws-k8s-1.33-nvidia-fips-aarch64-v1.50.0-abcdef12',
    ],
    [
      'WINDOWS_CORE_2022_x86_64',
      '1.33',
      '1.33-2026.11.12',
      'Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12',
    ],
  ])(
    'names the %s image of release %s/%s as EKS does, and the name reads back',
    (amiType, k8s, release, name) => {
      expect(eksOptimizedAmiName(amiType, k8s, release)).toBe(name);
      expect(identifyAmiByName(name)).toEqual({ amiType, k8sVersion: k8s });
    },
  );

  it('names the release’s own Kubernetes minor, not the group’s, for Amazon Linux', () => {
    expect(eksOptimizedAmiName('AL2023_x86_64_STANDARD', '1.32', '1.31.14-20261110')).toBe(
      'amazon-eks-node-al2023-x86_64-standard-1.31-v20261110',
    );
  });

  it.each([
    ['CUSTOM', '1.33', 'ami-0abc'],
    ['AL2023_x86_64_STANDARD', '1.33', 'weird'],
    ['BOTTLEROCKET_x86_64', '1.33', 'v1.50'],
    ['WINDOWS_FULL_2019_x86_64', '1.33', '1.33.5-20261110'],
    ['AL2_x86_64', 'latest', '1.32.0-20241220'],
  ])('is null for %s %s %s', (amiType, k8s, release) => {
    expect(eksOptimizedAmiName(amiType, k8s, release)).toBeNull();
  });
});

describe('AMI_FAMILY_END_OF_LIFE', () => {
  it('holds AL2, ended on 2025-11-26 after Kubernetes 1.32, with the EKS user guide as source', () => {
    expect(AMI_FAMILY_END_OF_LIFE).toEqual([
      expect.objectContaining({
        family: 'al2',
        endOfSupport: '2025-11-26',
        lastKubernetesVersion: '1.32',
        advice: 'move to AL2023 or Bottlerocket',
        source: 'https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html',
      }),
    ]);
  });
});

describe('endOfLifeOf', () => {
  it('places a CUSTOM group by its image’s EKS name', () => {
    const ng = aCustomNodegroup(AL2_OLD, { version: '1.32' });
    const eol = endOfLifeOf(ng, al2Catalog(), NOW);
    expect(eol.family).toBe('al2');
    expect(eol.familyEndOfLife?.endOfSupport).toBe('2025-11-26');
    expect(eol.image).toEqual({
      imageId: AL2_OLD,
      name: 'amazon-eks-node-1.32-v20241220',
      deprecationTime: '2026-12-20T02:41:09.000Z',
      daysToDeprecation: 30,
    });
  });

  it('knows no family for a golden image', () => {
    const golden: ImageFacts = anImage({
      imageId: 'ami-0000000000golden2',
      name: 'golden-eks-al2023-2026-11-18',
    });
    const ng = aCustomNodegroup(golden.imageId, { tags: { 'nodekeeper.io/ami-parameter': '/golden/ami' } });
    const eol = endOfLifeOf(ng, aCatalog({ images: [golden] }), NOW);
    expect(eol).toEqual({
      family: null,
      familyEndOfLife: null,
      image: expect.objectContaining({ imageId: golden.imageId, daysToDeprecation: null }),
    });
  });

  it('has no image when the running image was not found', () => {
    const eol = endOfLifeOf(aNodegroup({ currentImageId: null }), aCatalog(), NOW);
    expect(eol).toEqual({ family: 'al2023', familyEndOfLife: null, image: null });
  });
});

describe('plan with end-of-life facts', () => {
  describe('when a group runs AL2 on Kubernetes 1.32, the last AL2 version', () => {
    it('is current at the last AL2 build and warns that the family gets no new AMIs', () => {
      const item = planOne(al2Nodegroup(), al2Catalog());
      expect(item.decision).toBe('current');
      expect(item.warnings).toEqual([
        {
          code: 'ami-family-end-of-life',
          message:
            'EKS publishes no new AL2 AMIs since 2025-11-26 (Kubernetes 1.32 was the last): move to AL2023 or Bottlerocket',
        },
      ]);
      expect(item.endOfLife).toEqual({
        family: 'al2',
        familyEndOfLife: {
          family: 'al2',
          endOfSupport: '2025-11-26',
          lastKubernetesVersion: '1.32',
          advice: 'move to AL2023 or Bottlerocket',
          source: 'https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html',
        },
        image: {
          imageId: AL2_LAST,
          name: 'amazon-eks-node-1.32-v20251209',
          deprecationTime: '2027-12-09T05:12:44.000Z',
          daysToDeprecation: 384,
        },
      });
    });

    it('says how many days are left before the end, when planned before it', () => {
      const item = planOne(al2Nodegroup(), al2Catalog(), new Date('2025-11-20T00:00:00.000Z'));
      expect(item.warnings?.[0]?.message).toBe(
        'EKS stops publishing AL2 AMIs on 2025-11-26 (in 6 days) (Kubernetes 1.32 was the last): move to AL2023 or Bottlerocket',
      );
    });

    it('still rolls an older AL2 build to the last one, and says that replaces the deprecating image', () => {
      const item = planOne(
        al2Nodegroup({ releaseVersion: '1.32.0-20241220', currentImageId: AL2_OLD }),
        al2Catalog(),
      );
      expect(item).toMatchObject({ decision: 'roll', message: '1.32.0-20241220 → 1.32.9-20251209' });
      expect(codes(item)).toEqual(['ami-family-end-of-life', 'image-deprecating']);
      expect(item.warnings?.[1]?.message).toBe(
        `running image ${AL2_OLD} is deprecated on 2026-12-20 (in 30 days); this rollout replaces it`,
      );
    });
  });

  describe('when an AL2 group runs Kubernetes 1.33', () => {
    it('skips with no-parameter (EKS publishes no AL2 AMI for it) and warns about the family', () => {
      const item = planOne(
        al2Nodegroup({ version: '1.33', releaseVersion: '1.32.9-20251209' }),
        al2Catalog(),
      );
      expect(item).toMatchObject({ decision: 'skip', reason: 'no-parameter' });
      expect(codes(item)).toEqual(['ami-family-end-of-life']);
    });
  });

  describe('when a group runs AL2023', () => {
    it('gets no family warning', () => {
      const item = planOne(aNodegroup({ currentImageId: OLD_AMI }));
      expect(item.decision).toBe('roll');
      expect(item.endOfLife?.family).toBe('al2023');
      expect(item.endOfLife?.familyEndOfLife).toBeNull();
      expect(item.warnings).toBeUndefined();
    });
  });

  describe('days to the running image’s DeprecationTime', () => {
    it('warns image-deprecated and still plans the roll when it is in the past', () => {
      const { ng, catalog } = runningOld(new Date(NOW.getTime() - 21 * DAY).toISOString());
      const item = planOne(ng, catalog);
      expect(item.decision).toBe('roll');
      expect(item.endOfLife?.image?.daysToDeprecation).toBe(-21);
      expect(item.warnings).toEqual([
        {
          code: 'image-deprecated',
          message: `running image ${OLD_AMI} was deprecated on 2026-10-30 (21 days ago); this rollout replaces it`,
        },
      ]);
    });

    it('says "today" for a deprecation earlier today', () => {
      const { ng, catalog } = runningOld(new Date(NOW.getTime() - 3_600_000).toISOString());
      const item = planOne(ng, catalog);
      expect(item.endOfLife?.image?.daysToDeprecation).toBe(0);
      expect(item.warnings?.[0]).toMatchObject({
        code: 'image-deprecated',
        message: expect.stringContaining('(today)'),
      });
    });

    it('warns image-deprecating "within a day" for a deprecation later today', () => {
      const { ng, catalog } = runningOld(new Date(NOW.getTime() + 3_600_000).toISOString());
      const item = planOne(ng, catalog);
      expect(item.endOfLife?.image?.daysToDeprecation).toBe(0);
      expect(item.warnings?.[0]).toMatchObject({
        code: 'image-deprecating',
        message: expect.stringContaining('(within a day)'),
      });
    });

    it(`warns at ${DEPRECATION_WARNING_DAYS} days and not at ${DEPRECATION_WARNING_DAYS + 1}`, () => {
      const at = (days: number) => runningOld(new Date(NOW.getTime() + days * DAY).toISOString());
      const thirty = planOne(at(30).ng, at(30).catalog);
      expect(thirty.endOfLife?.image?.daysToDeprecation).toBe(30);
      expect(thirty.warnings?.[0]?.message).toBe(
        `running image ${OLD_AMI} is deprecated on 2026-12-20 (in 30 days); this rollout replaces it`,
      );
      const thirtyOne = planOne(at(31).ng, at(31).catalog);
      expect(thirtyOne.endOfLife?.image?.daysToDeprecation).toBe(31);
      expect(thirtyOne.warnings).toBeUndefined();
    });

    it('says nothing of a rollout on a current item', () => {
      const deprecating = anImage({ deprecationTime: new Date(NOW.getTime() + 5 * DAY).toISOString() });
      const item = planOne(
        aNodegroup({ releaseVersion: '1.33.5-20261110', currentImageId: NEW_AMI }),
        aCatalog({ images: [deprecating] }),
      );
      expect(item.decision).toBe('current');
      expect(item.warnings?.[0]?.message).toBe(
        `running image ${NEW_AMI} is deprecated on 2026-11-25 (in 5 days)`,
      );
    });
  });

  describe('the update config', () => {
    it('carries what EKS reported, and null when it reported none', () => {
      const minimal = { updateStrategy: 'MINIMAL', maxUnavailable: 1, maxUnavailablePercentage: null };
      expect(planOne(aNodegroup({ updateConfig: minimal })).updateConfig).toEqual(minimal);
      expect(planOne(aNodegroup()).updateConfig).toBeNull();
    });

    it('is absent, with the end of life, on error items', () => {
      const fleet = aFleet(
        [],
        [
          {
            accountId: null,
            region: REGION,
            cluster: 'prod-a',
            nodegroup: 'general',
            message: 'AccessDenied',
          },
        ],
      );
      const [item] = plan(fleet, aCatalog(), aPolicy(), NOW).items;
      expect(item).not.toHaveProperty('updateConfig');
      expect(item).not.toHaveProperty('endOfLife');
    });
  });
});

describe('endOfLifeWarnings', () => {
  it('is empty without a family end or a DeprecationTime', () => {
    expect(endOfLifeWarnings({ family: 'al2023', familyEndOfLife: null, image: null }, 'roll', NOW)).toEqual(
      [],
    );
  });
});
