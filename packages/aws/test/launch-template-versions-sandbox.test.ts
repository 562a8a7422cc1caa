import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import { type AwsClients, createClients, createRolloutPort } from '@nodekeeper/aws';
import {
  type RolloutRequest,
  retireLaunchTemplateVersions,
  versionDescription,
} from '@nodekeeper/core/rollout';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterEach, describe, expect, it } from 'vitest';

/** The demo fleet's AL2023 x86 images (prod-a/custom runs the old one). */
const DemoAmis = { al2023x86Old: 'ami-0a2023x8600001001', al2023x86New: 'ami-0a2023x8600001110' };
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const LT = 'lt-0c05a0000000000a1';
const NOW = '2026-11-24T03:00:00.000Z';
const ref = { accountId: null, region: 'us-east-1', cluster: 'prod-a', nodegroup: 'custom' };

let sb: Sandbox | null = null;
let clients: AwsClients | null = null;

afterEach(async () => {
  clients?.destroy();
  clients = null;
  await sb?.close();
  sb = null;
});

async function start(fleet = demoFleet()) {
  sb = await startSandbox({ fleet, now: NOW });
  clients = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials, maxAttempts: 1 });
  const port = createRolloutPort(() => ({
    eks: clients?.eks as AwsClients['eks'],
    ec2: clients?.ec2 as AwsClients['ec2'],
  }));
  return { sb, ec2: clients.ec2, port };
}

function customRequest(overrides: Partial<RolloutRequest> = {}): RolloutRequest {
  return {
    ...ref,
    strategy: 'launch-template',
    current: { releaseVersion: DemoAmis.al2023x86Old, imageId: DemoAmis.al2023x86Old },
    target: { releaseVersion: null, imageId: DemoAmis.al2023x86New },
    launchTemplate: { id: LT, version: '3' },
    wave: null,
    attempt: 1,
    ...overrides,
  };
}

describe('the rollout port’s launch template versions against the sandbox', () => {
  describe('when nodekeeper looks for the version it created', () => {
    it('finds the version right after the source (MinVersion is exclusive)', async () => {
      const { port } = await start();
      const created = await port.createLaunchTemplateVersion(ref, {
        launchTemplateId: LT,
        sourceVersion: '3',
        imageId: DemoAmis.al2023x86New,
        clientToken: 'nodekeeper-lt-test',
        description: 'nodekeeper:0123456789abcdef ami for prod-a/custom',
      });
      expect(created).toEqual({ kind: 'created', version: '4' });
      const found = await port.findLaunchTemplateVersion(ref, {
        launchTemplateId: LT,
        sourceVersion: '3',
        imageId: DemoAmis.al2023x86New,
        descriptionPrefix: 'nodekeeper:0123456789abcdef',
      });
      expect(found).toBe('4');
    });
  });

  describe('when the source version’s block devices carry snapshots', () => {
    it('keeps the data volume’s snapshot and drops the outgoing AMI’s root snapshot', async () => {
      const { ec2, port, sb: sandbox } = await start();
      const oldImage = await ec2.send(new DescribeImagesCommand({ ImageIds: [DemoAmis.al2023x86Old] }));
      const oldRoot = oldImage.Images?.[0]?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId;
      expect(oldRoot).toMatch(/^snap-/);
      const source = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: LT,
          SourceVersion: '3',
          LaunchTemplateData: {
            BlockDeviceMappings: [
              { DeviceName: '/dev/xvda', Ebs: { SnapshotId: oldRoot, VolumeSize: 40, VolumeType: 'gp3' } },
              { DeviceName: '/dev/xvdb', Ebs: { SnapshotId: 'snap-0cache00000000001', VolumeSize: 100 } },
            ],
          },
        }),
      );
      const sourceVersion = String(source.LaunchTemplateVersion?.VersionNumber);
      const created = await port.createLaunchTemplateVersion(ref, {
        launchTemplateId: LT,
        sourceVersion,
        imageId: DemoAmis.al2023x86New,
        clientToken: 'nodekeeper-lt-snap',
        description: 'nodekeeper:snap',
      });
      expect(created.kind).toBe('created');
      const described = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: LT,
          Versions: [created.kind === 'created' ? created.version : '?'],
        }),
      );
      const data = described.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
      expect(data?.ImageId).toBe(DemoAmis.al2023x86New);
      expect(data?.BlockDeviceMappings).toEqual([
        { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 40, VolumeType: 'gp3' } },
        { DeviceName: '/dev/xvdb', Ebs: { SnapshotId: 'snap-0cache00000000001', VolumeSize: 100 } },
      ]);
      // Everything else still comes from the source version.
      expect(data).toMatchObject({ KeyName: 'ops-key', InstanceType: 'm6i.xlarge' });
      expect(sandbox.calls().filter((c) => c.operation === 'DescribeImages')).toHaveLength(2);
    });
  });

  describe('when a rollout succeeded and nodekeeper has many old versions', () => {
    it('retires the old ones no node group uses, keeping the default, the in-use and the newest', async () => {
      const fleet = demoFleet();
      const template = fleet.launchTemplates.find((t) => t.launchTemplateId === LT);
      const base = template?.versions.find((v) => v.versionNumber === 3);
      if (!template || !base) throw new Error('demo fleet changed: no template version 3');
      const request = customRequest();
      for (let n = 4; n <= 11; n += 1) {
        const key = `${n.toString(16).padStart(2, '0')}${'0'.repeat(62)}`;
        template.versions.push({
          ...base,
          versionNumber: n,
          imageId: `ami-0a2023x86000010${String(n).padStart(2, '0')}`,
          versionDescription: versionDescription(
            key,
            n === 5 ? { ...request, nodegroup: 'custom-b' } : request,
          ),
          createTime: '2026-10-15T00:00:00.000Z',
        });
      }
      const cluster = fleet.clusters.find((c) => c.name === 'prod-a');
      const custom = cluster?.nodegroups.find((n) => n.name === 'custom');
      if (!cluster || !custom) throw new Error('demo fleet changed: no prod-a/custom');
      custom.launchTemplate = { id: LT, version: '11' };
      cluster.nodegroups.push({ ...custom, name: 'custom-b', launchTemplate: { id: LT, version: '5' } });
      const { port, sb: sandbox } = await start(fleet);

      const retention = { keep: 3, users: [ref, { ...ref, nodegroup: 'custom-b' }] };
      const result = await retireLaunchTemplateVersions(customRequest({ versionRetention: retention }), {
        aws: port,
        now: () => new Date(NOW),
      });
      expect(result).toMatchObject({ kind: 'retired', retired: ['8', '7', '6', '4'], failed: [] });
      const left = sandbox.state().launchTemplates.find((t) => t.launchTemplateId === LT)?.versions;
      expect(left?.map((v) => v.versionNumber).sort((a, b) => a - b)).toEqual([2, 3, 5, 9, 10, 11]);

      // Run again (a replayed step): nothing more to delete, nothing fails.
      const again = await retireLaunchTemplateVersions(customRequest({ versionRetention: retention }), {
        aws: port,
        now: () => new Date(NOW),
      });
      expect(again).toMatchObject({ kind: 'retired', retired: [], failed: [] });
    });
  });
});
