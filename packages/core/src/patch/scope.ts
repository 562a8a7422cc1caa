/** Which requests the config allows, and where their cluster lives. Pure. */
import type { Config } from '../config.ts';
import { matchesAny } from '../glob.ts';
import type { PatchRequest } from './request.ts';

export type PatchScope =
  /** The region is known: the request's own, or the config's only one. */
  | { kind: 'region'; region: string }
  /** Look the cluster up in these regions (DescribeCluster). */
  | { kind: 'search'; regions: string[] }
  /** Outside the selected clusters or regions: nothing may be read or sent. */
  | { kind: 'invalid'; issues: string[] };

/**
 * Checks a request against the config: its cluster must be selected by `clusters` (names or globs),
 * and its region, when given, must be one of `regions`. Pure.
 */
export function patchScope(
  request: Pick<PatchRequest, 'cluster' | 'region'>,
  config: Pick<Config, 'clusters' | 'regions'>,
): PatchScope {
  const issues: string[] = [];
  if (!matchesAny(request.cluster, config.clusters)) {
    issues.push(
      `cluster: ${request.cluster} is not selected by the config (clusters: ${config.clusters.join(', ')})`,
    );
  }
  if (request.region !== undefined && !config.regions.includes(request.region)) {
    issues.push(
      `region: ${request.region} is not one of the config's regions (${config.regions.join(', ')})`,
    );
  }
  if (issues.length > 0) return { kind: 'invalid', issues };
  if (request.region !== undefined) return { kind: 'region', region: request.region };
  const [only, ...rest] = config.regions;
  if (only !== undefined && rest.length === 0) return { kind: 'region', region: only };
  return { kind: 'search', regions: [...config.regions] };
}
