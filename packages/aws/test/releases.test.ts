import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  type AwsClients,
  createClients,
  createReleaseHistoryReader,
  getParametersUnderPath,
  getParameterVersions,
  inspectFleet,
} from '@nodekeeper/aws';
import { parseConfig } from '@nodekeeper/core/config';
import { plan, policyFromConfig } from '@nodekeeper/core/plan';
import { type CallRecord, parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const ROOT = '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard';
const NOW = '2026-11-24T04:00:00.000Z';

describe('release history reads (aws-sdk-client-mock)', () => {
  // Instance mocks: the sandbox tests below use real clients of the same classes.
  const ssm = new SSMClient({ region: 'us-east-1' });
  const ec2 = new EC2Client({ region: 'us-east-1' });
  const ssmMock = mockClient(ssm);
  const ec2Mock = mockClient(ec2);
  afterEach(() => {
    ssmMock.reset();
    ec2Mock.reset();
  });

  describe('getParametersUnderPath', () => {
    it('reads every page recursively, 10 a page', async () => {
      ssmMock
        .on(GetParametersByPathCommand, { Path: ROOT, Recursive: true, MaxResults: 10 })
        .resolvesOnce({ Parameters: [{ Name: `${ROOT}/a/image_id`, Value: 'ami-0a' }], NextToken: 't1' })
        .resolvesOnce({
          Parameters: [{ Name: `${ROOT}/b/image_id`, Value: 'ami-0b', LastModifiedDate: new Date(NOW) }],
        });
      const out = await getParametersUnderPath(ssm, ROOT);
      expect(out).toEqual({
        parameters: [
          { name: `${ROOT}/a/image_id`, value: 'ami-0a', lastModified: null },
          { name: `${ROOT}/b/image_id`, value: 'ami-0b', lastModified: NOW },
        ],
        complete: true,
      });
      expect(ssmMock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 2);
      expect(ssmMock).toHaveReceivedNthCommandWith(GetParametersByPathCommand, 2, { NextToken: 't1' });
    });

    it('stops at its bound and says the read is incomplete', async () => {
      ssmMock.on(GetParametersByPathCommand).resolves({
        Parameters: Array.from({ length: 10 }, (_, i) => ({
          Name: `${ROOT}/r${i}/image_id`,
          Value: `ami-0${i}`,
        })),
        NextToken: 'more',
      });
      const out = await getParametersUnderPath(ssm, ROOT, { maxParameters: 20 });
      expect(out.parameters).toHaveLength(20);
      expect(out.complete).toBe(false);
      expect(ssmMock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 2);
    });
  });

  describe('getParameterVersions', () => {
    it('pages 50 versions at a time', async () => {
      ssmMock
        .on(GetParameterHistoryCommand)
        .resolvesOnce({ Parameters: [{ Name: '/g', Value: 'ami-01', Version: 1 }], NextToken: 'n' })
        .resolvesOnce({ Parameters: [{ Name: '/g', Value: 'ami-02', Version: 2 }] });
      const out = await getParameterVersions(ssm, '/g');
      expect(out.versions.map((v) => [v.value, v.version])).toEqual([
        ['ami-01', 1],
        ['ami-02', 2],
      ]);
      expect(ssmMock).toHaveReceivedCommandWith(GetParameterHistoryCommand, { Name: '/g', MaxResults: 50 });
    });
  });

  describe('createReleaseHistoryReader', () => {
    const source = {
      kind: 'ssm-path' as const,
      key: `${ROOT}/recommended/image_id`,
      path: ROOT,
      skip: 'recommended',
    };

    it('reads a public history once per region, whatever the account', async () => {
      ssmMock.on(GetParametersByPathCommand).resolves({
        Parameters: [
          {
            Name: `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261110/image_id`,
            Value: 'ami-01110',
          },
          {
            Name: `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261110/release_version`,
            Value: '1.33.5-20261110',
          },
        ],
      });
      const reader = createReleaseHistoryReader();
      const a = await reader.read({ ssm, ec2 }, { accountId: '111111111111', region: 'us-east-1' }, source);
      const b = await reader.read({ ssm, ec2 }, { accountId: '222222222222', region: 'us-east-1' }, source);
      expect(b).toBe(a);
      expect(a.history.releases).toMatchObject([{ imageId: 'ami-01110', releaseVersion: '1.33.5-20261110' }]);
      expect(ssmMock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 1);
    });

    it('reads a golden parameter once per account', async () => {
      ssmMock
        .on(GetParameterHistoryCommand)
        .resolves({ Parameters: [{ Name: '/g', Value: 'ami-01', Version: 1 }] });
      const reader = createReleaseHistoryReader();
      const golden = { kind: 'parameter-history' as const, key: '/g', parameter: '/g' };
      await reader.read({ ssm, ec2 }, { accountId: '111111111111', region: 'us-east-1' }, golden);
      await reader.read({ ssm, ec2 }, { accountId: '222222222222', region: 'us-east-1' }, golden);
      expect(ssmMock).toHaveReceivedCommandTimes(GetParameterHistoryCommand, 2);
    });

    it('turns a failed read into a history with its error', async () => {
      ssmMock
        .on(GetParametersByPathCommand)
        .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
      const read = await createReleaseHistoryReader().read(
        { ssm, ec2 },
        { accountId: null, region: 'us-east-1' },
        source,
      );
      expect(read.history).toMatchObject({ releases: [], complete: false });
      expect(read.history.error).toContain('AccessDeniedException');
    });

    it('finds Windows AMIs by name, deprecated ones included', async () => {
      ec2Mock.on(DescribeImagesCommand).resolves({
        Images: [
          {
            ImageId: 'ami-0w',
            Name: 'Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12',
            CreationDate: NOW,
          },
        ],
      });
      const read = await createReleaseHistoryReader().read(
        { ssm, ec2 },
        { accountId: null, region: 'us-east-1' },
        {
          kind: 'images-by-name',
          key: 'k',
          namePattern: 'Windows_Server-2022-English-Core-EKS_Optimized-1.33-*',
          owner: 'amazon',
        },
      );
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
        Owners: ['amazon'],
        Filters: [{ Name: 'name', Values: ['Windows_Server-2022-English-Core-EKS_Optimized-1.33-*'] }],
        IncludeDeprecated: true,
      });
      expect(read.history.releases).toMatchObject([{ imageId: 'ami-0w', releaseVersion: '1.33-2026.11.12' }]);
      expect(read.images.map((i) => i.imageId)).toEqual(['ami-0w']);
    });
  });
});

