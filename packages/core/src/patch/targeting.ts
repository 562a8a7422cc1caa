/**
 * Patch targeting: which instances of which node groups may receive AWS-RunPatchBaseline, and why
 * the others may not. Refusals are data with a reason and never produce a command. Pure.
 */
import { AmiFamily, amiFamily } from '../catalog.ts';
import { PatchRefusalReason } from '../messages/types.ts';
import { Tag } from '../targets.ts';
import type { PatchRequest } from './request.ts';
import {
  type ExcludedInstance,
  InstanceTag,
  type ManagedInstanceFacts,
  PatchDecision,
  type PatchFacts,
  type PatchInstanceFacts,
  type PatchNodegroupFacts,
  type PatchPlan,
  type PatchPlanItem,
  type UnmanagedInstance,
  UnmanagedReason,
} from './types.ts';

/** Platforms as targeting reports them. */
export const PatchPlatform = { linux: 'Linux', windows: 'Windows', bottlerocket: 'Bottlerocket' } as const;
export type PatchPlatform = (typeof PatchPlatform)[keyof typeof PatchPlatform];

/** The refusal message for Bottlerocket, which has no patch baseline. */
export const BOTTLEROCKET_MESSAGE =
  'Bottlerocket has no SSM patch baseline: it patches by image replacement. Use `nodekeeper roll` to move this node group to the latest Bottlerocket AMI.';

function platformOfManaged(m: ManagedInstanceFacts): PatchPlatform | null {
  if (/bottlerocket/i.test(m.platformName)) return PatchPlatform.bottlerocket;
  if (m.platformType === 'Windows') return PatchPlatform.windows;
  if (m.platformType === 'Linux') return PatchPlatform.linux;
  return null;
}

/**
 * The node group's platform: from its amiType, else (CUSTOM) from what SSM reports for its
 * instances. Any instance reporting Bottlerocket makes the group Bottlerocket. Pure.
 */
export function nodegroupPlatform(
  ng: Pick<PatchNodegroupFacts, 'amiType'>,
  managed: ManagedInstanceFacts[],
): PatchPlatform | null {
  const reported = managed.map(platformOfManaged);
  if (reported.includes(PatchPlatform.bottlerocket)) return PatchPlatform.bottlerocket;
  const family = amiFamily(ng.amiType);
  if (family === AmiFamily.bottlerocket) return PatchPlatform.bottlerocket;
  if (family === AmiFamily.al2 || family === AmiFamily.al2023) return PatchPlatform.linux;
  if (family !== null) return PatchPlatform.windows;
  return reported.find((p) => p !== null) ?? null;
}

/**
 * Whether an instance found for `ng` really belongs to it. When EKS names the node group's Auto
 * Scaling groups, membership is decided by the `aws:autoscaling:groupName` tag, which only AWS
 * can set, so an instance carrying copied `eks:*` tags is never a member. Otherwise the
 * `eks:cluster-name` and `eks:nodegroup-name` tags must match exactly. Pure.
 */
export function isNodegroupMember(
  instance: PatchInstanceFacts,
  cluster: string,
  ng: Pick<PatchNodegroupFacts, 'nodegroup' | 'autoScalingGroups'>,
): boolean {
  const tags = instance.tags;
  const clusterTag = tags[InstanceTag.clusterName];
  const nodegroupTag = tags[InstanceTag.nodegroupName];
  if (ng.autoScalingGroups.length > 0) {
    const asg = tags[InstanceTag.autoScalingGroup];
    return (
      asg !== undefined &&
      ng.autoScalingGroups.includes(asg) &&
      (clusterTag === undefined || clusterTag === cluster) &&
      (nodegroupTag === undefined || nodegroupTag === ng.nodegroup)
    );
  }
  return clusterTag === cluster && nodegroupTag === ng.nodegroup;
}

