import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { UpdateNodegroupVersionCommand } from '@aws-sdk/client-eks';
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFleet, type Sandbox, startSandbox } from '../index.ts';
import { clients, rejection } from './helpers.ts';

const ROOT = '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard';
const BR_ROOT = '/aws/service/bottlerocket/aws-k8s-1.33/x86_64';
const WINDOWS = '/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.33';

/** A fleet where AWS publishes AL2023, Bottlerocket and Windows releases over two weeks. */
function releasingFleet() {
  return parseFleet({
    clusters: [
      {
        name: 'prod-a',
        version: '1.33',
        nodegroups: [
          { name: 'general', amiType: 'AL2023_x86_64_STANDARD', releaseVersion: '1.33.5-20261101' },
        ],
      },
    ],
    amiReleases: [
      {
        amiType: 'AL2023_x86_64_STANDARD',
        k8sVersion: '1.33',
        releaseVersion: '1.33.5-20261101',
        imageId: 'ami-0a1101',
        publishedAt: '2026-11-01T05:00:00Z',
      },
      {
        amiType: 'AL2023_x86_64_STANDARD',
        k8sVersion: '1.33',
        releaseVersion: '1.33.5-20261104',
        imageId: 'ami-0a1104',
        publishedAt: '2026-11-04T05:00:00Z',
      },
      {
        amiType: 'AL2023_x86_64_STANDARD',
        k8sVersion: '1.33',
        releaseVersion: '1.33.5-20261107',
        imageId: 'ami-0a1107',
        publishedAt: '2026-11-07T05:00:00Z',
        publishesReleaseVersion: false,
      },
      {
        amiType: 'AL2023_x86_64_STANDARD',
        k8sVersion: '1.33',
        releaseVersion: '1.33.6-20261110',
        imageId: 'ami-0a1110',
        publishedAt: '2026-11-10T05:00:00Z',
      },
      {
        amiType: 'BOTTLEROCKET_x86_64',
        k8sVersion: '1.33',
        releaseVersion: '1.50.0-abcdef12',
        imageId: 'ami-0b150',
        publishedAt: '2026-11-02T18:00:00Z',
      },
      {
        amiType: 'BOTTLEROCKET_x86_64',
        k8sVersion: '1.33',
        releaseVersion: '1.51.0-0123abcd',
        imageId: 'ami-0b151',
        publishedAt: '2026-11-09T18:00:00Z',
      },
      {
        amiType: 'WINDOWS_CORE_2022_x86_64',
        k8sVersion: '1.33',
        releaseVersion: '1.33-2026.11.03',
        imageId: 'ami-0w1103',
        publishedAt: '2026-11-03T22:00:00Z',
      },
      {
        amiType: 'WINDOWS_CORE_2022_x86_64',
        k8sVersion: '1.33',
        releaseVersion: '1.33-2026.11.12',
        imageId: 'ami-0w1112',
        publishedAt: '2026-11-12T22:00:00Z',
      },
    ],
  });
}

async function under(ssm: ReturnType<typeof clients>['ssm'], path: string) {
  const names: Record<string, string> = {};
  let token: string | undefined;
  do {
    const out = await ssm.send(
      new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken: token }),
    );
    for (const p of out.Parameters ?? []) names[p.Name ?? ''] = p.Value ?? '';
    token = out.NextToken;
  } while (token);
  return names;
}