/** prod-a: an AL2023 group, a golden group and an old one; AWS released AL2023 every 3 days. */
function releasingFleet() {
  const day = (d: number) => new Date(Date.parse(NOW) - d * 86_400_000).toISOString();
  const stamps = [
    ['20261103', 21],
    ['20261106', 18],
    ['20261109', 15],
    ['20261112', 12],
    ['20261115', 9],
    ['20261118', 6],
    ['20261121', 3],
  ] as const;
  return parseFleet({
    parameters: { '/golden/app/ami': 'ami-0901d03' },
    images: [
      { imageId: 'ami-0901d01', name: 'golden-app-1', creationDate: day(30), ownerId: '111122223333' },
      { imageId: 'ami-0901d02', name: 'golden-app-2', creationDate: day(10), ownerId: '111122223333' },
      { imageId: 'ami-0901d03', name: 'golden-app-3', creationDate: day(1), ownerId: '111122223333' },
    ],
    amiReleases: stamps.map(([stamp, age]) => ({
      amiType: 'AL2023_x86_64_STANDARD',
      k8sVersion: '1.33',
      releaseVersion: `1.33.5-${stamp}`,
      imageId: `ami-0a${stamp}`,
      publishedAt: day(age),
    })),
    launchTemplates: [
      {
        launchTemplateId: 'lt-0901d',
        launchTemplateName: 'golden-app',
        versions: [{ versionNumber: 1, imageId: 'ami-0901d01' }],
      },
    ],
    clusters: [
      {
        name: 'prod-a',
        version: '1.33',
        nodegroups: [
          { name: 'general', amiType: 'AL2023_x86_64_STANDARD', releaseVersion: '1.33.5-20261103' },
          {
            name: 'golden',
            amiType: 'CUSTOM',
            releaseVersion: 'ami-0901d01',
            tags: { 'nodekeeper.io/ami-parameter': '/golden/app/ami' },
            launchTemplate: { id: 'lt-0901d', version: '1' },
          },
        ],
      },
    ],
  });
}

