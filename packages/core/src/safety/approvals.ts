/** Matching operator approvals to a release and a wave. Pure. */
import type { Approval } from '../types/policy.ts';
import { timeOf } from './format.ts';

/**
 * True when `approval` covers release `release` of line `family` for wave `wave` (null: a node
 * group in no wave). An approval without a family covers every line; one without a wave every wave.
 */
export function approvalCovers(
  approval: Approval,
  family: string,
  release: string,
  wave: string | null,
): boolean {
  return (
    approval.release === release &&
    (approval.family === undefined || approval.family === null || approval.family === family) &&
    (approval.wave === null || approval.wave === wave)
  );
}

/** The newest approval covering (family, release, wave), or null. Pure. */
export function latestApproval(
  approvals: readonly Approval[],
  family: string,
  release: string,
  wave: string | null,
): Approval | null {
  let best: Approval | null = null;
  for (const a of approvals) {
    if (!approvalCovers(a, family, release, wave)) continue;
    if (best === null || (timeOf(a.at) ?? 0) > (timeOf(best.at) ?? 0)) best = a;
  }
  return best;
}

/** The command an operator runs to approve (shown in hold messages). */
export function approveCommand(release: string, wave: string | null): string {
  return `nodekeeper approve ${release}${wave ? ` --wave ${wave}` : ''}`;
}
