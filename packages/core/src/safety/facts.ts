/** Turning ledger records into the facts the safety rules read. Pure. */
import { isRetryable } from '../rollout/attempt.ts';
import type { RolloutRecord } from '../rollout/types.ts';
import type { CatalogSnapshot, Fleet, NodegroupFacts } from '../types/fleet.ts';
import type { RolloutFact } from '../types/policy.ts';
import { releaseIdentity, releaseLineOf } from './release.ts';

function locationKey(x: {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
}): string {
  return [x.accountId ?? '', x.region, x.cluster, x.nodegroup].join('\u0000');
}

/**
 * One fact per ledger record that started, succeeded or failed (`not-started` records are not
 * rollouts; a rollback only while it is `started`). The release line comes from the node group as the fleet shows it now, unless
 * `familyOf` names one; records of node groups that no longer exist and have no known line are
 * dropped. Pure.
 */
export function rolloutFactsFromRecords(
  records: readonly RolloutRecord[],
  fleet: Fleet,
  catalog: CatalogSnapshot,
  familyOf: (record: RolloutRecord) => string | null = () => null,
): RolloutFact[] {
  const groups = new Map<string, NodegroupFacts>();
  for (const ng of fleet.nodegroups) groups.set(locationKey(ng), ng);
  const out: RolloutFact[] = [];
  for (const r of records) {
    if (r.outcome !== 'started' && r.outcome !== 'succeeded' && r.outcome !== 'failed') continue;
    // A rollback (`nodekeeper rollback`) counts only while it runs (budgets, update-in-progress):
    // its outcome is no evidence about a release for waves, soak or the breaker.
    const rollback = r.kind === 'rollback';
    if (rollback && r.outcome !== 'started') continue;
    const ng = groups.get(locationKey(r));
    const family = familyOf(r) ?? (ng ? releaseLineOf(ng, catalog) : null);
    if (family === null) continue;
    const release = releaseIdentity(family, r.to) ?? (rollback ? r.to.imageId : null);
    if (release === null) continue;
    out.push({
      accountId: r.accountId,
      region: r.region,
      cluster: r.cluster,
      nodegroup: r.nodegroup,
      family,
      release,
      version: r.to.releaseVersion ?? r.to.imageId ?? null,
      outcome: r.outcome,
      ...(r.targetVersion ? { kubernetesVersion: r.targetVersion } : {}),
      ...(r.outcome === 'failed' && isRetryable(r) ? { retryable: true } : {}),
      startedAt: r.startedAt ?? r.createdAt,
      finishedAt: r.finishedAt,
    });
  }
  return out;
}
