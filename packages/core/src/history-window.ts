/**
 * How far back the planner reads the rollout ledger. The ledger keeps every record for its
 * retention (400 days: ~57,000 records for 1,000 node groups rolling weekly); the plan depends on
 * few of them, and on none older than this window. Pure.
 *
 * Only the safety pass reads history, and only for the node groups the rules before it would roll
 * (`candidateTargets`). For a candidate rolling to release R, what changes its decision is:
 * - a record of a rollout to R or to a newer release of its line (wave gates: who can take R, who
 *   ran it and since when, who failed on it, who is rolling to it; the circuit breaker and the
 *   node group's own last try count failures of R; attempt numbers count the attempts at R);
 * - a rollout started within the last {@link STARTED_FACT_MAX_AGE_HOURS} hours, of any release
 *   (budgets, and `update-in-progress` from the ledger).
 * nodekeeper rolls only to images that exist, so a record of a rollout to R was created after R's
 * image; a newer release's image comes after R's, give or take the days AWS takes to publish one
 * release for every Kubernetes version and architecture ({@link RELEASE_SKEW_DAYS}). So the window
 * starts at the oldest candidate target's image creation minus that skew, or earlier for the live
 * starts. decisions/009 has the argument in full.
 */
import type { CandidateTarget } from './planner.ts';
import { STARTED_FACT_MAX_AGE_HOURS } from './safety/budgets.ts';
import { DAY_MS, HOUR_MS, timeOf } from './safety/format.ts';

/**
 * How long before a release's image an image of the same or a newer release of its line may have
 * been created (AWS builds one release for every Kubernetes version and architecture, and publishes
 * them over a few days). Records created that long before the oldest candidate target still count.
 */
export const RELEASE_SKEW_DAYS = 14;

/**
 * A started rollout counts in budgets for {@link STARTED_FACT_MAX_AGE_HOURS}; the window reaches a
 * day further back, since a record's `createdAt` may come before its `startedAt`.
 */
const LIVE_START_MARGIN_HOURS = 24;

/** A release whose records the window holds in full: a candidate's target. */
export interface WindowRelease {
  family: string;
  release: string;
}

/** The ledger records a plan reads: every record created at or after `since` (null: all of them). */
export interface HistoryWindow {
  /** ISO time; null when a candidate's target has no creation date (then the whole ledger is read). */
  since: string | null;
  /** What set `since`: the oldest candidate target, or the budgets' live starts when none is older. */
  basis:
    | { kind: 'target'; family: string; release: string; createdAt: string }
    | { kind: 'target-undated'; family: string; release: string }
    | { kind: 'live-starts' };
  /** The candidates' targets, sorted: the window holds every record of each (halt notices need no more). */
  releases: WindowRelease[];
}

/** The window of ledger history a plan at `now` with these candidates depends on. Pure. */
export function historyWindow(candidates: readonly CandidateTarget[], now: Date): HistoryWindow {
  let since = now.getTime() - (STARTED_FACT_MAX_AGE_HOURS + LIVE_START_MARGIN_HOURS) * HOUR_MS;
  let basis: HistoryWindow['basis'] = { kind: 'live-starts' };
  const releases = new Map<string, WindowRelease>();
  let undated: CandidateTarget | null = null;
  for (const c of candidates) {
    releases.set(`${c.family}\u0000${c.release}`, { family: c.family, release: c.release });
    const created = timeOf(c.targetCreatedAt);
    if (created === null) {
      undated ??= c;
      continue;
    }
    const from = created - RELEASE_SKEW_DAYS * DAY_MS;
    if (from < since) {
      since = from;
      basis = { kind: 'target', family: c.family, release: c.release, createdAt: c.targetCreatedAt ?? '' };
    }
  }
  const sorted = [...releases.values()].sort((a, b) =>
    a.family === b.family ? (a.release < b.release ? -1 : 1) : a.family < b.family ? -1 : 1,
  );
  if (undated !== null) {
    return {
      since: null,
      basis: { kind: 'target-undated', family: undated.family, release: undated.release },
      releases: sorted,
    };
  }
  return { since: new Date(since).toISOString(), basis, releases: sorted };
}

/** True when `release` of line `family` is one the window holds in full. Pure. */
export function windowHolds(
  window: Pick<HistoryWindow, 'releases'>,
  family: string,
  release: string,
): boolean {
  return window.releases.some((r) => r.family === family && r.release === release);
}
