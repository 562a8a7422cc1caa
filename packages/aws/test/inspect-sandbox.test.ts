import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { type AwsClients, createClients, inspectFleet } from '@nodekeeper/aws';
import {
  type CallRecord,
  DemoAmis,
  demoFleet,
  parseFleet,
  type Sandbox,
  startSandbox,
} from '@nodekeeper/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { generateFleet, minimalInspectionCalls } from '../../../test/fixtures/large-fleet.ts';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const mutating = /^(Create|Update|Modify|Delete|Put|Send|Start|Cancel|Terminate|Run)/;

let sb: Sandbox | null = null;
let clients: AwsClients | null = null;

afterEach(async () => {
  clients?.destroy();
  clients = null;
  await sb?.close();
  sb = null;
});

function countByOperation(calls: CallRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.operation] = (out[c.operation] ?? 0) + 1;
  return out;
}

describe('inspectFleet against the sandbox', () => {
  describe('when inspecting the demo fleet over HTTP', () => {
    it('reports every node group as the sandbox holds it, with parameters and images', async () => {
      sb = await startSandbox({ fleet: demoFleet(), port: 0 });
      const state = sb.state();
      clients = createClients({ region: state.region, endpoint: sb.endpoint, credentials });
      const { fleet, catalog } = await inspectFleet({
        clients,
        accountId: null,
        region: state.region,
        clusterPatterns: ['*'],
        logger,
      });

      expect(fleet.errors).toEqual([]);
      const expected = state.clusters.flatMap((c) => c.nodegroups.map((n) => `${c.name}/${n.name}`)).sort();
      expect(fleet.nodegroups.map((n) => `${n.cluster}/${n.nodegroup}`)).toEqual(expected);
      for (const ng of fleet.nodegroups) {
        const source = state.clusters
          .find((c) => c.name === ng.cluster)
          ?.nodegroups.find((n) => n.name === ng.nodegroup);
        expect(ng.amiType).toBe(source?.amiType);
        expect(ng.releaseVersion).toBe(source?.releaseVersion);
        expect(ng.status).toBe(source?.status);
        if (source?.launchTemplate && source.amiType === 'CUSTOM') {
          const template = state.launchTemplates.find(
            (t) => t.launchTemplateId === source.launchTemplate?.id,
          );
          const version = template?.versions.find(
            (v) => String(v.versionNumber) === source.launchTemplate?.version,
          );
          expect(ng.launchTemplate?.imageId).toBe(version?.imageId);
        }
      }
      const params = catalog.parameters[state.region] ?? {};
      expect(Object.keys(params).length).toBeGreaterThan(0);
      for (const [name, value] of Object.entries(params)) expect(value).toBe(state.parameters[name]);
      const images = catalog.images[state.region] ?? {};
      for (const image of Object.values(images)) {
        expect(state.images.find((i) => i.imageId === image.imageId)?.name).toBe(image.name);
      }
      expect(sb.calls().filter((c) => mutating.test(c.operation))).toEqual([]);
    });
  });

  describe('when the demo fleet runs deprecated and deprecating images', () => {
    it('finds the images groups run by name, deprecated ones included, and their update configs', async () => {
      sb = await startSandbox({ fleet: demoFleet(), port: 0, now: '2026-11-24T03:00:00Z' });
      clients = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials });
      const { fleet, catalog } = await inspectFleet({
        clients,
        accountId: null,
        region: 'us-east-1',
        clusterPatterns: ['*'],
        logger,
      });
      const byName = new Map(fleet.nodegroups.map((n) => [`${n.cluster}/${n.nodegroup}`, n]));
      const images = catalog.images['us-east-1'] ?? {};
      const running = (key: string) => images[byName.get(key)?.currentImageId ?? ''];
      // dev-a/lagging runs the AL2023 1.31 build the sandbox deprecated on 2026-11-01.
      expect(running('dev-a/lagging')).toMatchObject({
        imageId: DemoAmis.al2023x86Old131,
        deprecationTime: '2026-11-01T00:00:00.000Z',
      });
      expect(running('prod-b/legacy')).toMatchObject({
        imageId: DemoAmis.al2x86Old132,
        name: 'amazon-eks-node-1.32-v20241220',
        deprecationTime: '2026-12-20T02:41:09.000Z',
      });
      expect(byName.get('prod-a/gpu')?.updateConfig).toEqual({
        updateStrategy: 'MINIMAL',
        maxUnavailable: 1,
        maxUnavailablePercentage: null,
      });
      expect(byName.get('prod-b/batch')?.updateConfig).toEqual({
        updateStrategy: null,
        maxUnavailable: null,
        maxUnavailablePercentage: 25,
      });
      // One call each: the CUSTOM groups' images, the targets not seen yet, the running images by name.
      expect(sb.calls().filter((c) => c.operation === 'DescribeImages')).toHaveLength(3);
      // Without IncludeDeprecated the same name lookup would not see lagging's image.
      const hidden = await clients.ec2.send(
        new DescribeImagesCommand({
          Owners: ['amazon'],
          Filters: [{ Name: 'name', Values: ['amazon-eks-node-al2023-x86_64-standard-1.31-v20260915'] }],
        }),
      );
      expect(hidden.Images).toEqual([]);
    });
  });

  describe('when only AWS_ENDPOINT_URL points at the sandbox', () => {
    it('reaches it without an explicit endpoint, as production code would', async () => {
      sb = await startSandbox({ fleet: demoFleet(), port: 0 });
      const saved = process.env.AWS_ENDPOINT_URL;
      process.env.AWS_ENDPOINT_URL = sb.endpoint;
      try {
        clients = createClients({ region: 'us-east-1', credentials });
        const { fleet } = await inspectFleet({
          clients,
          accountId: null,
          region: 'us-east-1',
          clusterPatterns: ['prod-*'],
          logger,
        });
        expect(fleet.errors).toEqual([]);
        expect(new Set(fleet.nodegroups.map((n) => n.cluster))).toEqual(
          new Set(
            sb
              .state()
              .clusters.filter((c) => c.name.startsWith('prod-'))
              .map((c) => c.name),
          ),
        );
        expect(sb.calls().some((c) => c.operation === 'DescribeCluster' && c.status === 200)).toBe(true);
      } finally {
        if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
        else process.env.AWS_ENDPOINT_URL = saved;
      }
    });
  });

  describe('when inspecting 100 clusters × 10 node groups', () => {
    it('makes exactly the minimal number of calls per operation and no mutating call', async () => {
      const input = generateFleet({ clusters: 100, nodegroupsPerCluster: 10 });
      sb = await startSandbox({ fleet: parseFleet(input), port: 0 });
      // The sandbox does not throttle here; AWS's default rates would pace 1,200 EKS reads over a minute.
      clients = createClients({
        region: input.region,
        endpoint: sb.endpoint,
        credentials,
        rateLimits: false,
      });
      const { fleet, catalog } = await inspectFleet({
        clients,
        accountId: input.accountId,
        region: input.region,
        clusterPatterns: ['fleet-*'],
        concurrency: 32,
        logger,
      });

      expect(fleet.errors).toEqual([]);
      expect(fleet.nodegroups).toHaveLength(1000);
      const minimal = minimalInspectionCalls(input, ['fleet-*']);
      expect(minimal).toMatchObject({
        ListClusters: 1,
        DescribeCluster: 100,
        ListNodegroups: 100,
        DescribeNodegroup: 1000,
      });
      expect(minimal.DescribeLaunchTemplateVersions).toBe(25);
      expect(minimal.GetParameters).toBeGreaterThan(1);
      expect(countByOperation(sb.calls())).toEqual(minimal);
      expect(clients.stats()).toMatchObject({ retries: 0, failed: 0 });
      expect(Object.keys(catalog.parameters[input.region] ?? {}).length).toBeGreaterThan(10);
    });
  });

  describe('when the sandbox throttles node group describes', () => {
    const throttled = async (rateLimits: Parameters<typeof createClients>[0]['rateLimits']) => {
      const input = generateFleet({ clusters: 4, nodegroupsPerCluster: 10 });
      sb = await startSandbox({ fleet: parseFleet(input), port: 0 });
      sb.setFaults([
        { service: 'eks', operation: 'DescribeNodegroup', throttle: { burst: 5, ratePerSecond: 100 } },
      ]);
      clients = createClients({
        region: input.region,
        endpoint: sb.endpoint,
        credentials,
        maxAttempts: 10,
        rateLimits,
      });
      const { fleet } = await inspectFleet({
        clients,
        accountId: input.accountId,
        region: input.region,
        clusterPatterns: ['*'],
        concurrency: 16,
        logger,
      });
      return { fleet, stats: clients.stats() };
    };

    it('absorbs the throttling with retries when client-side rate control is off', async () => {
      const { fleet, stats } = await throttled(false);
      expect(stats.byOperation['eks:DescribeNodegroup']?.throttled).toBeGreaterThan(0);
      expect(fleet.errors).toEqual([]);
      expect(fleet.nodegroups).toHaveLength(40);
    });

    it('is not throttled at all when the client paces below the server rate', async () => {
      const { fleet, stats } = await throttled({ 'eks:read': { burst: 5, ratePerSecond: 50 } });
      expect(stats.throttled).toBe(0);
      expect(fleet.nodegroups).toHaveLength(40);
    });
  });

  describe('when the client paces a fleet whose last node groups bring new images', () => {
    it('still makes exactly the minimal number of calls per operation', async () => {
      // 10 clusters of 20: the last clusters described use launch templates (and images) not seen before.
      const input = generateFleet({ clusters: 10, nodegroupsPerCluster: 20 });
      sb = await startSandbox({ fleet: parseFleet(input), port: 0 });
      sb.setFaults([{ service: '*', latencyMs: 5 }]);
      clients = createClients({
        region: input.region,
        endpoint: sb.endpoint,
        credentials,
        rateLimits: { 'eks:read': { burst: 10, ratePerSecond: 200 } },
      });
      const { fleet } = await inspectFleet({
        clients,
        accountId: input.accountId,
        region: input.region,
        clusterPatterns: ['*'],
        logger,
      });
      expect(fleet.errors).toEqual([]);
      expect(fleet.nodegroups).toHaveLength(200);
      expect(countByOperation(sb.calls())).toEqual(minimalInspectionCalls(input));
    });
  });

  describe('when one cluster cannot be described', () => {
    it('reports that cluster as an error with the AWS code and inspects the others', async () => {
      const input = generateFleet({ clusters: 3, nodegroupsPerCluster: 2 });
      sb = await startSandbox({ fleet: parseFleet(input), port: 0 });
      sb.setFaults([
        {
          service: 'eks',
          operation: 'ListNodegroups',
          error: { status: 403, code: 'AccessDeniedException', message: 'not allowed' },
          times: 1,
        },
      ]);
      clients = createClients({ region: input.region, endpoint: sb.endpoint, credentials });
      const { fleet } = await inspectFleet({
        clients,
        accountId: input.accountId,
        region: input.region,
        clusterPatterns: ['*'],
        concurrency: 1,
        logger,
      });
      expect(fleet.errors).toEqual([
        {
          accountId: input.accountId,
          region: input.region,
          cluster: 'fleet-000',
          nodegroup: null,
          message: 'ListNodegroups failed: AccessDeniedException: not allowed',
        },
      ]);
      expect(fleet.nodegroups.map((n) => n.cluster)).toEqual([
        'fleet-001',
        'fleet-001',
        'fleet-002',
        'fleet-002',
      ]);
    });
  });
});
