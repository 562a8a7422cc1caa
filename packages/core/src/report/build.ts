/**
 * Builds the fleet freshness report from what the CLI read (fleet, catalog, plan, ledger history,
 * patch runs) and a window evaluator. Pure: `now` is the plan's `generatedAt`.
 */
import { type DatedAmi, fleetFreshness, type NodegroupFreshness } from '../metrics.ts';
import type { RolloutRecord } from '../rollout/types.ts';
import { runningRecall } from '../safety/recall.ts';
import type { CatalogSnapshot, Fleet } from '../types/fleet.ts';
import { type Plan, type PlanItem, PlanWarningCode, SkipReason, Strategy } from '../types/plan.ts';
import type { Policy } from '../types/policy.ts';
import {
  type EndOfLifeNotice,
  type HoldGroup,
  type LedgerStatus,
  type NextRoll,
  NextRollKind,
  type RecalledNodegroup,
  type Report,
  type ReportCluster,
  type ReportNodegroup,
  type ReportPatch,
  type ReportRecalls,
  type ReportRollout,
  type ReportWindow,
  type TimelineEvent,
} from './types.ts';

const DAY_MS = 86_400_000;
/** At most this many timeline events (newest first) are kept. */
export const TIMELINE_MAX_EVENTS = 500;

/** The first window that is open at or after `from`, or null when there is none (or no schedule). */
export type WindowAfter = (from: Date) => ReportWindow | null;

export interface ReportInput {
  fleet: Fleet;
  catalog: CatalogSnapshot;
  plan: Plan;
  policy: Policy;
  /** Ledger rollout records, any order (newer than `plan.generatedAt` are ignored). */
  history: readonly RolloutRecord[];
  patches?: readonly ReportPatch[];
  ledger: LedgerStatus;
  /** The safety work's window evaluator; null when none is available. */
  windowAfter?: WindowAfter | null;
  /** Days of activity in the timeline (default 30). */
  timelineDays?: number;
}

/** What each hold means, for people who do not know the reason codes. */
export const HOLD_EXPLANATIONS: Record<SkipReason, { title: string; explanation: string }> = {
  'opted-out': {
    title: 'Opted out',
    explanation: 'The node group carries nodekeeper.io/skip=true. nodekeeper never rolls or patches it.',
  },
  'update-in-progress': {
    title: 'Update in progress',
    explanation: 'EKS is already updating the node group. nodekeeper waits until that update ends.',
  },
  'not-active': {
    title: 'Not active',
    explanation:
      'The node group is not ACTIVE (DEGRADED, CREATING…). Fix its health first; nodekeeper rolls only healthy groups.',
  },
  'unknown-ami-family': {
    title: 'Unknown AMI family',
    explanation:
      'A custom AMI nodekeeper cannot map to a public parameter. Tag it with nodekeeper.io/ami-parameter to name your own.',
  },
  'no-parameter': {
    title: 'No AMI parameter',
    explanation: 'AWS publishes no SSM parameter for this AMI type and Kubernetes version.',
  },
  'ami-too-new': {
    title: 'AMI too new',
    explanation:
      'The latest AMI is younger than the minimum age (minAmiAgeDays). It rolls once it is old enough.',
  },
  'ami-denied': {
    title: 'AMI denied',
    explanation: 'The latest AMI is on the deny list (denyAmis). nodekeeper waits for the next release.',
  },
  'ami-unavailable': {
    title: 'AMI unavailable',
    explanation:
      'The latest AMI is not available, or it is deprecated. nodekeeper waits for the next release.',
  },
  'wave-gate': {
    title: 'Waiting for an earlier wave',
    explanation: 'An earlier wave has not yet run this release for its soak time.',
  },
  'outside-window': {
    title: 'Outside the maintenance window',
    explanation: 'Rollouts start only inside the scheduled window. It rolls in the next one.',
  },
  budget: {
    title: 'Concurrency budget used',
    explanation: 'Enough node groups are already rolling (maxConcurrentPerCluster / maxConcurrentTotal).',
  },
  paused: {
    title: 'Paused',
    explanation: 'An operator paused rollouts. Nothing rolls until they resume.',
  },
  halted: {
    title: 'Halted after failures',
    explanation: 'Too many rollouts of this release failed (maxFailuresPerRelease). An operator must look.',
  },
  failed: {
    title: 'Failed, waiting for a retry',
    explanation:
      'The last rollout of this node group to this release failed. nodekeeper does not try a failed rollout again by itself: nodekeeper retry <cluster>/<nodegroup>, or an approval of the release for its wave, starts a new attempt.',
  },
  recalled: {
    title: 'Recalled',
    explanation:
      'An operator recalled the target release or image (nodekeeper recall). Nothing rolls to it until nodekeeper unrecall; node groups already running it are listed under recalls.',
  },
  'state-unreadable': {
    title: 'Pause flag or ledger unreadable',
    explanation:
      'nodekeeper could not read the pause flag or its ledger, which waves, soak, budgets and the breaker depend on. Nothing rolls until it can.',
  },
  'version-behind': {
    title: 'Kubernetes version behind the cluster',
    explanation:
      "The node group's Kubernetes minor is behind its cluster's and it does not follow it (followClusterVersion), or nodekeeper cannot tell its AMI on the next minor. It keeps getting images of its own minor.",
  },
  error: {
    title: 'Inspection error',
    explanation: 'nodekeeper could not read this part of the fleet. The message says why.',
  },
};

