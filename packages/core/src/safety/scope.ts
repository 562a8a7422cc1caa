/** The fleet as the safety rules see it: each selected node group with its release line and wave. Pure. */

import { effectiveTarget } from '../age-selection.ts';
import { matchesAny } from '../glob.ts';
import { planningView } from '../kubernetes-version.ts';
import { assignWave, type WaveLocation } from '../policy.ts';
import { currentCustomImageId, isCustom, Tag } from '../targets.ts';
import type { CatalogSnapshot, Fleet, NodegroupFacts } from '../types/fleet.ts';
import type { Policy, RolloutFact } from '../types/policy.ts';
import { releaseIdentity, releaseLineOf } from './release.ts';

export interface ScopedGroup {
  ng: NodegroupFacts;
  key: string;
  /** `cluster/nodegroup` (with region when the fleet spans regions is not needed for humans). */
  label: string;
  line: string | null;
  /** Index into `policy.waves`; null for no wave (or an unknown wave tag). */
  waveIndex: number | null;
  /** Selected by `policy.clusters` and not opted out. */
  inScope: boolean;
  /** Release identity the group runs now, per the fleet (null when it cannot tell). */
  currentRelease: string | null;
  /** Ledger facts of this group, any line. */
  facts: RolloutFact[];
  /** The group's own target: release identity and how it is shown (its release version, else the AMI). */
  target: { release: string; label: string } | null;
}

/** Identity of a node group's location: account, region, cluster, node group. */
export function locationKey(x: {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
}): string {
  return [x.accountId ?? '', x.region, x.cluster, x.nodegroup].join('\u0000');
}

/** Identity of a cluster: account, region, cluster. */
export function clusterKey(x: { accountId: string | null; region: string; cluster: string }): string {
  return [x.accountId ?? '', x.region, x.cluster].join('\u0000');
}

/** Index of the wave a cluster/tags pair belongs to, or null. */
export function waveIndexOf(
  policy: Policy,
  where: WaveLocation,
  tags: Record<string, string>,
): number | null {
  const a = assignWave(where, tags, policy.waves);
  if (a.kind !== 'wave') return null;
  const i = policy.waves.indexOf(a.wave);
  return i >= 0 ? i : null;
}

/**
 * The group's target as the planner chose it: the newest, or the age-selected older release (on the
 * next Kubernetes minor when it follows its cluster's version).
 */
function targetOf(
  ng: NodegroupFacts,
  catalog: CatalogSnapshot,
  line: string | null,
  policy: Policy,
  now: Date,
): { release: string; label: string } | null {
  if (line === null) return null;
  const target = effectiveTarget(planningView(ng, policy), catalog, policy, now);
  if (target === null) return null;
  const release = releaseIdentity(line, target.ref);
  return release === null
    ? null
    : { release, label: target.ref.releaseVersion ?? target.ref.imageId ?? release };
}

/** Every node group of the fleet with what the safety rules need about it, targets as of `now`. Pure. */
export function scopeFleet(fleet: Fleet, catalog: CatalogSnapshot, policy: Policy, now: Date): ScopedGroup[] {
  const facts = new Map<string, RolloutFact[]>();
  for (const f of policy.history ?? []) {
    const k = locationKey(f);
    const list = facts.get(k);
    if (list) list.push(f);
    else facts.set(k, [f]);
  }
  return fleet.nodegroups.map((ng) => {
    const line = releaseLineOf(ng, catalog);
    const currentRelease =
      line === null
        ? null
        : releaseIdentity(
            line,
            isCustom(ng)
              ? { releaseVersion: null, imageId: currentCustomImageId(ng) }
              : { releaseVersion: ng.releaseVersion, imageId: null },
          );
    const key = locationKey(ng);
    return {
      ng,
      key,
      label: `${ng.cluster}/${ng.nodegroup}`,
      line,
      waveIndex: waveIndexOf(policy, ng, ng.tags),
      inScope: matchesAny(ng.cluster, policy.clusters) && ng.tags[Tag.skip]?.trim().toLowerCase() !== 'true',
      currentRelease,
      facts: facts.get(key) ?? [],
      target: targetOf(ng, catalog, line, policy, now),
    };
  });
}
