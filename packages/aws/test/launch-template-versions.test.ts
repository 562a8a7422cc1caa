import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { EKSClient, UpdateNodegroupVersionCommand } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createRolloutPort } from '../index.ts';

const eks = mockClient(EKSClient);
const ec2 = mockClient(EC2Client);
const port = createRolloutPort(() => ({
  eks: new EKSClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
}));
const ref = { accountId: '111122223333', region: 'us-east-1', cluster: 'prod-a', nodegroup: 'custom' };
const mine = (n: number, imageId = 'ami-0new') => ({
  VersionNumber: n,
  VersionDescription: 'nodekeeper:abc ami-0new for prod-a/custom',
  LaunchTemplateData: { ImageId: imageId },
});
const createInput = {
  launchTemplateId: 'lt-01',
  sourceVersion: '4',
  imageId: 'ami-0new',
  clientToken: 'ct',
  description: 'nodekeeper:abc',
};

afterEach(() => {
  eks.reset();
  ec2.reset();
});

describe('createRolloutPort launch template versions', () => {
  describe('findLaunchTemplateVersion', () => {
    it('asks for the versions after the source version and ignores any at or before it', async () => {
      // An answer as if MinVersion were inclusive: the source version itself comes back too.
      ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
        LaunchTemplateVersions: [mine(4), mine(5)],
      });
      const found = await port.findLaunchTemplateVersion(ref, {
        launchTemplateId: 'lt-01',
        sourceVersion: '4',
        imageId: 'ami-0new',
        descriptionPrefix: 'nodekeeper:abc',
      });
      expect(found).toBe('5');
      expect(ec2).toReceiveCommandWith(DescribeLaunchTemplateVersionsCommand, {
        LaunchTemplateId: 'lt-01',
        MinVersion: '4',
      });
    });

    it('finds version source + 1 when EC2 reads MinVersion as exclusive', async () => {
      ec2.on(DescribeLaunchTemplateVersionsCommand, { MinVersion: '4' }).resolves({
        LaunchTemplateVersions: [mine(5)],
      });
      ec2
        .on(DescribeLaunchTemplateVersionsCommand, { MinVersion: '5' })
        .resolves({ LaunchTemplateVersions: [] });
      const found = await port.findLaunchTemplateVersion(ref, {
        launchTemplateId: 'lt-01',
        sourceVersion: '4',
        imageId: 'ami-0new',
        descriptionPrefix: 'nodekeeper:abc',
      });
      expect(found).toBe('5');
    });

    it('sends no MinVersion when the source is not a number', async () => {
      ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [mine(9)] });
      const found = await port.findLaunchTemplateVersion(ref, {
        launchTemplateId: 'lt-01',
        sourceVersion: '$Latest',
        imageId: 'ami-0new',
        descriptionPrefix: 'nodekeeper:abc',
      });
      expect(found).toBe('9');
      expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).not.toHaveProperty(
        'MinVersion',
      );
    });
  });

  describe('createLaunchTemplateVersion', () => {
    describe('when the source version has no block device snapshot', () => {
      it('passes only ImageId and describes no image', async () => {
        ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
          LaunchTemplateVersions: [
            {
              VersionNumber: 4,
              LaunchTemplateData: {
                ImageId: 'ami-0old',
                BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 80 } }],
              },
            },
          ],
        });
        ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
        expect(await port.createLaunchTemplateVersion(ref, createInput)).toEqual({
          kind: 'created',
          version: '5',
        });
        expect(ec2).toReceiveCommandWith(CreateLaunchTemplateVersionCommand, {
          LaunchTemplateId: 'lt-01',
          SourceVersion: '4',
          LaunchTemplateData: { ImageId: 'ami-0new' },
          ClientToken: 'ct',
          VersionDescription: 'nodekeeper:abc',
        });
        expect(ec2.commandCalls(DescribeImagesCommand)).toHaveLength(0);
      });
    });

    describe('when the source version has block device snapshots', () => {
      it('passes its mappings explicitly, without the outgoing AMI’s snapshots', async () => {
        ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
          LaunchTemplateVersions: [
            {
              VersionNumber: 4,
              LaunchTemplateData: {
                ImageId: 'ami-0old',
                BlockDeviceMappings: [
                  {
                    DeviceName: '/dev/xvda',
                    Ebs: { SnapshotId: 'snap-0oldroot', VolumeSize: 80, VolumeType: 'gp3', Encrypted: true },
                  },
                  {
                    DeviceName: '/dev/xvdb',
                    Ebs: {
                      SnapshotId: 'snap-0cache',
                      VolumeSize: 100,
                      Iops: 3000,
                      Throughput: 125,
                      Encrypted: true,
                    },
                  },
                  { DeviceName: '/dev/xvdc', NoDevice: '' },
                ],
              },
            },
          ],
        });
        ec2.on(DescribeImagesCommand).resolves({
          Images: [
            {
              ImageId: 'ami-0old',
              RootDeviceName: '/dev/xvda',
              BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0oldroot' } }],
            },
            { ImageId: 'ami-0new', RootDeviceName: '/dev/xvda' },
          ],
        });
        ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
        expect(await port.createLaunchTemplateVersion(ref, createInput)).toEqual({
          kind: 'created',
          version: '5',
        });
        expect(ec2).toReceiveCommandWith(DescribeLaunchTemplateVersionsCommand, {
          LaunchTemplateId: 'lt-01',
          Versions: ['4'],
        });
        expect(ec2).toReceiveCommandWith(DescribeImagesCommand, {
          Filters: [{ Name: 'image-id', Values: ['ami-0new', 'ami-0old'] }],
        });
        const sent = ec2.commandCalls(CreateLaunchTemplateVersionCommand)[0]?.args[0].input;
        expect(sent?.SourceVersion).toBe('4');
        // A volume made from a snapshot takes the snapshot's encryption: no Encrypted beside SnapshotId.
        expect(sent?.LaunchTemplateData).toEqual({
          ImageId: 'ami-0new',
          BlockDeviceMappings: [
            { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 80, VolumeType: 'gp3', Encrypted: true } },
            {
              DeviceName: '/dev/xvdb',
              Ebs: { SnapshotId: 'snap-0cache', VolumeSize: 100, Iops: 3000, Throughput: 125 },
            },
            { DeviceName: '/dev/xvdc', NoDevice: '' },
          ],
        });
      });
    });

    describe('when the source version does not exist', () => {
      it('returns rejected with EC2’s code and creates nothing', async () => {
        ec2.on(DescribeLaunchTemplateVersionsCommand).rejects(
          Object.assign(new Error('Could not find launch template version 4'), {
            name: 'InvalidLaunchTemplateId.VersionNotFound',
            $metadata: { httpStatusCode: 400 },
          }),
        );
        const r = await port.createLaunchTemplateVersion(ref, createInput);
        expect(r).toMatchObject({ kind: 'rejected', errorCode: 'InvalidLaunchTemplateId.VersionNotFound' });
        expect(ec2.commandCalls(CreateLaunchTemplateVersionCommand)).toHaveLength(0);
      });
    });
  });

  describe('when naming the launch template', () => {
    it('sends its ID and never its name, to EC2 and to EKS', async () => {
      ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [mine(5)] });
      ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
      ec2.on(DeleteLaunchTemplateVersionsCommand).resolves({});
      eks.on(UpdateNodegroupVersionCommand).resolves({ update: { id: 'u-1' } });
      await port.findLaunchTemplateVersion(ref, {
        launchTemplateId: 'lt-01',
        sourceVersion: '4',
        imageId: 'ami-0new',
        descriptionPrefix: 'nodekeeper:abc',
      });
      await port.createLaunchTemplateVersion(ref, createInput);
      await port.listLaunchTemplateVersions?.(ref, 'lt-01');
      await port.deleteLaunchTemplateVersions?.(ref, 'lt-01', ['2']);
      await port.updateNodegroupVersion(ref, {
        kind: 'launch-template',
        launchTemplateId: 'lt-01',
        version: '5',
        clientRequestToken: 'tok',
        force: false,
      });
      const ec2Inputs = ec2.calls().map((c) => c.args[0].input as Record<string, unknown>);
      expect(ec2Inputs.length).toBeGreaterThanOrEqual(5);
      for (const input of ec2Inputs) {
        if ('Filters' in input && !('LaunchTemplateId' in input)) continue; // DescribeImages
        expect(input.LaunchTemplateId).toBe('lt-01');
        expect(input).not.toHaveProperty('LaunchTemplateName');
      }
      expect(eks.commandCalls(UpdateNodegroupVersionCommand)[0]?.args[0].input.launchTemplate).toEqual({
        id: 'lt-01',
        version: '5',
      });
    });
  });

  describe('listLaunchTemplateVersions', () => {
    it('reads every page, 200 versions at a time', async () => {
      ec2
        .on(DescribeLaunchTemplateVersionsCommand)
        .resolvesOnce({
          LaunchTemplateVersions: [
            {
              VersionNumber: 7,
              VersionDescription: 'nodekeeper:abc',
              DefaultVersion: false,
              CreateTime: new Date('2026-11-01T00:00:00Z'),
              LaunchTemplateData: { ImageId: 'ami-07' },
            },
          ],
          NextToken: 'p2',
        })
        .resolvesOnce({ LaunchTemplateVersions: [{ VersionNumber: 1, DefaultVersion: true }] });
      expect(await port.listLaunchTemplateVersions?.(ref, 'lt-01')).toEqual([
        {
          version: '7',
          description: 'nodekeeper:abc',
          imageId: 'ami-07',
          isDefault: false,
          createdAt: '2026-11-01T00:00:00.000Z',
        },
        { version: '1', description: null, imageId: null, isDefault: true, createdAt: null },
      ]);
      expect(ec2).toReceiveCommandWith(DescribeLaunchTemplateVersionsCommand, {
        MaxResults: 200,
        NextToken: 'p2',
      });
    });
  });

  describe('deleteLaunchTemplateVersions', () => {
    it('sends at most 200 versions a call and reports each version', async () => {
      ec2
        .on(DeleteLaunchTemplateVersionsCommand)
        .resolvesOnce({
          SuccessfullyDeletedLaunchTemplateVersions: [{ LaunchTemplateId: 'lt-01', VersionNumber: 2 }],
          UnsuccessfullyDeletedLaunchTemplateVersions: [
            {
              LaunchTemplateId: 'lt-01',
              VersionNumber: 3,
              ResponseError: { Code: 'unexpectedError', Message: 'default version' },
            },
          ],
        })
        .resolvesOnce({ SuccessfullyDeletedLaunchTemplateVersions: [{ VersionNumber: 400 }] });
      const versions = Array.from({ length: 201 }, (_, i) => String(i + 2));
      expect(await port.deleteLaunchTemplateVersions?.(ref, 'lt-01', versions)).toEqual({
        deleted: ['2', '400'],
        failed: [{ version: '3', errorCode: 'unexpectedError', message: 'default version' }],
      });
      const calls = ec2
        .commandCalls(DeleteLaunchTemplateVersionsCommand)
        .map((c) => c.args[0].input.Versions);
      expect(calls.map((v) => v?.length)).toEqual([200, 1]);
    });
  });
});
