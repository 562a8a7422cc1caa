/**
 * The rollout planner: `plan(fleet, catalog, policy, now)` decides `roll`, `current` or `skip` (with
 * a reason code) for every node group of the selected clusters. Pure: no clock, IO or environment.
 *
 * Rule order (the first that holds decides): opted-out, unknown wave tag (error), update-in-progress,
 * not-active, launch template missing (error), unknown-ami-family, no-parameter, current (at or
 * newer than the target), ami-unavailable, ami-denied, ami-too-new; then the safety pass
 * (safety/evaluate.ts) for items that would roll: update-in-progress (ledger), recalled, paused, halted,
 * wave-gate (including requiresApproval), outside-window, budget; else roll.
 */
import { decideByAge } from './age-selection.ts';
import { compareReleases } from './catalog.ts';
import { withEndOfLife } from './end-of-life.ts';
import { matchesAny } from './glob.ts';
import {
  atVersion,
  followSettingFor,
  followsClusterVersion,
  goldenParameterFollowsVersion,
  type VersionLag,
  versionLagOf,
} from './kubernetes-version.ts';
import { assignWave, type WaveAssignment } from './policy.ts';
import { applySafety, type SafetyCandidate } from './safety/evaluate.ts';
import { runningRecallWarning } from './safety/recall.ts';
import { GOLDEN_LINE_PREFIX, releaseIdentity } from './safety/release.ts';
import { currentCustomImageId, isCustom, lookupTarget, Tag } from './targets.ts';
import type { CatalogSnapshot, Fleet, ImageFacts, InspectionError, NodegroupFacts } from './types/fleet.ts';
import { NodegroupStatus } from './types/fleet.ts';
import {
  type AmiRef,
  Decision,
  type Plan,
  type PlanItem,
  type PlanWarning,
  PlanWarningCode,
  SkipReason,
  Strategy,
} from './types/plan.ts';
import type { Policy } from './types/policy.ts';

/** `nodegroup` of the single item that stands for a cluster (or region) that could not be inspected. */
export const WHOLE_CLUSTER = '*';

function describeImage(imageId: string, image: ImageFacts | null | undefined): string {
  return image?.name ? `${imageId} (${image.name})` : imageId;
}

function waveName(assignment: WaveAssignment): string | null {
  if (assignment.kind === 'wave') return assignment.wave.name;
  if (assignment.kind === 'unknown') return assignment.name;
  return null;
}

function errorItem(error: InspectionError, policy: Policy): PlanItem {
  return {
    accountId: error.accountId,
    cluster: error.cluster,
    nodegroup: error.nodegroup ?? WHOLE_CLUSTER,
    region: error.region,
    decision: Decision.skip,
    reason: SkipReason.error,
    message: error.message,
    strategy: null,
    current: { releaseVersion: null, imageId: null },
    target: null,
    wave: waveName(assignWave(error, {}, policy.waves)),
  };
}

function currentRef(ng: NodegroupFacts): AmiRef {
  return {
    releaseVersion: ng.releaseVersion,
    imageId: isCustom(ng) ? currentCustomImageId(ng) : (ng.launchTemplate?.imageId ?? null),
  };
}

/** A final item, or a would-be roll that still has to pass the safety rules. */
type Planned = { kind: 'final'; item: PlanItem } | { kind: 'candidate'; candidate: SafetyCandidate };

/** `kubernetes 1.33 → 1.34 (cluster is 1.34)`. */
function versionMove(lag: VersionLag): string {
  return `kubernetes ${lag.current} → ${lag.next} (cluster is ${lag.cluster})`;
}

/** `kubernetes 1.31 is behind cluster 1.32; set followClusterVersion on wave dev to follow`. */
function behindMessage(ng: NodegroupFacts, lag: VersionLag, policy: Policy): string {
  const behind = lag.minorsBehind === 1 ? '' : ` (${lag.minorsBehind} minors)`;
  return `kubernetes ${lag.current} is behind cluster ${lag.cluster}${behind}; ${followSettingFor(ng, policy)}`;
}

/**
 * The decision for one selected node group. Rules apply in a fixed order; the first that holds wins.
 * A group behind its cluster's minor that does not follow it and has nothing else to do holds with
 * `version-behind` instead of `current`.
 */
