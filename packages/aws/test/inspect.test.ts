import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  type Image,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import {
  type AMITypes,
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
  type Nodegroup,
  ServerException,
  UpdateNodegroupConfigCommand,
  UpdateNodegroupVersionCommand,
} from '@aws-sdk/client-eks';
import {
  GetParametersCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { type CatalogEntry, catalogEntry } from '@nodekeeper/core/plan';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientDefaults } from '../src/clients.ts';
import { inspectDefaults, inspectFleet } from '../src/inspect.ts';

const eksMock = mockClient(EKSClient);
const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const clients = {
  eks: new EKSClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
  ssm: new SSMClient({ region: 'us-east-1' }),
};
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

function entry(amiType: string, version: string): CatalogEntry {
  const found = catalogEntry(amiType, version);
  if (!found) throw new Error(`no catalog entry for ${amiType} ${version}`);
  return found;
}
const al2023 = entry('AL2023_x86_64_STANDARD', '1.33');
const bottlerocket = entry('BOTTLEROCKET_x86_64', '1.33');

const ami = (n: number) => `ami-${n.toString(16).padStart(17, '0')}`;
const AMI_AL2023_OLD = ami(1);
const AMI_AL2023_NEW = ami(2);
const AMI_BR_NEW = ami(3);
const AMI_GOLDEN_OLD = ami(4);
const AMI_GOLDEN_NEW = ami(5);

/** A small AWS: clusters, node groups, launch templates, parameters and images. */
interface World {
  clusters: Record<string, { version: string; nodegroups: Nodegroup[] }>;
  templates: Record<string, Record<string, string | undefined>>;
  parameters: Record<string, string>;
  images: Image[];
}

function image(imageId: string, name: string): Image {
  return {
    ImageId: imageId,
    Name: name,
    CreationDate: '2026-11-01T00:00:00.000Z',
    State: 'available',
    Architecture: 'x86_64',
    OwnerId: '602401143452',
  };
}