function key(x: { accountId: string | null; region: string; cluster: string; nodegroup: string }): string {
  return [x.accountId ?? '', x.region, x.cluster, x.nodegroup].join('\u0000');
}

function amiLabel(ref: { releaseVersion: string | null; imageId: string | null }, strategy: string | null) {
  return strategy === Strategy.launchTemplate
    ? (ref.imageId ?? ref.releaseVersion)
    : (ref.releaseVersion ?? ref.imageId);
}

function toReportRollout(r: RolloutRecord): ReportRollout {
  return {
    key: r.key,
    ...(r.kind === 'rollback' ? { kind: 'rollback' as const } : {}),
    ...(r.targetVersion !== undefined ? { targetVersion: r.targetVersion } : {}),
    outcome: r.outcome,
    from: amiLabel(r.from, r.strategy),
    to: amiLabel(r.to, r.strategy),
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    updateId: r.updateId,
    errorCodes: r.errors.map((e) => e.errorCode),
    message: r.message,
  };
}

const emptyAmi = (item: PlanItem): DatedAmi => ({
  releaseVersion: item.current.releaseVersion,
  imageId: item.current.imageId,
  date: null,
  dateSource: null,
  ageDays: null,
});

function minAgeDays(policy: Policy, wave: string | null): number {
  return policy.waves.find((w) => w.name === wave)?.minAmiAgeDays ?? policy.minAmiAgeDays;
}

function nextRollOf(
  item: PlanItem,
  latest: DatedAmi | null,
  now: Date,
  policy: Policy,
  windowAfter: WindowAfter | null,
): NextRoll {
  const windowFrom = (from: Date) => windowAfter?.(from)?.start ?? null;
  const noSchedule = policy.window === null;
  if (item.decision === 'current') return { kind: NextRollKind.current, at: null, why: 'on the latest AMI' };
  if (item.decision === 'roll') {
    const at = windowFrom(now);
    const why = noSchedule
      ? 'rolls on the next run'
      : at
        ? 'rolls in the next window'
        : 'rolls in the next scheduled window';
    return { kind: NextRollKind.nextWindow, at, why };
  }
  switch (item.reason) {
    case SkipReason.outsideWindow:
    case SkipReason.budget:
    case SkipReason.updateInProgress:
      return { kind: NextRollKind.nextWindow, at: windowFrom(now), why: item.message };
    case SkipReason.amiTooNew: {
      const created = latest?.date ? Date.parse(latest.date) : Number.NaN;
      if (Number.isNaN(created)) return { kind: NextRollKind.waiting, at: null, why: item.message };
      const eligible = new Date(Math.max(now.getTime(), created + minAgeDays(policy, item.wave) * DAY_MS));
      return {
        kind: NextRollKind.waiting,
        at: noSchedule || windowAfter === null ? eligible.toISOString() : windowFrom(eligible),
        why: item.message,
      };
    }
    case SkipReason.waveGate:
    case SkipReason.paused:
    case SkipReason.halted:
    case SkipReason.stateUnreadable:
    case SkipReason.recalled:
    case SkipReason.notActive:
      return { kind: NextRollKind.blocked, at: null, why: item.message };
    default:
      return { kind: NextRollKind.never, at: null, why: item.message };
  }
}

/** True when `iso` lies in the `days` before `now` (inclusive). */
function isWithin(iso: string, now: Date, days: number): boolean {
  const t = Date.parse(iso);
  return t >= now.getTime() - days * DAY_MS && t <= now.getTime();
}