function planNodegroup(ng: NodegroupFacts, catalog: CatalogSnapshot, policy: Policy, now: Date): Planned {
  const item = decideNodegroup(ng, catalog, policy, now);
  if (typeof item === 'object' && 'candidate' in item) return item;
  const lag = versionLagOf(ng);
  if (item.decision === Decision.current && lag !== null && !followsClusterVersion(ng, policy)) {
    return {
      kind: 'final',
      item: {
        ...item,
        decision: Decision.skip,
        reason: SkipReason.versionBehind,
        message: `${behindMessage(ng, lag, policy)} (on its own minor: ${item.message})`,
      },
    };
  }
  return { kind: 'final', item };
}

function decideNodegroup(
  ng: NodegroupFacts,
  catalog: CatalogSnapshot,
  policy: Policy,
  now: Date,
): PlanItem | Extract<Planned, { kind: 'candidate' }> {
  const assignment = assignWave(ng, ng.tags, policy.waves);
  const base: Omit<PlanItem, 'decision' | 'reason' | 'message' | 'target'> = {
    accountId: ng.accountId,
    cluster: ng.cluster,
    nodegroup: ng.nodegroup,
    region: ng.region,
    strategy: isCustom(ng) ? Strategy.launchTemplate : Strategy.releaseVersion,
    current: currentRef(ng),
    wave: waveName(assignment),
  };
  const skip = (reason: SkipReason, message: string, target: AmiRef | null = null): PlanItem => ({
    ...base,
    decision: Decision.skip,
    reason,
    message,
    target,
  });

  if (ng.tags[Tag.skip]?.trim().toLowerCase() === 'true') {
    return skip(SkipReason.optedOut, `tag ${Tag.skip}=true`);
  }
  if (assignment.kind === 'unknown') {
    const known = policy.waves.map((w) => w.name).join(', ') || 'none';
    return skip(
      SkipReason.error,
      `tag ${Tag.wave}=${assignment.name} names no configured wave (known: ${known})`,
    );
  }
  if (ng.status === NodegroupStatus.updating) {
    return skip(SkipReason.updateInProgress, 'node group is UPDATING');
  }
  if (ng.status !== NodegroupStatus.active) {
    return skip(SkipReason.notActive, `node group is ${ng.status}, not ACTIVE`);
  }
  if (isCustom(ng) && ng.launchTemplate === null) {
    return skip(SkipReason.error, 'amiType is CUSTOM but EKS reports no launch template');
  }

  // Following the cluster: the next minor's image, looked up as if the group ran that minor.
  const lag = versionLagOf(ng);
  const upgrade = lag !== null && followsClusterVersion(ng, policy) ? lag : null;
  if (upgrade !== null && !goldenParameterFollowsVersion(ng)) {
    return skip(
      SkipReason.versionBehind,
      `${versionMove(upgrade)}: tag ${Tag.amiParameter}=${ng.tags[Tag.amiParameter]?.trim()} names one AMI for every Kubernetes version, so the AMI for ${upgrade.next} is unknown; put {version} in the parameter name (one parameter per minor) to follow`,
    );
  }
  const view = upgrade === null ? ng : atVersion(ng, upgrade.next);
  const moving = upgrade === null ? '' : `${versionMove(upgrade)}: `;
  const found = lookupTarget(view, catalog);
  if (found.kind === 'unknown-ami-family')
    return skip(SkipReason.unknownAmiFamily, `${moving}${found.message}`);
  if (found.kind === 'no-parameter') return skip(SkipReason.noParameter, `${moving}${found.message}`);
  if (upgrade !== null) base.targetVersion = upgrade.next;

  const target: AmiRef = { releaseVersion: found.releaseVersion, imageId: found.imageId };
  const images = catalog.images[ng.region] ?? {};
  const targetImage = images[found.imageId];
  const decide = (decision: 'roll' | 'current', message: string): PlanItem => ({
    ...base,
    decision,
    reason: null,
    message,
    target,
  });

  // Already there (or newer): nothing to do, whatever the gates below would say. A version upgrade
  // is never there: any image of the next minor moves the group on.
  // A custom-AMI group already running the next minor's image has moved: EKS takes no `version` for
  // it, so the version it reports may lag its nodes' kubelet.
  const runsNextMinor = (imageId: string | null) =>
    upgrade !== null && isCustom(ng) && imageId !== null && base.current.imageId === imageId;
  if (upgrade !== null) {
    if (runsNextMinor(found.imageId)) {
      return decide(
        Decision.current,
        `at ${describeImage(found.imageId, targetImage)}, kubernetes ${upgrade.next}'s image (EKS reports ${ng.version})`,
      );
    }
    // Else falls through to the availability, deny and age checks on the next minor.
  } else if (base.strategy === Strategy.releaseVersion) {
    const to = found.releaseVersion ?? '';
    if (ng.releaseVersion !== to) {
      const order = found.family === null ? null : compareReleases(found.family, ng.releaseVersion, to);
      if (order === null) {
        return skip(
          SkipReason.unknownAmiFamily,
          `cannot order release ${ng.releaseVersion} against ${to} (${found.family ?? 'unknown'} release scheme)`,
          target,
        );
      }
      if (order > 0)
        return decide(Decision.current, `${ng.releaseVersion} is newer than ${to}; never downgrades`);
    } else {
      return decide(Decision.current, `at ${to}`);
    }
  } else {
    const currentId = base.current.imageId;
    if (currentId === found.imageId)
      return decide(Decision.current, `at ${describeImage(found.imageId, targetImage)}`);
    const currentImage = currentId === null ? undefined : images[currentId];
    if (
      currentImage &&
      targetImage &&
      Date.parse(currentImage.creationDate) > Date.parse(targetImage.creationDate)
    ) {
      return decide(
        Decision.current,
        `${describeImage(currentImage.imageId, currentImage)} is newer than ${describeImage(found.imageId, targetImage)}; never downgrades`,
      );
    }
  }

  if (targetImage === undefined) {
    return skip(
      SkipReason.amiUnavailable,
      `${moving}DescribeImages returned nothing for ${found.imageId} (deregistered, or deprecated and hidden)`,
      target,
    );
  }
  if (targetImage.state !== 'available') {
    return skip(
      SkipReason.amiUnavailable,
      `${moving}${describeImage(found.imageId, targetImage)} is ${targetImage.state}`,
      target,
    );
  }
  if (targetImage.deprecationTime !== null && Date.parse(targetImage.deprecationTime) <= now.getTime()) {
    return skip(
      SkipReason.amiUnavailable,
      `${moving}${describeImage(found.imageId, targetImage)} was deprecated at ${targetImage.deprecationTime}`,
      target,
    );
  }
  const denied = policy.denyAmis.find((entry) => entry === found.imageId || entry === found.releaseVersion);
  if (denied !== undefined) {
    return skip(SkipReason.amiDenied, `${moving}${denied} is on the deny list (denyAmis)`, target);
  }
  // Age selection: the newest when old enough, else the newest older release that is (never a downgrade).
  const aged = decideByAge(view, catalog, found, policy, now, upgrade !== null);
  if (aged.kind === 'too-new') return skip(SkipReason.amiTooNew, `${moving}${aged.message}`, target);
  if (aged.kind === 'current') {
    return { ...base, decision: Decision.current, reason: null, message: aged.message, target: aged.target };
  }
  const to = aged.target;
  if (runsNextMinor(to.imageId)) {
    return {
      ...base,
      decision: Decision.current,
      reason: null,
      message: `at ${describeImage(to.imageId ?? found.imageId, aged.image)}, kubernetes ${upgrade?.next}'s image (EKS reports ${ng.version})`,
      target: to,
    };
  }
  const moved =
    (upgrade === null ? '' : `${versionMove(upgrade)}; `) +
    (base.strategy === Strategy.releaseVersion
      ? `${ng.releaseVersion} → ${to.releaseVersion}`
      : `${base.current.imageId ?? ng.releaseVersion} → ${describeImage(to.imageId ?? found.imageId, aged.image)}`);
  const family =
    found.source.kind === 'catalog'
      ? found.source.entry.family
      : `${GOLDEN_LINE_PREFIX}${found.source.parameter}`;
  return {
    kind: 'candidate',
    candidate: {
      item: {
        ...base,
        decision: Decision.roll,
        reason: null,
        message: aged.note === null ? moved : `${moved}; ${aged.note}`,
        target: to,
      },
      ng,
      family,
      release: releaseIdentity(family, to) ?? to.imageId ?? found.imageId,
      targetCreatedAt: aged.image.creationDate,
    },
  };
}

