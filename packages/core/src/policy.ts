/** Turning the validated config (plus run-time facts) into the planner's Policy. */
import type { Config } from './config.ts';
import { matchesAny } from './glob.ts';
import { Tag } from './targets.ts';
import type { Approval, PauseState, Policy, RolloutFact, WavePolicy } from './types/policy.ts';

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
  /** CLI `--ignore-window` (plan/roll only): plan as if inside the maintenance window. */
  ignoreWindow?: boolean;
}

/** The planner's Policy for `config` and run-time `facts`. Pure. */
export function policyFromConfig(config: Config, facts: PolicyFacts = {}): Policy {
  return {
    clusters: [...config.clusters],
    minAmiAgeDays: config.minAmiAgeDays,
    denyAmis: [...config.denyAmis],
    waves: config.waves.map((wave) => ({
      name: wave.name,
      clusters: [...wave.clusters],
      minAmiAgeDays: wave.minAmiAgeDays ?? null,
      soakDays: wave.soakDays,
      requiresApproval: wave.requiresApproval,
      forceOnPodEvictionFailure: wave.forceOnPodEvictionFailure,
    })),
    window: config.schedule ? { ...config.schedule } : null,
    maxConcurrentPerCluster: config.maxConcurrentPerCluster,
    maxConcurrentTotal: config.maxConcurrentTotal ?? null,
    maxFailuresPerRelease: config.maxFailuresPerRelease,
    paused: facts.paused ?? null,
    history: [...(facts.history ?? [])],
    approvals: [...(facts.approvals ?? [])],
    ignoreWindow: facts.ignoreWindow ?? false,
  };
}

/** A node group's wave: the tag's wave, else the first wave whose globs match the cluster, else none. */
export type WaveAssignment =
  | { kind: 'wave'; wave: WavePolicy }
  | { kind: 'none' }
  /** The tag names a wave the config does not define. */
  | { kind: 'unknown'; name: string };

/** Assigns a wave from the `nodekeeper.io/wave` tag or the cluster name. Pure. */
export function assignWave(
  cluster: string,
  tags: Record<string, string>,
  waves: readonly WavePolicy[],
): WaveAssignment {
  const tagged = tags[Tag.wave]?.trim();
  if (tagged !== undefined && tagged !== '') {
    const wave = waves.find((w) => w.name === tagged);
    return wave ? { kind: 'wave', wave } : { kind: 'unknown', name: tagged };
  }
  const wave = waves.find((w) => matchesAny(cluster, w.clusters));
  return wave ? { kind: 'wave', wave } : { kind: 'none' };
}
