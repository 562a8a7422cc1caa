import type { PatchCommandRecord } from '../patch/run.ts';
import { InstanceOutcome } from '../patch/types.ts';
import type { ReportPatch } from './types.ts';

/**
 * The report's patch entries from the patch ledger's commands: instances counted from each
 * command's per-instance results (one command patches many instances). A command whose results
 * have not arrived yet counts nothing. Pure.
 */
export function reportPatchesOf(commands: readonly PatchCommandRecord[]): ReportPatch[] {
  return commands.map((c) => ({
    commandId: c.commandId,
    accountId: c.accountId,
    region: c.region,
    cluster: c.cluster,
    nodegroup: c.nodegroup,
    requestedAt: c.createdAt,
    finishedAt: c.finishedAt,
    status: c.status,
    succeeded: c.results.filter((r) => r.outcome === InstanceOutcome.succeeded).length,
    failed: c.results.filter((r) => r.outcome === InstanceOutcome.failed).length,
  }));
}
