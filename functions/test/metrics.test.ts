// EMF snapshot tests: what each handler's metrics call writes to stdout, parsed back as CloudWatch
// reads it (namespace, dimension sets, metric definitions, values).
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { parseConfig } from '@nodekeeper/core/config';
import {
  type CatalogSnapshot,
  type Fleet,
  type NodegroupFacts,
  plan,
  policyFromConfig,
} from '@nodekeeper/core/plan';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMetrics,
  emitPatchResults,
  emitRolloutOutcome,
  emitScanMetrics,
  emitSlackFailure,
  metricOptionsFromEnv,
} from '../lib/metrics.ts';

type Emf = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }>;
  };
} & Record<string, unknown>;

const NOW = '2026-11-22T03:00:00.000Z';
const REGION = 'us-east-1';
const NEW = 'ami-0a2023x8600001110';
const OLD = 'ami-0a2023x8600001001';
const GOLDEN_OLD = 'ami-0901de0000001020';
const PARAM = '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended';

function ng(overrides: Partial<NodegroupFacts>): NodegroupFacts {
  return {
    accountId: null,
    region: REGION,
    cluster: 'prod-a',
    nodegroup: 'general',
    clusterVersion: '1.33',
    version: '1.33',
    amiType: 'AL2023_x86_64_STANDARD',
    releaseVersion: '1.33.4-20261001',
    status: 'ACTIVE',
    tags: {},
    clusterTags: {},
    launchTemplate: null,
    desiredSize: 3,
    ...overrides,
  };
}

const image = (imageId: string, name: string, creationDate: string) => ({
  imageId,
  name,
  creationDate,
  state: 'available',
  deprecationTime: null,
  architecture: 'x86_64',
  ownerId: '602401143452',
});

const fleet: Fleet = {
  nodegroups: [
    ng({}),
    ng({ nodegroup: 'system', releaseVersion: '1.33.5-20261110' }),
    ng({
      nodegroup: 'custom',
      amiType: 'CUSTOM',
      releaseVersion: GOLDEN_OLD,
      tags: { 'nodekeeper.io/ami-parameter': '/golden/ami' },
      launchTemplate: { id: 'lt-01', name: 'custom', version: '4', imageId: GOLDEN_OLD },
    }),
    ng({ cluster: 'dev-a', nodegroup: 'web', releaseVersion: '1.33.5-20261110' }),
  ],
  errors: [],
};
const catalog: CatalogSnapshot = {
  parameters: {
    [REGION]: {
      [`${PARAM}/image_id`]: NEW,
      [`${PARAM}/release_version`]: '1.33.5-20261110',
      '/golden/ami': 'ami-0901de0000001118',
    },
  },
  images: {
    [REGION]: {
      [NEW]: image(NEW, 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261110', '2026-11-10T04:12:33.000Z'),
      [OLD]: image(OLD, 'amazon-eks-node-al2023-x86_64-standard-1.33-v20261001', '2026-10-01T04:12:33.000Z'),
      [GOLDEN_OLD]: image(GOLDEN_OLD, 'golden-1.33-2026-08-20', '2026-08-20T06:00:00.000Z'),
      'ami-0901de0000001118': image(
        'ami-0901de0000001118',
        'golden-1.33-2026-11-18',
        '2026-11-18T06:00:00.000Z',
      ),
    },
  },
};
const config = parseConfig({
  regions: [REGION],
  clusters: ['*'],
  waves: [
    { name: 'dev', clusters: ['dev-*'] },
    { name: 'prod', clusters: ['prod-*'] },
  ],
});
const planned = plan(fleet, catalog, policyFromConfig(config), new Date(NOW));

function record(overrides: Partial<RolloutRecord>): RolloutRecord {
  return {
    key: 'k1',
    accountId: null,
    region: REGION,
    cluster: 'prod-a',
    nodegroup: 'general',
    strategy: 'release-version',
    wave: 'prod',
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: NEW },
    attempt: 1,
    updateId: 'u-1',
    launchTemplateVersion: null,
    outcome: 'started',
    reason: null,
    message: null,
    errors: [],
    createdAt: '2026-11-22T03:00:05.000Z',
    startedAt: '2026-11-22T03:00:05.000Z',
    finishedAt: null,
    slackThreadTs: null,
    ...overrides,
  };
}

let lines: string[];
let metrics: Metrics;

beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    return true;
  });
  metrics = createMetrics();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The EMF documents written so far, parsed, with the volatile Timestamp checked and removed. */
function emitted(): Emf[] {
  return lines.map((l) => {
    const doc = JSON.parse(l) as Emf;
    expect(typeof doc._aws.Timestamp).toBe('number');
    return doc;
  });
}