describe('sandbox amiReleases', () => {
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('publishes only the releases whose time has come, as AWS lays them out', async () => {
    sb = await startSandbox({ fleet: releasingFleet(), now: '2026-11-05T00:00:00Z' });
    const { ssm, ec2 } = clients(sb);
    expect(await under(ssm, ROOT)).toEqual({
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261101`]: expect.stringContaining(
        '"release_version":"1.33.5-20261101"',
      ),
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261101/image_id`]: 'ami-0a1101',
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261101/image_name`]:
        'amazon-eks-node-al2023-x86_64-standard-1.33-v20261101',
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261101/release_version`]: '1.33.5-20261101',
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261104`]:
        expect.stringContaining('"image_id":"ami-0a1104"'),
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261104/image_id`]: 'ami-0a1104',
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261104/image_name`]:
        'amazon-eks-node-al2023-x86_64-standard-1.33-v20261104',
      [`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261104/release_version`]: '1.33.5-20261104',
      [`${ROOT}/recommended`]: expect.stringContaining('"image_id":"ami-0a1104"'),
      [`${ROOT}/recommended/image_id`]: 'ami-0a1104',
      [`${ROOT}/recommended/image_name`]: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261104',
      [`${ROOT}/recommended/release_version`]: '1.33.5-20261104',
    });
    const images = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [{ Name: 'name', Values: ['amazon-eks-node-al2023-*'] }],
      }),
    );
    expect(images.Images?.map((i) => [i.ImageId, i.CreationDate]).sort()).toEqual([
      ['ami-0a1101', '2026-11-01T05:00:00Z'],
      ['ami-0a1104', '2026-11-04T05:00:00Z'],
    ]);
  });

  it('moves recommended forward as the clock passes each release, keeping every version', async () => {
    sb = await startSandbox({ fleet: releasingFleet(), now: '2026-11-05T00:00:00Z' });
    const { ssm } = clients(sb);
    sb.clock.advance(6 * 86_400);
    const latest = await ssm.send(new GetParameterCommand({ Name: `${ROOT}/recommended/release_version` }));
    expect(latest.Parameter).toMatchObject({ Value: '1.33.6-20261110', Version: 4 });
    const history = await ssm.send(new GetParameterHistoryCommand({ Name: `${ROOT}/recommended/image_id` }));
    expect(history.Parameters?.map((p) => [p.Version, p.Value, p.LastModifiedDate?.toISOString()])).toEqual([
      [1, 'ami-0a1101', '2026-11-01T05:00:00.000Z'],
      [2, 'ami-0a1104', '2026-11-04T05:00:00.000Z'],
      [3, 'ami-0a1107', '2026-11-07T05:00:00.000Z'],
      [4, 'ami-0a1110', '2026-11-10T05:00:00.000Z'],
    ]);
    const own = await under(ssm, `${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261107`);
    expect(Object.keys(own).some((n) => n.endsWith('/release_version'))).toBe(false);
  });

  it('publishes Bottlerocket versions beside latest and Windows only as latest', async () => {
    sb = await startSandbox({ fleet: releasingFleet(), now: '2026-11-20T00:00:00Z' });
    const { ssm, ec2 } = clients(sb);
    expect(await under(ssm, BR_ROOT)).toEqual({
      [`${BR_ROOT}/1.50.0/image_id`]: 'ami-0b150',
      [`${BR_ROOT}/1.50.0/image_version`]: '1.50.0-abcdef12',
      [`${BR_ROOT}/1.51.0/image_id`]: 'ami-0b151',
      [`${BR_ROOT}/1.51.0/image_version`]: '1.51.0-0123abcd',
      [`${BR_ROOT}/latest/image_id`]: 'ami-0b151',
      [`${BR_ROOT}/latest/image_version`]: '1.51.0-0123abcd',
    });
    const windows = await ssm.send(new GetParameterCommand({ Name: WINDOWS }));
    expect(JSON.parse(windows.Parameter?.Value ?? '{}')).toMatchObject({
      image_id: 'ami-0w1112',
      release_version: '1.33-2026.11.12',
    });
    const named = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [{ Name: 'name', Values: ['Windows_Server-2022-English-Core-EKS_Optimized-1.33-*'] }],
      }),
    );
    expect(named.Images?.map((i) => i.Name).sort()).toEqual([
      'Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.03',
      'Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12',
    ]);
  });

  it('keeps a newer recommended from the fleet file when an older release is published', async () => {
    const fleet = releasingFleet();
    fleet.parameters[`${ROOT}/recommended/image_id`] = 'ami-0a1120';
    fleet.images.push({
      imageId: 'ami-0a1120',
      name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261120',
      creationDate: '2026-11-20T05:00:00.000Z',
      architecture: 'x86_64',
      state: 'available',
      ownerId: '602401143452',
      deprecationTime: null,
    });
    sb = await startSandbox({ fleet, now: '2026-11-21T00:00:00Z' });
    const { ssm } = clients(sb);
    const out = await ssm.send(new GetParameterCommand({ Name: `${ROOT}/recommended/image_id` }));
    expect(out.Parameter).toMatchObject({ Value: 'ami-0a1120', Version: 1 });
  });

  it('pages parameter history 50 at most and answers ParameterNotFound for unknown names', async () => {
    sb = await startSandbox({ now: '2026-11-22T09:00:00.000Z' });
    const { ssm } = clients(sb);
    for (let i = 0; i < 3; i++) {
      await ssm.send(
        new PutParameterCommand({ Name: '/golden/x', Value: `ami-0g${i}`, Type: 'String', Overwrite: true }),
      );
    }
    const first = await ssm.send(new GetParameterHistoryCommand({ Name: '/golden/x', MaxResults: 2 }));
    expect(first.Parameters?.map((p) => p.Value)).toEqual(['ami-0g0', 'ami-0g1']);
    const second = await ssm.send(
      new GetParameterHistoryCommand({ Name: '/golden/x', MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(second.Parameters?.map((p) => [p.Value, p.Version])).toEqual([['ami-0g2', 3]]);
    expect(second.NextToken).toBeUndefined();
    expect((await rejection(ssm.send(new GetParameterHistoryCommand({ Name: '/nope' })))).name).toBe(
      'ParameterNotFound',
    );
  });

  it('has EKS refuse a release that AWS has not published yet', async () => {
    sb = await startSandbox({ fleet: releasingFleet(), now: '2026-11-05T00:00:00Z' });
    const { eks } = clients(sb);
    const update = (releaseVersion: string) =>
      eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'prod-a',
          nodegroupName: 'general',
          version: '1.33',
          releaseVersion,
        }),
      );
    const err = await rejection(update('1.33.6-20261110'));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toContain('1.33.6-20261110 is not valid');
    expect((await update('1.33.5-20261104')).update?.status).toBe('InProgress');
  });

  it('publishes the hub releases in every (account, region) of the file', async () => {
    const fleet = releasingFleet();
    fleet.partitions = parseFleet({ partitions: [{ region: 'eu-west-1' }] }).partitions;
    sb = await startSandbox({ fleet, now: '2026-11-05T00:00:00Z' });
    const ssm = new SSMClient({
      endpoint: sb.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' },
    });
    const names = Object.keys(await under(ssm, ROOT));
    expect(names).toContain(`${ROOT}/amazon-eks-node-al2023-x86_64-standard-1.33-v20261104/release_version`);
    expect(sb.state(undefined, 'eu-west-1').images.map((i) => i.imageId)).toContain('ami-0a1104');
  });

  it('rejects a release that does not fit its family', () => {
    expect(() =>
      parseFleet({
        amiReleases: [
          {
            amiType: 'AL2023_x86_64_STANDARD',
            k8sVersion: '1.33',
            releaseVersion: '1.32.9-20261110',
            imageId: 'ami-0x',
            publishedAt: '2026-11-01T00:00:00Z',
          },
        ],
      }),
    ).toThrow(
      /amiReleases\[0\]\.releaseVersion: 1\.32\.9-20261110 is not a AL2023_x86_64_STANDARD release version/,
    );
  });
});
