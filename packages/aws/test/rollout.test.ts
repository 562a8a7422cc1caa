import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListUpdatesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ServerException,
  UpdateNodegroupVersionCommand,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsAdapterError, createRolloutPort } from '../index.ts';

const eks = mockClient(EKSClient);
const ec2 = mockClient(EC2Client);
const port = createRolloutPort(() => ({
  eks: new EKSClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
}));
const ref = { accountId: '111122223333', region: 'us-east-1', cluster: 'prod-a', nodegroup: 'general' };
const meta = { $metadata: {} };

afterEach(() => {
  eks.reset();
  ec2.reset();
});

describe('createRolloutPort', () => {
  describe('updateNodegroupVersion', () => {
    describe('when EKS starts the update', () => {
      it('sends the node group version, the release version and token and returns the update ID', async () => {
        eks.on(UpdateNodegroupVersionCommand).resolves({ update: { id: 'u-1', status: 'InProgress' } });
        const r = await port.updateNodegroupVersion(ref, {
          kind: 'release-version',
          version: '1.33',
          releaseVersion: '1.33.5-20261110',
          clientRequestToken: 'tok',
          force: false,
        });
        expect(r).toEqual({ kind: 'started', updateId: 'u-1' });
        expect(eks.commandCalls(UpdateNodegroupVersionCommand)[0]?.args[0].input).toEqual({
          clusterName: 'prod-a',
          nodegroupName: 'general',
          version: '1.33',
          releaseVersion: '1.33.5-20261110',
          clientRequestToken: 'tok',
        });
        expect(eks.commandCalls(UpdateNodegroupVersionCommand)[0]?.args[0].input).not.toHaveProperty('force');
      });

      it('sends force: true only for the forced retry', async () => {
        eks.on(UpdateNodegroupVersionCommand).resolves({ update: { id: 'u-9', status: 'InProgress' } });
        await port.updateNodegroupVersion(ref, {
          kind: 'release-version',
          version: null,
          releaseVersion: '1.33.5-20261110',
          clientRequestToken: 'tok-2',
          force: true,
        });
        expect(eks).toReceiveCommandWith(UpdateNodegroupVersionCommand, {
          force: true,
          clientRequestToken: 'tok-2',
        });
      });

      it('sends no version when the node group reports none', async () => {
        eks.on(UpdateNodegroupVersionCommand).resolves({ update: { id: 'u-3' } });
        await port.updateNodegroupVersion(ref, {
          kind: 'release-version',
          version: null,
          releaseVersion: '1.33.5-20261110',
          clientRequestToken: 'tok',
          force: false,
        });
        expect(eks.commandCalls(UpdateNodegroupVersionCommand)[0]?.args[0].input).not.toHaveProperty(
          'version',
        );
      });

      it('sends only the launch template reference for launch-template', async () => {
        eks.on(UpdateNodegroupVersionCommand).resolves({ update: { id: 'u-2' } });
        await port.updateNodegroupVersion(ref, {
          kind: 'launch-template',
          launchTemplateId: 'lt-01',
          version: '5',
          clientRequestToken: 'tok',
          force: false,
        });
        const input = eks.commandCalls(UpdateNodegroupVersionCommand)[0]?.args[0].input;
        expect(input).toEqual({
          clusterName: 'prod-a',
          nodegroupName: 'general',
          launchTemplate: { id: 'lt-01', version: '5' },
          clientRequestToken: 'tok',
        });
      });
    });

    describe('when an update is already in progress', () => {
      it('returns in-use', async () => {
        eks
          .on(UpdateNodegroupVersionCommand)
          .rejects(new ResourceInUseException({ message: 'UPDATING', ...meta }));
        const r = await port.updateNodegroupVersion(ref, {
          kind: 'release-version',
          version: null,
          releaseVersion: 'x',
          clientRequestToken: 't',
          force: false,
        });
        expect(r).toEqual({ kind: 'in-use', message: 'UPDATING' });
      });
    });

    describe('when EKS fails on its side', () => {
      it('throws AwsAdapterError with the code', async () => {
        eks.on(UpdateNodegroupVersionCommand).rejects(new ServerException({ message: 'boom', ...meta }));
        await expect(
          port.updateNodegroupVersion(ref, {
            kind: 'release-version',
            version: null,
            releaseVersion: 'x',
            clientRequestToken: 't',
            force: false,
          }),
        ).rejects.toBeInstanceOf(AwsAdapterError);
      });
    });
  });

  describe('describeNodegroup', () => {
    it('maps status, Kubernetes version, release and launch template', async () => {
      eks.on(DescribeNodegroupCommand).resolves({
        nodegroup: {
          status: 'ACTIVE',
          version: '1.32',
          releaseVersion: 'ami-0old',
          launchTemplate: { id: 'lt-01', name: 'c', version: '4' },
        },
      });
      expect(await port.describeNodegroup(ref)).toEqual({
        kind: 'found',
        nodegroup: {
          status: 'ACTIVE',
          version: '1.32',
          releaseVersion: 'ami-0old',
          launchTemplate: { id: 'lt-01', name: 'c', version: '4' },
        },
      });
    });

    it('returns not-found for ResourceNotFoundException', async () => {
      eks.on(DescribeNodegroupCommand).rejects(new ResourceNotFoundException({ message: 'gone', ...meta }));
      expect(await port.describeNodegroup(ref)).toEqual({ kind: 'not-found' });
    });
  });

  describe('describeUpdate and listUpdates', () => {
    it('maps errors with code, message and resources, and createdAt', async () => {
      eks.on(DescribeUpdateCommand).resolves({
        update: {
          id: 'u-1',
          status: 'Failed',
          type: 'VersionUpdate',
          params: [{ type: 'ReleaseVersion', value: '1.33.4-20261110' }],
          createdAt: new Date('2026-11-24T03:00:00.000Z'),
          errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'max retries', resourceIds: ['ip-1'] }],
        },
      });
      eks.on(ListUpdatesCommand).resolves({ updateIds: ['u-2', 'u-1'] });
      expect(await port.describeUpdate(ref, 'u-1')).toEqual({
        kind: 'found',
        update: {
          id: 'u-1',
          status: 'Failed',
          type: 'VersionUpdate',
          params: [{ type: 'ReleaseVersion', value: '1.33.4-20261110' }],
          createdAt: '2026-11-24T03:00:00.000Z',
          errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'max retries', resourceIds: ['ip-1'] }],
        },
      });
      expect(eks).toReceiveCommandWith(DescribeUpdateCommand, {
        name: 'prod-a',
        nodegroupName: 'general',
        updateId: 'u-1',
      });
      expect(await port.listUpdates(ref, 1)).toEqual(['u-2']);
    });

    it('follows nextToken through every page (EKS lists in no order), up to the limit', async () => {
      eks
        .on(ListUpdatesCommand, { nextToken: undefined })
        .resolves({ updateIds: ['u-7', 'u-1'], nextToken: 'p2' })
        .on(ListUpdatesCommand, { nextToken: 'p2' })
        .resolves({ updateIds: ['u-9', 'u-3'], nextToken: 'p3' })
        .on(ListUpdatesCommand, { nextToken: 'p3' })
        .resolves({ updateIds: ['u-2'] });
      expect(await port.listUpdates(ref, 500)).toEqual(['u-7', 'u-1', 'u-9', 'u-3', 'u-2']);
      expect(eks).toHaveReceivedCommandTimes(ListUpdatesCommand, 3);
      expect(eks).toReceiveCommandWith(ListUpdatesCommand, {
        name: 'prod-a',
        nodegroupName: 'general',
        maxResults: 100,
      });
      eks.resetHistory();
      expect(await port.listUpdates(ref, 3)).toEqual(['u-7', 'u-1', 'u-9']);
      expect(eks).toHaveReceivedCommandTimes(ListUpdatesCommand, 2);
    });
  });

  describe('launch template versions', () => {
    it('finds nodekeeper’s version by description marker and image', async () => {
      ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
        LaunchTemplateVersions: [
          {
            VersionNumber: 6,
            VersionDescription: 'someone else',
            LaunchTemplateData: { ImageId: 'ami-0new' },
          },
          {
            VersionNumber: 5,
            VersionDescription: 'nodekeeper:abc ami-0new',
            LaunchTemplateData: { ImageId: 'ami-0new' },
          },
        ],
      });
      const found = await port.findLaunchTemplateVersion(ref, {
        launchTemplateId: 'lt-01',
        sourceVersion: '4',
        imageId: 'ami-0new',
        descriptionPrefix: 'nodekeeper:abc',
      });
      expect(found).toBe('5');
      // MinVersion is "the version number after which to describe": the source version itself.
      expect(ec2).toReceiveCommandWith(DescribeLaunchTemplateVersionsCommand, {
        LaunchTemplateId: 'lt-01',
        MinVersion: '4',
        Filters: [{ Name: 'image-id', Values: ['ami-0new'] }],
      });
    });

    it('creates from the source version with only ImageId and the client token', async () => {
      // A source version without block device snapshots: nothing else needs passing.
      ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
        LaunchTemplateVersions: [{ VersionNumber: 4, LaunchTemplateData: { ImageId: 'ami-0old' } }],
      });
      ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
      const r = await port.createLaunchTemplateVersion(ref, {
        launchTemplateId: 'lt-01',
        sourceVersion: '4',
        imageId: 'ami-0new',
        clientToken: 'ct',
        description: 'nodekeeper:abc',
      });
      expect(r).toEqual({ kind: 'created', version: '5' });
      expect(ec2).toReceiveCommandWith(CreateLaunchTemplateVersionCommand, {
        LaunchTemplateId: 'lt-01',
        SourceVersion: '4',
        LaunchTemplateData: { ImageId: 'ami-0new' },
        ClientToken: 'ct',
        VersionDescription: 'nodekeeper:abc',
      });
    });

    it('returns rejected for an unknown source version', async () => {
      const err = Object.assign(new Error('Could not find launch template version 4'), {
        name: 'InvalidLaunchTemplateId.VersionNotFound',
        $metadata: { httpStatusCode: 400 },
      });
      ec2.on(DescribeLaunchTemplateVersionsCommand).rejects(err);
      ec2.on(CreateLaunchTemplateVersionCommand).rejects(err);
      const r = await port.createLaunchTemplateVersion(ref, {
        launchTemplateId: 'lt-01',
        sourceVersion: '4',
        imageId: 'ami-0new',
        clientToken: 'ct',
        description: 'd',
      });
      expect(r).toMatchObject({ kind: 'rejected', errorCode: 'InvalidLaunchTemplateId.VersionNotFound' });
    });
  });
});