/** One document as CloudWatch reads it: dimension sets, metric → {unit, value}, dimension values. */
function read(doc: Emf) {
  const [directive] = doc._aws.CloudWatchMetrics;
  expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
  const names = directive?.Metrics.map((m) => m.Name) ?? [];
  const dimensionNames = [...new Set(directive?.Dimensions.flat() ?? [])];
  return {
    namespace: directive?.Namespace,
    dimensionSets: directive?.Dimensions,
    dimensions: Object.fromEntries(dimensionNames.map((d) => [d, doc[d]])),
    metrics: Object.fromEntries(
      (directive?.Metrics ?? []).map((m) => [m.Name, { unit: m.Unit, value: doc[m.Name] }]),
    ),
    names,
  };
}

describe('emitScanMetrics (rollout-scan)', () => {
  describe('when a scan planned two behind groups in prod and none in dev', () => {
    it('writes a fleet document with behind count, oldest age and scan duration', () => {
      emitScanMetrics(metrics, planned, fleet, 12_345, catalog);
      const [fleetDoc] = emitted();
      expect(read(fleetDoc as Emf)).toEqual({
        namespace: 'nodekeeper',
        dimensionSets: [['service']],
        dimensions: { service: 'nodekeeper' },
        metrics: {
          NodegroupsBehind: { unit: 'Count', value: 2 },
          MaxAmiAgeDays: { unit: 'None', value: 93 },
          ScanDurationSeconds: { unit: 'Seconds', value: 12.345 },
        },
        names: ['NodegroupsBehind', 'MaxAmiAgeDays', 'ScanDurationSeconds'],
      });
    });

    it('writes one document per wave', () => {
      emitScanMetrics(metrics, planned, fleet, 1000, catalog);
      const docs = emitted().map(read);
      expect(docs.slice(1).map((d) => [d.dimensionSets, d.dimensions, d.metrics])).toEqual([
        [
          [['service', 'wave']],
          { service: 'nodekeeper', wave: 'dev' },
          { NodegroupsBehind: { unit: 'Count', value: 0 }, MaxAmiAgeDays: { unit: 'None', value: 12 } },
        ],
        [
          [['service', 'wave']],
          { service: 'nodekeeper', wave: 'prod' },
          { NodegroupsBehind: { unit: 'Count', value: 2 }, MaxAmiAgeDays: { unit: 'None', value: 93 } },
        ],
      ]);
    });
  });

  describe('when cluster metrics are on', () => {
    it('also writes one document per cluster with account, region and cluster', () => {
      emitScanMetrics(metrics, planned, fleet, 1000, catalog, { clusterMetrics: true });
      const docs = emitted().map(read);
      expect(docs).toHaveLength(5);
      expect(docs.slice(3).map((d) => [d.dimensionSets, d.dimensions, d.metrics])).toEqual([
        [
          [['service', 'account', 'region', 'cluster']],
          { service: 'nodekeeper', account: 'self', region: REGION, cluster: 'dev-a' },
          { NodegroupsBehind: { unit: 'Count', value: 0 }, MaxAmiAgeDays: { unit: 'None', value: 12 } },
        ],
        [
          [['service', 'account', 'region', 'cluster']],
          { service: 'nodekeeper', account: 'self', region: REGION, cluster: 'prod-a' },
          { NodegroupsBehind: { unit: 'Count', value: 2 }, MaxAmiAgeDays: { unit: 'None', value: 93 } },
        ],
      ]);
    });
  });

  describe('when no catalog is passed', () => {
    it('still dates Amazon Linux releases by their stamp and leaves the custom AMI out', () => {
      emitScanMetrics(metrics, planned, fleet, 0);
      const fleetDoc = read(emitted()[0] as Emf);
      expect(fleetDoc.metrics.MaxAmiAgeDays).toEqual({ unit: 'None', value: 52 });
    });
  });
});