function itemKey(item: Pick<PlanItem, 'accountId' | 'region' | 'cluster' | 'nodegroup'>): string {
  return [item.accountId ?? '', item.region, item.cluster, item.nodegroup].join('\u0000');
}

function compareItems(a: PlanItem, b: PlanItem): number {
  // Code-unit comparison (not localeCompare) keeps the order independent of the runtime's locale.
  const fields = [
    [a.region, b.region],
    [a.cluster, b.cluster],
    [a.nodegroup, b.nodegroup],
    [a.accountId ?? '', b.accountId ?? ''],
  ] as const;
  for (const [x, y] of fields) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

/**
 * Plans every node group of the selected clusters (`policy.clusters` globs). Inspection errors
 * become `skip`/`error` items; one whose node group is unknown stands for the whole cluster with
 * nodegroup `*`, and an error for a node group replaces that node group's item. Items are sorted by
 * region, cluster, node group. Pure and deterministic: the result depends only on the arguments.
 */
export function plan(fleet: Fleet, catalog: CatalogSnapshot, policy: Policy, now: Date): Plan {
  const { items, candidates } = decideBeforeSafety(fleet, catalog, policy, now);
  const decided = applySafety(candidates, fleet, catalog, policy, now);
  candidates.forEach((c, i) => {
    const item = decided[i];
    if (item) items.set(itemKey(c.item), item);
  });
  const warned = withTemplateWarnings(fleet);
  const recalled = withRecallWarnings(fleet, catalog, policy);
  const lagging = withVersionWarnings(fleet, policy);
  return {
    generatedAt: now.toISOString(),
    items: [...items.values()]
      .map(warned)
      .map(recalled)
      .map(lagging)
      .map(withEndOfLife(fleet, catalog, now))
      .sort(compareItems)
      .map(inContractOrder),
  };
}

/** A node group the safety pass will decide: where it is and the release it would roll to. */
export interface CandidateTarget {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  /** Release line and identity of the target. */
  family: string;
  release: string;
  /** ISO creation date of the target image. */
  targetCreatedAt: string | null;
}

/**
 * The node groups the rules before the safety pass would roll, with their targets: exactly the
 * items whose decision can depend on the ledger history (only the safety pass reads it). Reads
 * no history, approvals, recalls or pause flag. Pure.
 */
export function candidateTargets(
  fleet: Fleet,
  catalog: CatalogSnapshot,
  policy: Policy,
  now: Date,
): CandidateTarget[] {
  return decideBeforeSafety(fleet, catalog, policy, now).candidates.map((c) => ({
    accountId: c.item.accountId,
    region: c.item.region,
    cluster: c.item.cluster,
    nodegroup: c.item.nodegroup,
    family: c.family,
    release: c.release,
    targetCreatedAt: c.targetCreatedAt,
  }));
}

/** Every selected item decided by the rules before the safety pass, and the would-be rolls among them. */
function decideBeforeSafety(
  fleet: Fleet,
  catalog: CatalogSnapshot,
  policy: Policy,
  now: Date,
): { items: Map<string, PlanItem>; candidates: SafetyCandidate[] } {
  const selected = (cluster: string) => cluster === WHOLE_CLUSTER || matchesAny(cluster, policy.clusters);
  const items = new Map<string, PlanItem>();
  for (const error of fleet.errors) {
    if (!selected(error.cluster)) continue;
    const item = errorItem(error, policy);
    const key = itemKey(item);
    const existing = items.get(key);
    items.set(key, existing ? { ...existing, message: `${existing.message}; ${item.message}` } : item);
  }
  const candidates: SafetyCandidate[] = [];
  for (const ng of fleet.nodegroups) {
    if (!selected(ng.cluster)) continue;
    const planned = planNodegroup(ng, catalog, policy, now);
    const item = planned.kind === 'final' ? planned.item : planned.candidate.item;
    const key = itemKey(item);
    if (items.has(key)) continue;
    items.set(key, item);
    if (planned.kind === 'candidate') candidates.push(planned.candidate);
  }
  return { items, candidates };
}

/**
 * Adds a `shared-template-latest` warning to each `roll` item with the launch-template strategy
 * whose template another node group of the fleet uses at `$Latest`: the version nodekeeper creates
 * becomes their `$Latest` as well. (`$Default` users are unaffected: nodekeeper never changes a
 * template's default version.) Pure.
 */
function withTemplateWarnings(fleet: Fleet): (item: PlanItem) => PlanItem {
  const templateKey = (ng: { accountId: string | null; region: string }, id: string) =>
    JSON.stringify([ng.accountId, ng.region, id]);
  const users = new Map<string, NodegroupFacts[]>();
  const own = new Map<string, string>();
  for (const ng of fleet.nodegroups) {
    if (!ng.launchTemplate) continue;
    const key = templateKey(ng, ng.launchTemplate.id);
    users.set(key, [...(users.get(key) ?? []), ng]);
    own.set(itemKey(ng), key);
  }
  return (item) => {
    if (item.decision !== Decision.roll || item.strategy !== Strategy.launchTemplate) return item;
    const key = own.get(itemKey(item));
    if (key === undefined) return item;
    const followers = (users.get(key) ?? []).filter(
      (ng) => ng.launchTemplate?.version === '$Latest' && itemKey(ng) !== itemKey(item),
    );
    if (followers.length === 0) return item;
    const names = followers.map((ng) => `${ng.cluster}/${ng.nodegroup}`).sort();
    const shown =
      names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    const warning: PlanWarning = {
      code: PlanWarningCode.sharedTemplateLatest,
      message: `launch template ${followers[0]?.launchTemplate?.id} is shared with ${shown} at $Latest: the version nodekeeper creates becomes their $Latest too`,
    };
    return { ...item, warnings: [...(item.warnings ?? []), warning] };
  };
}

/**
 * Adds the version warnings to each item of a node group behind its cluster's minor: `version-behind`
 * when it does not follow the cluster (unless the item already holds with that reason), and
 * `version-skew-unsupported` when the lag is beyond the skew Kubernetes supports, whatever the
 * decision. Pure.
 */
function withVersionWarnings(fleet: Fleet, policy: Policy): (item: PlanItem) => PlanItem {
  const byKey = new Map(fleet.nodegroups.map((ng) => [itemKey(ng), ng]));
  return (item) => {
    const ng = byKey.get(itemKey(item));
    const lag = ng ? versionLagOf(ng) : null;
    if (!ng || lag === null) return item;
    const warnings: PlanWarning[] = [];
    const follows = followsClusterVersion(ng, policy);
    if (!follows && item.reason !== SkipReason.versionBehind) {
      const onOwn = item.decision === Decision.roll ? `; this rollout stays on ${lag.current}` : '';
      warnings.push({
        code: PlanWarningCode.versionBehind,
        message: `${behindMessage(ng, lag, policy)}${onOwn}`,
      });
    }
    if (lag.minorsBehind > lag.supportedSkew) {
      const how = follows
        ? `following moves it one minor per rollout (${lag.minorsBehind - lag.supportedSkew} to go before it is supported again)`
        : `${followSettingFor(ng, policy)}, or replace the node group`;
      warnings.push({
        code: PlanWarningCode.versionSkewUnsupported,
        message: `kubernetes ${lag.current} is ${lag.minorsBehind} minors behind cluster ${lag.cluster}; Kubernetes supports kubelets at most ${lag.supportedSkew} minors older than kube-apiserver: ${how}`,
      });
    }
    return warnings.length === 0 ? item : { ...item, warnings: [...(item.warnings ?? []), ...warnings] };
  };
}

/**
 * Adds a `running-recalled` warning to each item whose node group runs a recalled release or image
 * (`runningRecallWarning`), whatever its decision. Pure.
 */
function withRecallWarnings(
  fleet: Fleet,
  catalog: CatalogSnapshot,
  policy: Policy,
): (item: PlanItem) => PlanItem {
  const recalls = policy.recalls ?? [];
  if (recalls.length === 0) return (item) => item;
  const byKey = new Map(fleet.nodegroups.map((ng) => [itemKey(ng), ng]));
  return (item) => {
    const ng = byKey.get(itemKey(item));
    const warning = ng ? runningRecallWarning(ng, catalog, item, recalls) : null;
    return warning ? { ...item, warnings: [...(item.warnings ?? []), warning] } : item;
  };
}

/** The same item with its keys in the documented contract order, so `--json` output reads as documented. */
function inContractOrder(item: PlanItem): PlanItem {
  return {
    accountId: item.accountId,
    cluster: item.cluster,
    nodegroup: item.nodegroup,
    region: item.region,
    decision: item.decision,
    reason: item.reason,
    message: item.message,
    strategy: item.strategy,
    current: { releaseVersion: item.current.releaseVersion, imageId: item.current.imageId },
    target: item.target ? { releaseVersion: item.target.releaseVersion, imageId: item.target.imageId } : null,
    wave: item.wave,
    ...(item.targetVersion !== undefined ? { targetVersion: item.targetVersion } : {}),
    ...(item.updateConfig !== undefined
      ? {
          updateConfig: item.updateConfig && {
            updateStrategy: item.updateConfig.updateStrategy,
            maxUnavailable: item.updateConfig.maxUnavailable,
            maxUnavailablePercentage: item.updateConfig.maxUnavailablePercentage,
          },
        }
      : {}),
    ...(item.endOfLife ? { endOfLife: item.endOfLife } : {}),
    ...(item.warnings && item.warnings.length > 0
      ? { warnings: item.warnings.map((w) => ({ code: w.code, message: w.message })) }
      : {}),
  };
}