function timelineOf(
  history: readonly RolloutRecord[],
  patches: readonly ReportPatch[],
  now: Date,
  days: number,
): TimelineEvent[] {
  const inWindow = (iso: string) => isWithin(iso, now, days);
  const rollouts: TimelineEvent[] = history
    .filter((r) => inWindow(r.createdAt))
    .map((r) => {
      const ref = toReportRollout(r);
      const errors = ref.errorCodes.length > 0 ? ` (${ref.errorCodes.join(', ')})` : '';
      return {
        kind: 'rollout',
        at: r.createdAt,
        finishedAt: r.finishedAt,
        accountId: r.accountId,
        region: r.region,
        cluster: r.cluster,
        nodegroup: r.nodegroup,
        outcome: r.outcome,
        title: `${r.cluster}/${r.nodegroup} ${r.kind === 'rollback' ? 'rollback ' : ''}${r.outcome}`,
        detail: `${ref.from ?? '?'} → ${ref.to ?? '?'}${errors}${r.outcome === 'not-started' && r.reason ? `: ${r.reason}` : ''}`,
      };
    });
  const patchEvents: TimelineEvent[] = patches
    .filter((p) => inWindow(p.requestedAt))
    .map((p) => ({
      kind: 'patch',
      at: p.requestedAt,
      finishedAt: p.finishedAt,
      accountId: p.accountId,
      region: p.region,
      cluster: p.cluster,
      nodegroup: p.nodegroup,
      outcome:
        p.status === 'Success'
          ? 'succeeded'
          : p.status === 'InProgress' || p.status === 'Pending'
            ? 'started'
            : 'failed',
      title: `patch ${p.cluster}${p.nodegroup ? `/${p.nodegroup}` : ''} ${p.status}`,
      detail: `${p.succeeded} instances patched, ${p.failed} failed (command ${p.commandId})`,
    }));
  return [...rollouts, ...patchEvents]
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.title < b.title ? -1 : 1))
    .slice(0, TIMELINE_MAX_EVENTS);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}

/**
 * The report: per node group its current and latest AMI with ages and days behind, wave, last
 * rollout (newest ledger record), next roll and why it waits; per cluster rollups; the timeline
 * of recent rollouts and patches; the plan's holds explained. Pure and deterministic.
 */
export function buildReport(input: ReportInput): Report {
  const now = new Date(input.plan.generatedAt);
  const windowAfter = input.windowAfter ?? null;
  const freshness = new Map<string, NodegroupFreshness>(
    fleetFreshness(input.fleet, input.catalog, input.plan).map((f) => [key(f), f]),
  );
  const amiTypes = new Map(input.fleet.nodegroups.map((ng) => [key(ng), ng.amiType]));
  const lastRollouts = new Map<string, RolloutRecord>();
  for (const r of input.history) {
    if (Date.parse(r.createdAt) > now.getTime()) continue;
    const k = key(r);
    const seen = lastRollouts.get(k);
    if (!seen || seen.createdAt < r.createdAt) lastRollouts.set(k, r);
  }

  const nodegroups: ReportNodegroup[] = input.plan.items.map((item) => {
    const f = freshness.get(key(item));
    const latest = f?.latest ?? null;
    const last = lastRollouts.get(key(item));
    return {
      accountId: item.accountId,
      region: item.region,
      cluster: item.cluster,
      nodegroup: item.nodegroup,
      wave: item.wave,
      amiType: amiTypes.get(key(item)) ?? null,
      strategy: item.strategy,
      current: f?.current ?? emptyAmi(item),
      latest,
      daysBehind: f?.daysBehind ?? null,
      behind: f?.behind ?? (item.decision === 'roll' ? true : item.decision === 'current' ? false : null),
      decision: item.decision,
      reason: item.reason,
      message: item.message,
      lastRollout: last ? toReportRollout(last) : null,
      nextRoll: nextRollOf(item, latest, now, input.policy, windowAfter),
      updateConfig: item.updateConfig ?? null,
      endOfLife: item.endOfLife ?? null,
    };
  });

  const clusters: ReportCluster[] = [];
  const byCluster = new Map<string, ReportCluster>();
  for (const ng of nodegroups) {
    const k = [ng.accountId ?? '', ng.region, ng.cluster].join('\u0000');
    let c = byCluster.get(k);
    if (!c) {
      c = {
        accountId: ng.accountId,
        region: ng.region,
        cluster: ng.cluster,
        nodegroups: [],
        behind: 0,
        maxAgeDays: null,
        failed: 0,
      };
      byCluster.set(k, c);
      clusters.push(c);
    }
    c.nodegroups.push(ng);
    if (ng.behind === true) c.behind += 1;
    if (ng.lastRollout?.outcome === 'failed') c.failed += 1;
    if (ng.current.ageDays !== null) c.maxAgeDays = Math.max(c.maxAgeDays ?? 0, ng.current.ageDays);
  }

  const holdsByReason = new Map<SkipReason, HoldGroup>();
  for (const ng of nodegroups) {
    if (ng.decision !== 'skip' || ng.reason === null) continue;
    let group = holdsByReason.get(ng.reason);
    if (!group) {
      group = { reason: ng.reason, ...HOLD_EXPLANATIONS[ng.reason], items: [] };
      holdsByReason.set(ng.reason, group);
    }
    group.items.push({
      accountId: ng.accountId,
      region: ng.region,
      cluster: ng.cluster,
      nodegroup: ng.nodegroup,
      message: ng.message,
      at: ng.nextRoll.at,
    });
  }
  const holds = [...holdsByReason.values()].sort(
    (a, b) => b.items.length - a.items.length || (a.reason < b.reason ? -1 : 1),
  );

  const timelineDays = input.timelineDays ?? 30;
  const timeline = timelineOf(input.history, input.patches ?? [], now, timelineDays);
  const rollouts = { succeeded: 0, failed: 0, started: 0, stillRunning: 0, notStarted: 0 };
  const patches = { succeeded: 0, failed: 0 };
  for (const e of timeline) {
    if (e.kind === 'rollout') {
      if (e.outcome === 'not-started') rollouts.notStarted += 1;
      else if (e.outcome === 'still-running') rollouts.stillRunning += 1;
      else rollouts[e.outcome] += 1;
    }
  }
  for (const p of input.patches ?? []) {
    if (!isWithin(p.requestedAt, now, timelineDays)) continue;
    patches.succeeded += p.succeeded;
    patches.failed += p.failed;
  }
  const ages = nodegroups.flatMap((n) => (n.current.ageDays === null ? [] : [n.current.ageDays]));
  const endOfLife = endOfLifeNotices(input.plan);
  const countOf = (code: PlanWarningCode) => endOfLife.filter((n) => n.code === code).length;

  return {
    generatedAt: input.plan.generatedAt,
    schedule: input.policy.window ? { ...input.policy.window } : null,
    nextWindow: windowAfter?.(now) ?? null,
    ledger: input.ledger,
    timelineDays,
    summary: {
      clusters: clusters.length,
      nodegroups: nodegroups.length,
      behind: nodegroups.filter((n) => n.behind === true).length,
      current: nodegroups.filter((n) => n.behind === false).length,
      unknown: nodegroups.filter((n) => n.behind === null).length,
      maxAgeDays: ages.length > 0 ? Math.max(...ages) : null,
      medianAgeDays: median(ages),
      roll: nodegroups.filter((n) => n.decision === 'roll').length,
      skip: nodegroups.filter((n) => n.decision === 'skip').length,
      rollouts,
      patches,
      endOfLife: {
        familyEndOfLife: countOf(PlanWarningCode.amiFamilyEndOfLife),
        imageDeprecated: countOf(PlanWarningCode.imageDeprecated),
        imageDeprecating: countOf(PlanWarningCode.imageDeprecating),
      },
    },
    clusters,
    timeline,
    holds,
    endOfLife,
    recalls: recallsOf(input),
  };
}

