import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  type EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
  type Nodegroup,
  type Update,
} from '@aws-sdk/client-eks';
import type { UpdateConfig } from '@nodekeeper/core/plan';
import type { UpdateFacts, UpdateStatus } from '@nodekeeper/core/rollout';
import { callAws, describeAwsError } from './errors.ts';
import './services/eks.ts';

/** EKS read adapters. Each is one logical call (or one per page), wraps failures in AwsAdapterError, and mutates nothing. */

const service = 'eks';

/** Every cluster name in the region, following `nextToken` (100 per page). */
export async function listClusters(eks: EKSClient): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await callAws(service, 'ListClusters', () =>
      eks.send(new ListClustersCommand({ maxResults: 100, nextToken })),
    );
    names.push(...(out.clusters ?? []));
    nextToken = out.nextToken || undefined;
  } while (nextToken);
  return names;
}

/** What nodekeeper needs from DescribeCluster. */
export interface EksCluster {
  name: string;
  version: string;
  status: string;
  tags: Record<string, string>;
}

export async function describeCluster(eks: EKSClient, cluster: string): Promise<EksCluster> {
  const out = await callAws(service, 'DescribeCluster', () =>
    eks.send(new DescribeClusterCommand({ name: cluster })),
  );
  const c = out.cluster;
  return {
    name: c?.name ?? cluster,
    version: c?.version ?? '',
    status: c?.status ?? '',
    tags: { ...c?.tags },
  };
}

/** Every node group name of a cluster, following `nextToken` (100 per page). */
export async function listNodegroups(eks: EKSClient, cluster: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await callAws(service, 'ListNodegroups', () =>
      eks.send(new ListNodegroupsCommand({ clusterName: cluster, maxResults: 100, nextToken })),
    );
    names.push(...(out.nodegroups ?? []));
    nextToken = out.nextToken || undefined;
  } while (nextToken);
  return names;
}

/** A node group as DescribeNodegroup reports it, normalized (no undefined fields). Satisfies core's `NodegroupState`. */
export interface EksNodegroup {
  cluster: string;
  nodegroup: string;
  status: string;
  amiType: string;
  /** Kubernetes version; empty when EKS omits it. */
  version: string;
  releaseVersion: string;
  launchTemplate: { id: string; name: string | null; version: string } | null;
  tags: Record<string, string>;
  desiredSize: number | null;
  healthIssues: Array<{ code: string; message: string }>;
  /** `updateConfig` as EKS reports it (fields it omits are null); null when it reports none. */
  updateConfig: UpdateConfig | null;
}

/** Normalizes an SDK `Nodegroup`. Pure. */
export function toEksNodegroup(cluster: string, ng: Nodegroup): EksNodegroup {
  const lt = ng.launchTemplate;
  return {
    cluster: ng.clusterName ?? cluster,
    nodegroup: ng.nodegroupName ?? '',
    status: ng.status ?? '',
    amiType: ng.amiType ?? '',
    version: ng.version ?? '',
    releaseVersion: ng.releaseVersion ?? '',
    launchTemplate: lt?.id ? { id: lt.id, name: lt.name ?? null, version: lt.version ?? '' } : null,
    tags: { ...ng.tags },
    desiredSize: ng.scalingConfig?.desiredSize ?? null,
    healthIssues: (ng.health?.issues ?? []).map((i) => ({ code: i.code ?? '', message: i.message ?? '' })),
    updateConfig: ng.updateConfig
      ? {
          updateStrategy: ng.updateConfig.updateStrategy ?? null,
          maxUnavailable: ng.updateConfig.maxUnavailable ?? null,
          maxUnavailablePercentage: ng.updateConfig.maxUnavailablePercentage ?? null,
        }
      : null,
  };
}

export type DescribeNodegroupOutcome = { kind: 'found'; nodegroup: EksNodegroup } | { kind: 'not-found' };

/** DescribeNodegroup; ResourceNotFoundException is the value `not-found`, any other failure throws AwsAdapterError. */
export async function describeNodegroup(
  eks: EKSClient,
  cluster: string,
  nodegroup: string,
): Promise<DescribeNodegroupOutcome> {
  try {
    const out = await callAws(service, 'DescribeNodegroup', () =>
      eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup })),
    );
    if (!out.nodegroup) return { kind: 'not-found' };
    return { kind: 'found', nodegroup: toEksNodegroup(cluster, out.nodegroup) };
  } catch (err) {
    if (isNotFound(err)) return { kind: 'not-found' };
    throw err;
  }
}

const updateStatuses: ReadonlySet<string> = new Set<UpdateStatus>([
  'InProgress',
  'Successful',
  'Failed',
  'Cancelled',
]);

/** Normalizes an SDK `Update`. Pure. An unknown status is kept as InProgress so callers keep polling. */
export function toUpdateFacts(u: Update): UpdateFacts {
  const status = updateStatuses.has(u.status ?? '') ? (u.status as UpdateStatus) : 'InProgress';
  return {
    id: u.id ?? '',
    status,
    type: u.type ?? '',
    params: (u.params ?? []).map((p) => ({ type: p.type ?? '', value: p.value ?? '' })),
    createdAt: u.createdAt && !Number.isNaN(u.createdAt.getTime()) ? u.createdAt.toISOString() : null,
    errors: (u.errors ?? []).map((e) => ({
      errorCode: e.errorCode ?? 'Unknown',
      errorMessage: e.errorMessage ?? '',
      resourceIds: e.resourceIds ?? [],
    })),
  };
}

function isNotFound(err: unknown): boolean {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  return describeAwsError(cause).code === 'ResourceNotFoundException';
}
