/**
 * The safety pass of the planner: every item that would roll goes through, in this order,
 * ledger in-flight check, recall of the target, pause, unreadable state (pause flag or ledger), circuit breaker, wave
 * gate (and required approval), maintenance window and budgets; the first that holds decides the skip reason. Items that pass roll (with a
 * note when their wave may force). Pure.
 */
import { matchesAny } from '../glob.ts';
import type { CatalogSnapshot, Fleet, NodegroupFacts } from '../types/fleet.ts';
import { Decision, type PlanItem, SkipReason, Strategy } from '../types/plan.ts';
import type { PauseState, Policy, RolloutFact } from '../types/policy.ts';
import { approveCommand, failureForgiven, latestRetry, retryCommand } from './approvals.ts';
import { countedFailures, failedRollouts } from './breaker.ts';
import { allocateBudget, type BudgetCandidate, isLiveStart, updatesInProgress } from './budgets.ts';
import { FORCE_NOTE } from './force.ts';
import { formatUtc, timeOf } from './format.ts';
import { findRecall, recalledMessage, targetSubject } from './recall.ts';
import { releaseName } from './release.ts';
import { clusterKey, scopeFleet, waveIndexOf } from './scope.ts';
import { type UninspectedCluster, waveGate } from './waves.ts';
import { describeMoment, windowState } from './window.ts';

/** A node group the rules before the safety pass would roll. */
export interface SafetyCandidate {
  /** The `roll` item as it stands. */
  item: PlanItem;
  ng: NodegroupFacts;
  /** Release line of the target. */
  family: string;
  /** Release identity of the target. */
  release: string;
  /** ISO creation date of the target image, when known. */
  targetCreatedAt: string | null;
}

/** At most this many failed node groups are named in a `halted` item; the rest are counted. */
const MAX_FAILURES_NAMED = 3;

/**
 * The one-line message of a `halted` item: the release (identity and line), each counted failure
 * with the version that node group failed on, and the command that resumes this item's wave. Pure.
 */
function haltedHold(c: SafetyCandidate, failures: readonly RolloutFact[], max: number): string {
  const listed = failedRollouts(failures.slice(-MAX_FAILURES_NAMED)).map(
    (f) => `${f.group} on ${f.version}${f.at ? ` at ${formatUtc(f.at)}` : ''}`,
  );
  const more = failures.length - listed.length;
  const named = `${listed.join(', ')}${more > 0 ? ` and ${more} earlier` : ''}`;
  const count = `${failures.length} failed rollout${failures.length === 1 ? '' : 's'}`;
  return `${count} of release ${releaseName(c.family, c.release)} reached maxFailuresPerRelease ${max}: ${named}; resume with \`${approveCommand(c.release, c.item.wave, c.family)}\``;
}

const NO_TARGET = { releaseVersion: null, imageId: null };

/** The target as the node group names it: the release version, or the AMI of a custom AMI. */
function targetLabelOf(item: PlanItem): string {
  const t = item.target ?? NO_TARGET;
  return (item.strategy === Strategy.launchTemplate ? t.imageId : t.releaseVersion) ?? t.imageId ?? '?';
}

/**
 * The node group's last final try of (family, release) when it failed, else null: a later success
 * or a rollout still running means there is nothing to forgive. Failures of nodekeeper's own before
 * any update ran (`retryable`) are not tries. Pure.
 */
function lastOwnFailure(facts: readonly RolloutFact[], family: string, release: string): RolloutFact | null {
  let last: RolloutFact | null = null;
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const f of facts) {
    if (f.family !== family || f.release !== release || f.retryable) continue;
    const t = timeOf(f.finishedAt ?? f.startedAt) ?? Number.NEGATIVE_INFINITY;
    if (last === null || t >= lastAt) {
      last = f;
      lastAt = t;
    }
  }
  return last?.outcome === 'failed' ? last : null;
}

/** The one-line message of a `paused` item. Pure. */
export function pausedMessage(paused: PauseState): string {
  const by = paused.by ? ` by ${paused.by}` : '';
  const at = paused.at ? ` at ${paused.at}` : '';
  const reason = paused.reason ? `: ${paused.reason}` : '';
  return `rollouts are paused${by}${at}${reason}`;
}

