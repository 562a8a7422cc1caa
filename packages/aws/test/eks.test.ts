import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
  ResourceNotFoundException,
  ServerException,
  type Update,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeCluster,
  describeNodegroup,
  listClusters,
  listNodegroups,
  toUpdateFacts,
} from '../src/eks.ts';
import { AwsAdapterError } from '../src/errors.ts';
import { realcase } from './helpers.ts';

const eksMock = mockClient(EKSClient);
const eks = new EKSClient({ region: 'us-east-1' });

afterEach(() => {
  eksMock.reset();
});

describe('listClusters', () => {
  describe('when the answer spans pages', () => {
    it('follows nextToken and asks for 100 a page', async () => {
      eksMock
        .on(ListClustersCommand, { nextToken: undefined })
        .resolves({ clusters: ['a', 'b'], nextToken: 't1' })
        .on(ListClustersCommand, { nextToken: 't1' })
        .resolves({ clusters: ['c'] });
      expect(await listClusters(eks)).toEqual(['a', 'b', 'c']);
      expect(eksMock).toHaveReceivedCommandTimes(ListClustersCommand, 2);
      expect(eksMock).toHaveReceivedCommandWith(ListClustersCommand, { maxResults: 100 });
    });
  });

  describe('when EKS fails', () => {
    it('throws AwsAdapterError naming the operation and code', async () => {
      eksMock.on(ListClustersCommand).rejects(new ServerException({ message: 'try later', $metadata: {} }));
      const err = await listClusters(eks).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsAdapterError);
      expect(err).toMatchObject({
        name: 'AwsAdapterError',
        service: 'eks',
        operation: 'ListClusters',
        code: 'ServerException',
        message: 'ListClusters failed: ServerException: try later',
      });
      expect((err as Error).cause).toBeInstanceOf(ServerException);
    });
  });
});

describe('describeCluster', () => {
  describe('when the cluster exists', () => {
    it('returns name, version, status and tags', async () => {
      const { cluster } = realcase<{ cluster: { name: string } }>('eks_describe-cluster.json');
      eksMock.on(DescribeClusterCommand).resolves({ cluster: { ...cluster, createdAt: undefined } } as never);
      const out = await describeCluster(eks, cluster.name);
      expect(out.name).toBe(cluster.name);
      expect(out.version).toMatch(/^\d+\.\d+$/);
      expect(out.status).toBe('ACTIVE');
      expect(eksMock).toHaveReceivedCommandWith(DescribeClusterCommand, { name: cluster.name });
    });
  });
});

describe('listNodegroups', () => {
  describe('when the answer spans pages', () => {
    it('follows nextToken for the cluster', async () => {
      eksMock
        .on(ListNodegroupsCommand, { clusterName: 'prod', nextToken: undefined })
        .resolves({ nodegroups: ['a'], nextToken: 'n' })
        .on(ListNodegroupsCommand, { clusterName: 'prod', nextToken: 'n' })
        .resolves({ nodegroups: ['b'] });
      expect(await listNodegroups(eks, 'prod')).toEqual(['a', 'b']);
      expect(eksMock).toHaveReceivedCommandTimes(ListNodegroupsCommand, 2);
    });
  });
});

describe('describeNodegroup', () => {
  describe('when the node group exists (published AL2 example)', () => {
    it('normalizes it', async () => {
      const { nodegroup } = realcase<{ nodegroup: Record<string, unknown> }>(
        'eks_describe-nodegroup_al2.json',
      );
      eksMock
        .on(DescribeNodegroupCommand)
        .resolves({ nodegroup: { ...nodegroup, createdAt: undefined, modifiedAt: undefined } } as never);
      const out = await describeNodegroup(eks, 'my-eks-cluster', 'my-eks-nodegroup');
      expect(out).toEqual({
        kind: 'found',
        nodegroup: {
          cluster: 'my-eks-cluster',
          nodegroup: 'my-eks-nodegroup',
          status: 'ACTIVE',
          amiType: 'AL2_x86_64',
          version: '1.26',
          releaseVersion: '1.26.12-20240329',
          launchTemplate: null,
          tags: {},
          desiredSize: 1,
          healthIssues: [],
          // The sample reports `updateConfig: { maxUnavailable: 1 }` and no strategy.
          updateConfig: { updateStrategy: null, maxUnavailable: 1, maxUnavailablePercentage: null },
        },
      });
    });
  });

  describe('when the node group uses a launch template', () => {
    it('keeps id, name and version', async () => {
      eksMock.on(DescribeNodegroupCommand).resolves({
        nodegroup: {
          nodegroupName: 'ng',
          amiType: 'CUSTOM',
          launchTemplate: { id: 'lt-1', name: 'custom', version: '4' },
        },
      });
      const out = await describeNodegroup(eks, 'c', 'ng');
      expect(out.kind === 'found' && out.nodegroup.launchTemplate).toEqual({
        id: 'lt-1',
        name: 'custom',
        version: '4',
      });
    });
  });

  describe('when EKS answers ResourceNotFoundException', () => {
    it('returns not-found', async () => {
      eksMock
        .on(DescribeNodegroupCommand)
        .rejects(new ResourceNotFoundException({ message: 'No node group found', $metadata: {} }));
      expect(await describeNodegroup(eks, 'c', 'gone')).toEqual({ kind: 'not-found' });
    });
  });

  describe('when EKS fails otherwise', () => {
    it('throws AwsAdapterError', async () => {
      eksMock.on(DescribeNodegroupCommand).rejects(new ServerException({ message: 'oops', $metadata: {} }));
      await expect(describeNodegroup(eks, 'c', 'ng')).rejects.toThrow(
        'DescribeNodegroup failed: ServerException: oops',
      );
    });
  });
});

describe('toUpdateFacts', () => {
  describe('when the update failed (published PodEvictionFailure example)', () => {
    it('keeps its status, params and errors', () => {
      const { update } = realcase<{ update: Record<string, unknown> }>(
        'eks_describe-update_nodegroup-version_failed-podevictionfailure.json',
      );
      expect(toUpdateFacts({ ...update, createdAt: undefined } as Update)).toEqual({
        id: update.id,
        status: 'Failed',
        type: 'VersionUpdate',
        // The published sample's params: what reclaiming an unrecorded update matches on.
        params: [
          { type: 'Version', value: '1.26' },
          { type: 'ReleaseVersion', value: '1.26.4-20230526' },
        ],
        createdAt: null,
        errors: [
          {
            errorCode: 'PodEvictionFailure',
            errorMessage: expect.stringContaining('Reached max retries'),
            resourceIds: ['ip-192-168-2-44.eu-west-1.compute.internal'],
          },
        ],
      });
    });
  });
});
