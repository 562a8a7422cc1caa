/**
 * Rollback planning (`nodekeeper rollback`): which node groups go back to the image the ledger shows
 * before the one they run, which are refused and why (with the alternative), and which wait for the
 * window, an earlier wave or the budget. The plan is data; the rollbacks it allows are rollout
 * requests with `kind: 'rollback'`, run by the same program as every rollout. Pure.
 */
import type { Config } from '../config.ts';
import { matchesAny } from '../glob.ts';
import { launchTemplateUsersLookup } from '../inspection.ts';
import { type PlannedFleet, type PlanPorts, planFleet } from '../plan-pipeline.ts';
import { allocateBudget, isLiveStart, updatesInProgress } from '../safety/budgets.ts';
import { pausedMessage } from '../safety/evaluate.ts';
import { formatUtc } from '../safety/format.ts';
import {
  findRecall,
  imageSubject,
  type RecallSubject,
  recallCovers,
  recallDetail,
  recallLabel,
  runningSubject,
  unrecallCommand,
} from '../safety/recall.ts';
import { normalizeReleaseInput, releaseLineOf } from '../safety/release.ts';
import { clusterKey, locationKey, scopeFleet } from '../safety/scope.ts';
import { describeMoment, windowState } from '../safety/window.ts';
import { currentCustomImageId, isCustom, Tag } from '../targets.ts';
import type { CatalogSnapshot, Fleet, ImageFacts, NodegroupFacts } from '../types/fleet.ts';
import { NodegroupStatus } from '../types/fleet.ts';
import { type AmiRef, Strategy } from '../types/plan.ts';
import type { Policy, Recall } from '../types/policy.ts';
import { nextAttempt, recordsByKey } from './attempt.ts';
import { rolloutKey } from './key.ts';
import { DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS, MAX_RETENTION_USERS } from './retire.ts';
import type { NodegroupRef, RolloutRecord, RolloutRequest } from './types.ts';

/** What a rollback is asked for: one node group, or every node group running an image or release. */
export type RollbackSelection =
  | { kind: 'nodegroup'; cluster: string; nodegroup: string; region?: string; accountId?: string }
  | {
      kind: 'image';
      /** An AMI ID, or a release as `recall` takes it (`1.33.5-20261110`, `20261110`, `1.50.0`). */
      image: string;
      /** Narrows a release to one line (`al2023`, `golden:/images/web`), as `recall --family`. */
      family?: string | null;
    };

/** The per-group decision of a rollback plan. */
export const RollbackDecision = {
  /** Rolls back now (with `--apply`). */
  rollback: 'rollback',
  /** Could roll back, but not now: paused, outside the window, an earlier wave first, or the budget. */
  hold: 'hold',
  /** Cannot (or must not) be rolled back by nodekeeper; the message says why and what to do instead. */
  refuse: 'refuse',
} as const;
export type RollbackDecision = (typeof RollbackDecision)[keyof typeof RollbackDecision];

/** Why a node group is refused or held. New codes may be added; existing ones never change meaning. */
export const RollbackReason = {
  /** An EKS AMI (release-version) group: EKS never moves a managed node group to an earlier AMI version. */
  eksAmi: 'eks-ami',
  /** The ledger shows no succeeded rollout to the image it runs, so no earlier image is known. */
  noPreviousImage: 'no-previous-image',
  /** The image it would go back to is recalled too. */
  previousRecalled: 'previous-recalled',
  /** The image it would go back to is deregistered, disabled or could not be described. */
  previousUnavailable: 'previous-unavailable',
  /** The image it runs is not recalled: the next scan would roll it straight back to it. */
  notRecalled: 'not-recalled',
  /**
   * It came to its image with a Kubernetes version upgrade: the image before is for the earlier
   * minor. nodekeeper's conservative policy: AWS documents no rollback to an earlier minor, and not
   * what EKS does with an earlier minor's custom AMI in a launch template.
   */
  kubernetesDowngrade: 'kubernetes-downgrade',
  /** EKS is updating the node group, or the ledger has a rollout of it still running. */
  updateInProgress: 'update-in-progress',
  notActive: 'not-active',
  optedOut: 'opted-out',
  error: 'error',
  /** Holds (not now). */
  paused: 'paused',
  stateUnreadable: 'state-unreadable',
  outsideWindow: 'outside-window',
  waveGate: 'wave-gate',
  budget: 'budget',
} as const;
export type RollbackReason = (typeof RollbackReason)[keyof typeof RollbackReason];

