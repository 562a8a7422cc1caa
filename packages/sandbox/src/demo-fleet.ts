import { type FleetFile, parseFleet } from './fleet.ts';

/*
 * The built-in demo fleet: account 111122223333, us-east-1, three clusters on Kubernetes 1.33 and
 * 1.32 covering every AMI family nodekeeper handles and every interesting state.
 */

const EKS_OWNER = '602401143452';
const BOTTLEROCKET_OWNER = '092701018921';
const WINDOWS_OWNER = '801119661308';
const ACCOUNT = '111122223333';

/** AMI IDs used by the demo fleet, by role. */
export const DemoAmis = {
  al2023x86Old: 'ami-0a2023x8600001001',
  al2023x86New: 'ami-0a2023x8600001110',
  al2023ArmOld: 'ami-0a2023a6400001001',
  al2023ArmNew: 'ami-0a2023a6400001121',
  al2023GpuOld: 'ami-0a2023n0000001001',
  al2023GpuNew: 'ami-0a2023n0000001110',
  al2023x86Old132: 'ami-0a2023x8613201001',
  al2023x86New132: 'ami-0a2023x8613201110',
  al2023x86Old131: 'ami-0a2023x8613100915',
  al2023x86New131: 'ami-0a2023x8613101110',
  bottlerocketOld: 'ami-0b0771e0000001490',
  bottlerocketNew: 'ami-0b0771e0000001500',
  windowsOld: 'ami-0w1n2022c0001015',
  windowsNew: 'ami-0w1n2022c0001112',
  goldenOld: 'ami-0901de0000001020',
  goldenNew: 'ami-0901de0000001118',
  /** AL2 (no new EKS AMIs since 2025-11-26): an old 1.32 build, deprecated two years after it was made. */
  al2x86Old132: 'ami-0a2x8613200241220',
  /** The last AL2 1.32 build in the demo. */
  al2x86Last132: 'ami-0a2x8613200251209',
} as const;

const al = (k8s: string, arch: 'x86_64' | 'arm64', flavor: 'standard' | 'nvidia') =>
  `/aws/service/eks/optimized-ami/${k8s}/amazon-linux-2023/${arch}/${flavor}/recommended`;

function alParameters(
  k8s: string,
  arch: 'x86_64' | 'arm64',
  flavor: 'standard' | 'nvidia',
  imageId: string,
  release: string,
) {
  const base = al(k8s, arch, flavor);
  const date = release.split('-')[1] ?? '';
  const imageName = `amazon-eks-node-al2023-${arch}-${flavor}-${k8s}-v${date}`;
  return {
    [base]: JSON.stringify({
      schema_version: '3',
      image_id: imageId,
      image_name: imageName,
      release_version: release,
    }),
    [`${base}/image_id`]: imageId,
    [`${base}/image_name`]: imageName,
    [`${base}/release_version`]: release,
  };
}

