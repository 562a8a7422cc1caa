import { rolloutKey } from './key.ts';
import { NotStartedReason, RolloutOutcome, type RolloutRecord, type RolloutRequest } from './types.ts';

/** The highest attempt number a rollout request may carry (the request schema's bound). */
export const MAX_ATTEMPT = 100;

/**
 * Not-started reasons that mean "not now" rather than "nothing to do": the pause flag, a recall of
 * the target, an update already running, a node group not ACTIVE, or a node group that changed
 * since planning. The next scan that still plans the rollout (for a recall: after `unrecall`)
 * tries again.
 */
const RETRYABLE_NOT_STARTED: ReadonlySet<string> = new Set([
  NotStartedReason.paused,
  NotStartedReason.recalled,
  NotStartedReason.updateInProgress,
  NotStartedReason.notActive,
  NotStartedReason.versionChanged,
  NotStartedReason.templateChanged,
]);

/**
 * nodekeeper's own failures before any update ran (AWS unreachable while guarding or starting),
 * as opposed to AWS refusing the update (`InvalidParameterException`, …), which stays final.
 */
const RETRYABLE_START_ERRORS: ReadonlySet<string> = new Set(['StartFailed', 'GuardFailed']);

/**
 * True when a finished record leaves the rollout to a later attempt. `still-running` does: nodekeeper
 * stopped waiting, so the scan plans the node group again once EKS is done with it (a later attempt
 * follows the same update when it still runs, or starts anew after it failed). Pure.
 */
export function isRetryable(record: RolloutRecord): boolean {
  if (record.outcome === RolloutOutcome.stillRunning) return true;
  if (record.outcome === RolloutOutcome.notStarted) return RETRYABLE_NOT_STARTED.has(record.reason ?? '');
  if (record.outcome === RolloutOutcome.failed && record.updateId === null) {
    return record.errors.some((e) => RETRYABLE_START_ERRORS.has(e.errorCode));
  }
  return false;
}

/**
 * The attempt number a new run of this rollout should carry. Each attempt has its own rollout key,
 * durable execution name and idempotency tokens, so the first attempt whose ledger record is
 * missing, running or final is the one to (re)run: a missing one starts, a running one is
 * followed, a final one is a no-op. Attempts that ended retryable ({@link isRetryable}) are
 * passed over, and so are failed ones `forgiven` says an operator forgave (an approval of the
 * release for the node group's wave, or `nodekeeper retry`, given after the failure). Pure.
 */
export function nextAttempt(
  byKey: ReadonlyMap<string, RolloutRecord>,
  request: Omit<RolloutRequest, 'attempt'>,
  forgiven: (record: RolloutRecord) => boolean = () => false,
): number {
  for (let attempt = 1; attempt < MAX_ATTEMPT; attempt += 1) {
    const record = byKey.get(rolloutKey({ ...request, attempt }));
    if (record === undefined) return attempt;
    // A failure an approval or a retry forgave is passed over like a "not now".
    if (!isRetryable(record) && !(record.outcome === RolloutOutcome.failed && forgiven(record)))
      return attempt;
  }
  return MAX_ATTEMPT;
}

/** Ledger records by rollout key, for {@link nextAttempt}. Pure. */
export function recordsByKey(records: readonly RolloutRecord[]): Map<string, RolloutRecord> {
  return new Map(records.map((r) => [r.key, r]));
}