/** Active recalls, and the node groups that run what they recall (from the plan's warnings). */
function recallsOf(input: ReportInput): ReportRecalls {
  const active = [...(input.policy.recalls ?? [])].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const nodegroups = new Map(input.fleet.nodegroups.map((ng) => [key(ng), ng]));
  const running: RecalledNodegroup[] = [];
  for (const item of input.plan.items) {
    const warning = item.warnings?.find((w) => w.code === PlanWarningCode.runningRecalled);
    const ng = nodegroups.get(key(item));
    if (warning === undefined || ng === undefined) continue;
    const found = runningRecall(ng, input.catalog, item, active);
    if (found === null) continue;
    running.push({
      accountId: item.accountId,
      region: item.region,
      cluster: item.cluster,
      nodegroup: item.nodegroup,
      running: found.running.label,
      recall: found.recall,
      message: warning.message,
    });
  }
  return { active, running };
}

const END_OF_LIFE_CODES: readonly PlanWarningCode[] = [
  PlanWarningCode.imageDeprecated,
  PlanWarningCode.imageDeprecating,
  PlanWarningCode.amiFamilyEndOfLife,
];

/**
 * The plan's end-of-life warnings, one notice each: deprecated images first (longest past first),
 * then deprecating ones (soonest first), then families at their end. Pure.
 */
function endOfLifeNotices(plan: Plan): EndOfLifeNotice[] {
  const notices: EndOfLifeNotice[] = [];
  for (const item of plan.items) {
    for (const w of item.warnings ?? []) {
      if (!END_OF_LIFE_CODES.includes(w.code)) continue;
      notices.push({
        accountId: item.accountId,
        region: item.region,
        cluster: item.cluster,
        nodegroup: item.nodegroup,
        code: w.code,
        message: w.message,
        daysToDeprecation:
          w.code === PlanWarningCode.amiFamilyEndOfLife
            ? null
            : (item.endOfLife?.image?.daysToDeprecation ?? null),
      });
    }
  }
  // Stable: ties keep the plan's order (region, cluster, node group).
  return notices.sort(
    (a, b) =>
      END_OF_LIFE_CODES.indexOf(a.code) - END_OF_LIFE_CODES.indexOf(b.code) ||
      (a.daysToDeprecation ?? 0) - (b.daysToDeprecation ?? 0),
  );
}
