/** Turning the validated config (plus run-time facts) into the planner's Policy. */
import type { Config } from './config.ts';
import { matchesAny } from './glob.ts';
import { Tag } from './targets.ts';
import type { Approval, PauseState, Policy, Recall, RolloutFact, WavePolicy } from './types/policy.ts';

/**
 * Run-time facts handlers and the CLI read before planning. Updates in progress come from the
 * fleet (UPDATING node groups) and from `history` (`started` without an outcome).
 */
export interface PolicyFacts {
  /** The pause flag (`readPauseState` in @nodekeeper/aws); null or absent: not paused. */
  paused?: PauseState | null;
  /** Rollouts from the ledger (`rolloutFactsFromRecords`). */
  history?: readonly RolloutFact[];
  /** Approvals from the ledger (`createApprovalStore(...).list()` in @nodekeeper/aws). */
  approvals?: readonly Approval[];
  /** Active recalls from the ledger (`createRecallStore(...).list()` in @nodekeeper/aws). */
  recalls?: readonly Recall[];
  /** CLI `--ignore-window` (plan/roll only): plan as if inside the maintenance window. */
  ignoreWindow?: boolean;
  /** Facts that could not be read (the plan pipeline's warnings); any holds every rollout. */
  unreadable?: readonly string[];
}

/** The planner's Policy for `config` and run-time `facts`. Pure. */
export function policyFromConfig(config: Config, facts: PolicyFacts = {}): Policy {
  return {
    clusters: [...config.clusters],
    minAmiAgeDays: config.minAmiAgeDays,
    followClusterVersion: config.followClusterVersion,
    denyAmis: [...config.denyAmis],
    waves: config.waves.map((wave) => ({
      name: wave.name,
      clusters: [...wave.clusters],
      accounts: wave.accounts ? [...wave.accounts] : null,
      regions: wave.regions ? [...wave.regions] : null,
      minAmiAgeDays: wave.minAmiAgeDays ?? null,
      followClusterVersion: wave.followClusterVersion ?? null,
      soakDays: wave.soakDays,
      requiresApproval: wave.requiresApproval,
      forceOnPodEvictionFailure: wave.forceOnPodEvictionFailure,
      unprovenRelease: wave.unprovenRelease,
    })),
    window: config.schedule ? { ...config.schedule } : null,
    maxConcurrentPerCluster: config.maxConcurrentPerCluster,
    maxConcurrentTotal: config.maxConcurrentTotal ?? null,
    maxFailuresPerRelease: config.maxFailuresPerRelease,
    paused: facts.paused ?? null,
    history: [...(facts.history ?? [])],
    approvals: [...(facts.approvals ?? [])],
    recalls: [...(facts.recalls ?? [])],
    ignoreWindow: facts.ignoreWindow ?? false,
    ...(facts.unreadable && facts.unreadable.length > 0 ? { unreadable: [...facts.unreadable] } : {}),
  };
}

/** A node group's wave: the tag's wave, else the first wave whose globs match the cluster, else none. */
export type WaveAssignment =
  | { kind: 'wave'; wave: WavePolicy }
  | { kind: 'none' }
  /** The tag names a wave the config does not define. */
  | { kind: 'unknown'; name: string };

/** Where a node group is, as waves select it. A bare string is a cluster name (account and region unknown). */
export type WaveLocation = string | { accountId: string | null; region: string; cluster: string };

/** Whether a wave selects a location: its cluster globs, and its accounts and regions when it names them. Pure. */
export function waveSelects(wave: WavePolicy, where: WaveLocation): boolean {
  const at = typeof where === 'string' ? { accountId: null, region: null, cluster: where } : where;
  if (!matchesAny(at.cluster, wave.clusters)) return false;
  if (wave.accounts && (at.accountId === null || !wave.accounts.includes(at.accountId))) return false;
  if (wave.regions && (at.region === null || !wave.regions.includes(at.region))) return false;
  return true;
}

/**
 * Assigns a wave from the `nodekeeper.io/wave` tag, else the first wave that selects the node
 * group's cluster (and account and region, when the wave names them). Pure.
 */
export function assignWave(
  where: WaveLocation,
  tags: Record<string, string>,
  waves: readonly WavePolicy[],
): WaveAssignment {
  const tagged = tags[Tag.wave]?.trim();
  if (tagged !== undefined && tagged !== '') {
    const wave = waves.find((w) => w.name === tagged);
    return wave ? { kind: 'wave', wave } : { kind: 'unknown', name: tagged };
  }
  const wave = waves.find((w) => waveSelects(w, where));
  return wave ? { kind: 'wave', wave } : { kind: 'none' };
}