function alImage(
  imageId: string,
  k8s: string,
  arch: 'x86_64' | 'arm64',
  flavor: 'standard' | 'nvidia',
  date: string,
) {
  return {
    imageId,
    name: `amazon-eks-node-al2023-${arch}-${flavor}-${k8s}-v${date}`,
    creationDate: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T04:12:33.000Z`,
    architecture: arch,
    ownerId: EKS_OWNER,
    description: `EKS-optimized Kubernetes node based on Amazon Linux 2023, (k8s: ${k8s}, containerd: 2.1.*)`,
  };
}

const WINDOWS_PARAM = '/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.33';
const AL2_PARAM = '/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended';

/** An AL2 EKS AMI as EC2 describes it: public AMIs are deprecated two years after creation by default. */
function al2Image(imageId: string, k8s: string, created: string) {
  const date = created.slice(0, 10).replaceAll('-', '');
  const deprecation = new Date(created);
  deprecation.setUTCFullYear(deprecation.getUTCFullYear() + 2);
  return {
    imageId,
    name: `amazon-eks-node-${k8s}-v${date}`,
    creationDate: created,
    deprecationTime: deprecation.toISOString(),
    ownerId: EKS_OWNER,
    description: `EKS Kubernetes Worker AMI with AmazonLinux2 image, (k8s: ${k8s})`,
  };
}
const BOTTLEROCKET_PARAM = '/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest';

/**
 * The releases AWS published for the demo's families, about weekly, up to each family's newest (its
 * `recommended`/`latest` parameters): the sandbox serves their release-named (Amazon Linux) and
 * versioned (Bottlerocket) parameters, which age selection reads when a newest image is too young.
 */
function demoReleaseHistory() {
  const al = (amiType: string, k8sVersion: string, prefix: string, releases: Array<[string, string]>) =>
    releases.map(([releaseVersion, imageId]) => {
      const date = releaseVersion.split('-')[1] ?? '';
      return {
        amiType,
        k8sVersion,
        releaseVersion,
        imageId: imageId || `${prefix}${date.slice(4)}`,
        publishedAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T04:12:33.000Z`,
      };
    });
  return [
    ...al('AL2023_x86_64_STANDARD', '1.33', 'ami-0a2023x860000', [
      ['1.33.4-20261001', DemoAmis.al2023x86Old],
      ['1.33.4-20261015', ''],
      ['1.33.5-20261022', ''],
      ['1.33.5-20261029', ''],
      ['1.33.5-20261103', ''],
      ['1.33.5-20261110', DemoAmis.al2023x86New],
    ]),
    ...al('AL2023_x86_64_NVIDIA', '1.33', 'ami-0a2023n000000', [
      ['1.33.4-20261001', DemoAmis.al2023GpuOld],
      ['1.33.5-20261022', ''],
      ['1.33.5-20261103', ''],
      ['1.33.5-20261110', DemoAmis.al2023GpuNew],
    ]),
    ...al('AL2023_x86_64_STANDARD', '1.32', 'ami-0a2023x861320', [
      ['1.32.9-20261001', DemoAmis.al2023x86Old132],
      ['1.32.9-20261022', ''],
      ['1.32.9-20261110', DemoAmis.al2023x86New132],
    ]),
    ...[
      ['1.49.0-1a2b3c4d', DemoAmis.bottlerocketOld, '2026-10-08T19:01:44.000Z'],
      ['1.49.1-5e6f7a8b', 'ami-0b0771e0000001491', '2026-10-23T18:20:11.000Z'],
      ['1.50.0-abcdef12', DemoAmis.bottlerocketNew, '2026-11-12T18:40:02.000Z'],
    ].map(([releaseVersion, imageId, publishedAt]) => ({
      amiType: 'BOTTLEROCKET_x86_64',
      k8sVersion: '1.33',
      releaseVersion,
      imageId,
      publishedAt,
    })),
    ...[
      ['1.33-2026.10.15', DemoAmis.windowsOld, '2026-10-15T21:33:10.000Z'],
      ['1.33-2026.10.29', 'ami-0w1n2022c0001029', '2026-10-29T21:48:36.000Z'],
      ['1.33-2026.11.12', DemoAmis.windowsNew, '2026-11-12T22:05:47.000Z'],
    ].map(([releaseVersion, imageId, publishedAt]) => ({
      amiType: 'WINDOWS_CORE_2022_x86_64',
      k8sVersion: '1.33',
      releaseVersion,
      imageId,
      publishedAt,
    })),
  ];
}

