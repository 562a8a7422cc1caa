import { readFileSync } from 'node:fs';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  UpdateNodegroupVersionCommand,
} from '@aws-sdk/client-eks';
import { afterEach, describe, expect, it } from 'vitest';
import { type FleetFile, parseFleet, type Sandbox, startSandbox } from '../index.ts';
import { kubeletVersionOf } from '../src/fleet.ts';
import { clients, rejection } from './helpers.ts';

const NOW = '2026-11-22T09:00:00.000Z';
const DAY = 86_400;

/**
 * A 1.32 cluster whose control plane moves to 1.33 a day in and to 1.34 two days in; `eks` runs
 * EKS AMIs on 1.31, `golden` a custom AMI of 1.32 with a launch template whose versions carry the
 * 1.33 and 1.34 builds.
 */
function fleet(): FleetFile {
  return parseFleet({
    images: [
      {
        imageId: 'ami-0901de0000000132',
        name: 'golden-al2023-1.32-2026-11-01',
        creationDate: '2026-11-01T00:00:00Z',
      },
      {
        imageId: 'ami-0901de0000000133',
        name: 'golden-al2023-1.33-2026-11-01',
        creationDate: '2026-11-01T00:00:00Z',
      },
      {
        imageId: 'ami-0901de0000000134',
        name: 'golden-al2023-next',
        kubernetesVersion: '1.34',
        creationDate: '2026-11-01T00:00:00Z',
      },
    ],
    launchTemplates: [
      {
        launchTemplateId: 'lt-0901de000000000c1',
        launchTemplateName: 'golden',
        versions: [
          { versionNumber: 1, imageId: 'ami-0901de0000000132' },
          { versionNumber: 2, imageId: 'ami-0901de0000000133' },
          { versionNumber: 3, imageId: 'ami-0901de0000000134' },
        ],
      },
    ],
    clusters: [
      {
        name: 'c',
        version: '1.32',
        // EKS's own updates (end of support): they do not wait for the lagging group.
        versionUpdates: [
          { version: '1.33', at: '2026-11-23T09:00:00Z', automatic: true },
          { version: '1.34', at: '2026-11-24T09:00:00Z', automatic: true },
        ],
        nodegroups: [
          {
            name: 'eks',
            amiType: 'AL2023_x86_64_STANDARD',
            version: '1.31',
            releaseVersion: '1.31.13-20260915',
          },
          {
            name: 'golden',
            amiType: 'CUSTOM',
            releaseVersion: 'ami-0901de0000000132',
            launchTemplate: { id: 'lt-0901de000000000c1', version: '1' },
            update: { durationSeconds: 0 },
          },
        ],
      },
    ],
  });
}