function compareLocation(a: PlanItem, b: PlanItem): number {
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
 * Applies the safety rules to `candidates`; returns one final item per candidate, in the same
 * order. Pure and deterministic.
 */
export function applySafety(
  candidates: readonly SafetyCandidate[],
  fleet: Fleet,
  catalog: CatalogSnapshot,
  policy: Policy,
  now: Date,
): PlanItem[] {
  if (candidates.length === 0) return [];
  const groups = scopeFleet(fleet, catalog, policy, now);
  const byNg = new Map(groups.map((g) => [g.ng, g]));
  const byLine = new Map<string, typeof groups>();
  for (const g of groups) {
    if (g.line === null) continue;
    const list = byLine.get(g.line);
    if (list) list.push(g);
    else byLine.set(g.line, [g]);
  }
  const history = policy.history ?? [];
  const approvals = policy.approvals ?? [];
  const uninspected: UninspectedCluster[] = fleet.errors
    .filter((e) => matchesAny(e.cluster, policy.clusters))
    .map((e) => ({
      label: e.nodegroup ? `${e.cluster}/${e.nodegroup}` : e.cluster,
      waveIndex: waveIndexOf(policy, e, {}),
      message: e.message,
    }));
  let windowHold: string | null | undefined;
  const outsideWindow = (): string | null => {
    if (windowHold !== undefined) return windowHold;
    windowHold = null;
    if (policy.window && !policy.ignoreWindow) {
      const state = windowState(policy.window, now);
      if (state.kind === 'outside') {
        windowHold = state.nextOpensAt
          ? `outside the maintenance window; the next opens ${describeMoment(state.nextOpensAt, policy.window.timezone)}`
          : `outside the maintenance window; ${policy.window.cron} never fires again`;
      }
    }
    return windowHold;
  };

  const out = new Map<SafetyCandidate, PlanItem>();
  const skip = (c: SafetyCandidate, reason: SkipReason, message: string) =>
    out.set(c, { ...c.item, decision: Decision.skip, reason, message });
  const pool: SafetyCandidate[] = [];
  /** Notes for items that roll (an unproven release). */
  const notes = new Map<SafetyCandidate, string>();

  for (const c of candidates) {
    const group = byNg.get(c.ng);
    const live = group?.facts.find((f) => isLiveStart(f, group, now));
    if (live) {
      skip(
        c,
        SkipReason.updateInProgress,
        `the ledger shows a rollout started at ${formatUtc(live.startedAt ?? '')}; EKS does not show it yet`,
      );
      continue;
    }
    // A recall is checked on the target this item would roll to, whatever picked it.
    const recall = findRecall(policy.recalls ?? [], targetSubject(c.family, c.item.target ?? NO_TARGET));
    if (recall !== null) {
      skip(c, SkipReason.recalled, recalledMessage(recall, targetLabelOf(c.item)));
      continue;
    }
    if (policy.paused) {
      skip(c, SkipReason.paused, pausedMessage(policy.paused));
      continue;
    }
    if (policy.unreadable && policy.unreadable.length > 0) {
      skip(
        c,
        SkipReason.stateUnreadable,
        `held: ${policy.unreadable.join(' and ')} could not be read; waves, soak, budgets and the breaker depend on it`,
      );
      continue;
    }
    // This node group's own last try of the release, and whether an approval or a retry forgave it.
    const own = lastOwnFailure(group?.facts ?? [], c.family, c.release);
    const failedAt = own === null ? null : timeOf(own.finishedAt ?? own.startedAt);
    const forgiven =
      own !== null && failureForgiven(approvals, c.item, c.family, c.release, c.item.wave, failedAt);
    // Only a retry of this node group given after its failure lets it past the breaker.
    const retry = own === null ? null : latestRetry(approvals, c.item, c.family, c.release);
    const retried =
      retry !== null && (failedAt === null || (timeOf(retry.at) ?? Number.POSITIVE_INFINITY) >= failedAt);
    const failures = countedFailures(history, approvals, c.family, c.release, c.item.wave);
    if (failures.length >= policy.maxFailuresPerRelease && !retried) {
      skip(c, SkipReason.halted, haltedHold(c, failures, policy.maxFailuresPerRelease));
      continue;
    }
    if (own !== null && !forgiven) {
      const at = own.finishedAt ?? own.startedAt;
      skip(
        c,
        SkipReason.failed,
        `${c.item.cluster}/${c.item.nodegroup} failed to roll to ${own.version ?? c.item.target?.releaseVersion ?? c.item.target?.imageId ?? c.release}${at ? ` at ${formatUtc(at)}` : ''}; nodekeeper does not retry it by itself: \`${retryCommand(c.item)}\`, or \`${approveCommand(c.release, c.item.wave, c.family)}\``,
      );
      continue;
    }
    const gate = waveGate(
      {
        key: group?.key ?? '',
        family: c.family,
        release: c.release,
        waveIndex: group?.waveIndex ?? null,
        targetCreatedAt: c.targetCreatedAt,
        kubernetesVersion: c.item.targetVersion ?? null,
      },
      byLine.get(c.family) ?? [],
      uninspected,
      policy,
      now,
      groups,
    );
    if (gate.hold !== null) {
      skip(c, SkipReason.waveGate, gate.hold);
      continue;
    }
    if (gate.note !== null) notes.set(c, gate.note);
    const window = outsideWindow();
    if (window !== null) {
      skip(c, SkipReason.outsideWindow, window);
      continue;
    }
    pool.push(c);
  }

  const waveOf = (c: SafetyCandidate) => byNg.get(c.ng)?.waveIndex ?? Number.MAX_SAFE_INTEGER;
  const ordered = [...pool].sort((a, b) => waveOf(a) - waveOf(b) || compareLocation(a.item, b.item));
  const budgetKey = (c: SafetyCandidate) => `${clusterKey(c.item)}\u0000${c.item.nodegroup}`;
  const admission = allocateBudget(
    ordered.map(
      (c): BudgetCandidate => ({
        key: budgetKey(c),
        clusterKey: clusterKey(c.item),
        cluster: c.item.cluster,
        label: `${c.item.cluster}/${c.item.nodegroup}`,
      }),
    ),
    updatesInProgress(groups, history, now),
    policy,
  );
  for (const c of pool) {
    const hold = admission.get(budgetKey(c));
    if (hold) {
      skip(c, SkipReason.budget, hold);
      continue;
    }
    const wave = policy.waves.find((w) => w.name === c.item.wave);
    const extra = [notes.get(c), wave?.forceOnPodEvictionFailure ? FORCE_NOTE : undefined].filter(
      (n): n is string => n !== undefined,
    );
    out.set(c, extra.length > 0 ? { ...c.item, message: [c.item.message, ...extra].join('; ') } : c.item);
  }
  return candidates.map((c) => out.get(c) ?? c.item);
}
