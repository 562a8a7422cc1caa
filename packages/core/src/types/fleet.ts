/**
 * Facts about the fleet as AWS reported them at inspection time. Produced by @nodekeeper/aws
 * (or built by hand in tests) and consumed by the pure planner.
 */
import type { ReleaseHistory } from './releases.ts';

/** EKS node group statuses (DescribeNodegroup `status`). */
export const NodegroupStatus = {
  creating: 'CREATING',
  active: 'ACTIVE',
  updating: 'UPDATING',
  deleting: 'DELETING',
  createFailed: 'CREATE_FAILED',
  deleteFailed: 'DELETE_FAILED',
  degraded: 'DEGRADED',
} as const;
export type NodegroupStatus = (typeof NodegroupStatus)[keyof typeof NodegroupStatus];

/** What EC2 DescribeImages said about one AMI. */
export interface ImageFacts {
  imageId: string;
  name: string;
  /** ISO 8601. */
  creationDate: string;
  /** `available`, `pending`, `deregistered`, `disabled`, ... */
  state: string;
  /** ISO 8601 or null when no deprecation is scheduled. */
  deprecationTime: string | null;
  architecture: string;
  ownerId: string;
}

/**
 * How EKS replaces a node group's nodes in a version update (DescribeNodegroup `updateConfig`), as
 * reported: each field is null when EKS omits it. EKS sets one of `maxUnavailable` (1-100 nodes)
 * and `maxUnavailablePercentage` (1-100 %); its default is one node at a time.
 */
export interface UpdateConfig {
  /**
   * EKS API model `NodegroupUpdateStrategies`: `DEFAULT` launches new nodes before terminating old
   * ones, `MINIMAL` terminates first; null when EKS omits it.
   */
  updateStrategy: string | null;
  maxUnavailable: number | null;
  maxUnavailablePercentage: number | null;
}

/** A node group's launch template reference plus the ImageId of the referenced version, if any. */
export interface LaunchTemplateFacts {
  id: string;
  name: string | null;
  /** The version the node group uses, as EKS reports it (a number as a string). */
  version: string;
  /** `ImageId` in that launch template version; null when the template has none (EKS-provided AMI). */
  imageId: string | null;
}

/** Where a node group lives. `accountId` is null when the caller's own account is meant. */
export interface Location {
  accountId: string | null;
  region: string;
  cluster: string;
}

export interface NodegroupFacts extends Location {
  nodegroup: string;
  /** Cluster's Kubernetes version (informational; planning uses the node group's `version`). */
  clusterVersion: string;
  /** Node group's Kubernetes version, e.g. `1.33`. */
  version: string;
  /** EKS `amiType`, e.g. `AL2023_x86_64_STANDARD` or `CUSTOM`. */
  amiType: string;
  /** EKS `releaseVersion`; for `CUSTOM` node groups this is the AMI ID. */
  releaseVersion: string;
  status: string;
  tags: Record<string, string>;
  clusterTags: Record<string, string>;
  launchTemplate: LaunchTemplateFacts | null;
  /** Number of nodes wanted (informational). */
  desiredSize: number | null;
  /** DescribeNodegroup `updateConfig`; null (or absent, in facts built by hand) when EKS reported none. */
  updateConfig?: UpdateConfig | null;
  /**
   * The EKS-optimized AMI a non-CUSTOM node group runs, found by the name its release version
   * implies (DescribeImages `name`, deprecated images included); null or absent when not found.
   * CUSTOM groups name theirs in `launchTemplate.imageId`.
   */
  currentImageId?: string | null;
}

/** One node group, wherever it lives. `accountId` null means the caller's own account. */
export interface NodegroupRef {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
}

/** One entry of EKS DescribeUpdate `update.errors`, or an error nodekeeper itself met while rolling. */
export interface UpdateError {
  errorCode: string;
  errorMessage: string;
  resourceIds: string[];
}

/** A failure to inspect part of the fleet; becomes `error` plan items. */
export interface InspectionError extends Location {
  /** null when the whole cluster (or region) could not be inspected. */
  nodegroup: string | null;
  message: string;
}

/** The node groups and inspection errors for the selected clusters. */
export interface Fleet {
  nodegroups: NodegroupFacts[];
  errors: InspectionError[];
}

/**
 * What SSM Parameter Store and EC2 said about the AMIs involved: parameter values by name
 * (names that do not exist are absent) and images by ID, per region.
 */
export interface CatalogSnapshot {
  /** region → parameter name → value. */
  parameters: Record<string, Record<string, string>>;
  /** region → image ID → facts. */
  images: Record<string, Record<string, ImageFacts>>;
  /**
   * region → history key → older releases of a target (see `releaseHistorySource`); read only
   * for targets whose newest image is younger than the node group's minimum age. Absent: none read.
   */
  releases?: Record<string, Record<string, ReleaseHistory>>;
}