/** A fresh copy of the demo fleet (callers may mutate it). Pure. */
export function demoFleet(): FleetFile {
  return parseFleet({
    region: 'us-east-1',
    accountId: ACCOUNT,
    parameters: {
      ...alParameters('1.33', 'x86_64', 'standard', DemoAmis.al2023x86New, '1.33.5-20261110'),
      ...alParameters('1.33', 'arm64', 'standard', DemoAmis.al2023ArmNew, '1.33.5-20261121'),
      ...alParameters('1.33', 'x86_64', 'nvidia', DemoAmis.al2023GpuNew, '1.33.5-20261110'),
      ...alParameters('1.32', 'x86_64', 'standard', DemoAmis.al2023x86New132, '1.32.9-20261110'),
      ...alParameters('1.31', 'x86_64', 'standard', DemoAmis.al2023x86New131, '1.31.14-20261110'),
      [`${BOTTLEROCKET_PARAM}/image_id`]: DemoAmis.bottlerocketNew,
      [`${BOTTLEROCKET_PARAM}/image_version`]: '1.50.0-abcdef12',
      [WINDOWS_PARAM]: JSON.stringify({
        schema_version: '1',
        image_id: DemoAmis.windowsNew,
        image_name: 'Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12',
        release_version: '1.33-2026.11.12',
      }),
      [`${WINDOWS_PARAM}/image_id`]: DemoAmis.windowsNew,
      [`${AL2_PARAM}/image_id`]: DemoAmis.al2x86Last132,
      [`${AL2_PARAM}/release_version`]: '1.32.9-20251209',
      '/golden/eks-al2023/ami': DemoAmis.goldenNew,
    },
    amiReleases: demoReleaseHistory(),
    images: [
      alImage(DemoAmis.al2023x86Old, '1.33', 'x86_64', 'standard', '20261001'),
      alImage(DemoAmis.al2023x86New, '1.33', 'x86_64', 'standard', '20261110'),
      alImage(DemoAmis.al2023ArmOld, '1.33', 'arm64', 'standard', '20261001'),
      // Brand new: published the day before the demo's "today".
      alImage(DemoAmis.al2023ArmNew, '1.33', 'arm64', 'standard', '20261121'),
      alImage(DemoAmis.al2023GpuOld, '1.33', 'x86_64', 'nvidia', '20261001'),
      alImage(DemoAmis.al2023GpuNew, '1.33', 'x86_64', 'nvidia', '20261110'),
      alImage(DemoAmis.al2023x86Old132, '1.32', 'x86_64', 'standard', '20261001'),
      alImage(DemoAmis.al2023x86New132, '1.32', 'x86_64', 'standard', '20261110'),
      // Deprecated: the lagging 1.31 group still runs it.
      {
        ...alImage(DemoAmis.al2023x86Old131, '1.31', 'x86_64', 'standard', '20260915'),
        deprecationTime: '2026-11-01T00:00:00.000Z',
      },
      alImage(DemoAmis.al2023x86New131, '1.31', 'x86_64', 'standard', '20261110'),
      {
        imageId: DemoAmis.bottlerocketOld,
        name: 'bottlerocket-aws-k8s-1.33-x86_64-v1.49.0-1a2b3c4d',
        creationDate: '2026-10-08T19:01:44.000Z',
        ownerId: BOTTLEROCKET_OWNER,
      },
      {
        imageId: DemoAmis.bottlerocketNew,
        name: 'bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12',
        creationDate: '2026-11-12T18:40:02.000Z',
        ownerId: BOTTLEROCKET_OWNER,
      },
      {
        imageId: DemoAmis.windowsOld,
        name: 'Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.10.15',
        creationDate: '2026-10-15T21:33:10.000Z',
        ownerId: WINDOWS_OWNER,
        platform: 'windows',
      },
      {
        imageId: DemoAmis.windowsNew,
        name: 'Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12',
        creationDate: '2026-11-12T22:05:47.000Z',
        ownerId: WINDOWS_OWNER,
        platform: 'windows',
      },
      // prod-b/legacy runs this one: its DeprecationTime (2026-12-20) is near.
      al2Image(DemoAmis.al2x86Old132, '1.32', '2024-12-20T02:41:09.000Z'),
      al2Image(DemoAmis.al2x86Last132, '1.32', '2025-12-09T05:12:44.000Z'),
      {
        imageId: DemoAmis.goldenOld,
        name: 'golden-eks-al2023-x86_64-1.33-2026-10-20',
        creationDate: '2026-10-20T06:00:00.000Z',
        ownerId: ACCOUNT,
        description: 'Golden AL2023 EKS node image built by EC2 Image Builder',
      },
      {
        imageId: DemoAmis.goldenNew,
        name: 'golden-eks-al2023-x86_64-1.33-2026-11-18',
        creationDate: '2026-11-18T06:00:00.000Z',
        ownerId: ACCOUNT,
        description: 'Golden AL2023 EKS node image built by EC2 Image Builder',
      },
    ],
    launchTemplates: [
      {
        launchTemplateId: 'lt-0c05a0000000000a1',
        launchTemplateName: 'prod-a-custom-nodes',
        defaultVersion: 3,
        createTime: '2026-06-02T09:14:00.000Z',
        versions: [
          {
            versionNumber: 2,
            imageId: DemoAmis.al2023x86Old,
            instanceType: 'm6i.xlarge',
            userData: 'TUlNRS1WZXJzaW9uOiAxLjAKQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9ub2RlLmVrcy5hd3M=',
            versionDescription: 'initial custom AL2023 nodes',
            createTime: '2026-09-01T09:14:00.000Z',
            data: { KeyName: 'ops-key', SecurityGroupIds: ['sg-0a1b2c3d4e5f60001'] },
          },
          {
            versionNumber: 3,
            imageId: DemoAmis.al2023x86Old,
            instanceType: 'm6i.xlarge',
            userData: 'TUlNRS1WZXJzaW9uOiAxLjAKQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9ub2RlLmVrcy5hd3M=',
            versionDescription: 'IMDSv2 only',
            createTime: '2026-10-02T09:14:00.000Z',
            data: {
              KeyName: 'ops-key',
              SecurityGroupIds: ['sg-0a1b2c3d4e5f60001'],
              MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
              TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'platform' }] }],
            },
          },
        ],
      },
      {
        launchTemplateId: 'lt-0901de000000000b1',
        launchTemplateName: 'prod-b-golden-nodes',
        defaultVersion: 1,
        createTime: '2026-10-20T08:00:00.000Z',
        versions: [
          {
            versionNumber: 1,
            imageId: DemoAmis.goldenOld,
            instanceType: 'c7i.large',
            userData: 'TUlNRS1WZXJzaW9uOiAxLjAKQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9ub2RlLmVrcy5hd3M=',
            versionDescription: 'golden 2026-10-20',
            createTime: '2026-10-20T08:00:00.000Z',
            data: {
              BlockDeviceMappings: [
                { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 80, VolumeType: 'gp3', Encrypted: true } },
              ],
            },
          },
        ],
      },
      {
        launchTemplateId: 'lt-0de0a00000000000c1',
        launchTemplateName: 'dev-a-general',
        defaultVersion: 1,
        createTime: '2026-05-11T10:00:00.000Z',
        versions: [
          {
            versionNumber: 1,
            instanceType: 't3.large',
            versionDescription: 'EKS AMI, custom tags only',
            createTime: '2026-05-11T10:00:00.000Z',
            data: { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'env', Value: 'dev' }] }] },
          },
        ],
      },
    ],
    clusters: [
      {
        name: 'prod-a',
        version: '1.33',
        platformVersion: 'eks.9',
        tags: { env: 'prod', team: 'platform' },
        nodegroups: [
          {
            name: 'general',
            amiType: 'AL2023_x86_64_STANDARD',
            releaseVersion: '1.33.4-20261001',
            desiredSize: 3,
            instanceTypes: ['m6i.large'],
            update: { durationSeconds: 20, outcome: 'Successful' },
          },
          {
            name: 'arm',
            amiType: 'AL2023_ARM_64_STANDARD',
            releaseVersion: '1.33.4-20261001',
            instanceTypes: ['m7g.large'],
            update: { durationSeconds: 20, outcome: 'Successful' },
          },
          {
            name: 'gpu',
            amiType: 'AL2023_x86_64_NVIDIA',
            releaseVersion: '1.33.4-20261001',
            desiredSize: 1,
            instanceTypes: ['g5.xlarge'],
            labels: { 'nvidia.com/gpu': 'true' },
            // GPUs are scarce: replace before launching (EKS's MINIMAL strategy).
            updateConfig: { updateStrategy: 'MINIMAL', maxUnavailable: 1 },
            update: { durationSeconds: 15, outcome: 'PodEvictionFailure' },
          },
          {
            name: 'custom',
            amiType: 'CUSTOM',
            releaseVersion: DemoAmis.al2023x86Old,
            launchTemplate: { id: 'lt-0c05a0000000000a1', version: '3' },
            update: { durationSeconds: 20, outcome: 'Successful' },
          },
          {
            name: 'windows',
            amiType: 'WINDOWS_CORE_2022_x86_64',
            releaseVersion: '1.33-2026.10.15',
            desiredSize: 1,
            instanceTypes: ['m6i.xlarge'],
            update: { durationSeconds: 30, outcome: 'Successful' },
          },
        ],
      },
      {
        name: 'prod-b',
        version: '1.33',
        platformVersion: 'eks.9',
        tags: { env: 'prod', team: 'payments' },
        nodegroups: [
          {
            name: 'bottlerocket',
            amiType: 'BOTTLEROCKET_x86_64',
            releaseVersion: '1.49.0-1a2b3c4d',
            instanceTypes: ['m6i.large'],
            update: { durationSeconds: 20, outcome: 'Successful' },
          },
          {
            name: 'golden',
            amiType: 'CUSTOM',
            releaseVersion: DemoAmis.goldenOld,
            tags: { 'nodekeeper.io/ami-parameter': '/golden/eks-al2023/ami' },
            launchTemplate: { id: 'lt-0901de000000000b1', version: '1' },
            update: { durationSeconds: 20, outcome: 'Successful' },
          },
          {
            name: 'batch',
            amiType: 'AL2023_x86_64_STANDARD',
            releaseVersion: '1.33.4-20261001',
            status: 'UPDATING',
            desiredSize: 4,
            updateConfig: { maxUnavailablePercentage: 25 },
            instanceTypes: ['c6i.2xlarge'],
            update: { durationSeconds: 90, outcome: 'Successful' },
          },
          // Still on AL2 (Kubernetes 1.32 was its last), opted out of rollouts: the plan warns anyway.
          {
            name: 'legacy',
            amiType: 'AL2_x86_64',
            version: '1.32',
            releaseVersion: '1.32.0-20241220',
            tags: { 'nodekeeper.io/skip': 'true' },
            desiredSize: 1,
            instanceTypes: ['m5.large'],
          },
        ],
      },
      {
        name: 'dev-a',
        version: '1.32',
        platformVersion: 'eks.16',
        tags: { env: 'dev' },
        nodegroups: [
          {
            name: 'general',
            amiType: 'AL2023_x86_64_STANDARD',
            releaseVersion: '1.32.9-20261001',
            launchTemplate: { id: 'lt-0de0a00000000000c1', version: '1' },
            update: { durationSeconds: 10, outcome: 'Successful' },
          },
          {
            name: 'lagging',
            amiType: 'AL2023_x86_64_STANDARD',
            version: '1.31',
            releaseVersion: '1.31.13-20260915',
            desiredSize: 1,
            instanceTypes: ['t3.large'],
            update: { durationSeconds: 10, outcome: 'NodeCreationFailure' },
          },
        ],
      },
    ],
    instances: [
      {
        instanceId: 'i-0a0000000000a0001',
        cluster: 'prod-a',
        nodegroup: 'general',
        imageId: DemoAmis.al2023x86Old,
      },
      {
        instanceId: 'i-0a0000000000a0002',
        cluster: 'prod-a',
        nodegroup: 'general',
        imageId: DemoAmis.al2023x86Old,
      },
      {
        instanceId: 'i-0a0000000000a0003',
        cluster: 'prod-a',
        nodegroup: 'general',
        imageId: DemoAmis.al2023x86Old,
        patchOutcome: 'Failed',
      },
      // Not SSM-managed (agent not registered): never receives commands.
      {
        instanceId: 'i-0a0000000000a0004',
        cluster: 'prod-a',
        nodegroup: 'general',
        imageId: DemoAmis.al2023x86Old,
        ssmManaged: false,
      },
      {
        instanceId: 'i-0a0000000000a0101',
        cluster: 'prod-a',
        nodegroup: 'gpu',
        imageId: DemoAmis.al2023GpuOld,
        instanceType: 'g5.xlarge',
      },
      {
        instanceId: 'i-0a0000000000a0201',
        cluster: 'prod-a',
        nodegroup: 'windows',
        platform: 'Windows',
        imageId: DemoAmis.windowsOld,
        instanceType: 'm6i.xlarge',
        patchSeconds: 12,
      },
      {
        instanceId: 'i-0b0000000000b0001',
        cluster: 'prod-b',
        nodegroup: 'bottlerocket',
        platform: 'Bottlerocket',
        imageId: DemoAmis.bottlerocketOld,
        patchOutcome: 'Failed',
      },
      {
        instanceId: 'i-0b0000000000b0101',
        cluster: 'prod-b',
        nodegroup: 'golden',
        imageId: DemoAmis.goldenOld,
        instanceType: 'c7i.large',
      },
      {
        instanceId: 'i-0b0000000000b0102',
        cluster: 'prod-b',
        nodegroup: 'golden',
        imageId: DemoAmis.goldenOld,
        instanceType: 'c7i.large',
        patchOutcome: 'TimedOut',
      },
      {
        instanceId: 'i-0d0000000000d0001',
        cluster: 'dev-a',
        nodegroup: 'general',
        imageId: DemoAmis.al2023x86Old132,
      },
      {
        instanceId: 'i-0d0000000000d0002',
        cluster: 'dev-a',
        nodegroup: 'general',
        imageId: DemoAmis.al2023x86Old132,
      },
      {
        instanceId: 'i-0d0000000000d0101',
        cluster: 'dev-a',
        nodegroup: 'lagging',
        imageId: DemoAmis.al2023x86Old131,
        instanceType: 't3.large',
      },
    ],
  });
}
