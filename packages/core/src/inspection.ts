import type { FleetTarget } from './config.ts';
import { WHOLE_CLUSTER } from './planner.ts';
import type { CatalogSnapshot, Fleet, Location } from './types/fleet.ts';

/** What inspecting one (account, region) found: its node groups and errors, and the AMI facts read. */
export interface Inspection {
  fleet: Fleet;
  catalog: CatalogSnapshot;
}

/**
 * Merges per-region (or per-account) inspections into one Fleet and CatalogSnapshot, in the order
 * given. Catalog entries (parameters, images, release histories) are merged per region and key; a
 * later value for the same key wins.
 * Pure: copies, never mutates its inputs.
 */
export function mergeInspections(results: readonly Inspection[]): Inspection {
  const fleet: Fleet = { nodegroups: [], errors: [] };
  const catalog: CatalogSnapshot = { parameters: {}, images: {} };
  for (const result of results) {
    fleet.nodegroups.push(...result.fleet.nodegroups);
    fleet.errors.push(...result.fleet.errors);
    for (const [region, values] of Object.entries(result.catalog.parameters)) {
      catalog.parameters[region] = { ...catalog.parameters[region], ...values };
    }
    for (const [region, images] of Object.entries(result.catalog.images)) {
      catalog.images[region] = { ...catalog.images[region], ...images };
    }
    for (const [region, histories] of Object.entries(result.catalog.releases ?? {})) {
      catalog.releases ??= {};
      catalog.releases[region] = { ...catalog.releases[region], ...histories };
    }
  }
  return { fleet, catalog };
}

/** A node group's launch template reference, as a rollout request carries it. */
export interface LaunchTemplateRef {
  id: string;
  version: string;
}

function nodegroupKey(n: Location & { nodegroup: string }): string {
  return JSON.stringify([n.accountId, n.region, n.cluster, n.nodegroup]);
}

/**
 * Looks up the launch template (id, version) the inspection found for a plan item's node group,
 * by account, region, cluster and name; null when it has none or is not in the fleet. Pure.
 */
export function launchTemplateLookup(
  fleet: Fleet,
): (item: Location & { nodegroup: string }) => LaunchTemplateRef | null {
  const byKey = new Map<string, LaunchTemplateRef>();
  for (const ng of fleet.nodegroups) {
    if (ng.launchTemplate) {
      byKey.set(nodegroupKey(ng), { id: ng.launchTemplate.id, version: ng.launchTemplate.version });
    }
  }
  return (item) => byKey.get(nodegroupKey(item)) ?? null;
}

/** A launch template of one account and region. */
export interface LaunchTemplateLocation {
  accountId: string | null;
  region: string;
  id: string;
}

/**
 * Every node group of the fleet that references a launch template (in its account and region),
 * whatever its AMI type or version, as rollout refs. Pure.
 */
export function launchTemplateUsersLookup(
  fleet: Fleet,
): (template: LaunchTemplateLocation) => Array<Location & { nodegroup: string }> {
  const byTemplate = new Map<string, Array<Location & { nodegroup: string }>>();
  for (const ng of fleet.nodegroups) {
    if (!ng.launchTemplate) continue;
    const key = JSON.stringify([ng.accountId, ng.region, ng.launchTemplate.id]);
    const users = byTemplate.get(key) ?? [];
    users.push({ accountId: ng.accountId, region: ng.region, cluster: ng.cluster, nodegroup: ng.nodegroup });
    byTemplate.set(key, users);
  }
  return (t) => [...(byTemplate.get(JSON.stringify([t.accountId, t.region, t.id])) ?? [])];
}

/**
 * The inspection of a target that could not be read (its role, its invocation, its size): one
 * `error` item for the whole target naming why. Pure.
 */
export function targetError(target: Pick<FleetTarget, 'accountId' | 'region'>, message: string): Inspection {
  return {
    fleet: {
      nodegroups: [],
      errors: [
        {
          accountId: target.accountId,
          region: target.region,
          cluster: WHOLE_CLUSTER,
          nodegroup: null,
          message,
        },
      ],
    },
    catalog: { parameters: { [target.region]: {} }, images: { [target.region]: {} } },
  };
}
