// A hub account with clusters in two regions, and the patch functions' logic wired to the sandbox,
// for tests of events that cross regions.
import {
  type AwsClients,
  createClients,
  createLedgerTable,
  createPatchLedger,
  createPatchPort,
  findClusterRegion,
} from '@nodekeeper/aws';
import { parseConfig } from '@nodekeeper/core/config';
import { demoFleet, type FleetFile, parseFleet, type Sandbox } from '@nodekeeper/sandbox';
import { createNotifier } from '@nodekeeper/slack';
import { handlePatch, type PatchFunctionDeps, patchNotifyFrom } from '../../functions/patch.ts';
import type { PatchStatusDeps } from '../../functions/patch-status.ts';

export const HUB = '111122223333';
export const HOME = 'us-east-1';
export const EU = 'eu-west-1';
/** When the cross-region tests run (the sandbox clock is pinned here and advanced by hand). */
export const CROSS_REGION_NOW = '2026-11-24T09:00:00.000Z';

/**
 * The demo fleet's hub in us-east-1 without prod-a, plus the hub account in eu-west-1 with one
 * cluster, prod-eu: node group `general` with two managed instances and one whose patch fails.
 */
export function crossRegionFleet(): FleetFile {
  const demo = demoFleet();
  const prodA = demo.clusters.find((c) => c.name === 'prod-a');
  const general = prodA?.nodegroups.find((n) => n.name === 'general');
  if (!prodA || !general) throw new Error('demo fleet has no prod-a/general');
  const instances = demo.instances
    .filter((i) => i.cluster === 'prod-a' && i.nodegroup === 'general' && i.ssmManaged)
    .map((i, n) => ({
      ...structuredClone(i),
      instanceId: `i-0e0000000000e000${n + 1}`,
      cluster: 'prod-eu',
      patchSeconds: 1,
    }));
  return parseFleet({
    ...structuredClone(demo),
    clusters: demo.clusters.filter((c) => c.name !== 'prod-a'),
    instances: demo.instances.filter((i) => i.cluster !== 'prod-a'),
    partitions: [
      {
        accountId: HUB,
        region: EU,
        clusters: [{ ...structuredClone(prodA), name: 'prod-eu', nodegroups: [structuredClone(general)] }],
        instances,
      },
    ],
  });
}

/**
 * The patch and patch-status functions' logic against the sandbox, as deployed in HOME: clients
 * per region, the ledger (a fresh table) and the sandbox's Slack webhook sink.
 */
export async function crossRegionPatch(sb: Sandbox, table: string, regions: string[] = [HOME, EU]) {
  const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
  const clients = new Map<string, AwsClients>();
  const clientsFor = (region: string): AwsClients => {
    let c = clients.get(region);
    if (c === undefined) {
      c = createClients({ region, endpoint: sb.endpoint, credentials });
      clients.set(region, c);
    }
    return c;
  };
  const dynamodb = clientsFor(HOME).dynamodb;
  await createLedgerTable(dynamodb, table);
  const ledger = createPatchLedger(dynamodb, { tableName: table });
  const notify = patchNotifyFrom(
    createNotifier({ webhookUrl: sb.slackWebhookUrl, allowInsecureLocalUrls: true }),
  );
  const aws = createPatchPort(clientsFor);
  let ids = 0;
  const patchDeps: PatchFunctionDeps = {
    config: parseConfig({ regions, clusters: ['prod-*'] }),
    aws,
    ledger,
    notify,
    findRegion: (cluster, names) => findClusterRegion(clientsFor, cluster, names),
    now: () => sb.clock.now(),
    newId: () => {
      ids += 1;
      return `00000000-0000-4000-8000-${String(ids).padStart(12, '0')}`;
    },
  };
  const statusDeps = (owner: string): PatchStatusDeps => ({
    aws,
    ledger,
    notify,
    now: () => sb.clock.now(),
    owner,
  });
  return {
    ledger,
    statusDeps,
    /** Patches `cluster` (all node groups) with Install; throws unless commands were sent. */
    async patch(cluster: string, requestId: string) {
      const result = await handlePatch({ cluster, operation: 'Install', requestId }, patchDeps);
      if (!result.ok || result.kind !== 'started' || result.commandIds.length === 0) {
        throw new Error(`patch did not start: ${JSON.stringify(result)}`);
      }
      return result;
    },
    destroy: () => {
      for (const c of clients.values()) c.destroy();
    },
  };
}
