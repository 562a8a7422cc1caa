/** Per-instance results of patch commands, summarised for the ledger, the CLI and Slack. Pure. */
import type { PatchCompletedEvent, PatchOperation, PatchTarget } from '../messages/types.ts';
import {
  type InstanceOutcome,
  type InstanceResult,
  InstanceOutcome as Outcome,
  type PatchInvocation,
  type PatchResultSummary,
} from './types.ts';

/** Final command statuses (SSM Run Command). Everything else is still running. */
export const TERMINAL_COMMAND_STATUSES = ['Success', 'Failed', 'TimedOut', 'Cancelled'] as const;

/** Whether a command or invocation status is final. Pure. */
export function isTerminalStatus(status: string): boolean {
  return (
    (TERMINAL_COMMAND_STATUSES as readonly string[]).includes(status) ||
    status === 'Undeliverable' ||
    status === 'Terminated'
  );
}

function outcomeOf(status: string): InstanceOutcome {
  if (status === 'Success') return Outcome.succeeded;
  return isTerminalStatus(status) ? Outcome.failed : Outcome.pending;
}

/**
 * Patches installed but waiting for a reboot: AWS-RunPatchBaseline reports
 * `InstalledPendingReboot: N` in its output. Only `Install` with `NoReboot` leaves them. Pure.
 */
export function pendingRebootCount(output: string): number {
  const m = /InstalledPendingReboot\W{0,3}(\d+)/i.exec(output);
  return m?.[1] ? Number(m[1]) : 0;
}

/** Counts, failed instances with status details, and pending reboots. Pure; order-stable. */
export function summarizeInvocations(
  invocations: readonly PatchInvocation[],
  options: { operation: PatchOperation; reboot: boolean },
): PatchResultSummary {
  const instances: InstanceResult[] = [...invocations]
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId))
    .map((inv) => {
      const outcome = outcomeOf(inv.status);
      return {
        instanceId: inv.instanceId,
        status: inv.status,
        statusDetails: inv.statusDetails,
        outcome,
        pendingReboot:
          options.operation === 'Install' &&
          !options.reboot &&
          outcome === Outcome.succeeded &&
          pendingRebootCount(inv.output) > 0,
      };
    });
  return {
    counts: {
      targeted: instances.length,
      succeeded: instances.filter((i) => i.outcome === Outcome.succeeded).length,
      failed: instances.filter((i) => i.outcome === Outcome.failed).length,
      pending: instances.filter((i) => i.outcome === Outcome.pending).length,
    },
    instances,
    failed: instances
      .filter((i) => i.outcome === Outcome.failed)
      .map((i) => ({ instanceId: i.instanceId, status: i.status, statusDetails: i.statusDetails })),
    pendingReboot: instances.filter((i) => i.pendingReboot).map((i) => i.instanceId),
  };
}

const STATUS_RANK = ['Success', 'Cancelled', 'TimedOut', 'Failed'];

/** The status of several commands of one node group: the worst of them. Pure. */
export function combineCommandStatuses(statuses: readonly string[]): string {
  let worst = 'Success';
  for (const s of statuses) {
    const rank = STATUS_RANK.indexOf(s);
    if (rank === -1) return s;
    if (rank > STATUS_RANK.indexOf(worst)) worst = s;
  }
  return worst;
}

/** The "patch completed" message input for one node group. Pure. */
export function patchCompletedEvent(
  target: PatchTarget & { nodegroup: string },
  command: { commandId: string; status: string; operation: PatchOperation; reboot: boolean },
  summary: PatchResultSummary,
): PatchCompletedEvent {
  return {
    accountId: target.accountId,
    region: target.region,
    cluster: target.cluster,
    nodegroup: target.nodegroup,
    commandId: command.commandId,
    operation: command.operation,
    reboot: command.reboot,
    status: command.status,
    counts: {
      targeted: summary.counts.targeted,
      succeeded: summary.counts.succeeded,
      failed: summary.counts.failed,
    },
    failedInstances: summary.failed,
    pendingRebootInstances: summary.pendingReboot,
  };
}
