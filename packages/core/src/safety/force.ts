/** `force` policy: never by default; a wave may opt in to one forced retry after PodEvictionFailure. Pure. */
import type { WavePolicy } from '../types/policy.ts';

/** EKS errorCode of an update that could not drain nodes (PodDisruptionBudgets, stuck pods). */
export const POD_EVICTION_FAILURE = 'PodEvictionFailure';

/** The plan message suffix for roll items in a wave with `forceOnPodEvictionFailure`. */
export const FORCE_NOTE =
  'if pods cannot be evicted, retries once with force (ignores PodDisruptionBudgets; forceOnPodEvictionFailure)';

/** What the workflow knows about a finished rollout attempt. */
export interface AttemptOutcome {
  outcome: 'succeeded' | 'failed' | string;
  /** DescribeUpdate `errors[].errorCode` values (or objects carrying them). */
  errors: ReadonlyArray<{ errorCode: string }>;
  /** 1 for the first attempt (informational: an earlier attempt may have ended "not now"). */
  attempt: number;
  /** True when this attempt already used force. */
  forced?: boolean;
}

/**
 * True exactly when the rollout should be retried once with `force: true`: the wave opts in, this
 * attempt was not forced, and it failed with PodEvictionFailure. (The forced retry is itself
 * forced, so there is never a second one.) Pure.
 */
export function shouldRetryWithForce(
  wave: Pick<WavePolicy, 'forceOnPodEvictionFailure'> | null,
  outcome: AttemptOutcome,
): boolean {
  return (
    wave?.forceOnPodEvictionFailure === true &&
    outcome.outcome === 'failed' &&
    outcome.forced !== true &&
    outcome.errors.some((e) => e.errorCode === POD_EVICTION_FAILURE)
  );
}