describe('sandbox EKS versions', () => {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  async function start() {
    sb = await startSandbox({ now: NOW, fleet: fleet() });
    return { sb, eks: clients(sb).eks };
  }

  describe('when a control plane update is due', () => {
    it('reports the cluster at each version from its time on, one minor at a time', async () => {
      const { sb, eks } = await start();
      const version = async () =>
        (await eks.send(new DescribeClusterCommand({ name: 'c' }))).cluster?.version;
      expect(await version()).toBe('1.32');
      sb.clock.advance(DAY - 1);
      expect(await version()).toBe('1.32');
      sb.clock.advance(1);
      expect(await version()).toBe('1.33');
      sb.clock.advance(DAY);
      expect(await version()).toBe('1.34');
    });

    it('holds the owner’s update while a managed node group runs another version, and makes it once they match', async () => {
      const f = fleet();
      const c = f.clusters[0];
      if (c) c.versionUpdates = [{ version: '1.33', at: '2026-11-23T09:00:00Z', automatic: false }];
      sb = await startSandbox({ now: NOW, fleet: f });
      const eks = clients(sb).eks;
      const version = async () =>
        (await eks.send(new DescribeClusterCommand({ name: 'c' }))).cluster?.version;
      sb.clock.advance(2 * DAY);
      // The `eks` group still runs 1.31 in the 1.32 cluster: EKS refuses UpdateClusterVersion.
      expect(await version()).toBe('1.32');
      await eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'c',
          nodegroupName: 'eks',
          version: '1.32',
          releaseVersion: '1.32.9-20261120',
        }),
      );
      sb.clock.advance(DAY);
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'c', nodegroupName: 'eks' }),
      );
      expect(nodegroup?.version).toBe('1.32');
      expect(await version()).toBe('1.33');
    });

    it('refuses a fleet file whose control plane skips a minor, naming the field', () => {
      const raw = structuredClone(fleet()) as unknown as { clusters: Array<{ versionUpdates: unknown[] }> };
      const c = raw.clusters[0];
      if (c) c.versionUpdates = [{ version: '1.34', at: '2026-11-23T09:00:00Z' }];
      expect(() => parseFleet(raw)).toThrow(/one minor at a time: 1\.32 → 1\.33, not 1\.34/);
      try {
        parseFleet(raw);
      } catch (err) {
        expect((err as { issues: string[] }).issues).toContain(
          'clusters[0].versionUpdates[0].version: a control plane moves one minor at a time: 1.32 → 1.33, not 1.34',
        );
      }
    });
  });

  describe('when an EKS AMI group moves to a newer minor', () => {
    it('never goes past the cluster, and may go to the cluster’s minor in one update (EKS does not step)', async () => {
      const { sb, eks } = await start();
      const tooFar = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({ clusterName: 'c', nodegroupName: 'eks', version: '1.33' }),
        ),
      );
      expect(tooFar.name).toBe('InvalidParameterException');
      expect(tooFar.message).toMatch(/greater than cluster version 1\.32/);
      sb.clock.advance(2 * DAY);
      const { update } = await eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'c',
          nodegroupName: 'eks',
          version: '1.34',
          releaseVersion: '1.34.2-20261120',
        }),
      );
      expect(update?.params).toContainEqual({ type: 'Version', value: '1.34' });
      // The answer has the shape of AWS's published example: the same members, Version then ReleaseVersion.
      const sample = JSON.parse(
        readFileSync(
          new URL(
            '../../../test/fixtures/realcases/eks_update-nodegroup-version_latest.json',
            import.meta.url,
          ),
          'utf8',
        ),
      ) as { update: { params: Array<{ type: string }> } & Record<string, unknown> };
      expect(Object.keys(update ?? {}).sort()).toEqual(Object.keys(sample.update).sort());
      expect(update?.params?.map((p) => p.type)).toEqual(sample.update.params.map((p) => p.type));
      expect(update?.type).toBe(sample.update.type);
    });
  });

  describe('when a custom-AMI group takes a launch template version with another minor’s AMI', () => {
    it('reports the AMI’s kubelet minor as its version once the update succeeds', async () => {
      const { sb, eks } = await start();
      sb.clock.advance(DAY);
      await eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'c',
          nodegroupName: 'golden',
          launchTemplate: { id: 'lt-0901de000000000c1', version: '2' },
        }),
      );
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'c', nodegroupName: 'golden' }),
      );
      expect(nodegroup).toMatchObject({ version: '1.33', releaseVersion: 'ami-0901de0000000133' });
    });

    it('refuses an AMI whose kubelet is newer than the cluster and changes nothing', async () => {
      const { sb, eks } = await start();
      sb.clock.advance(DAY);
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'c',
            nodegroupName: 'golden',
            launchTemplate: { id: 'lt-0901de000000000c1', version: '3' },
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
      expect(err.message).toContain('runs Kubernetes 1.34, newer than cluster version 1.33');
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'c', nodegroupName: 'golden' }),
      );
      expect(nodegroup).toMatchObject({
        version: '1.32',
        status: 'ACTIVE',
        launchTemplate: { version: '1' },
      });
    });
  });
});

describe('kubeletVersionOf', () => {
  it.each([
    ['amazon-eks-node-al2023-x86_64-standard-1.33-v20261110', '1.33'],
    ['amazon-eks-node-1.32-v20241220', '1.32'],
    ['bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12', '1.33'],
    ['Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12', '1.33'],
    ['golden-eks-al2023-x86_64-1.33-2026-11-18', '1.33'],
  ])('reads %s as %s', (name, version) => {
    expect(kubeletVersionOf({ name })).toBe(version);
  });

  it('prefers kubernetesVersion, and is null when nothing tells', () => {
    expect(kubeletVersionOf({ name: 'golden-1.30-x', kubernetesVersion: '1.31' })).toBe('1.31');
    expect(kubeletVersionOf({ name: 'web-golden-2026-11-18' })).toBeNull();
  });
});