/** One node group of a rollback plan (`nodekeeper rollback --json` items). */
export interface RollbackItem extends NodegroupRef {
  wave: string | null;
  strategy: Strategy;
  decision: RollbackDecision;
  /** null for `rollback`. */
  reason: RollbackReason | null;
  /** One line a human understands: `from → to`, or why not and what to do instead. */
  message: string;
  /** What it runs now. */
  current: AmiRef;
  /** The image it goes back to; null when none is known. */
  target: AmiRef | null;
  /** The succeeded rollout that brought the node group to what it runs now (its `from` is the target). */
  basis: { key: string; createdAt: string; finishedAt: string | null } | null;
  /** The attempt this rollback would be (a failed rollback is tried again by the next `rollback`). */
  attempt: number | null;
  /** Rules the command overrode for this item (`window`, `waves`). */
  overridden: Array<'window' | 'waves'>;
}

/** A rollback plan: plain data, printed by `nodekeeper rollback` and its `--json`. */
export interface RollbackPlan {
  /** ISO 8601: the plan's time. */
  generatedAt: string;
  selection: RollbackSelection;
  /** What the command was told to override (`--ignore-window`, `--ignore-waves`). */
  overrides: { window: boolean; waves: boolean };
  items: RollbackItem[];
}

export interface RollbackInput {
  selection: RollbackSelection;
  fleet: Fleet;
  catalog: CatalogSnapshot;
  /** The plan's policy: waves, window, budgets, pause, recalls, history (ledger facts), unreadable. */
  policy: Policy;
  /**
   * Ledger records of the selected node groups' clusters, any order: the rollouts that brought each
   * group to its image, and earlier rollbacks (attempt numbering).
   */
  records: readonly RolloutRecord[];
  /** The images rollbacks would go back to, as EC2 describes them (null: not found); by region. */
  images: Readonly<Record<string, Readonly<Record<string, ImageFacts | null>>>>;
  now: Date;
  ignoreWindow?: boolean;
  ignoreWaves?: boolean;
}

function currentOf(ng: NodegroupFacts): AmiRef {
  return {
    releaseVersion: ng.releaseVersion,
    imageId: isCustom(ng) ? currentCustomImageId(ng) : (ng.launchTemplate?.imageId ?? null),
  };
}

/** Whether the selection names this node group (or, for an image, whether it runs it). Pure. */
function selects(selection: RollbackSelection, ng: NodegroupFacts, catalog: CatalogSnapshot): boolean {
  if (selection.kind === 'nodegroup') {
    return (
      ng.cluster === selection.cluster &&
      ng.nodegroup === selection.nodegroup &&
      (selection.region === undefined || ng.region === selection.region) &&
      (selection.accountId === undefined || (ng.accountId ?? null) === (selection.accountId ?? null))
    );
  }
  const release = normalizeReleaseInput(selection.image, selection.family ?? null);
  if (release === null) return false;
  // The same matching as a recall of that image or release.
  const pseudo: Recall = { release, family: selection.family ?? null, reason: '', by: '', at: '' };
  return recallCovers(pseudo, runningSubject(ng, catalog, { target: null }));
}

/** The node groups a selection names, in plan order (region, cluster, node group, account). Pure. */
export function selectRollbackGroups(
  selection: RollbackSelection,
  fleet: Fleet,
  catalog: CatalogSnapshot,
  policy: Pick<Policy, 'clusters'>,
): NodegroupFacts[] {
  return fleet.nodegroups
    .filter((ng) => matchesAny(ng.cluster, policy.clusters) && selects(selection, ng, catalog))
    .sort(
      (a, b) =>
        cmp(a.region, b.region) ||
        cmp(a.cluster, b.cluster) ||
        cmp(a.nodegroup, b.nodegroup) ||
        cmp(a.accountId ?? '', b.accountId ?? ''),
    );
}