function optedOut(ng: PatchNodegroupFacts): boolean {
  return ng.tags[Tag.skip]?.trim().toLowerCase() === 'true';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Decides the patch of every selected node group from facts. Returns `invalid` (and nothing may be
 * sent) when a requested node group does not exist or a requested instance ID is not a verified
 * member of a selected node group of the cluster. Unmanaged instances are listed, never dropped.
 * Pure; deterministic (facts order).
 */
export function planPatch(request: PatchRequest, facts: PatchFacts): PatchPlan {
  const issues: string[] = [];
  if (facts.cluster !== request.cluster) {
    issues.push(`cluster: facts are for ${facts.cluster}, not ${request.cluster}`);
  }
  const known = new Set(facts.nodegroups.map((n) => n.nodegroup));
  for (const name of request.nodegroups ?? []) {
    if (!known.has(name))
      issues.push(`nodegroups: ${name} is not a node group of cluster ${request.cluster}`);
  }
  const selected = facts.nodegroups.filter(
    (n) => request.nodegroups === undefined || request.nodegroups.includes(n.nodegroup),
  );

  const excluded: ExcludedInstance[] = [];
  const members = new Map<string, PatchInstanceFacts[]>();
  const memberOf = new Map<string, string>();
  for (const ng of selected) {
    const list: PatchInstanceFacts[] = [];
    for (const instance of ng.instances) {
      if (isNodegroupMember(instance, facts.cluster, ng)) {
        if (memberOf.has(instance.instanceId)) continue;
        memberOf.set(instance.instanceId, ng.nodegroup);
        list.push(instance);
      } else {
        excluded.push({
          instanceId: instance.instanceId,
          cluster: facts.cluster,
          nodegroup: ng.nodegroup,
          reason: 'not-in-nodegroup',
          message: `tagged for ${ng.nodegroup} but not in its Auto Scaling group (${ng.autoScalingGroups.join(', ') || 'none'})`,
        });
      }
    }
    members.set(ng.nodegroup, list);
  }

  const wanted = request.instanceIds ? new Set(request.instanceIds) : null;
  if (wanted) {
    const scope =
      request.nodegroups === undefined
        ? `cluster ${request.cluster}`
        : `node groups ${request.nodegroups.join(', ')} of cluster ${request.cluster}`;
    for (const id of wanted) {
      if (!memberOf.has(id)) issues.push(`instanceIds: ${id} is not a running instance of ${scope}`);
    }
  }
  if (issues.length > 0) return { kind: 'invalid', issues };

  const items: PatchPlanItem[] = [];
  for (const ng of selected) {
    const all = members.get(ng.nodegroup) ?? [];
    const targeted = wanted ? all.filter((i) => wanted.has(i.instanceId)) : all;
    if (wanted && targeted.length === 0) continue;
    const managedFacts = targeted
      .map((i) => facts.managed[i.instanceId])
      .filter((m): m is ManagedInstanceFacts => m !== undefined);
    const unmanaged: UnmanagedInstance[] = [];
    const online: string[] = [];
    for (const i of targeted) {
      const m = facts.managed[i.instanceId];
      if (m === undefined) {
        unmanaged.push({
          instanceId: i.instanceId,
          cluster: facts.cluster,
          nodegroup: ng.nodegroup,
          reason: UnmanagedReason.notRegistered,
        });
      } else if (m.pingStatus !== 'Online') {
        unmanaged.push({
          instanceId: i.instanceId,
          cluster: facts.cluster,
          nodegroup: ng.nodegroup,
          reason: UnmanagedReason.offline,
        });
      } else {
        online.push(i.instanceId);
      }
    }
    const platform = nodegroupPlatform(ng, managedFacts);
    const base = {
      accountId: facts.accountId,
      region: facts.region,
      cluster: facts.cluster,
      nodegroup: ng.nodegroup,
      platform,
      unmanaged,
    };
    const refuse = (reason: PatchRefusalReason, message: string): PatchPlanItem => ({
      ...base,
      decision: PatchDecision.refuse,
      reason,
      message,
      instanceIds: [],
    });
    if (optedOut(ng)) {
      items.push(
        refuse(PatchRefusalReason.optedOut, `tag ${Tag.skip}=true: nodekeeper never patches this node group`),
      );
    } else if (platform === PatchPlatform.bottlerocket) {
      items.push(refuse(PatchRefusalReason.unsupportedPlatform, BOTTLEROCKET_MESSAGE));
    } else if (online.length === 0) {
      items.push(
        refuse(
          PatchRefusalReason.noManagedInstances,
          targeted.length === 0
            ? 'no running instances found for this node group'
            : `none of its ${plural(targeted.length, 'running instance')} is SSM-managed and online`,
        ),
      );
    } else {
      items.push({
        ...base,
        decision: PatchDecision.patch,
        reason: null,
        message:
          `${request.operation} on ${plural(online.length, 'managed instance')}` +
          (unmanaged.length > 0 ? ` (${unmanaged.length} unmanaged)` : ''),
        instanceIds: [...online].sort(),
      });
    }
  }
  return { kind: 'planned', items, unmanaged: items.flatMap((i) => i.unmanaged), excluded };
}
