/**
 * The circuit breaker: once `maxFailuresPerRelease` rollouts of a release (line + identity) have
 * failed, nodekeeper starts that release nowhere (`halted`). An approval forgives the failures
 * recorded up to its time, for the waves it covers. Pure.
 */
import type { Approval, Policy, RolloutFact } from '../types/policy.ts';
import { latestApproval } from './approvals.ts';
import { timeOf } from './format.ts';

/** One failed rollout the breaker counts: where, on which version of the release, when. */
export interface FailedRollout {
  /** `cluster/nodegroup`. */
  group: string;
  /** The release as that node group named it (`1.31.14-20261110`), else the identity. */
  version: string;
  /** ISO time of the failure, or null. */
  at: string | null;
}

/** The failed rollouts of `facts` as the breaker shows them, oldest first. Pure. */
export function failedRollouts(facts: readonly RolloutFact[]): FailedRollout[] {
  return facts.map((f) => ({
    group: `${f.cluster}/${f.nodegroup}`,
    version: f.version ?? f.release,
    at: f.finishedAt ?? f.startedAt,
  }));
}

/** A release the breaker has stopped. */
export interface HaltedRelease {
  family: string;
  release: string;
  /** Failures counted (after the newest all-waves approval). */
  failures: number;
  /** `cluster/nodegroup` of the counted failures, oldest first. */
  failedGroups: string[];
  /** The counted failures with the version each node group failed on, oldest first. */
  failed: FailedRollout[];
  /** ISO time of the first counted failure (null when unknown). */
  firstFailureAt: string | null;
  /**
   * Stable key for a once-only notice about this halt: the same halt always yields the same key;
   * a new halt after an approval yields a new one.
   */
  noticeKey: string;
}

function failureTime(fact: RolloutFact): number | null {
  return timeOf(fact.finishedAt) ?? timeOf(fact.startedAt);
}

/**
 * The failed rollouts of (family, release) that count for `wave`: those after the newest approval
 * covering that wave (a failure with no time is forgiven by any approval). Oldest first. Pure.
 */
export function countedFailures(
  history: readonly RolloutFact[],
  approvals: readonly Approval[],
  family: string,
  release: string,
  wave: string | null,
): RolloutFact[] {
  const approval = latestApproval(approvals, family, release, wave);
  const approvedAt = approval ? (timeOf(approval.at) ?? Number.POSITIVE_INFINITY) : null;
  return history
    .filter((f) => f.outcome === 'failed' && f.family === family && f.release === release)
    .filter((f) => {
      if (approvedAt === null) return true;
      const t = failureTime(f);
      return t !== null && t > approvedAt;
    })
    .sort((a, b) => (failureTime(a) ?? 0) - (failureTime(b) ?? 0));
}

/**
 * Releases the breaker has halted for every wave: `maxFailuresPerRelease` or more failures after
 * the newest approval that covers all waves. Sorted by family, then release. Pure; the scan posts
 * one Slack notice per `noticeKey`.
 */
export function haltedReleases(
  facts: { history?: readonly RolloutFact[]; approvals?: readonly Approval[] },
  policy: Pick<Policy, 'maxFailuresPerRelease'>,
): HaltedRelease[] {
  const history = facts.history ?? [];
  const allWaves = (facts.approvals ?? []).filter((a) => a.wave === null);
  const releases = new Map<string, { family: string; release: string }>();
  for (const f of history) {
    if (f.outcome === 'failed')
      releases.set(`${f.family}\u0000${f.release}`, { family: f.family, release: f.release });
  }
  const out: HaltedRelease[] = [];
  for (const { family, release } of releases.values()) {
    const counted = countedFailures(history, allWaves, family, release, null);
    if (counted.length < policy.maxFailuresPerRelease) continue;
    const first = counted[0];
    const firstFailureAt = first ? (first.finishedAt ?? first.startedAt) : null;
    out.push({
      family,
      release,
      failures: counted.length,
      failedGroups: counted.map((f) => `${f.cluster}/${f.nodegroup}`),
      failed: failedRollouts(counted),
      firstFailureAt,
      noticeKey: `halted/${family}/${release}/${firstFailureAt ?? 'unknown'}`,
    });
  }
  return out.sort((a, b) =>
    a.family === b.family ? (a.release < b.release ? -1 : 1) : a.family < b.family ? -1 : 1,
  );
}