function cmp(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function sameGroup(r: RolloutRecord, ng: NodegroupFacts): boolean {
  return (
    (r.accountId ?? null) === (ng.accountId ?? null) &&
    r.region === ng.region &&
    r.cluster === ng.cluster &&
    r.nodegroup === ng.nodegroup
  );
}

/**
 * The succeeded forward rollout that brought `ng` to what it runs now (the newest), or null:
 * rollbacks never count, so a group rolled back once goes further back the next time, never
 * forward to the image it left. Launch-template groups match by AMI, EKS AMI groups by release
 * version. Pure.
 */
export function rolloutToCurrent(
  ng: NodegroupFacts,
  records: readonly RolloutRecord[],
): RolloutRecord | null {
  const current = currentOf(ng);
  let best: RolloutRecord | null = null;
  for (const r of records) {
    if (r.kind === 'rollback' || r.outcome !== 'succeeded' || !sameGroup(r, ng)) continue;
    const onIt = isCustom(ng)
      ? r.to.imageId !== null && r.to.imageId === current.imageId
      : r.to.releaseVersion !== null && r.to.releaseVersion === current.releaseVersion;
    if (!onIt) continue;
    const at = r.finishedAt ?? r.createdAt;
    if (best === null || at > (best.finishedAt ?? best.createdAt)) best = r;
  }
  return best;
}

/**
 * The images the rollbacks of a selection would go back to, by region: what the shell describes
 * (DescribeImages) before planning. Pure.
 */
export function previousImagesWanted(
  selection: RollbackSelection,
  fleet: Fleet,
  catalog: CatalogSnapshot,
  policy: Pick<Policy, 'clusters'>,
  records: readonly RolloutRecord[],
): Array<{ accountId: string | null; region: string; imageIds: string[] }> {
  const wanted = new Map<string, { accountId: string | null; region: string; imageIds: Set<string> }>();
  for (const ng of selectRollbackGroups(selection, fleet, catalog, policy)) {
    if (!isCustom(ng)) continue;
    const previous = rolloutToCurrent(ng, records)?.from.imageId ?? null;
    if (previous === null) continue;
    const key = JSON.stringify([ng.accountId, ng.region]);
    const entry = wanted.get(key) ?? { accountId: ng.accountId, region: ng.region, imageIds: new Set() };
    entry.imageIds.add(previous);
    wanted.set(key, entry);
  }
  return [...wanted.values()].map((w) => ({ ...w, imageIds: [...w.imageIds].sort() }));
}

/** `nodekeeper recall ami-… --reason "…"` for what a node group runs. Pure. */
function recallCommandFor(running: RecallSubject & { label: string }): string {
  const what = running.imageId ?? running.label;
  return `nodekeeper recall ${what} --reason "…"`;
}

/** Describes an image for messages: `ami-0abc (golden-web-2026-11-01)`. */
function imageLabel(imageId: string, image: ImageFacts | null | undefined): string {
  return image?.name ? `${imageId} (${image.name})` : imageId;
}

/**
 * Plans the rollback of every node group the selection names: the image the ledger shows before
 * the one it runs ({@link rolloutToCurrent}), refused with the reason and the alternative where
 * EKS or nodekeeper cannot (EKS AMI groups, no earlier image, the earlier image recalled or
 * unavailable, the group busy or not ACTIVE, the image it runs not recalled), held where the pause
 * flag, the window, an earlier wave of the same rollback or the budgets say not now. Waves order
 * the groups of one rollback (an earlier wave's groups roll back first; no soak: the image they go
 * back to ran before); `ignoreWaves` and `ignoreWindow` override those two rules and the items say
 * so. Pure and deterministic.
 */
export function planRollback(input: RollbackInput): RollbackPlan {
  const { selection, fleet, catalog, policy, records, now } = input;
  const groups = selectRollbackGroups(selection, fleet, catalog, policy);
  const scoped = new Map(scopeFleet(fleet, catalog, policy, now).map((g) => [g.key, g]));
  const recalls = policy.recalls ?? [];
  const byKey = recordsByKey(records);
  const items: RollbackItem[] = [];
  /** Items that could roll back now, with their wave index, for the wave, window and budget pass. */
  const ready: Array<{ item: RollbackItem; waveIndex: number | null }> = [];

  for (const ng of groups) {
    const group = scoped.get(locationKey(ng));
    const strategy = isCustom(ng) ? Strategy.launchTemplate : Strategy.releaseVersion;
    const current = currentOf(ng);
    const basisRecord = rolloutToCurrent(ng, records);
    const basis = basisRecord
      ? { key: basisRecord.key, createdAt: basisRecord.createdAt, finishedAt: basisRecord.finishedAt }
      : null;
    const base = {
      accountId: ng.accountId,
      region: ng.region,
      cluster: ng.cluster,
      nodegroup: ng.nodegroup,
      wave: group?.waveIndex == null ? null : (policy.waves[group.waveIndex]?.name ?? null),
      strategy,
      current,
      basis,
      attempt: null,
      overridden: [] as Array<'window' | 'waves'>,
    };
    const name = `${ng.cluster}/${ng.nodegroup}`;
    const refuse = (reason: RollbackReason, message: string, target: AmiRef | null = null) =>
      items.push({ ...base, decision: RollbackDecision.refuse, reason, message, target });

    if (ng.tags[Tag.skip]?.trim().toLowerCase() === 'true') {
      refuse(RollbackReason.optedOut, `tag ${Tag.skip}=true: nodekeeper leaves ${name} alone`);
      continue;
    }
    if (strategy === Strategy.releaseVersion) {
      const earlier = basisRecord?.from.releaseVersion ?? null;
      refuse(
        RollbackReason.eksAmi,
        `${name} runs the EKS AMI release ${ng.releaseVersion}: EKS cannot roll a managed node group back to an earlier AMI version (UpdateNodegroupVersion); create a node group on ${
          earlier ? `the earlier release ${earlier}` : 'an earlier release'
        } (CreateNodegroup releaseVersion) and move the workloads to it, or wait for a fixed release`,
        earlier ? { releaseVersion: earlier, imageId: basisRecord?.from.imageId ?? null } : null,
      );
      continue;
    }
    if (ng.status === NodegroupStatus.updating) {
      refuse(RollbackReason.updateInProgress, `${name} is UPDATING; roll back once EKS is done with it`);
      continue;
    }
    if (ng.status !== NodegroupStatus.active) {
      refuse(RollbackReason.notActive, `${name} is ${ng.status}, not ACTIVE`);
      continue;
    }
    if (ng.launchTemplate === null) {
      refuse(RollbackReason.error, 'amiType is CUSTOM but EKS reports no launch template');
      continue;
    }
    const live = group?.facts.find((f) => isLiveStart(f, group, now));
    if (live) {
      refuse(
        RollbackReason.updateInProgress,
        `the ledger shows a rollout of ${name} started at ${formatUtc(live.startedAt ?? '')}; roll back once it ended`,
      );
      continue;
    }
    const runningId = current.imageId ?? ng.releaseVersion;
    const previousId = basisRecord?.from.imageId ?? null;
    if (basisRecord === null || previousId === null || previousId === runningId) {
      refuse(
        RollbackReason.noPreviousImage,
        `the ledger shows no succeeded nodekeeper rollout of ${name} to ${runningId}, so no earlier image is known; roll back by hand: a new version of launch template ${ng.launchTemplate.id} with the earlier ImageId, then UpdateNodegroupVersion to it`,
      );
      continue;
    }
    const target: AmiRef = { releaseVersion: null, imageId: previousId };
    if (basisRecord.targetVersion !== undefined) {
      refuse(
        RollbackReason.kubernetesDowngrade,
        `${name} came to ${runningId} with its upgrade to Kubernetes ${basisRecord.targetVersion}: ${previousId} is the image of the minor before, and nodekeeper never takes a node group back to an earlier Kubernetes minor (AWS documents no such rollback, nor what EKS does with an earlier minor's custom AMI in a launch template); wait for a fixed image for ${basisRecord.targetVersion}, or roll back by hand to an earlier ${basisRecord.targetVersion} image (a new version of launch template ${ng.launchTemplate.id})`,
        target,
      );
      continue;
    }
    const running = runningSubject(ng, catalog, { target: null });
    const runningRecall = findRecall(recalls, running);
    if (runningRecall === null) {
      refuse(
        RollbackReason.notRecalled,
        `${runningId} is not recalled: the next scan would roll ${name} straight back to it; recall it first: \`${recallCommandFor(running)}\`, then roll back`,
        target,
      );
      continue;
    }
    const line = releaseLineOf(ng, catalog);
    const described = input.images[ng.region];
    // What EC2 answered now wins over the inspection's catalog (null: not found).
    const image =
      described !== undefined && previousId in described
        ? (described[previousId] ?? null)
        : (catalog.images[ng.region]?.[previousId] ?? null);
    const previousRecall = findRecall(recalls, imageSubject(line, previousId, image));
    if (previousRecall !== null) {
      refuse(
        RollbackReason.previousRecalled,
        `the image ${name} ran before, ${imageLabel(previousId, image)}, is ${recallDetail(previousRecall)} (recall of ${recallLabel(previousRecall)}); wait for a fixed image, roll back by hand to an older one, or \`${unrecallCommand(previousRecall)}\``,
        target,
      );
      continue;
    }
    if (image === null) {
      refuse(
        RollbackReason.previousUnavailable,
        `DescribeImages returned nothing for ${previousId}, the image ${name} ran before (deregistered, or not shared with this account); roll back by hand to an image that exists`,
        target,
      );
      continue;
    }
    if (image.state !== 'available') {
      refuse(
        RollbackReason.previousUnavailable,
        `${imageLabel(previousId, image)}, the image ${name} ran before, is ${image.state}; roll back by hand to an image that is available`,
        target,
      );
      continue;
    }
    const deprecated =
      image.deprecationTime !== null && Date.parse(image.deprecationTime) <= now.getTime()
        ? `; ${previousId} was deprecated at ${image.deprecationTime} (EC2 still launches a deprecated image by its ID)`
        : '';
    const request = rollbackRequestBase(ng, target, line);
    const attempt = nextAttempt(byKey, request, () => true);
    const previousTry = attempt > 1 ? byKey.get(rolloutKey({ ...request, attempt: attempt - 1 })) : undefined;
    const again =
      previousTry !== undefined
        ? `; attempt ${attempt} after attempt ${attempt - 1} ${previousTry.outcome}`
        : '';
    const item: RollbackItem = {
      ...base,
      decision: RollbackDecision.rollback,
      reason: null,
      message: `${runningId} → ${imageLabel(previousId, image)}, the image before it (${recallLabel(runningRecall)} recalled)${deprecated}${again}`,
      target,
      attempt,
    };
    items.push(item);
    ready.push({ item, waveIndex: group?.waveIndex ?? null });
  }

  applyHolds(ready, input, scoped);
  return {
    generatedAt: now.toISOString(),
    selection,
    overrides: { window: input.ignoreWindow === true, waves: input.ignoreWaves === true },
    items,
  };
}

/** Pause, unreadable state, waves, window and budgets, in that order, over the ready items. */
function applyHolds(
  ready: ReadonlyArray<{ item: RollbackItem; waveIndex: number | null }>,
  input: RollbackInput,
  scoped: ReadonlyMap<string, ReturnType<typeof scopeFleet>[number]>,
): void {
  const { policy, now } = input;
  const hold = (item: RollbackItem, reason: RollbackReason, message: string) => {
    item.decision = RollbackDecision.hold;
    item.reason = reason;
    item.message = `${message} (${item.message})`;
  };
  let window: string | null = null;
  if (policy.window) {
    const state = windowState(policy.window, now);
    if (state.kind === 'outside') {
      window = state.nextOpensAt
        ? `outside the maintenance window; the next opens ${describeMoment(state.nextOpensAt, policy.window.timezone)}`
        : `outside the maintenance window; ${policy.window.cron} never fires again`;
    }
  }
  // The earliest wave among this rollback's groups goes first; groups without a wave are not gated.
  const waves = ready.map((r) => r.waveIndex).filter((w): w is number => w !== null);
  const first = waves.length === 0 ? null : Math.min(...waves);
  const pool: RollbackItem[] = [];
  for (const { item, waveIndex } of ready) {
    if (policy.paused) {
      hold(item, RollbackReason.paused, `${pausedMessage(policy.paused)}; \`nodekeeper resume\` first`);
      continue;
    }
    if (policy.unreadable && policy.unreadable.length > 0) {
      hold(
        item,
        RollbackReason.stateUnreadable,
        `held: ${policy.unreadable.join(' and ')} could not be read`,
      );
      continue;
    }
    if (first !== null && waveIndex !== null && waveIndex > first) {
      if (input.ignoreWaves) {
        item.overridden.push('waves');
      } else {
        const firstName = policy.waves[first]?.name ?? String(first);
        const before = ready
          .filter((r) => r.waveIndex === first)
          .map((r) => `${r.item.cluster}/${r.item.nodegroup}`);
        hold(
          item,
          RollbackReason.waveGate,
          `wave ${item.wave ?? '?'} rolls back after wave ${firstName} (${before.slice(0, 3).join(', ')}${before.length > 3 ? ` and ${before.length - 3} more` : ''}); --ignore-waves rolls back every wave at once`,
        );
        continue;
      }
    }
    if (window !== null) {
      if (input.ignoreWindow) {
        item.overridden.push('window');
      } else {
        hold(item, RollbackReason.outsideWindow, `${window}; --ignore-window rolls back now`);
        continue;
      }
    }
    pool.push(item);
  }
  const key = (i: RollbackItem) => `${clusterKey(i)}\u0000${i.nodegroup}`;
  const admission = allocateBudget(
    pool.map((i) => ({
      key: key(i),
      clusterKey: clusterKey(i),
      cluster: i.cluster,
      label: `${i.cluster}/${i.nodegroup}`,
    })),
    updatesInProgress([...scoped.values()], policy.history ?? [], now),
    policy,
  );
  for (const item of pool) {
    const waits = admission.get(key(item));
    if (waits) {
      hold(
        item,
        RollbackReason.budget,
        waits.replace('a later scan in the window starts it', 'it rolls back when one ends'),
      );
      continue;
    }
    if (item.overridden.length > 0) {
      const what = item.overridden.map((o) =>
        o === 'window' ? 'maintenance window (--ignore-window)' : 'wave order (--ignore-waves)',
      );
      item.message = `${item.message}; overrides the ${what.join(' and the ')}`;
    }
  }
}

function rollbackRequestBase(
  ng: NodegroupFacts,
  target: AmiRef,
  family: string | null,
): Omit<RolloutRequest, 'attempt'> {
  return {
    kind: 'rollback',
    accountId: ng.accountId,
    region: ng.region,
    cluster: ng.cluster,
    nodegroup: ng.nodegroup,
    strategy: Strategy.launchTemplate,
    current: currentOf(ng),
    target,
    launchTemplate: ng.launchTemplate
      ? { id: ng.launchTemplate.id, version: ng.launchTemplate.version }
      : null,
    wave: null,
    ...(family !== null ? { family } : {}),
  };
}

/**
 * The rollout request of each `rollback` item (`kind: 'rollback'`, the attempt the plan chose),
 * stamped with `runId` when new to the ledger, retiring old launch template versions as forward
 * rollouts do (`keep`, the template's users in the fleet). Pure.
 */
export function rollbackRequests(
  plan: RollbackPlan,
  context: {
    fleet: Fleet;
    catalog: CatalogSnapshot;
    records: readonly RolloutRecord[];
    runId?: string;
    keep?: number;
    usersOf?: (template: { accountId: string | null; region: string; id: string }) => NodegroupRef[];
  },
): Array<{ item: RollbackItem; request: RolloutRequest }> {
  const byKey = recordsByKey(context.records);
  const out: Array<{ item: RollbackItem; request: RolloutRequest }> = [];
  for (const item of plan.items) {
    if (item.decision !== RollbackDecision.rollback || item.target === null || item.attempt === null)
      continue;
    const ng = context.fleet.nodegroups.find((n) => locationKey(n) === locationKey(item));
    if (ng === undefined) continue;
    const request: RolloutRequest = {
      ...rollbackRequestBase(ng, item.target, releaseLineOf(ng, context.catalog)),
      wave: item.wave,
      attempt: item.attempt,
    };
    if (context.runId !== undefined && !byKey.has(rolloutKey(request))) request.runId = context.runId;
    if (context.keep !== undefined && context.usersOf && request.launchTemplate) {
      const users = context.usersOf({
        accountId: request.accountId,
        region: request.region,
        id: request.launchTemplate.id,
      });
      if (users.length <= MAX_RETENTION_USERS) request.versionRetention = { keep: context.keep, users };
    }
    out.push({ item, request });
  }
  return out;
}

/** True when a rollback plan holds a group only for an earlier wave or the budget (another round may start it). Pure. */
export function rollbackWaiting(plan: RollbackPlan): boolean {
  return plan.items.some(
    (i) =>
      i.decision === RollbackDecision.hold &&
      (i.reason === RollbackReason.waveGate || i.reason === RollbackReason.budget),
  );
}

/** Ledger records read per cluster to find what each node group ran before (newest first). */
export const ROLLBACK_HISTORY_LIMIT = 1000;

/** What planning a rollback reads, through ports the shell builds (AWS adapters in @nodekeeper/aws). */
export interface RollbackPorts {
  /** The plan pipeline's ports: the fleet, the pause flag, the ledger window, approvals, recalls. */
  plan: PlanPorts;
  /** Rollout records of one cluster, newest first, at most `limit` (the ledger's cluster index). Throws when unreadable. */
  clusterHistory(cluster: string, limit: number): Promise<RolloutRecord[]>;
  /** The images by ID in one (account, region), deprecated ones included; a missing one is absent. */
  describeImages(
    where: { accountId: string | null; region: string },
    imageIds: readonly string[],
  ): Promise<ImageFacts[]>;
}

export interface RollbackPipelineOptions {
  config: Config;
  now: Date;
  selection: RollbackSelection;
  regions?: readonly string[];
  ignoreWindow?: boolean;
  ignoreWaves?: boolean;
  /** The run starting these rollbacks; stamped on each request new to the ledger. */
  runId?: string;
}

export interface PlannedRollback {
  planned: PlannedFleet;
  /** Every ledger record the rollback plan read (the plan's window and the selected clusters'). */
  records: RolloutRecord[];
  plan: RollbackPlan;
  requests: Array<{ item: RollbackItem; request: RolloutRequest }>;
}

/**
 * Plans a rollback as the scan plans a rollout: the plan pipeline ({@link planFleet}: fleet,
 * pause flag, ledger window, recalls), the selected node groups' clusters' ledger records (the
 * rollouts that brought them to their images), and EC2's word on the images they would go back
 * to; then {@link planRollback} and its requests. Read-only. The CLI and tests use it alike.
 */
export async function planRollbackFleet(
  ports: RollbackPorts,
  options: RollbackPipelineOptions,
): Promise<PlannedRollback> {
  const planned = await planFleet(ports.plan, {
    config: options.config,
    now: options.now,
    ...(options.regions ? { regions: options.regions } : {}),
  });
  const { fleet, catalog, policy } = planned;
  const selected = selectRollbackGroups(options.selection, fleet, catalog, policy);
  const clusters = [...new Set(selected.map((ng) => ng.cluster))].sort();
  const byKey = new Map(planned.records.map((r) => [r.key, r]));
  for (const cluster of clusters) {
    let history: RolloutRecord[];
    try {
      history = await ports.clusterHistory(cluster, ROLLBACK_HISTORY_LIMIT);
    } catch (error) {
      // No ledger table yet: nothing was rolled out, so no earlier image is known (refused per group).
      if (ports.plan.isLedgerMissing?.(error)) history = [];
      else throw error;
    }
    for (const r of history) byKey.set(r.key, r);
  }
  const records = [...byKey.values()];
  const images: Record<string, Record<string, ImageFacts | null>> = {};
  for (const want of previousImagesWanted(options.selection, fleet, catalog, policy, records)) {
    const found = await ports.describeImages(want, want.imageIds);
    const region = images[want.region] ?? {};
    for (const id of want.imageIds) region[id] = found.find((i) => i.imageId === id) ?? null;
    images[want.region] = region;
  }
  const plan = planRollback({
    selection: options.selection,
    fleet,
    catalog,
    policy,
    records,
    images,
    now: options.now,
    ...(options.ignoreWindow ? { ignoreWindow: true } : {}),
    ...(options.ignoreWaves ? { ignoreWaves: true } : {}),
  });
  const requests = rollbackRequests(plan, {
    fleet,
    catalog,
    records,
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    keep: options.config.launchTemplateVersions?.keep ?? DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS,
    usersOf: launchTemplateUsersLookup(fleet),
  });
  return { planned, records, plan, requests };
}