describe('inspectFleet with age selection, against the sandbox', () => {
  let sb: Sandbox | null = null;
  let clients: AwsClients | null = null;
  afterEach(async () => {
    clients?.destroy();
    clients = null;
    await sb?.close();
    sb = null;
  });

  const count = (calls: CallRecord[], operation: string) =>
    calls.filter((c) => c.operation === operation).length;

  async function setUp() {
    sb = await startSandbox({ fleet: releasingFleet(), now: NOW });
    clients = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials });
    // The operator published three golden AMIs, one after the other.
    for (const id of ['ami-0901d01', 'ami-0901d02', 'ami-0901d03']) {
      await clients.ssm.send(
        new PutParameterCommand({ Name: '/golden/app/ami', Value: id, Type: 'String', Overwrite: true }),
      );
    }
    sb.resetCalls();
    return { sb, clients };
  }

  const config = parseConfig({
    regions: ['us-east-1'],
    clusters: ['prod-*'],
    minAmiAgeDays: 7,
    maxConcurrentPerCluster: 2,
    goldenAmiParameters: ['/golden/app/ami'],
  });
  const { minAmiAgeDays, denyAmis, waves } = policyFromConfig(config);
  const amiAge = { now: NOW, rule: { minAmiAgeDays, denyAmis, waves } };

  it('reads older releases of too-new targets and plans the newest old-enough one', async () => {
    const { sb, clients } = await setUp();
    const { fleet, catalog } = await inspectFleet({
      clients,
      accountId: null,
      region: 'us-east-1',
      clusterPatterns: ['*'],
      logger,
      amiAge,
    });
    expect(count(sb.calls(), 'GetParametersByPath')).toBeGreaterThan(0);
    expect(count(sb.calls(), 'GetParameterHistory')).toBe(1);
    const releases = catalog.releases?.['us-east-1'] ?? {};
    expect(releases[`${ROOT}/recommended/image_id`]).toMatchObject({
      kind: 'ssm-path',
      location: ROOT,
      complete: true,
      error: null,
    });
    expect(releases[`${ROOT}/recommended/image_id`]?.releases).toHaveLength(7);
    // The older images were described (one batch), deprecated ones included.
    expect(Object.keys(catalog.images['us-east-1'] ?? {})).toEqual(
      expect.arrayContaining(['ami-0a20261115', 'ami-0901d02']),
    );

    const items = plan(fleet, catalog, policyFromConfig(config), new Date(NOW)).items;
    const byName = Object.fromEntries(items.map((i) => [i.nodegroup, i]));
    expect(byName.general).toMatchObject({
      decision: 'roll',
      message:
        '1.33.5-20261103 → 1.33.5-20261115; newest 20261121 is 3 days old; rolling to 20261115 (9 days)',
    });
    expect(byName.golden).toMatchObject({ decision: 'roll', target: { imageId: 'ami-0901d02' } });
  });

  it('reads nothing more when every newest image is old enough', async () => {
    const { sb, clients } = await setUp();
    const relaxed = { now: NOW, rule: { ...amiAge.rule, minAmiAgeDays: 0 } };
    const { catalog } = await inspectFleet({
      clients,
      accountId: null,
      region: 'us-east-1',
      clusterPatterns: ['*'],
      logger,
      amiAge: relaxed,
    });
    expect(catalog.releases).toBeUndefined();
    expect(count(sb.calls(), 'GetParametersByPath')).toBe(0);
    expect(count(sb.calls(), 'GetParameterHistory')).toBe(0);
  });

  it('shares one reader across the targets of a run', async () => {
    const { sb, clients } = await setUp();
    const releaseHistories = createReleaseHistoryReader();
    for (const accountId of [null, '444455556666']) {
      await inspectFleet({
        clients,
        accountId,
        region: 'us-east-1',
        clusterPatterns: ['*'],
        logger,
        amiAge,
        releaseHistories,
      });
    }
    const pages = count(sb.calls(), 'GetParametersByPath');
    sb.resetCalls();
    await inspectFleet({
      clients,
      accountId: null,
      region: 'us-east-1',
      clusterPatterns: ['*'],
      logger,
      amiAge,
    });
    // A fresh reader reads the public path again; the shared one read it once for both accounts.
    expect(count(sb.calls(), 'GetParametersByPath')).toBe(pages);
    // The golden parameter belongs to each account: read per account.
    expect(count(sb.calls(), 'GetParameterHistory')).toBe(1);
  });
});
