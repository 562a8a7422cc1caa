import { DescribeNodegroupCommand, ListUpdatesCommand } from '@aws-sdk/client-eks';
import { createClients, createLedger, createLedgerTable, inspectFleet } from '@nodekeeper/aws';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import type { InspectionTarget } from '@nodekeeper/core/plan';
import type { LedgerPort } from '@nodekeeper/core/rollout';
import { type FleetFile, parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, planScan, runScan, type ScanDeps } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { scheduledEvent } from '../helpers/fixtures.ts';
import { pollsAdvanceClock } from '../helpers/simulation.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * A control plane upgrade followed by node groups, over days, on the durable runner against the
 * sandbox with one pinned clock (issue #21 §1). Every cluster runs Kubernetes 1.32 until its owner
 * upgrades the control planes to 1.33 on day 1 (the sandbox's `versionUpdates`). Wave dev
 * (dev-a: an EKS AMI group and a golden custom-AMI group with a parameter per minor) and wave prod
 * (prod-a) follow the cluster; wave steady (prod-b) does not. dev moves to 1.33 first, prod waits
 * for dev to run 1.33 for its two soak days, then moves; prod-b's group stays on 1.32, held with
 * `version-behind` and the setting to change.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const REGION = 'us-east-1';
const DAY0 = Date.parse('2026-11-24T03:00:00.000Z');
const at = (days: number, hours = 0) => new Date(DAY0 + days * 86_400_000 + hours * 3_600_000).toISOString();
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 600 };

const AMI_132 = 'ami-0a2023x8600132110';
const AMI_133 = 'ami-0a2023x8600133110';
const GOLDEN_132 = 'ami-0901de0000000132';
const GOLDEN_133 = 'ami-0901de0000000133';

function fleet(): FleetFile {
  const upgrade = [{ version: '1.33', at: at(1) }];
  const eksGroup = (name: string) => ({
    name,
    amiType: 'AL2023_x86_64_STANDARD',
    releaseVersion: '1.32.9-20261110',
    update: { durationSeconds: 600 },
  });
  return parseFleet({
    region: REGION,
    amiReleases: [
      {
        amiType: 'AL2023_x86_64_STANDARD',
        k8sVersion: '1.32',
        releaseVersion: '1.32.9-20261110',
        imageId: AMI_132,
        publishedAt: '2026-11-10T20:00:00Z',
      },
      {
        amiType: 'AL2023_x86_64_STANDARD',
        k8sVersion: '1.33',
        releaseVersion: '1.33.5-20261110',
        imageId: AMI_133,
        publishedAt: '2026-11-10T20:00:00Z',
      },
    ],
    parameters: { '/golden/web/1.32/ami': GOLDEN_132, '/golden/web/1.33/ami': GOLDEN_133 },
    images: [
      {
        imageId: GOLDEN_132,
        name: 'golden-web-al2023-1.32-2026-11-12',
        creationDate: '2026-11-12T08:00:00Z',
        ownerId: '111122223333',
      },
      {
        imageId: GOLDEN_133,
        name: 'golden-web-al2023-1.33-2026-11-12',
        creationDate: '2026-11-12T08:00:00Z',
        ownerId: '111122223333',
      },
    ],
    launchTemplates: [
      {
        launchTemplateId: 'lt-0901de000000000d1',
        launchTemplateName: 'dev-a-golden',
        versions: [{ versionNumber: 1, imageId: GOLDEN_132, instanceType: 'm6i.large' }],
      },
    ],
    clusters: [
      {
        name: 'dev-a',
        version: '1.32',
        versionUpdates: upgrade,
        nodegroups: [
          eksGroup('web'),
          {
            name: 'golden',
            amiType: 'CUSTOM',
            releaseVersion: GOLDEN_132,
            launchTemplate: { id: 'lt-0901de000000000d1', version: '1' },
            tags: { 'nodekeeper.io/ami-parameter': '/golden/web/{version}/ami' },
            update: { durationSeconds: 600 },
          },
        ],
      },
      { name: 'prod-a', version: '1.32', versionUpdates: upgrade, nodegroups: [eksGroup('api')] },
      { name: 'prod-b', version: '1.32', versionUpdates: upgrade, nodegroups: [eksGroup('legacy')] },
    ],
  });
}

const config: Config = parseConfig({
  regions: [REGION],
  clusters: ['dev-a', 'prod-a', 'prod-b'],
  waves: [
    { name: 'dev', clusters: ['dev-*'], soakDays: 2, followClusterVersion: true },
    { name: 'prod', clusters: ['prod-a'], followClusterVersion: true },
    { name: 'steady', clusters: ['prod-b'] },
  ],
  maxConcurrentPerCluster: 5,
});

const savedEnv = { ...process.env };
let sb: Sandbox | undefined;

async function world(s: Sandbox) {
  process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: 'follow-cluster-version' }),
    slack: { webhookUrl: s.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
  };
  const now = () => s.clock.now();
  const home = createClients({ region: REGION, endpoint: s.endpoint, credentials });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  const base = buildRolloutDeps(settings, { homeRegion: REGION, endpoint: s.endpoint, credentials, now });
  // Each poll of an update stands for five minutes of waiting on the one clock.
  const deps = pollsAdvanceClock(base, s);
  const starter = createLocalWorkflowStarter({ deps: () => deps, poll });
  const scanDeps: ScanDeps = {
    config,
    // As inspectTarget does: the target's follow rule says whose next minor is read.
    inspect: (t: InspectionTarget) =>
      inspectFleet({
        clients: createClients({ region: t.region, endpoint: s.endpoint, credentials }),
        accountId: t.accountId,
        region: t.region,
        clusterPatterns: t.clusters,
        follow: t.follow ?? null,
      }),
    pause: base.pause,
    recalls: base.recalls,
    starter,
    notifier: notifierFromSettings(settings),
    ledger: base.ledger as LedgerPort,
    now,
    sleep: async () => undefined,
  };
  /** One scheduled scan at `when`, and every rollout it starts, to its end. */
  const scanAt = async (when: string) => {
    s.clock.set(when);
    const result = await runScan(parseScanEvent(scheduledEvent(`fire-${when}`, when)), scanDeps);
    const runs = await starter.settled();
    return { result, runs };
  };
  const planAt = async (when: string) => {
    s.clock.set(when);
    const planned = await planScan({ time: when }, scanDeps);
    return Object.fromEntries(planned.plan.items.map((i) => [`${i.cluster}/${i.nodegroup}`, i]));
  };
  const describe = async (cluster: string, nodegroup: string) =>
    (await home.eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup })))
      .nodegroup;
  const ledger = createLedger(home.dynamodb, { tableName: settings.ledgerTable });
  return { scanAt, planAt, describe, home, ledger };
}

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(async () => {
  process.env = { ...savedEnv };
  await sb?.close();
  sb = undefined;
});

