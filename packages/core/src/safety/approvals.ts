/** Matching operator approvals to a release and a wave. Pure. */
import type { Approval, ApprovalScope } from '../types/policy.ts';
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
    (approval.nodegroup === undefined || approval.nodegroup === null) &&
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

function sameGroup(a: ApprovalScope, b: ApprovalScope): boolean {
  return (
    (a.accountId ?? '') === (b.accountId ?? '') &&
    a.region === b.region &&
    a.cluster === b.cluster &&
    a.nodegroup === b.nodegroup
  );
}

/** The newest retry of node group `group` for (family, release), or null. Pure. */
export function latestRetry(
  approvals: readonly Approval[],
  group: ApprovalScope,
  family: string,
  release: string,
): Approval | null {
  let best: Approval | null = null;
  for (const a of approvals) {
    if (!a.nodegroup || !sameGroup(a.nodegroup, group) || a.release !== release) continue;
    if (a.family !== undefined && a.family !== null && a.family !== family) continue;
    if (best === null || (timeOf(a.at) ?? 0) > (timeOf(best.at) ?? 0)) best = a;
  }
  return best;
}

/**
 * True when a failed rollout of node group `group` to (family, release), at `failedAt` (ms; null
 * when unknown), is forgiven: an approval of the release for the group's wave, or a retry of the
 * group, given at or after it. A forgiven failure lets the group roll again as a new attempt. Pure.
 */
export function failureForgiven(
  approvals: readonly Approval[],
  group: ApprovalScope,
  family: string,
  release: string,
  wave: string | null,
  failedAt: number | null,
): boolean {
  const given = [
    latestApproval(approvals, family, release, wave),
    latestRetry(approvals, group, family, release),
  ]
    .map((a) => (a === null ? null : (timeOf(a.at) ?? Number.POSITIVE_INFINITY)))
    .filter((t): t is number => t !== null);
  return given.some((t) => failedAt === null || t >= failedAt);
}

/** The command that retries one node group (shown in hold messages). Pure. */
export function retryCommand(group: Pick<ApprovalScope, 'cluster' | 'nodegroup'>): string {
  return `nodekeeper retry ${group.cluster}/${group.nodegroup}`;
}

/**
 * True when another release line can share `release`'s identity, so an approval must name the
 * line: Amazon Linux 2 and 2023 builds share date stamps, Windows Server versions share build dates.
 * Bottlerocket versions and AMI IDs name one line. Pure.
 */
function needsFamily(family: string): boolean {
  return family === 'al2' || family === 'al2023' || family.startsWith('windows');
}

/** The command an operator runs to approve release `release` of line `family` (shown in hold messages). Pure. */
export function approveCommand(release: string, wave: string | null, family: string | null = null): string {
  const line = family !== null && needsFamily(family) ? ` --family ${family}` : '';
  return `nodekeeper approve ${release}${line}${wave ? ` --wave ${wave}` : ''}`;
}
