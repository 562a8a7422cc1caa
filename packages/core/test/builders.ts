/** Small builders for core tests: defaults describe one healthy AL2023 node group in prod-a. */
import type {
  CatalogSnapshot,
  Fleet,
  ImageFacts,
  InspectionError,
  NodegroupFacts,
} from '../src/types/fleet.ts';
import type { Approval, Policy, RolloutFact, WavePolicy } from '../src/types/policy.ts';

export const NOW = new Date('2026-11-20T00:00:00.000Z');
export const REGION = 'us-east-1';
export const AL2023_X86_IMAGE_PARAM =
  '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id';
export const AL2023_X86_RELEASE_PARAM =
  '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/release_version';

export function aNodegroup(overrides: Partial<NodegroupFacts> = {}): NodegroupFacts {
  return {
    accountId: null,
    region: REGION,
    cluster: 'prod-a',
    nodegroup: 'general',
    clusterVersion: '1.33',
    version: '1.33',
    amiType: 'AL2023_x86_64_STANDARD',
    releaseVersion: '1.33.4-20261001',
    status: 'ACTIVE',
    tags: {},
    clusterTags: {},
    launchTemplate: null,
    desiredSize: 3,
    ...overrides,
  };
}

/** A CUSTOM node group on launch template lt-01 v4 whose ImageId is `imageId`. */
export function aCustomNodegroup(imageId: string, overrides: Partial<NodegroupFacts> = {}): NodegroupFacts {
  return aNodegroup({
    nodegroup: 'custom',
    amiType: 'CUSTOM',
    releaseVersion: imageId,
    launchTemplate: { id: 'lt-01', name: 'custom', version: '4', imageId },
    ...overrides,
  });
}

export function anImage(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return {
    imageId: 'ami-0000000000000new0',
    name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261110',
    creationDate: '2026-11-10T00:00:00.000Z',
    state: 'available',
    deprecationTime: null,
    architecture: 'x86_64',
    ownerId: '602401143452',
    ...overrides,
  };
}

export const NEW_AMI = 'ami-0000000000000new0';
export const OLD_AMI = 'ami-0000000000000old0';

/** The old image a node group might run now. */
export function anOldImage(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return anImage({
    imageId: OLD_AMI,
    name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261001',
    creationDate: '2026-10-01T00:00:00.000Z',
    ...overrides,
  });
}

/**
 * A catalog snapshot for one region. Defaults: the AL2023 x86 1.33 parameters point at NEW_AMI,
 * release 1.33.5-20261110, and NEW_AMI and OLD_AMI are described.
 */
export function aCatalog(
  options: { parameters?: Record<string, string>; images?: ImageFacts[]; region?: string } = {},
): CatalogSnapshot {
  const region = options.region ?? REGION;
  const parameters = options.parameters ?? {
    [AL2023_X86_IMAGE_PARAM]: NEW_AMI,
    [AL2023_X86_RELEASE_PARAM]: '1.33.5-20261110',
  };
  const images = options.images ?? [anImage(), anOldImage()];
  return {
    parameters: { [region]: parameters },
    images: { [region]: Object.fromEntries(images.map((image) => [image.imageId, image])) },
  };
}

export function aFleet(nodegroups: NodegroupFacts[], errors: InspectionError[] = []): Fleet {
  return { nodegroups, errors };
}

export function aWave(overrides: Partial<WavePolicy> = {}): WavePolicy {
  return {
    name: 'prod',
    clusters: ['prod-*'],
    minAmiAgeDays: null,
    soakDays: 0,
    requiresApproval: false,
    forceOnPodEvictionFailure: false,
    ...overrides,
  };
}

export function aPolicy(overrides: Partial<Policy> = {}): Policy {
  return {
    clusters: ['*'],
    minAmiAgeDays: 0,
    denyAmis: [],
    waves: [],
    window: null,
    maxConcurrentPerCluster: 1,
    maxConcurrentTotal: null,
    maxFailuresPerRelease: 1,
    paused: null,
    ...overrides,
  };
}

/** A ledger fact: prod-a/general rolled to AL2023 release 20261110 and succeeded on 2026-11-15. */
export function aFact(overrides: Partial<RolloutFact> = {}): RolloutFact {
  return {
    accountId: null,
    region: REGION,
    cluster: 'prod-a',
    nodegroup: 'general',
    family: 'al2023',
    release: '20261110',
    outcome: 'succeeded',
    startedAt: '2026-11-15T02:00:00.000Z',
    finishedAt: '2026-11-15T02:40:00.000Z',
    ...overrides,
  };
}

/** An approval of AL2023 release 20261110 for every wave, by alice on 2026-11-19. */
export function anApproval(overrides: Partial<Approval> = {}): Approval {
  return {
    release: '20261110',
    family: null,
    wave: null,
    by: 'arn:aws:iam::111122223333:user/alice',
    at: '2026-11-19T12:00:00.000Z',
    ...overrides,
  };
}
