/**
 * The safety pass of the planner: every item that would roll goes through, in this order,
 * ledger in-flight check, recall of the target, pause, unreadable state (pause flag or ledger), circuit breaker, wave
 * gate (and required approval), maintenance window and budgets; the first that holds decides the skip reason. Items that pass roll (with a
 * note when their wave may force). Pure.
 */
import { matchesAny } from '../glob.ts';
import type { CatalogSnapshot, Fleet, NodegroupFacts } from '../types/fleet.ts';
import { Decision, type PlanItem, SkipReason, Strategy } from '../types/plan.ts';
import type { PauseState, Policy } from '../types/policy.ts';
import { approveCommand } from './approvals.ts';
import { countedFailures } from './breaker.ts';
import { allocateBudget, type BudgetCandidate, isLiveStart, updatesInProgress } from './budgets.ts';
import { FORCE_NOTE } from './force.ts';
import { formatUtc } from './format.ts';
import { findRecall, recalledMessage, targetSubject } from './recall.ts';
import { clusterKey, scopeFleet, waveIndexOf } from './scope.ts';
import { type UninspectedCluster, waveGateHold } from './waves.ts';
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

const NO_TARGET = { releaseVersion: null, imageId: null };

/** The target as the node group names it: the release version, or the AMI of a custom AMI. */
function targetLabelOf(item: PlanItem): string {
  const t = item.target ?? NO_TARGET;
  return (item.strategy === Strategy.launchTemplate ? t.imageId : t.releaseVersion) ?? t.imageId ?? '?';
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
    const failures = countedFailures(history, approvals, c.family, c.release, c.item.wave);
    if (failures.length >= policy.maxFailuresPerRelease) {
      const last = failures[failures.length - 1];
      const where = last
        ? `, last ${last.cluster}/${last.nodegroup} at ${formatUtc(last.finishedAt ?? last.startedAt ?? '')}`
        : '';
      skip(
        c,
        SkipReason.halted,
        `halted: ${failures.length} rollout${failures.length === 1 ? '' : 's'} of ${c.item.target?.releaseVersion ?? c.release} failed${where} (maxFailuresPerRelease ${policy.maxFailuresPerRelease}); resume with \`${approveCommand(c.release, c.item.wave)}\``,
      );
      continue;
    }
    const gate = waveGateHold(
      {
        key: group?.key ?? '',
        family: c.family,
        release: c.release,
        releaseLabel: c.item.target?.releaseVersion ?? c.item.target?.imageId ?? c.release,
        waveIndex: group?.waveIndex ?? null,
        targetCreatedAt: c.targetCreatedAt,
      },
      byLine.get(c.family) ?? [],
      uninspected,
      policy,
      now,
    );
    if (gate !== null) {
      skip(c, SkipReason.waveGate, gate);
      continue;
    }
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
    out.set(
      c,
      wave?.forceOnPodEvictionFailure ? { ...c.item, message: `${c.item.message}; ${FORCE_NOTE}` } : c.item,
    );
  }
  return candidates.map((c) => out.get(c) ?? c.item);
}
