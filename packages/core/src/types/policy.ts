/**
 * What the planner needs to decide: settings derived from the config, plus facts that handlers
 * and the CLI read at run time (pause state, ledger history, approvals, the window override).
 */

/** One wave, as the planner sees it. Waves are ordered: earlier waves go first. */
export interface WavePolicy {
  name: string;
  /** Cluster names or globs. */
  clusters: string[];
  /** Only node groups in these accounts (null: any account). */
  accounts?: string[] | null;
  /** Only node groups in these regions (null: any region). */
  regions?: string[] | null;
  /** Overrides `Policy.minAmiAgeDays` for node groups in this wave; null means the global value. */
  minAmiAgeDays: number | null;
  /**
   * Overrides `Policy.followClusterVersion` for node groups in this wave; null or absent means the
   * global value.
   */
  followClusterVersion?: boolean | null;
  soakDays: number;
  requiresApproval: boolean;
  forceOnPodEvictionFailure: boolean;
  /**
   * When no node group of an earlier wave can take a release (none is on its line, or the build is
   * not published for their Kubernetes version or architecture): `roll` takes it without
   * earlier-wave evidence (the default), `hold` waits for an approval. Absent means `roll`.
   */
  unprovenRelease?: UnprovenRelease;
}

/** What a wave does with a release no earlier-wave node group can take (see `WavePolicy.unprovenRelease`). */
export const UnprovenRelease = { roll: 'roll', hold: 'hold' } as const;
export type UnprovenRelease = (typeof UnprovenRelease)[keyof typeof UnprovenRelease];

/** The pause flag as read from its SSM parameter; null when rollouts are not paused. */
export interface PauseState {
  reason: string | null;
  /** Who paused (CLI user or Slack user). */
  by: string | null;
  /** ISO 8601. */
  at: string | null;
}

/** A maintenance window: EventBridge cron in an IANA time zone; each fire opens `windowMinutes`. */
export interface WindowPolicy {
  cron: string;
  timezone: string;
  windowMinutes: number;
}

/** Outcomes of a rollout the safety rules care about (`started` = not finished yet). */
export const RolloutFactOutcome = { started: 'started', succeeded: 'succeeded', failed: 'failed' } as const;
export type RolloutFactOutcome = (typeof RolloutFactOutcome)[keyof typeof RolloutFactOutcome];

/**
 * One rollout of one node group, as the ledger recorded it, reduced to what waves, budgets and
 * the circuit breaker need. `family` is the release line (see `releaseLineOf`), `release` the
 * target's release identity (see `releaseIdentity`).
 */
export interface RolloutFact {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  /** Release line: an AmiFamily (`al2023`, `bottlerocket`, …) or `golden:<parameter>`. */
  family: string;
  /** Release identity: AL date stamp `20261110`, Bottlerocket `1.50.0`, Windows `2026.11.12`, or an AMI ID. */
  release: string;
  /**
   * The release as this node group named it: its release version (`1.31.14-20261110`), else the
   * AMI ID. Absent on facts built by hand: messages fall back to the identity.
   */
  version?: string | null;
  outcome: RolloutFactOutcome;
  /**
   * The Kubernetes minor a version upgrade moved (or tried to move) the node group to (`1.34`);
   * absent or null for rollouts on the group's own minor.
   */
  kubernetesVersion?: string | null;
  /**
   * A failure of nodekeeper's own before any update ran (AWS unreachable while guarding or
   * starting): the next scan tries again, so it never holds the node group as `failed`.
   */
  retryable?: boolean;
  /** ISO 8601; null when unknown. */
  startedAt: string | null;
  /** ISO 8601; null while `started`. */
  finishedAt: string | null;
}

/**
 * An operator's approval of a release (`nodekeeper approve <release> [--wave W] [--family F]`).
 * It lets a wave take the release although an earlier wave failed on it (failures up to `at`),
 * satisfies `requiresApproval`, and lifts the circuit breaker for failures up to `at`.
 */
export interface Approval {
  /** Release identity (normalised; see `normalizeReleaseInput`). */
  release: string;
  /** Release line; null/absent = any line with that identity. */
  family?: string | null;
  /** Wave name; null = every wave. */
  wave: string | null;
  by: string;
  /** ISO 8601. */
  at: string;
  /**
   * A retry (`nodekeeper retry <cluster>/<nodegroup>`): this approval covers only this node group,
   * whose failed rollouts of the release up to `at` it forgives (a new attempt may start). Absent
   * or null: an approval of the release for a wave.
   */
  nodegroup?: ApprovalScope | null;
}

/** The node group a retry covers. */
export interface ApprovalScope {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
}

/**
 * An operator's recall of a release or of one image (`nodekeeper recall <release|ami-id> --reason R`),
 * active until `nodekeeper unrecall`. While active, no node group rolls to it (the planner skips
 * with `recalled`, the workflow guard refuses with `recalled`), and node groups already running it
 * carry a `running-recalled` warning.
 */
export interface Recall {
  /** Release identity (normalised; see `normalizeReleaseInput`), or an AMI ID for one image. */
  release: string;
  /** Release line; null = every line with that identity (always null for an AMI ID). */
  family: string | null;
  reason: string;
  /** Who recalled (STS caller ARN, or `slack:<user>`). */
  by: string;
  /** ISO 8601. */
  at: string;
}

export interface Policy {
  /** Cluster names or globs; only matching clusters appear in the plan. */
  clusters: string[];
  minAmiAgeDays: number;
  /**
   * Node groups whose Kubernetes minor is behind their cluster's roll to the next minor (a wave's
   * `followClusterVersion` overrides it). Absent means false.
   */
  followClusterVersion?: boolean;
  /** AMI IDs or release versions that are never targets. */
  denyAmis: string[];
  waves: WavePolicy[];
  window: WindowPolicy | null;
  maxConcurrentPerCluster: number;
  maxConcurrentTotal: number | null;
  maxFailuresPerRelease: number;
  /** Run-time fact: the pause flag. Absent or null means not paused. */
  paused?: PauseState | null;
  /** Run-time fact: rollouts from the ledger (any order). Absent means none. */
  history?: readonly RolloutFact[];
  /** Run-time fact: operator approvals from the ledger. Absent means none. */
  approvals?: readonly Approval[];
  /** Run-time fact: active recalls from the ledger. Absent means none. */
  recalls?: readonly Recall[];
  /** CLI only (`--ignore-window`): plan as if inside the maintenance window. */
  ignoreWindow?: boolean;
  /** Run-time fact: what could not be read (`the pause flag`, `the ledger …`); any holds every rollout. */
  unreadable?: readonly string[];
}
