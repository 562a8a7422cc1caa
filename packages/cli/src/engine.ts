import { createClients, inspectFleet } from '@nodekeeper/aws';
import {
  type CatalogSnapshot,
  type Config,
  type Fleet,
  mergeInspections,
  type Plan,
  type PolicyFacts,
  plan,
  policyFromConfig,
} from '@nodekeeper/core';

export interface PlanRunOptions {
  config: Config;
  /** Regions to scan; default: the config's. */
  regions?: string[];
  now: Date;
  facts?: PolicyFacts;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface PlanRun {
  fleet: Fleet;
  catalog: CatalogSnapshot;
  plan: Plan;
}

/**
 * Inspects every configured region with the caller's credentials and plans. Read-only: makes no
 * mutating AWS call. Inspection failures become `error` items; they never abort the plan.
 */
export async function inspectAndPlan(options: PlanRunOptions): Promise<PlanRun> {
  const regions = options.regions ?? options.config.regions;
  // Regions are inspected in parallel and merged in the configured order (deterministic output).
  const results = await Promise.all(
    regions.map(async (region) => {
      const clients = createClients({ region });
      try {
        options.progress?.(`inspecting ${region}…`);
        const result = await inspectFleet({
          clients,
          accountId: null,
          region,
          clusterPatterns: options.config.clusters,
        });
        options.progress?.(
          `inspected ${region}: ${result.fleet.nodegroups.length} node groups, ${result.fleet.errors.length} errors`,
        );
        return result;
      } finally {
        clients.destroy();
      }
    }),
  );
  const { fleet, catalog } = mergeInspections(results);
  const policy = policyFromConfig(options.config, options.facts);
  return { fleet, catalog, plan: plan(fleet, catalog, policy, options.now) };
}