describe('a control plane upgrade, then node groups wave by wave', () => {
  it('moves dev to the new minor, prod after dev soaked it, and holds the wave without the opt-in', async () => {
    sb = await startSandbox({ fleet: fleet(), port: 0, now: at(0) });
    const w = await world(sb);

    // Day 0: every control plane and node group runs 1.32, each on its newest image: nothing to do.
    const first = await w.scanAt(at(0));
    expect(first.result.starts).toEqual([]);
    const plan0 = await w.planAt(at(0, 1));
    expect(Object.values(plan0).map((i) => [i.nodegroup, i.decision, i.targetVersion])).toEqual(
      expect.arrayContaining([
        ['web', 'current', undefined],
        ['golden', 'current', undefined],
        ['api', 'current', undefined],
        ['legacy', 'current', undefined],
      ]),
    );

    // Day 1: the owner upgraded the control planes to 1.33. dev follows at once; prod waits for
    // dev to run 1.33; prod-b, without the opt-in, holds with the lag and the setting to change.
    const plan1 = await w.planAt(at(1, 1));
    expect(plan1['dev-a/web']).toMatchObject({ decision: 'roll', targetVersion: '1.33' });
    expect(plan1['dev-a/web']?.message).toBe(
      'kubernetes 1.32 → 1.33 (cluster is 1.33); 1.32.9-20261110 → 1.33.5-20261110',
    );
    expect(plan1['dev-a/golden']).toMatchObject({
      decision: 'roll',
      strategy: 'launch-template',
      targetVersion: '1.33',
      target: { imageId: GOLDEN_133 },
    });
    expect(plan1['prod-a/api']).toMatchObject({ decision: 'skip', reason: 'wave-gate' });
    expect(plan1['prod-a/api']?.message).toContain('to move to kubernetes 1.33 first');
    expect(plan1['prod-b/legacy']).toMatchObject({ decision: 'skip', reason: 'version-behind' });
    expect(plan1['prod-b/legacy']?.message).toBe(
      'kubernetes 1.32 is behind cluster 1.33; set followClusterVersion on wave steady to follow (on its own minor: at 1.32.9-20261110)',
    );

    const day1 = await w.scanAt(at(1, 1));
    expect(day1.result.starts.map((st) => st.nodegroup).sort()).toEqual(['golden', 'web']);
    expect(day1.runs.map((r) => r.summary?.outcome)).toEqual(['succeeded', 'succeeded']);
    // EKS got `version` with the release for the EKS AMI group, and only a launch template version
    // carrying the 1.33 AMI for the custom one; both report 1.33 now.
    expect(await w.describe('dev-a', 'web')).toMatchObject({
      version: '1.33',
      releaseVersion: '1.33.5-20261110',
    });
    expect(await w.describe('dev-a', 'golden')).toMatchObject({
      version: '1.33',
      releaseVersion: GOLDEN_133,
      launchTemplate: { version: '2' },
    });
    const updates = await w.home.eks.send(new ListUpdatesCommand({ name: 'dev-a', nodegroupName: 'web' }));
    expect(updates.updateIds).toHaveLength(1);
    const history = await w.ledger.listHistory({ cluster: 'dev-a', limit: 10 });
    expect(history.map((r) => [r.nodegroup, r.targetVersion, r.outcome]).sort()).toEqual([
      ['golden', '1.33', 'succeeded'],
      ['web', '1.33', 'succeeded'],
    ]);

    // Day 2: dev runs 1.33; prod waits for its two soak days.
    const plan2 = await w.planAt(at(2, 1));
    expect(plan2['dev-a/web']?.decision).toBe('current');
    expect(plan2['prod-a/api']).toMatchObject({ decision: 'skip', reason: 'wave-gate' });
    expect(plan2['prod-a/api']?.message).toMatch(/to soak .*: 2\d h left/);
    expect((await w.scanAt(at(2, 1))).result.starts).toEqual([]);

    // Day 3, after the soak: prod moves; prod-b still holds.
    const day3 = await w.scanAt(at(3, 4));
    expect(day3.result.starts.map((st) => `${st.cluster}/${st.nodegroup}`)).toEqual(['prod-a/api']);
    expect(day3.runs.slice(2).map((r) => r.summary?.outcome)).toEqual(['succeeded']);
    expect(await w.describe('prod-a', 'api')).toMatchObject({ version: '1.33' });
    expect(await w.describe('prod-b', 'legacy')).toMatchObject({ version: '1.32' });
    const plan4 = await w.planAt(at(4));
    expect(plan4['prod-a/api']?.decision).toBe('current');
    expect(plan4['prod-b/legacy']).toMatchObject({ decision: 'skip', reason: 'version-behind' });
  });
});
