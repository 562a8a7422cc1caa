import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  ListClustersCommand,
  ListNodegroupsCommand,
  ListUpdatesCommand,
  UpdateNodegroupVersionCommand,
} from '@aws-sdk/client-eks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../index.ts';
import { clients, rejection } from './helpers.ts';

const NOW = '2026-11-22T09:00:00.000Z';

describe('sandbox EKS', () => {
  let sb: Sandbox;
  let eks: ReturnType<typeof clients>['eks'];

  beforeEach(async () => {
    sb = await startSandbox({ now: NOW });
    ({ eks } = clients(sb));
  });
  afterEach(async () => {
    await sb.close();
  });

  describe('when listing', () => {
    it('pages clusters with maxResults and nextToken', async () => {
      const first = await eks.send(new ListClustersCommand({ maxResults: 2 }));
      expect(first.clusters).toEqual(['prod-a', 'prod-b']);
      expect(first.nextToken).toBeDefined();
      const second = await eks.send(new ListClustersCommand({ maxResults: 2, nextToken: first.nextToken }));
      expect(second.clusters).toEqual(['dev-a']);
      expect(second.nextToken).toBeUndefined();
    });

    it('pages node groups', async () => {
      const names: string[] = [];
      let nextToken: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await eks.send(
          new ListNodegroupsCommand({ clusterName: 'prod-a', maxResults: 2, nextToken }),
        );
        names.push(...(page.nodegroups ?? []));
        nextToken = page.nextToken;
        if (!nextToken) break;
      }
      expect(names).toEqual(['general', 'arm', 'gpu', 'custom', 'windows']);
    });

    it('rejects maxResults out of range with InvalidParameterException', async () => {
      const err = await rejection(eks.send(new ListClustersCommand({ maxResults: 101 })));
      expect(err.name).toBe('InvalidParameterException');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(sb.takeViolations()).toMatchObject([
        { operation: 'ListClusters', path: 'maxResults', rule: 'range' },
      ]);
    });
  });

  describe('when listing updates', () => {
    /** Runs `n` zero-second updates on prod-a/general; returns their IDs in creation order. */
    async function runUpdates(n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const { update } = await eks.send(
          new UpdateNodegroupVersionCommand({ clusterName: 'prod-a', nodegroupName: 'general' }),
        );
        ids.push(update?.id ?? '');
        sb.clock.advance(30);
      }
      return ids;
    }

    async function listAll(maxResults?: number): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await eks.send(
          new ListUpdatesCommand({ name: 'prod-a', nodegroupName: 'general', maxResults, nextToken }),
        );
        ids.push(...(page.updateIds ?? []));
        nextToken = page.nextToken;
        pages += 1;
      } while (nextToken && pages < 50);
      return { ids, pages };
    }

    it('lists them in no chronological order (aws/containers-roadmap#1439), the same order every time', async () => {
      const created = await runUpdates(8);
      const { ids } = await listAll();
      expect([...ids].sort()).toEqual([...created].sort());
      expect(ids).not.toEqual(created);
      expect(ids).not.toEqual([...created].reverse());
      expect((await listAll()).ids).toEqual(ids);
    });

    it('pages with maxResults and nextToken, every update exactly once', async () => {
      const created = await runUpdates(5);
      const { ids, pages } = await listAll(2);
      expect(pages).toBe(3);
      expect([...ids].sort()).toEqual([...created].sort());
    });

    it('rejects maxResults above 100 (the EKS model bound)', async () => {
      const err = await rejection(
        eks.send(new ListUpdatesCommand({ name: 'prod-a', nodegroupName: 'general', maxResults: 101 })),
      );
      expect(err.name).toBe('InvalidParameterException');
      expect(sb.takeViolations()).toMatchObject([
        { operation: 'ListUpdates', path: 'maxResults', rule: 'range' },
      ]);
    });
  });

  describe('when describing', () => {
    it('returns the cluster in EKS shape', async () => {
      const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'dev-a' }));
      expect(cluster).toMatchObject({
        name: 'dev-a',
        version: '1.32',
        status: 'ACTIVE',
        arn: 'arn:aws:eks:us-east-1:111122223333:cluster/dev-a',
      });
      expect(cluster?.createdAt).toBeInstanceOf(Date);
    });

    it('returns a node group with its launch template and tags', async () => {
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-b', nodegroupName: 'golden' }),
      );
      expect(nodegroup).toMatchObject({
        amiType: 'CUSTOM',
        releaseVersion: 'ami-0901de0000001020',
        version: '1.33',
        launchTemplate: { id: 'lt-0901de000000000b1', name: 'prod-b-golden-nodes', version: '1' },
        tags: { 'nodekeeper.io/ami-parameter': '/golden/eks-al2023/ami' },
      });
      expect(nodegroup?.resources?.autoScalingGroups?.[0]?.name).toMatch(/^eks-golden-/);
    });

    it('answers ResourceNotFoundException 404 for an unknown node group', async () => {
      const err = await rejection(
        eks.send(new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'nope' })),
      );
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.$metadata?.httpStatusCode).toBe(404);
      expect(err.message).toContain('nope');
    });

    it('answers ResourceNotFoundException for an unknown cluster', async () => {
      const err = await rejection(eks.send(new DescribeClusterCommand({ name: 'ghost' })));
      expect(err.name).toBe('ResourceNotFoundException');
    });
  });

  describe('when a release update runs', () => {
    it('is InProgress, then Successful with the new release applied', async () => {
      const { update } = await eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'prod-a',
          nodegroupName: 'general',
          releaseVersion: '1.33.5-20261110',
        }),
      );
      expect(update).toMatchObject({
        status: 'InProgress',
        type: 'VersionUpdate',
        params: [
          { type: 'Version', value: '1.33' },
          { type: 'ReleaseVersion', value: '1.33.5-20261110' },
        ],
        errors: [],
      });
      const during = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'general' }),
      );
      expect(during.nodegroup?.status).toBe('UPDATING');
      expect(during.nodegroup?.releaseVersion).toBe('1.33.4-20261001');

      sb.clock.advance(20);
      const done = await eks.send(
        new DescribeUpdateCommand({ name: 'prod-a', nodegroupName: 'general', updateId: update?.id }),
      );
      expect(done.update?.status).toBe('Successful');
      const after = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'general' }),
      );
      expect(after.nodegroup).toMatchObject({ status: 'ACTIVE', releaseVersion: '1.33.5-20261110' });
      const ids = await eks.send(new ListUpdatesCommand({ name: 'prod-a', nodegroupName: 'general' }));
      expect(ids.updateIds).toEqual([update?.id]);
    });

    it('uses the latest release from SSM when releaseVersion is omitted', async () => {
      const { update } = await eks.send(
        new UpdateNodegroupVersionCommand({ clusterName: 'prod-a', nodegroupName: 'windows' }),
      );
      expect(update?.params).toContainEqual({ type: 'ReleaseVersion', value: '1.33-2026.11.12' });
    });

    it('returns the same update for the same clientRequestToken', async () => {
      const input = { clusterName: 'prod-a', nodegroupName: 'arm', clientRequestToken: 'tok-1' };
      const a = await eks.send(new UpdateNodegroupVersionCommand(input));
      const b = await eks.send(new UpdateNodegroupVersionCommand(input));
      expect(b.update?.id).toBe(a.update?.id);
    });

    it('answers ResourceInUseException 409 for a second update while UPDATING', async () => {
      await eks.send(new UpdateNodegroupVersionCommand({ clusterName: 'prod-a', nodegroupName: 'arm' }));
      const err = await rejection(
        eks.send(new UpdateNodegroupVersionCommand({ clusterName: 'prod-a', nodegroupName: 'arm' })),
      );
      expect(err.name).toBe('ResourceInUseException');
      expect(err.$metadata?.httpStatusCode).toBe(409);
    });

    it('answers ResourceInUseException for a group that is UPDATING in the fleet file until its update ends', async () => {
      const err = await rejection(
        eks.send(new UpdateNodegroupVersionCommand({ clusterName: 'prod-b', nodegroupName: 'batch' })),
      );
      expect(err.name).toBe('ResourceInUseException');
      const ids = await eks.send(new ListUpdatesCommand({ name: 'prod-b', nodegroupName: 'batch' }));
      expect(ids.updateIds).toHaveLength(1);
      sb.clock.advance(90);
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-b', nodegroupName: 'batch' }),
      );
      expect(nodegroup?.status).toBe('ACTIVE');
    });

    it('fails with PodEvictionFailure and leaves the version unchanged', async () => {
      const { update } = await eks.send(
        new UpdateNodegroupVersionCommand({ clusterName: 'prod-a', nodegroupName: 'gpu' }),
      );
      sb.clock.advance(15);
      const done = await eks.send(
        new DescribeUpdateCommand({ name: 'prod-a', nodegroupName: 'gpu', updateId: update?.id }),
      );
      expect(done.update?.status).toBe('Failed');
      expect(done.update?.errors?.[0]).toMatchObject({
        errorCode: 'PodEvictionFailure',
        errorMessage: 'Reached max retries while trying to evict pods from nodes in node group gpu',
      });
      expect(done.update?.errors?.[0]?.resourceIds?.[0]).toMatch(/^ip-.*\.ec2\.internal$/);
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'gpu' }),
      );
      expect(nodegroup).toMatchObject({ status: 'ACTIVE', releaseVersion: '1.33.4-20261001' });
    });

    it('succeeds despite PodDisruptionBudgets when force is set', async () => {
      const { update } = await eks.send(
        new UpdateNodegroupVersionCommand({ clusterName: 'prod-a', nodegroupName: 'gpu', force: true }),
      );
      sb.clock.advance(15);
      const done = await eks.send(
        new DescribeUpdateCommand({ name: 'prod-a', nodegroupName: 'gpu', updateId: update?.id }),
      );
      expect(done.update?.status).toBe('Successful');
    });

    it('fails with NodeCreationFailure naming an instance', async () => {
      const { update } = await eks.send(
        new UpdateNodegroupVersionCommand({ clusterName: 'dev-a', nodegroupName: 'lagging' }),
      );
      sb.clock.advance(10);
      const done = await eks.send(
        new DescribeUpdateCommand({ name: 'dev-a', nodegroupName: 'lagging', updateId: update?.id }),
      );
      expect(done.update?.errors?.[0]?.errorCode).toBe('NodeCreationFailure');
      expect(done.update?.errors?.[0]?.resourceIds?.[0]).toMatch(/^i-/);
    });

    it('moves a group without `version` to the cluster version (current SDK model), and keeps it with one', async () => {
      // dev-a runs 1.32; its node group `lagging` still runs 1.31.
      const kept = await eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'dev-a',
          nodegroupName: 'lagging',
          version: '1.31',
          releaseVersion: '1.31.13-20260915',
        }),
      );
      expect(kept.update?.params).toContainEqual({ type: 'Version', value: '1.31' });
      sb.clock.advance(10);
      // Without `version`, a release of the group's own older minor is not valid for the cluster's.
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'dev-a',
            nodegroupName: 'lagging',
            releaseVersion: '1.31.13-20260915',
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
      expect(err.message).toContain('1.32');
      const moved = await eks.send(
        new UpdateNodegroupVersionCommand({ clusterName: 'dev-a', nodegroupName: 'lagging' }),
      );
      expect(moved.update?.params).toContainEqual({ type: 'Version', value: '1.32' });
    });

    it('never makes a group newer than its cluster', async () => {
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'dev-a',
            nodegroupName: 'lagging',
            version: '1.33',
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
      expect(err.message).toMatch(/greater than cluster version 1\.32/);
    });

    it('rejects a release for another Kubernetes version', async () => {
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'prod-a',
            nodegroupName: 'general',
            releaseVersion: '1.32.9-20261110',
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
    });
  });

  describe('when asked to go back to an earlier release', () => {
    it('refuses it as EKS does (no rollback to an earlier AMI version) and changes nothing', async () => {
      const before = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'general' }),
      );
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'prod-a',
            nodegroupName: 'general',
            version: '1.33',
            releaseVersion: '1.33.3-20260901',
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toContain('You cannot roll back a node group to an earlier AMI version');
      const after = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'general' }),
      );
      expect(after.nodegroup?.releaseVersion).toBe(before.nodegroup?.releaseVersion);
      expect(after.nodegroup?.status).toBe('ACTIVE');
    });
  });

  describe('when a launch template update runs', () => {
    it('sets the template version and the AMI as releaseVersion', async () => {
      const { update } = await eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'prod-a',
          nodegroupName: 'custom',
          launchTemplate: { id: 'lt-0c05a0000000000a1', version: '2' },
        }),
      );
      expect(update?.params).toEqual([
        { type: 'LaunchTemplateName', value: 'prod-a-custom-nodes' },
        { type: 'LaunchTemplateVersion', value: '2' },
      ]);
      sb.clock.advance(20);
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'custom' }),
      );
      expect(nodegroup?.launchTemplate?.version).toBe('2');
      expect(nodegroup?.releaseVersion).toBe('ami-0a2023x8600001001');
      expect(
        sb.state().clusters[0]?.nodegroups.find((n) => n.name === 'custom')?.launchTemplate?.version,
      ).toBe('2');
    });

    it('rejects releaseVersion on a CUSTOM node group', async () => {
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'prod-a',
            nodegroupName: 'custom',
            releaseVersion: '1.33.5-20261110',
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
    });

    it('rejects a launch template on a node group created without one', async () => {
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'prod-a',
            nodegroupName: 'general',
            launchTemplate: { id: 'lt-0c05a0000000000a1', version: '3' },
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
    });

    it('rejects a launch template named by both id and name, as EKS does', async () => {
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'prod-a',
            nodegroupName: 'custom',
            launchTemplate: { id: 'lt-0c05a0000000000a1', name: 'prod-a-custom-nodes', version: '2' },
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe('Either provide launch template ID or launch template name in the request.');
    });

    it('rejects a template version that does not exist', async () => {
      const err = await rejection(
        eks.send(
          new UpdateNodegroupVersionCommand({
            clusterName: 'prod-a',
            nodegroupName: 'custom',
            launchTemplate: { name: 'prod-a-custom-nodes', version: '9' },
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
    });
  });
});
