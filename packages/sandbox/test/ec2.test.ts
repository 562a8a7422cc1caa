import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeVpcsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../index.ts';
import { clients, rejection } from './helpers.ts';

const LT = 'lt-0c05a0000000000a1';

describe('sandbox EC2', () => {
  let sb: Sandbox;
  let ec2: ReturnType<typeof clients>['ec2'];

  beforeEach(async () => {
    sb = await startSandbox({ now: '2026-11-22T09:00:00.000Z' });
    ({ ec2 } = clients(sb));
  });
  afterEach(async () => {
    await sb.close();
  });

  describe('DescribeLaunchTemplateVersions', () => {
    it('resolves $Latest, $Default and numbers', async () => {
      const out = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, Versions: ['$Default', '2'] }),
      );
      expect(out.LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion])).toEqual([
        [3, true],
        [2, false],
      ]);
      const byName = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateName: 'prod-a-custom-nodes',
          Versions: ['$Latest'],
        }),
      );
      expect(byName.LaunchTemplateVersions?.[0]?.LaunchTemplateData).toMatchObject({
        ImageId: 'ami-0a2023x8600001001',
        InstanceType: 'm6i.xlarge',
        KeyName: 'ops-key',
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60001'],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'platform' }] }],
      });
    });

    it('pages with MaxResults and NextToken', async () => {
      const first = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, MaxResults: 1 }),
      );
      expect(first.LaunchTemplateVersions?.[0]?.VersionNumber).toBe(3);
      const second = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: LT,
          MaxResults: 1,
          NextToken: first.NextToken,
        }),
      );
      expect(second.LaunchTemplateVersions?.[0]?.VersionNumber).toBe(2);
      expect(second.NextToken).toBeUndefined();
    });

    it('answers InvalidLaunchTemplateId.NotFound and VersionNotFound', async () => {
      expect(
        (
          await rejection(
            ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0ffff' })),
          )
        ).name,
      ).toBe('InvalidLaunchTemplateId.NotFound');
      expect(
        (
          await rejection(
            ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, Versions: ['7'] })),
          )
        ).name,
      ).toBe('InvalidLaunchTemplateId.VersionNotFound');
    });
  });

  describe('CreateLaunchTemplateVersion', () => {
    it('inherits every field of SourceVersion and changes only what is passed', async () => {
      const out = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: LT,
          SourceVersion: '3',
          VersionDescription: 'nodekeeper: AMI ami-0a2023x8600001110',
          LaunchTemplateData: { ImageId: 'ami-0a2023x8600001110' },
        }),
      );
      const v = out.LaunchTemplateVersion;
      expect(v?.VersionNumber).toBe(4);
      expect(v?.DefaultVersion).toBe(false);
      expect(v?.LaunchTemplateData).toEqual({
        ImageId: 'ami-0a2023x8600001110',
        InstanceType: 'm6i.xlarge',
        UserData: 'TUlNRS1WZXJzaW9uOiAxLjAKQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9ub2RlLmVrcy5hd3M=',
        KeyName: 'ops-key',
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60001'],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'platform' }] }],
      });
    });

    it('keeps extra fields passed in LaunchTemplateData', async () => {
      const out = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: LT,
          SourceVersion: '2',
          LaunchTemplateData: {
            BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 100, VolumeType: 'gp3' } }],
            SecurityGroupIds: ['sg-1', 'sg-2'],
          },
        }),
      );
      const described = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: LT,
          Versions: [String(out.LaunchTemplateVersion?.VersionNumber)],
        }),
      );
      expect(described.LaunchTemplateVersions?.[0]?.LaunchTemplateData).toMatchObject({
        ImageId: 'ami-0a2023x8600001001',
        SecurityGroupIds: ['sg-1', 'sg-2'],
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 100, VolumeType: 'gp3' } }],
        KeyName: 'ops-key',
      });
      const state = sb.state().launchTemplates.find((t) => t.launchTemplateId === LT);
      expect(state?.versions.at(-1)?.data?.BlockDeviceMappings).toEqual([
        { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 100, VolumeType: 'gp3' } },
      ]);
    });

    it('is idempotent on ClientToken', async () => {
      const input = {
        LaunchTemplateId: LT,
        SourceVersion: '3',
        ClientToken: 'nk-rollout-1',
        LaunchTemplateData: { ImageId: 'ami-0a2023x8600001110' },
      };
      const a = await ec2.send(new CreateLaunchTemplateVersionCommand(input));
      const b = await ec2.send(new CreateLaunchTemplateVersionCommand(input));
      expect(b.LaunchTemplateVersion?.VersionNumber).toBe(a.LaunchTemplateVersion?.VersionNumber);
      expect(sb.state().launchTemplates.find((t) => t.launchTemplateId === LT)?.versions).toHaveLength(3);
    });
  });

  describe('ModifyLaunchTemplate', () => {
    it('sets the default version', async () => {
      const out = await ec2.send(
        new ModifyLaunchTemplateCommand({ LaunchTemplateId: LT, DefaultVersion: '2' }),
      );
      expect(out.LaunchTemplate).toMatchObject({
        DefaultVersionNumber: 2,
        LatestVersionNumber: 3,
        LaunchTemplateId: LT,
      });
      const d = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, Versions: ['$Default'] }),
      );
      expect(d.LaunchTemplateVersions?.[0]?.VersionNumber).toBe(2);
    });
  });

  describe('DescribeImages', () => {
    it('returns images with creation dates', async () => {
      const out = await ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0a2023a6400001121'] }));
      expect(out.Images?.[0]).toMatchObject({
        ImageId: 'ami-0a2023a6400001121',
        Name: 'amazon-eks-node-al2023-arm64-standard-1.33-v20261121',
        Architecture: 'arm64',
        State: 'available',
        OwnerId: '602401143452',
        CreationDate: '2026-11-21T04:12:33.000Z',
      });
    });

    describe('when an image is deprecated (EC2 user guide, Deprecate an AMI)', () => {
      const id = 'ami-0a2023x8613100915';

      it('hides it from a filtered listing unless IncludeDeprecated is set', async () => {
        const byName = {
          Filters: [{ Name: 'name', Values: ['amazon-eks-node-al2023-x86_64-standard-1.31-v20260915'] }],
        };
        expect((await ec2.send(new DescribeImagesCommand(byName))).Images).toEqual([]);
        const out = await ec2.send(new DescribeImagesCommand({ ...byName, IncludeDeprecated: true }));
        expect(out.Images?.map((i) => [i.ImageId, i.DeprecationTime])).toEqual([
          [id, '2026-11-01T00:00:00.000Z'],
        ]);
      });

      it('returns it when asked for its ID', async () => {
        const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }));
        expect(out.Images?.[0]?.DeprecationTime).toBe('2026-11-01T00:00:00.000Z');
      });
    });

    it('answers InvalidAMIID.NotFound for an unknown id', async () => {
      const err = await rejection(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0deadbeef'] })));
      expect(err.name).toBe('InvalidAMIID.NotFound');
      expect(err.$metadata?.httpStatusCode).toBe(400);
    });

    it('filters by name with wildcards', async () => {
      const out = await ec2.send(
        new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['bottlerocket-aws-k8s-1.33-*'] }] }),
      );
      expect(out.Images?.map((i) => i.ImageId).sort()).toEqual([
        'ami-0b0771e0000001490',
        'ami-0b0771e0000001491',
        'ami-0b0771e0000001500',
      ]);
    });
  });

  describe('DescribeInstances', () => {
    it('tags instances with the cluster, node group and Auto Scaling group', async () => {
      const out = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:eks:cluster-name', Values: ['prod-b'] },
            { Name: 'tag:eks:nodegroup-name', Values: ['golden'] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        }),
      );
      const instances = out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
      expect(instances.map((i) => i.InstanceId)).toEqual(['i-0b0000000000b0101', 'i-0b0000000000b0102']);
      const tags = Object.fromEntries(instances[0]?.Tags?.map((t) => [t.Key, t.Value]) ?? []);
      expect(tags['aws:autoscaling:groupName']).toMatch(/^eks-golden-/);
    });

    it('pages with MaxResults', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      for (let i = 0; i < 10; i++) {
        const out = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: token }));
        seen.push(
          ...(out.Reservations?.flatMap((r) => r.Instances?.map((x) => x.InstanceId ?? '') ?? []) ?? []),
        );
        token = out.NextToken;
        if (!token) break;
      }
      expect(seen).toHaveLength(sb.state().instances.length);
    });

    it('answers InvalidInstanceID.NotFound for an unknown id', async () => {
      expect(
        (await rejection(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0nope'] })))).name,
      ).toBe('InvalidInstanceID.NotFound');
    });
  });

  describe('when the action is not implemented', () => {
    it('answers InvalidAction, never a silent 200', async () => {
      const err = await rejection(ec2.send(new DescribeVpcsCommand({})));
      expect(err.name).toBe('InvalidAction');
      expect(err.$metadata?.httpStatusCode).toBe(400);
    });
  });
});
