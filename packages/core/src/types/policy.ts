/**
 * What the planner needs to decide: settings derived from the config, plus facts that handlers
 * and the CLI read at run time (pause state now; ledger history and approvals with the safety work).
 */

/** One wave, as the planner sees it. Waves are ordered: earlier waves go first. */
export interface WavePolicy {
  name: string;
  /** Cluster names or globs. */
  clusters: string[];
  /** Overrides `Policy.minAmiAgeDays` for node groups in this wave; null means the global value. */
  minAmiAgeDays: number | null;
  soakDays: number;
  requiresApproval: boolean;
  forceOnPodEvictionFailure: boolean;
}

/** The pause flag as read from its SSM parameter; null when rollouts are not paused. */
export interface PauseState {
  reason: string | null;
  /** Who paused (CLI user or Slack user). */
  by: string | null;
  /** ISO 8601. */
  at: string | null;
}

/** A maintenance window (EventBridge cron in an IANA time zone); evaluated by the safety work. */
export interface WindowPolicy {
  cron: string;
  timezone: string;
  windowMinutes: number;
}

export interface Policy {
  /** Cluster names or globs; only matching clusters appear in the plan. */
  clusters: string[];
  minAmiAgeDays: number;
  /** AMI IDs or release versions that are never targets. */
  denyAmis: string[];
  waves: WavePolicy[];
  window: WindowPolicy | null;
  maxConcurrentPerCluster: number;
  maxConcurrentTotal: number | null;
  maxFailuresPerRelease: number;
  /** Run-time fact: the pause flag. Absent or null means not paused. */
  paused?: PauseState | null;
}
