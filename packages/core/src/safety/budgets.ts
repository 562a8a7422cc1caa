/**
 * Concurrency budgets: at most `maxConcurrentPerCluster` updates per cluster and, when set,
 * `maxConcurrentTotal` in all, counting updates already in progress: node groups EKS reports as
 * UPDATING (or with an InProgress update) and rollouts the ledger shows started but not finished.
 * Candidates are admitted in wave order, then plan order; the rest wait for a later scan. Pure.
 */
import { NodegroupStatus } from '../types/fleet.ts';
import type { Policy, RolloutFact } from '../types/policy.ts';
import { HOUR_MS, timeOf } from './format.ts';
import { compareIdentities } from './release.ts';
import { clusterKey, type ScopedGroup } from './scope.ts';

/**
 * A ledger `started` record older than this no longer counts by itself: EKS shows a running update
 * as UPDATING, and a record this old without an outcome belongs to a workflow that died.
 */
export const STARTED_FACT_MAX_AGE_HOURS = 24;

/** An update counted against the budgets. */
export interface InFlightUpdate {
  key: string;
  clusterKey: string;
  label: string;
  source: 'eks' | 'ledger';
}

/** A started-but-unfinished ledger fact that still counts at `now`. */
export function isLiveStart(fact: RolloutFact, group: ScopedGroup | undefined, now: Date): boolean {
  if (fact.outcome !== 'started' || fact.finishedAt !== null) return false;
  const started = timeOf(fact.startedAt);
  if (started === null || now.getTime() - started > STARTED_FACT_MAX_AGE_HOURS * HOUR_MS) return false;
  if (group && group.ng.status === NodegroupStatus.active && group.currentRelease !== null) {
    // EKS already shows the group on that release: the update ended; the ledger lags behind.
    const order = compareIdentities(fact.family, group.currentRelease, fact.release);
    if (order !== null && order >= 0) return false;
  }
  return true;
}

/** Every update in progress: from EKS (the fleet) and from the ledger, once per node group. Pure. */
export function updatesInProgress(
  groups: readonly ScopedGroup[],
  history: readonly RolloutFact[],
  now: Date,
): InFlightUpdate[] {
  const out = new Map<string, InFlightUpdate>();
  const byKey = new Map(groups.map((g) => [g.key, g]));
  for (const g of groups) {
    if (g.ng.status === NodegroupStatus.updating) {
      out.set(g.key, { key: g.key, clusterKey: clusterKey(g.ng), label: g.label, source: 'eks' });
    }
  }
  for (const f of history) {
    const key = [f.accountId ?? '', f.region, f.cluster, f.nodegroup].join('\u0000');
    if (out.has(key) || !isLiveStart(f, byKey.get(key), now)) continue;
    out.set(key, { key, clusterKey: clusterKey(f), label: `${f.cluster}/${f.nodegroup}`, source: 'ledger' });
  }
  return [...out.values()];
}

/** A candidate for the budget, in admission order. */
export interface BudgetCandidate {
  key: string;
  clusterKey: string;
  cluster: string;
  label: string;
}

/**
 * Admits candidates in the given order while both budgets allow; returns, per candidate key, null
 * (admitted) or the one-line reason it waits. Pure.
 */
export function allocateBudget(
  candidates: readonly BudgetCandidate[],
  inFlight: readonly InFlightUpdate[],
  policy: Pick<Policy, 'maxConcurrentPerCluster' | 'maxConcurrentTotal'>,
): Map<string, string | null> {
  const perCluster = new Map<string, { key: string; label: string }[]>();
  for (const u of inFlight) perCluster.set(u.clusterKey, [...(perCluster.get(u.clusterKey) ?? []), u]);
  const admitted = new Set<string>();
  const result = new Map<string, string | null>();
  const describe = (entries: { label: string }[]) => {
    const shown = entries
      .slice(0, 3)
      .map((e) => e.label)
      .join(', ');
    return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
  };
  const later = 'a later scan in the window starts it';
  for (const c of candidates) {
    const inCluster = perCluster.get(c.clusterKey) ?? [];
    if (inCluster.length >= policy.maxConcurrentPerCluster) {
      const n = inCluster.length;
      const what = inCluster.every((e) => admitted.has(e.key))
        ? `${describe(inCluster)} ${n === 1 ? 'goes' : 'go'} first in ${c.cluster}`
        : `${n} update${n === 1 ? '' : 's'} in progress or starting in ${c.cluster} (${describe(inCluster)})`;
      result.set(c.key, `${what}; maxConcurrentPerCluster is ${policy.maxConcurrentPerCluster}; ${later}`);
      continue;
    }
    const total = inFlight.length + admitted.size;
    if (policy.maxConcurrentTotal !== null && total >= policy.maxConcurrentTotal) {
      result.set(
        c.key,
        `${total} update${total === 1 ? '' : 's'} in progress or starting fleet-wide; maxConcurrentTotal is ${policy.maxConcurrentTotal}; ${later}`,
      );
      continue;
    }
    admitted.add(c.key);
    perCluster.set(c.clusterKey, [...inCluster, c]);
    result.set(c.key, null);
  }
  return result;
}