function world(): World {
  return {
    clusters: {
      'prod-a': {
        version: '1.33',
        nodegroups: [
          {
            nodegroupName: 'general',
            amiType: 'AL2023_x86_64_STANDARD',
            version: '1.33',
            releaseVersion: '1.33.4-20261001',
            status: 'ACTIVE',
          },
          {
            nodegroupName: 'br',
            amiType: 'BOTTLEROCKET_x86_64',
            version: '1.33',
            releaseVersion: '1.49.0-aaaaaaaa',
            status: 'ACTIVE',
          },
          {
            nodegroupName: 'custom-4',
            amiType: 'CUSTOM',
            version: '1.33',
            releaseVersion: AMI_AL2023_OLD,
            status: 'ACTIVE',
            launchTemplate: { id: 'lt-1', name: 'custom', version: '4' },
          },
          {
            nodegroupName: 'custom-5',
            amiType: 'CUSTOM',
            version: '1.33',
            releaseVersion: AMI_AL2023_NEW,
            status: 'ACTIVE',
            launchTemplate: { id: 'lt-1', name: 'custom', version: '5' },
          },
          {
            nodegroupName: 'eks-ami-with-lt',
            amiType: 'AL2023_x86_64_STANDARD',
            version: '1.33',
            releaseVersion: '1.33.4-20261001',
            status: 'ACTIVE',
            launchTemplate: { id: 'lt-9', name: 'userdata-only', version: '1' },
          },
        ],
      },
      'prod-b': {
        version: '1.33',
        nodegroups: [
          {
            nodegroupName: 'general',
            amiType: 'AL2023_x86_64_STANDARD',
            version: '1.33',
            releaseVersion: '1.33.4-20261001',
            status: 'ACTIVE',
          },
          {
            nodegroupName: 'golden',
            amiType: 'CUSTOM',
            version: '1.33',
            releaseVersion: AMI_GOLDEN_OLD,
            status: 'ACTIVE',
            tags: { 'nodekeeper.io/ami-parameter': '/golden/ami' },
            launchTemplate: { id: 'lt-2', name: 'golden', version: '1' },
          },
        ],
      },
      'dev-a': { version: '1.34', nodegroups: [] },
      other: {
        version: '1.33',
        nodegroups: [{ nodegroupName: 'x', amiType: 'AL2_x86_64', version: '1.32', status: 'ACTIVE' }],
      },
    },
    templates: {
      'lt-1': { '4': AMI_AL2023_OLD, '5': AMI_AL2023_NEW },
      'lt-2': { '1': AMI_GOLDEN_OLD },
      'lt-9': { '1': undefined },
    },
    parameters: {
      [al2023.imageIdParameter]: AMI_AL2023_NEW,
      [al2023.releaseVersionParameter]: '1.33.5-20261110',
      [bottlerocket.imageIdParameter]: AMI_BR_NEW,
      [bottlerocket.releaseVersionParameter]: '1.50.0-abcdef12',
      '/golden/ami': AMI_GOLDEN_NEW,
    },
    images: [
      image(AMI_AL2023_OLD, 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261001'),
      image(AMI_AL2023_NEW, 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261110'),
      image(AMI_BR_NEW, 'bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12'),
      image(AMI_GOLDEN_OLD, 'golden-2026-10'),
      { ...image(AMI_GOLDEN_NEW, 'golden-2026-11'), DeprecationTime: '2026-11-15T00:00:00.000Z' },
    ],
  };
}

function serve(w: World): void {
  const names = Object.keys(w.clusters);
  eksMock
    .on(ListClustersCommand)
    .callsFake(async (input: { nextToken?: string }) =>
      input.nextToken === undefined
        ? { clusters: names.slice(0, 2), nextToken: 'page2' }
        : { clusters: names.slice(2) },
    );
  eksMock.on(DescribeClusterCommand).callsFake(async (input: { name: string }) => ({
    cluster: {
      name: input.name,
      version: w.clusters[input.name]?.version,
      status: 'ACTIVE',
      tags: { team: input.name },
    },
  }));
  eksMock.on(ListNodegroupsCommand).callsFake(async (input: { clusterName: string }) => ({
    nodegroups: (w.clusters[input.clusterName]?.nodegroups ?? []).map((n) => n.nodegroupName),
  }));
  eksMock
    .on(DescribeNodegroupCommand)
    .callsFake(async (input: { clusterName: string; nodegroupName: string }) => ({
      nodegroup: {
        clusterName: input.clusterName,
        scalingConfig: { desiredSize: 2 },
        ...w.clusters[input.clusterName]?.nodegroups.find((n) => n.nodegroupName === input.nodegroupName),
      },
    }));
  ec2Mock
    .on(DescribeLaunchTemplateVersionsCommand)
    .callsFake(async (input: { LaunchTemplateId: string; Versions: string[] }) => ({
      LaunchTemplateVersions: input.Versions.map((v) => ({
        LaunchTemplateId: input.LaunchTemplateId,
        VersionNumber: Number(v),
        LaunchTemplateData: { ImageId: w.templates[input.LaunchTemplateId]?.[v] },
      })),
    }));
  ec2Mock
    .on(DescribeImagesCommand)
    .callsFake(async (input: { Filters: Array<{ Name: string; Values: string[] }> }) => {
      const { Name: by, Values: values = [] } = input.Filters[0] ?? { Name: 'image-id' };
      const key = (i: Image) => (by === 'name' ? i.Name : i.ImageId) ?? '';
      return { Images: w.images.filter((i) => values.includes(key(i))) };
    });
  ssmMock.on(GetParametersCommand).callsFake(async (input: { Names: string[] }) => ({
    Parameters: input.Names.filter((n) => n in w.parameters).map((n) => ({
      Name: n,
      Value: w.parameters[n],
    })),
    InvalidParameters: input.Names.filter((n) => !(n in w.parameters)),
  }));
}

const inspect = (patterns: string[], concurrency?: number) =>
  inspectFleet({
    clients,
    accountId: '111122223333',
    region: 'us-east-1',
    clusterPatterns: patterns,
    logger,
    concurrency,
  });

beforeEach(() => serve(world()));

afterEach(() => {
  eksMock.reset();
  ec2Mock.reset();
  ssmMock.reset();
});

describe('inspectFleet', () => {
  describe('when inspecting the selected clusters', () => {
    it('lists every cluster page and describes only the clusters that match the patterns', async () => {
      const { fleet } = await inspect(['prod-*', 'dev-a']);
      expect(eksMock).toHaveReceivedCommandTimes(ListClustersCommand, 2);
      expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 3);
      expect(eksMock).not.toHaveReceivedCommandWith(DescribeClusterCommand, { name: 'other' });
      expect(eksMock).toHaveReceivedCommandTimes(DescribeNodegroupCommand, 7);
      expect(fleet.errors).toEqual([]);
      expect(fleet.nodegroups.map((n) => `${n.cluster}/${n.nodegroup}`)).toEqual([
        'prod-a/br',
        'prod-a/custom-4',
        'prod-a/custom-5',
        'prod-a/eks-ami-with-lt',
        'prod-a/general',
        'prod-b/general',
        'prod-b/golden',
      ]);
    });

    it('builds node group facts with account, region, cluster tags and the launch template ImageId', async () => {
      const { fleet } = await inspect(['prod-*']);
      const custom = fleet.nodegroups.find((n) => n.nodegroup === 'custom-4');
      expect(custom).toEqual({
        accountId: '111122223333',
        region: 'us-east-1',
        cluster: 'prod-a',
        nodegroup: 'custom-4',
        clusterVersion: '1.33',
        version: '1.33',
        amiType: 'CUSTOM',
        releaseVersion: AMI_AL2023_OLD,
        status: 'ACTIVE',
        tags: {},
        clusterTags: { team: 'prod-a' },
        launchTemplate: { id: 'lt-1', name: 'custom', version: '4', imageId: AMI_AL2023_OLD },
        desiredSize: 2,
        updateConfig: null,
      });
      const withLt = fleet.nodegroups.find((n) => n.nodegroup === 'eks-ami-with-lt');
      expect(withLt?.launchTemplate).toEqual({
        id: 'lt-9',
        name: 'userdata-only',
        version: '1',
        imageId: null,
      });
    });

    it('describes each distinct launch template of a CUSTOM group once, with all its versions', async () => {
      await inspect(['prod-*']);
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeLaunchTemplateVersionsCommand, 2);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, {
        LaunchTemplateId: 'lt-1',
        Versions: ['4', '5'],
      });
      expect(ec2Mock).not.toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, {
        LaunchTemplateId: 'lt-9',
      });
    });

    it('asks for each distinct parameter once, in as few GetParameters calls as 10 names allow', async () => {
      const { catalog } = await inspect(['prod-*']);
      const sent = ssmMock.commandCalls(GetParametersCommand).flatMap((c) => c.args[0].input.Names ?? []);
      expect(sent.sort()).toEqual(
        [
          al2023.imageIdParameter,
          al2023.releaseVersionParameter,
          bottlerocket.imageIdParameter,
          bottlerocket.releaseVersionParameter,
          '/golden/ami',
        ].sort(),
      );
      expect(ssmMock).toHaveReceivedCommandTimes(GetParametersCommand, 1);
      expect(catalog.parameters['us-east-1']?.['/golden/ami']).toBe(AMI_GOLDEN_NEW);
    });

    it('describes current images first, then only the target images not seen yet', async () => {
      const { catalog } = await inspect(['prod-*']);
      const batches = ec2Mock
        .commandCalls(DescribeImagesCommand)
        .filter((c) => c.args[0].input.Filters?.[0]?.Name === 'image-id')
        .map((c) => [...(c.args[0].input.Filters?.[0]?.Values ?? [])].sort());
      expect(batches).toEqual([
        [AMI_AL2023_OLD, AMI_AL2023_NEW, AMI_GOLDEN_OLD].sort(),
        [AMI_BR_NEW, AMI_GOLDEN_NEW].sort(),
      ]);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, { IncludeDeprecated: true });
      expect(Object.keys(catalog.images['us-east-1'] ?? {}).sort()).toEqual(
        [AMI_AL2023_OLD, AMI_AL2023_NEW, AMI_BR_NEW, AMI_GOLDEN_OLD, AMI_GOLDEN_NEW].sort(),
      );
      expect(catalog.images['us-east-1']?.[AMI_GOLDEN_NEW]?.deprecationTime).toBe('2026-11-15T00:00:00.000Z');
    });

    it('describes the images other groups run by name, in one call, deprecated ones included', async () => {
      const { fleet, catalog } = await inspect(['prod-*']);
      const byName = ec2Mock
        .commandCalls(DescribeImagesCommand)
        .filter((c) => c.args[0].input.Filters?.[0]?.Name === 'name');
      expect(byName).toHaveLength(1);
      expect(byName[0]?.args[0].input).toEqual({
        Owners: ['amazon'],
        Filters: [
          {
            Name: 'name',
            Values: [
              'amazon-eks-node-al2023-x86_64-standard-1.33-v20261001',
              'bottlerocket-aws-k8s-1.33-x86_64-v1.49.0-aaaaaaaa',
            ],
          },
        ],
        IncludeDeprecated: true,
        IncludeDisabled: true,
      });
      const running = Object.fromEntries(
        fleet.nodegroups.map((n) => [`${n.cluster}/${n.nodegroup}`, n.currentImageId]),
      );
      expect(running).toEqual({
        'prod-a/general': AMI_AL2023_OLD,
        'prod-a/eks-ami-with-lt': AMI_AL2023_OLD,
        // Its 1.49.0 image is not in this world: unknown, not an error.
        'prod-a/br': null,
        'prod-b/general': AMI_AL2023_OLD,
        'prod-a/custom-4': undefined,
        'prod-a/custom-5': undefined,
        'prod-b/golden': undefined,
      });
      expect(catalog.images['us-east-1']?.[AMI_AL2023_OLD]?.name).toBe(
        'amazon-eks-node-al2023-x86_64-standard-1.33-v20261001',
      );
    });

    it('takes the target image as the running one when a group runs its target release', async () => {
      const w = world();
      const general = w.clusters['prod-a']?.nodegroups[0];
      if (general) general.releaseVersion = '1.33.5-20261110';
      serve(w);
      const { fleet } = await inspect(['prod-a']);
      expect(fleet.nodegroups.find((n) => n.nodegroup === 'general')?.currentImageId).toBe(AMI_AL2023_NEW);
    });

    it('leaves the running image unknown, not the group in error, when describing it by name fails', async () => {
      ec2Mock
        .on(DescribeImagesCommand)
        .callsFake(async (input: { Filters: Array<{ Name: string; Values: string[] }> }) => {
          if (input.Filters[0]?.Name === 'name') throw new Error('RequestLimitExceeded');
          return { Images: world().images.filter((i) => input.Filters[0]?.Values.includes(i.ImageId ?? '')) };
        });
      const { fleet } = await inspect(['prod-a']);
      expect(fleet.errors).toEqual([]);
      expect(fleet.nodegroups.find((n) => n.nodegroup === 'general')?.currentImageId).toBeNull();
    });

    it('carries updateConfig as EKS reports it', async () => {
      const w = world();
      const general = w.clusters['prod-a']?.nodegroups[0];
      if (general) general.updateConfig = { maxUnavailablePercentage: 20, updateStrategy: 'MINIMAL' };
      serve(w);
      const { fleet } = await inspect(['prod-a']);
      expect(fleet.nodegroups.find((n) => n.nodegroup === 'general')?.updateConfig).toEqual({
        updateStrategy: 'MINIMAL',
        maxUnavailable: null,
        maxUnavailablePercentage: 20,
      });
    });

    it('makes no mutating call', async () => {
      await inspect(['*']);
      expect(eksMock).not.toHaveReceivedCommand(UpdateNodegroupVersionCommand);
      expect(eksMock).not.toHaveReceivedCommand(UpdateNodegroupConfigCommand);
      expect(eksMock).not.toHaveReceivedCommand(CreateNodegroupCommand);
      expect(ec2Mock).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
      expect(ec2Mock).not.toHaveReceivedCommand(ModifyLaunchTemplateCommand);
      expect(ssmMock).not.toHaveReceivedCommand(SendCommandCommand);
      expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    });
  });

  describe('when there are more distinct parameters and images than one call takes', () => {
    it('sends ceil(distinct / 10) GetParameters and ceil(images / 100) DescribeImages', async () => {
      const w = world();
      const versions = ['1.28', '1.29', '1.30', '1.31', '1.32', '1.33'];
      const types: AMITypes[] = [
        'AL2023_x86_64_STANDARD',
        'AL2023_ARM_64_STANDARD',
        'BOTTLEROCKET_x86_64',
        'BOTTLEROCKET_ARM_64',
        'WINDOWS_CORE_2022_x86_64',
      ];
      const nodegroups: Nodegroup[] = [];
      let n = 100;
      for (const version of versions) {
        for (const amiType of types) {
          const e = entry(amiType, version);
          w.parameters[e.imageIdParameter] = ami(n);
          w.parameters[e.releaseVersionParameter] = 'x';
          w.images.push(image(ami(n), `img-${n}`));
          n++;
          // Two node groups per type and version: the second must not add calls.
          nodegroups.push({
            nodegroupName: `${amiType}-${version}-a`.replaceAll('.', '-'),
            amiType,
            version,
            status: 'ACTIVE',
          });
          nodegroups.push({
            nodegroupName: `${amiType}-${version}-b`.replaceAll('.', '-'),
            amiType,
            version,
            status: 'ACTIVE',
          });
        }
      }
      w.clusters = { big: { version: '1.33', nodegroups } };
      eksMock.reset();
      ec2Mock.reset();
      ssmMock.reset();
      serve(w);
      const { fleet } = await inspect(['big'], 4);
      expect(fleet.nodegroups).toHaveLength(60);
      // 30 (type, version) pairs × 2 names; Windows' release parameter is the parent, still distinct.
      expect(ssmMock).toHaveReceivedCommandTimes(GetParametersCommand, 6);
      for (const c of ssmMock.commandCalls(GetParametersCommand))
        expect(c.args[0].input.Names).toHaveLength(10);
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    });
  });

  describe('when some clusters and node groups fail', () => {
    it('reports each as an error naming the operation and AWS code, and inspects the rest', async () => {
      eksMock
        .on(DescribeClusterCommand, { name: 'dev-a' })
        .rejects(new ServerException({ message: 'internal', $metadata: { httpStatusCode: 500 } }));
      eksMock
        .on(DescribeNodegroupCommand, { clusterName: 'prod-b', nodegroupName: 'general' })
        .rejects(new ServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
      const { fleet } = await inspect(['prod-*', 'dev-a']);
      expect(fleet.errors).toEqual([
        {
          accountId: '111122223333',
          region: 'us-east-1',
          cluster: 'dev-a',
          nodegroup: null,
          message: 'DescribeCluster failed: ServerException: internal',
        },
        {
          accountId: '111122223333',
          region: 'us-east-1',
          cluster: 'prod-b',
          nodegroup: 'general',
          message: 'DescribeNodegroup failed: ServerException: boom',
        },
      ]);
      expect(fleet.nodegroups.map((n) => `${n.cluster}/${n.nodegroup}`)).toContain('prod-b/golden');
      expect(fleet.nodegroups).toHaveLength(6);
    });

    it('turns a failed launch template describe into errors for the groups using it only', async () => {
      ec2Mock.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: 'lt-1' }).rejects(
        Object.assign(new Error('denied'), {
          name: 'UnauthorizedOperation',
          $metadata: { httpStatusCode: 403 },
        }),
      );
      const { fleet } = await inspect(['prod-*']);
      expect(fleet.errors.map((e) => [e.nodegroup, e.message])).toEqual([
        ['custom-4', 'DescribeLaunchTemplateVersions (lt-1) failed: UnauthorizedOperation: denied'],
        ['custom-5', 'DescribeLaunchTemplateVersions (lt-1) failed: UnauthorizedOperation: denied'],
      ]);
      expect(fleet.nodegroups.map((n) => n.nodegroup)).toContain('golden');
    });

    it('turns a failed GetParameters batch into errors for the groups needing those names', async () => {
      ssmMock
        .on(GetParametersCommand)
        .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {} }));
      const { fleet } = await inspect(['prod-b']);
      expect(fleet.errors.map((e) => e.message)).toEqual([
        'GetParameters failed: ThrottlingException: slow down',
        'GetParameters failed: ThrottlingException: slow down',
      ]);
      expect(fleet.nodegroups).toEqual([]);
    });

    it('fails only the groups needing a parameter IAM refuses, naming it, when a batch is denied', async () => {
      const { parameters } = world();
      const denied = Object.assign(
        new Error('User: arn:aws:sts::111122223333:assumed-role/scan is not authorized'),
        {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        },
      );
      // IAM denies the whole call when any name in it is not allowed.
      ssmMock.on(GetParametersCommand).callsFake(async (input: { Names: string[] }) => {
        if (input.Names.includes('/golden/ami')) throw denied;
        return {
          Parameters: input.Names.map((n) => ({ Name: n, Value: parameters[n] })),
          InvalidParameters: [],
        };
      });
      const { fleet, catalog } = await inspect(['prod-b']);
      expect(fleet.errors.map((e) => [e.nodegroup, e.message])).toEqual([
        [
          'golden',
          'access denied reading SSM parameter /golden/ami: grant ssm:GetParameters on it (list golden parameters in goldenAmiParameters, one per Kubernetes minor as /path/{version}/ami; see docs/deploy.md) (GetParameters failed: AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/scan is not authorized)',
        ],
      ]);
      expect(fleet.nodegroups.map((n) => n.nodegroup)).toEqual(['general']);
      expect(catalog.parameters['us-east-1']?.[al2023.imageIdParameter]).toBe(AMI_AL2023_NEW);
      // The denied batch, then each of its names alone.
      const calls = ssmMock.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names ?? []);
      expect(calls.map((names) => names.length)).toEqual([3, 1, 1, 1]);
    });

    it('fails every group with the batch’s own error when the role reads no parameter at all (no golden advice)', async () => {
      const denied = Object.assign(
        new Error('User: arn:aws:sts::111122223333:assumed-role/scan is not authorized'),
        { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } },
      );
      // An SCP or a role without parameter/aws/service/*: every call is refused, public names too.
      ssmMock.on(GetParametersCommand).rejects(denied);
      const { fleet } = await inspect(['prod-b']);
      expect(fleet.nodegroups).toEqual([]);
      expect(fleet.errors.map((e) => e.nodegroup).sort()).toEqual(['general', 'golden']);
      for (const e of fleet.errors) {
        expect(e.message).toContain('AccessDeniedException');
        expect(e.message).not.toContain('goldenAmiParameters');
      }
      // The denied batch, then names alone until a public one is refused too: never more.
      const calls = ssmMock.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names ?? []);
      expect(calls[0]?.length).toBe(3);
      expect(calls.length).toBeLessThanOrEqual(4);
    });

    it('reports a failed ListClusters as one region-wide error', async () => {
      eksMock
        .on(ListClustersCommand)
        .rejects(Object.assign(new Error('nope'), { name: 'AccessDeniedException', $metadata: {} }));
      const { fleet, catalog } = await inspect(['*']);
      expect(fleet).toEqual({
        nodegroups: [],
        errors: [
          {
            accountId: '111122223333',
            region: 'us-east-1',
            cluster: '*',
            nodegroup: null,
            message: 'ListClusters failed: AccessDeniedException: nope',
          },
        ],
      });
      expect(catalog).toEqual({ parameters: { 'us-east-1': {} }, images: { 'us-east-1': {} } });
    });
  });

  describe('when a parameter or image does not exist', () => {
    it('leaves it out of the catalog without an error', async () => {
      const w = world();
      delete w.parameters['/golden/ami'];
      w.images = w.images.filter((i) => i.ImageId !== AMI_BR_NEW);
      eksMock.reset();
      ec2Mock.reset();
      ssmMock.reset();
      serve(w);
      const { fleet, catalog } = await inspect(['prod-*']);
      expect(fleet.errors).toEqual([]);
      expect(catalog.parameters['us-east-1']).not.toHaveProperty('/golden/ami');
      expect(catalog.images['us-east-1']).not.toHaveProperty(AMI_BR_NEW);
    });
  });

  describe('when the client set is built with its defaults', () => {
    it('pools at least as many sockets per service as the inspector has calls in flight', () => {
      expect(clientDefaults.maxSockets).toBeGreaterThanOrEqual(inspectDefaults.concurrency);
    });
  });
});
