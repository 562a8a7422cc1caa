/**
 * Patch domain types: the facts targeting decides from, the plan it produces, SSM's per-instance
 * results and the ledger records of a patch request. Pure data.
 */
import type { PatchOperation, PatchRefusalReason } from '../messages/types.ts';

/** EC2 tags nodekeeper reads on instances. `aws:` tags are set by AWS only and cannot be forged. */
export const InstanceTag = {
  clusterName: 'eks:cluster-name',
  nodegroupName: 'eks:nodegroup-name',
  autoScalingGroup: 'aws:autoscaling:groupName',
} as const;
export type InstanceTag = (typeof InstanceTag)[keyof typeof InstanceTag];

/** A running EC2 instance found for a node group (DescribeInstances). */
export interface PatchInstanceFacts {
  instanceId: string;
  tags: Record<string, string>;
}

/** What DescribeInstanceInformation said about one SSM-managed instance. */
export interface ManagedInstanceFacts {
  instanceId: string;
  /** `Online`, `ConnectionLost`, `Inactive`. */
  pingStatus: string;
  /** `Linux`, `Windows`, `MacOS`. */
  platformType: string;
  /** e.g. `Amazon Linux`, `Bottlerocket`, `Microsoft Windows Server 2022 Datacenter`. */
  platformName: string;
}

/** One node group as the patch targeting sees it. */
export interface PatchNodegroupFacts {
  nodegroup: string;
  amiType: string;
  status: string;
  tags: Record<string, string>;
  /** From DescribeNodegroup `resources.autoScalingGroups`; empty when EKS reported none. */
  autoScalingGroups: string[];
  /** Running instances found by tags (or through the Auto Scaling group). */
  instances: PatchInstanceFacts[];
  /** How `instances` were found. */
  resolvedBy: 'tags' | 'auto-scaling-group' | 'none';
}

/** Everything targeting needs for one request, read by the AWS adapter. */
export interface PatchFacts {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroups: PatchNodegroupFacts[];
  /** instance ID → SSM facts, for every candidate instance SSM knows. */
  managed: Record<string, ManagedInstanceFacts>;
}

/** Why an instance of a node group receives no command although it was found. */
export const UnmanagedReason = {
  notRegistered: 'not-registered',
  offline: 'offline',
} as const;
export type UnmanagedReason = (typeof UnmanagedReason)[keyof typeof UnmanagedReason];

export interface UnmanagedInstance {
  instanceId: string;
  cluster: string;
  nodegroup: string;
  reason: UnmanagedReason;
}

/** An instance found by tags that is not a member of the node group's Auto Scaling group. */
export interface ExcludedInstance {
  instanceId: string;
  cluster: string;
  nodegroup: string;
  reason: 'not-in-nodegroup';
  message: string;
}

export const PatchDecision = { patch: 'patch', refuse: 'refuse' } as const;
export type PatchDecision = (typeof PatchDecision)[keyof typeof PatchDecision];

/** The decision for one node group: `patch` with the managed instances to command, or `refuse`. */
export interface PatchPlanItem {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  decision: PatchDecision;
  /** null unless refused. */
  reason: PatchRefusalReason | null;
  message: string;
  /** `Linux`, `Windows`, `Bottlerocket` or null when unknown. */
  platform: string | null;
  /** Verified members that are SSM-managed and online: the only instances a command may name. */
  instanceIds: string[];
  unmanaged: UnmanagedInstance[];
}

export type PatchPlan =
  | {
      kind: 'planned';
      items: PatchPlanItem[];
      unmanaged: UnmanagedInstance[];
      excluded: ExcludedInstance[];
    }
  /** Bad input (e.g. an instance ID outside the selected node groups): nothing may be sent. */
  | { kind: 'invalid'; issues: string[] };

/** The options of AWS-RunPatchBaseline commands for one request. */
export interface PatchCommandOptions {
  requestId: string;
  /** One UUID per request (AWS-RunPatchBaseline `SnapshotId`). */
  snapshotId: string;
  operation: PatchOperation;
  reboot: boolean;
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
}

/** SendCommand input as plain data (the AWS adapter passes it to the SDK unchanged). */
export interface SendCommandParams {
  DocumentName: 'AWS-RunPatchBaseline';
  InstanceIds: string[];
  Parameters: {
    Operation: [PatchOperation];
    RebootOption: ['NoReboot' | 'RebootIfNeeded'];
    SnapshotId: [string];
  };
  MaxConcurrency: string;
  MaxErrors: string;
  TimeoutSeconds: number;
  Comment: string;
}

/** One node group's commands (more than one only above 50 instances). */
export interface PatchCommandGroup {
  item: PatchPlanItem;
  commands: SendCommandParams[];
}

/** One instance's result as ListCommandInvocations (Details) reports it. */
export interface PatchInvocation {
  instanceId: string;
  /** `Pending`, `InProgress`, `Delayed`, `Success`, `Failed`, `TimedOut`, `Cancelled`, ... */
  status: string;
  statusDetails: string;
  /** Plugin output (SSM truncates it to 2500 characters); empty when absent. */
  output: string;
}

export const InstanceOutcome = {
  succeeded: 'succeeded',
  failed: 'failed',
  pending: 'pending',
} as const;
export type InstanceOutcome = (typeof InstanceOutcome)[keyof typeof InstanceOutcome];

export interface InstanceResult {
  instanceId: string;
  status: string;
  statusDetails: string;
  outcome: InstanceOutcome;
  /** Patches installed with NoReboot and waiting for a reboot (`InstalledPendingReboot`). */
  pendingReboot: boolean;
}

export interface PatchResultSummary {
  counts: { targeted: number; succeeded: number; failed: number; pending: number };
  instances: InstanceResult[];
  failed: Array<{ instanceId: string; status: string; statusDetails: string }>;
  pendingReboot: string[];
}