describe('emitRolloutOutcome (rollout-workflow)', () => {
  describe('when a rollout starts', () => {
    it('counts RolloutsStarted fleet-wide', () => {
      emitRolloutOutcome(metrics, record({}));
      expect(emitted().map(read)).toEqual([
        {
          namespace: 'nodekeeper',
          dimensionSets: [['service']],
          dimensions: { service: 'nodekeeper' },
          metrics: { RolloutsStarted: { unit: 'Count', value: 1 } },
          names: ['RolloutsStarted'],
        },
      ]);
    });

    it('also counts it per cluster and wave with cluster metrics on, in one document', () => {
      emitRolloutOutcome(metrics, record({}), { clusterMetrics: true });
      expect(emitted().map(read)).toEqual([
        {
          namespace: 'nodekeeper',
          dimensionSets: [['service'], ['service', 'account', 'region', 'cluster', 'wave']],
          dimensions: {
            service: 'nodekeeper',
            account: 'self',
            region: REGION,
            cluster: 'prod-a',
            wave: 'prod',
          },
          metrics: { RolloutsStarted: { unit: 'Count', value: 1 } },
          names: ['RolloutsStarted'],
        },
      ]);
    });
  });

  describe('when a rollout fails after 25 minutes', () => {
    it('counts RolloutsFailed fleet-wide and per cluster and wave, RolloutDurationSeconds fleet-wide', () => {
      emitRolloutOutcome(
        metrics,
        record({
          outcome: 'failed',
          accountId: '111122223333',
          wave: null,
          finishedAt: '2026-11-22T03:25:05.000Z',
          errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'x', resourceIds: [] }],
        }),
      );
      const docs = emitted().map(read);
      expect(docs.map((d) => [d.dimensionSets, d.dimensions, d.metrics])).toEqual([
        [
          [['service'], ['service', 'account', 'region', 'cluster', 'wave']],
          { service: 'nodekeeper', account: '111122223333', region: REGION, cluster: 'prod-a', wave: 'none' },
          { RolloutsFailed: { unit: 'Count', value: 1 } },
        ],
        [
          [['service']],
          { service: 'nodekeeper' },
          { RolloutDurationSeconds: { unit: 'Seconds', value: 1500 } },
        ],
      ]);
    });
  });

  describe('when a rollout succeeds', () => {
    it('counts RolloutsSucceeded and records its duration', () => {
      emitRolloutOutcome(metrics, record({ outcome: 'succeeded', finishedAt: '2026-11-22T03:10:05.000Z' }));
      expect(read(emitted()[0] as Emf).metrics).toEqual({
        RolloutsSucceeded: { unit: 'Count', value: 1 },
        RolloutDurationSeconds: { unit: 'Seconds', value: 600 },
      });
    });
  });

  describe('when the rollout did not start', () => {
    it('writes nothing', () => {
      emitRolloutOutcome(metrics, record({ outcome: 'not-started', reason: 'paused', startedAt: null }));
      expect(lines).toEqual([]);
    });
  });
});

describe('emitPatchResults (patch-status)', () => {
  const result = {
    accountId: null,
    region: REGION,
    cluster: 'prod-a',
    counts: { targeted: 5, succeeded: 4, failed: 1 },
  };

  describe('when a patch command finishes with one failed instance', () => {
    it('counts succeeded and failed instances fleet-wide', () => {
      emitPatchResults(metrics, result);
      expect(emitted().map(read)).toEqual([
        {
          namespace: 'nodekeeper',
          dimensionSets: [['service']],
          dimensions: { service: 'nodekeeper' },
          metrics: {
            PatchInstancesSucceeded: { unit: 'Count', value: 4 },
            PatchInstancesFailed: { unit: 'Count', value: 1 },
          },
          names: ['PatchInstancesSucceeded', 'PatchInstancesFailed'],
        },
      ]);
    });

    it('also counts them per cluster with cluster metrics on', () => {
      emitPatchResults(metrics, result, { clusterMetrics: true });
      const [doc] = emitted().map(read);
      expect(doc?.dimensionSets).toEqual([['service'], ['service', 'account', 'region', 'cluster']]);
      expect(doc?.dimensions).toEqual({
        service: 'nodekeeper',
        account: 'self',
        region: REGION,
        cluster: 'prod-a',
      });
    });
  });
});

describe('metricOptionsFromEnv', () => {
  describe('when NODEKEEPER_CONFIG turns cluster metrics on', () => {
    it('reads observability.clusterMetrics from the config', () => {
      const json = JSON.stringify({ regions: [REGION], observability: { clusterMetrics: true } });
      expect(metricOptionsFromEnv({ NODEKEEPER_CONFIG: json })).toEqual({ clusterMetrics: true });
    });
  });

  describe('when the config is unset or unreadable', () => {
    it('falls back to the default, never throwing', () => {
      expect(metricOptionsFromEnv({})).toEqual({ clusterMetrics: false });
      expect(metricOptionsFromEnv({ NODEKEEPER_CONFIG: '{"regions": []' })).toEqual({
        clusterMetrics: false,
      });
    });
  });
});

describe('emitSlackFailure (every handler that posts)', () => {
  describe('when a post is undeliverable', () => {
    it('counts one SlackDeliveryFailures fleet-wide', () => {
      emitSlackFailure(metrics);
      expect(emitted().map(read)).toEqual([
        {
          namespace: 'nodekeeper',
          dimensionSets: [['service']],
          dimensions: { service: 'nodekeeper' },
          metrics: { SlackDeliveryFailures: { unit: 'Count', value: 1 } },
          names: ['SlackDeliveryFailures'],
        },
      ]);
    });
  });
});
