import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../index.ts';
import { clients, rejection } from './helpers.ts';

/** The demo fleet's prod-a template: versions 2 and 3, default 3. */
const LT = 'lt-0c05a0000000000a1';
const LT_NAME = 'prod-a-custom-nodes';

const snapshotMappings = [
  { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 40, VolumeType: 'gp3' as const } },
  {
    DeviceName: '/dev/xvdb',
    Ebs: { SnapshotId: 'snap-0cache00000000001', VolumeSize: 100, DeleteOnTermination: true },
  },
];

describe('sandbox EC2 launch template versions (documented semantics)', () => {
  let sb: Sandbox;
  let ec2: ReturnType<typeof clients>['ec2'];

  beforeEach(async () => {
    sb = await startSandbox({ now: '2026-11-22T09:00:00.000Z' });
    ({ ec2 } = clients(sb));
  });
  afterEach(async () => {
    await sb.close();
  });

  const versionsOf = async (input: { MinVersion?: string; MaxVersion?: string }) =>
    (
      await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, ...input }))
    ).LaunchTemplateVersions?.map((v) => v.VersionNumber);

  describe('DescribeLaunchTemplateVersions MinVersion', () => {
    it('describes only the versions after MinVersion (exclusive)', async () => {
      expect(await versionsOf({ MinVersion: '2' })).toEqual([3]);
      expect(await versionsOf({ MinVersion: '3' })).toEqual([]);
    });

    it('describes the versions up to MaxVersion (inclusive)', async () => {
      expect(await versionsOf({ MaxVersion: '2' })).toEqual([2]);
    });
  });

  describe('CreateLaunchTemplateVersion with SourceVersion', () => {
    it('drops the block devices’ snapshot IDs unless they are passed explicitly', async () => {
      const withSnapshots = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: LT,
          SourceVersion: '3',
          LaunchTemplateData: { BlockDeviceMappings: snapshotMappings },
        }),
      );
      const source = String(withSnapshots.LaunchTemplateVersion?.VersionNumber);
      expect(
        withSnapshots.LaunchTemplateVersion?.LaunchTemplateData?.BlockDeviceMappings?.[1]?.Ebs?.SnapshotId,
      ).toBe('snap-0cache00000000001');

      const inherited = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: LT,
          SourceVersion: source,
          LaunchTemplateData: { ImageId: 'ami-0a2023x8600001110' },
        }),
      );
      expect(inherited.LaunchTemplateVersion?.LaunchTemplateData?.BlockDeviceMappings).toEqual([
        { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 40, VolumeType: 'gp3' } },
        { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 100, DeleteOnTermination: true } },
      ]);

      const explicit = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: LT,
          SourceVersion: source,
          LaunchTemplateData: { ImageId: 'ami-0a2023x8600001110', BlockDeviceMappings: snapshotMappings },
        }),
      );
      expect(explicit.LaunchTemplateVersion?.LaunchTemplateData?.BlockDeviceMappings).toEqual(
        snapshotMappings,
      );
      // The source version itself keeps its snapshots.
      const described = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, Versions: [source] }),
      );
      expect(
        described.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.BlockDeviceMappings?.[1]?.Ebs?.SnapshotId,
      ).toBe('snap-0cache00000000001');
    });
  });

  describe('when a request names the template by both ID and name', () => {
    it('answers InvalidParameterCombination for every launch template call', async () => {
      const both = { LaunchTemplateId: LT, LaunchTemplateName: LT_NAME };
      const calls = [
        ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...both, Versions: ['3'] })),
        ec2.send(
          new CreateLaunchTemplateVersionCommand({
            ...both,
            SourceVersion: '3',
            LaunchTemplateData: { ImageId: 'ami-0a2023x8600001110' },
          }),
        ),
        ec2.send(new ModifyLaunchTemplateCommand({ ...both, DefaultVersion: '2' })),
        ec2.send(new DeleteLaunchTemplateVersionsCommand({ ...both, Versions: ['2'] })),
      ];
      for (const call of calls) {
        const err = await rejection(call);
        expect(err.name).toBe('InvalidParameterCombination');
        expect(err.$metadata?.httpStatusCode).toBe(400);
      }
      expect(sb.state().launchTemplates.find((t) => t.launchTemplateId === LT)?.versions).toHaveLength(2);
    });
  });

  describe('DeleteLaunchTemplateVersions', () => {
    it('deletes a version and refuses the default one per version, at HTTP 200', async () => {
      const out = await ec2.send(
        new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, Versions: ['2', '3', '9'] }),
      );
      expect(out.SuccessfullyDeletedLaunchTemplateVersions).toEqual([
        { LaunchTemplateId: LT, LaunchTemplateName: LT_NAME, VersionNumber: 2 },
      ]);
      expect(out.UnsuccessfullyDeletedLaunchTemplateVersions).toEqual([
        {
          LaunchTemplateId: LT,
          LaunchTemplateName: LT_NAME,
          VersionNumber: 3,
          ResponseError: { Code: 'unexpectedError', Message: expect.stringContaining('default version') },
        },
        {
          LaunchTemplateId: LT,
          LaunchTemplateName: LT_NAME,
          VersionNumber: 9,
          ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: expect.any(String) },
        },
      ]);
      expect(await versionsOf({})).toEqual([3]);
    });

    it('never reuses the number of a deleted version', async () => {
      const created = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateName: LT_NAME,
          SourceVersion: '3',
          LaunchTemplateData: { ImageId: 'ami-0a2023x8600001110' },
        }),
      );
      expect(created.LaunchTemplateVersion?.VersionNumber).toBe(4);
      await ec2.send(
        new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateName: LT_NAME, Versions: ['4'] }),
      );
      const next = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: LT,
          SourceVersion: '3',
          LaunchTemplateData: { ImageId: 'ami-0a2023x8600001110' },
        }),
      );
      expect(next.LaunchTemplateVersion?.VersionNumber).toBe(5);
    });

    it('refuses more than 200 versions in one request', async () => {
      const versions = Array.from({ length: 201 }, (_, i) => String(i + 10));
      const err = await rejection(
        ec2.send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: LT, Versions: versions })),
      );
      expect(err.name).toBe('InvalidParameterValue');
      expect(err.$metadata?.httpStatusCode).toBe(400);
    });
  });
});
