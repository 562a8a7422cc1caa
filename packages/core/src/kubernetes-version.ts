/**
 * Kubernetes minor versions of node groups against their cluster's: how far behind a group is,
 * whether that is inside the skew Kubernetes supports, whether its wave follows the cluster, and the
 * view of the node group the planner looks its target up with (the next minor when it follows).
 * Pure.
 */
import { assignWave } from './policy.ts';
import { Tag } from './targets.ts';
import type { NodegroupFacts } from './types/fleet.ts';
import type { Policy } from './types/policy.ts';

/** Placeholder in `nodekeeper.io/ami-parameter` that stands for the Kubernetes minor (`/images/web/{version}/ami`). */
export const VERSION_PLACEHOLDER = '{version}';

const MINOR = /^(\d+)\.(\d+)$/;

/** `1.33` → [1, 33]; null for anything else. Pure. */
export function parseMinor(version: string): [number, number] | null {
  const m = MINOR.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * The most minors a kubelet may be older than kube-apiserver (Kubernetes version skew policy): 3,
 * or 2 for a kubelet older than 1.25. A kubelet is never newer than kube-apiserver. Pure.
 */
export function supportedKubeletSkew(kubelet: string): number {
  const v = parseMinor(kubelet);
  return v !== null && v[0] === 1 && v[1] < 25 ? 2 : 3;
}

/** A node group whose Kubernetes minor is behind its cluster's. */
export interface VersionLag {
  /** The node group's minor, e.g. `1.31`. */
  current: string;
  /** The cluster's minor. */
  cluster: string;
  /** The next minor after `current`: what following rolls to (never past `cluster`). */
  next: string;
  /** How many minors behind. */
  minorsBehind: number;
  /** The skew Kubernetes supports for this kubelet (see {@link supportedKubeletSkew}). */
  supportedSkew: number;
}

/** The lag of `ng` behind its cluster, or null when it is at the cluster's minor (or either cannot be read). Pure. */
export function versionLagOf(ng: Pick<NodegroupFacts, 'version' | 'clusterVersion'>): VersionLag | null {
  const group = parseMinor(ng.version);
  const cluster = parseMinor(ng.clusterVersion);
  if (group === null || cluster === null || group[0] !== cluster[0]) return null;
  const behind = cluster[1] - group[1];
  if (behind <= 0) return null;
  return {
    current: `${group[0]}.${group[1]}`,
    cluster: `${cluster[0]}.${cluster[1]}`,
    next: `${group[0]}.${group[1] + 1}`,
    minorsBehind: behind,
    supportedSkew: supportedKubeletSkew(ng.version),
  };
}

/** Whether `ng` follows its cluster's version: its wave's `followClusterVersion`, else the policy's. Pure. */
export function followsClusterVersion(
  ng: NodegroupFacts,
  policy: Pick<Policy, 'waves' | 'followClusterVersion'>,
): boolean {
  const assignment = assignWave(ng, ng.tags, policy.waves);
  const wave = assignment.kind === 'wave' ? assignment.wave : null;
  return wave?.followClusterVersion ?? policy.followClusterVersion ?? false;
}

/** Where the opt-in is set for `ng`, for messages: `wave dev`, or the top level. Pure. */
export function followSettingFor(ng: NodegroupFacts, policy: Pick<Policy, 'waves'>): string {
  const assignment = assignWave(ng, ng.tags, policy.waves);
  return assignment.kind === 'wave'
    ? `set followClusterVersion on wave ${assignment.wave.name} to follow`
    : 'set followClusterVersion in the config to follow';
}

/** `ng` as if it ran Kubernetes `version`: what its target is looked up with on that minor. Pure. */
export function atVersion(ng: NodegroupFacts, version: string): NodegroupFacts {
  return { ...ng, version };
}

/** The settings that say which node groups follow their cluster's version (a policy's). */
export type FollowRule = Pick<Policy, 'waves' | 'followClusterVersion'>;

/**
 * Every view of `ng` whose target the inspection reads: the node group itself, and when it is
 * behind its cluster and follows it (`follow`; null: no group follows), the node group at the next
 * minor (its parameters and image), the one the planner rolls it to. A group that does not follow
 * is planned on its own minor, so nothing of the next minor is read for it (its operator may not
 * have granted the next minor's golden parameter). Pure.
 */
export function lookupViews(ng: NodegroupFacts, follow: FollowRule | null): NodegroupFacts[] {
  const lag = versionLagOf(ng);
  return lag === null || follow === null || !followsClusterVersion(ng, follow)
    ? [ng]
    : [ng, atVersion(ng, lag.next)];
}

/**
 * The view of `ng` the planner takes its target from: at the next minor when it is behind its
 * cluster and follows it, else the node group as it is. Pure.
 */
export function planningView(
  ng: NodegroupFacts,
  policy: Pick<Policy, 'waves' | 'followClusterVersion'>,
): NodegroupFacts {
  const lag = versionLagOf(ng);
  return lag !== null && followsClusterVersion(ng, policy) ? atVersion(ng, lag.next) : ng;
}

/**
 * Whether the operator's golden parameter of `ng` names an AMI per Kubernetes minor (it contains
 * `{version}`); true for node groups without one. Without the placeholder one parameter holds one
 * AMI for every minor, so nodekeeper cannot know the AMI of the next. Pure.
 */
export function goldenParameterFollowsVersion(ng: NodegroupFacts): boolean {
  const golden = ng.tags[Tag.amiParameter]?.trim();
  return golden === undefined || golden === '' || golden.includes(VERSION_PLACEHOLDER);
}
