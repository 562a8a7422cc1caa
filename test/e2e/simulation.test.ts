import {
  type AwsClients,
  createApprovalStore,
  createClients,
  createLedgerTable,
  createRolloutPort,
  inspectFleet,
} from '@nodekeeper/aws';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import { buildPlanSummaryMessage } from '@nodekeeper/core/messages';
import {
  type CatalogSnapshot,
  type Fleet,
  type Plan,
  plan,
  policyFromConfig,
  type RolloutFact,
} from '@nodekeeper/core/plan';
import { haltedReleases } from '@nodekeeper/core/safety';
import { type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * A release's life over days with a fake clock: the planner decides from the sandbox's fleet (real
 * HTTP on 127.0.0.1), "rolling" calls EKS UpdateNodegroupVersion through the rollout adapter, and
 * the history facts are what this test records (as the ledger would).
 */

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const BASE = '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended';
const OLD = { ami: 'ami-0sim0000000001001', release: '1.33.4-20261001' };
const NEW = { ami: 'ami-0sim0000000001124', release: '1.33.5-20261124' };
// Day 0 is Tuesday 24 November 2026; the release is published at 00:00 UTC.
const DAY0 = Date.parse('2026-11-24T00:00:00.000Z');
const at = (day: number, hhmm: string) =>
  new Date(DAY0 + day * 86_400_000 + Date.parse(`1970-01-01T${hhmm}:00Z`));

const config: Config = parseConfig({
  regions: [REGION],
  clusters: ['dev-*', 'prod-*'],
  waves: [
    { name: 'dev', clusters: ['dev-*'], minAmiAgeDays: 0, soakDays: 2 },
    { name: 'prod', clusters: ['prod-*'], minAmiAgeDays: 7 },
  ],
  // Every 30 minutes from 03:00 to 06:30 Berlin time (02:00-06:00 UTC in winter).
  schedule: { cron: 'cron(0/30 3-6 * * ? *)', timezone: 'Europe/Berlin', windowMinutes: 30 },
  maxConcurrentPerCluster: 1,
  maxConcurrentTotal: 1,
});

function fleetFile(devOutcome: 'Successful' | 'PodEvictionFailure'): FleetFile {
  const image = (imageId: string, date: string, creationDate: string) => ({
    imageId,
    name: `amazon-eks-node-al2023-x86_64-standard-1.33-v${date}`,
    creationDate,
    architecture: 'x86_64',
    state: 'available',
    ownerId: '602401143452',
  });
  const cluster = (name: string, outcome: 'Successful' | 'PodEvictionFailure') => ({
    name,
    version: '1.33',
    tags: {},
    nodegroups: [
      {
        name: 'general',
        amiType: 'AL2023_x86_64_STANDARD',
        version: '1.33',
        releaseVersion: OLD.release,
        status: 'ACTIVE',
        tags: {},
        desiredSize: 3,
        update: { durationSeconds: 600, outcome },
      },
    ],
  });
  return {
    region: REGION,
    accountId: '111122223333',
    parameters: { [`${BASE}/image_id`]: NEW.ami, [`${BASE}/release_version`]: NEW.release },
    images: [
      image(OLD.ami, '20261001', '2026-10-01T00:00:00.000Z'),
      image(NEW.ami, '20261124', '2026-11-24T00:00:00.000Z'),
    ],
    launchTemplates: [],
    clusters: [
      cluster('dev-a', devOutcome),
      cluster('prod-a', 'Successful'),
      cluster('prod-b', 'Successful'),
    ],
    instances: [],
    // No release is published during the simulation: the new one is there from the start.
    amiReleases: [],
  } as unknown as FleetFile;
}

/** One simulated world: the sandbox, adapters, and the ledger facts this test keeps. */
class World {
  readonly history: RolloutFact[] = [];
  private readonly running = new Map<string, { updateId: string; fact: RolloutFact }>();
  readonly sb: Sandbox;
  readonly clients: AwsClients;

  private constructor(sb: Sandbox, clients: AwsClients) {
    this.sb = sb;
    this.clients = clients;
  }

  static async start(devOutcome: 'Successful' | 'PodEvictionFailure'): Promise<World> {
    const sb = await startSandbox({ fleet: fleetFile(devOutcome), port: 0 });
    sb.clock.set(new Date(DAY0).toISOString());
    return new World(sb, createClients({ region: REGION, endpoint: sb.endpoint, credentials }));
  }

  async close(): Promise<void> {
    this.clients.destroy();
    await this.sb.close();
  }

  private port() {
    return createRolloutPort(() => this.clients);
  }

  /** Records the outcome of every update the sandbox has finished (as the workflow's record step would). */
  private async settle(now: Date): Promise<void> {
    for (const [key, { updateId, fact }] of this.running) {
      const ref = { accountId: null, region: REGION, cluster: fact.cluster, nodegroup: fact.nodegroup };
      const update = await this.port().describeUpdate(ref, updateId);
      if (update.kind !== 'found' || update.update.status === 'InProgress') continue;
      fact.outcome = update.update.status === 'Successful' ? 'succeeded' : 'failed';
      fact.finishedAt = now.toISOString();
      this.running.delete(key);
    }
  }

  /** A scheduled scan at `now`: settle finished updates, inspect, plan, start every `roll` item. */
  async scan(now: Date, approvals: Awaited<ReturnType<ReturnType<typeof createApprovalStore>['list']>> = []) {
    this.sb.clock.set(now.toISOString());
    await this.settle(now);
    const inspected = await inspectFleet({
      clients: this.clients,
      accountId: null,
      region: REGION,
      clusterPatterns: config.clusters,
    });
    const fleet: Fleet = inspected.fleet;
    const catalog: CatalogSnapshot = inspected.catalog;
    const policy = policyFromConfig(config, { history: this.history, approvals });
    const planned = plan(fleet, catalog, policy, now);
    for (const item of planned.items) {
      if (item.decision !== 'roll' || !item.target?.releaseVersion) continue;
      const ref = { accountId: null, region: REGION, cluster: item.cluster, nodegroup: item.nodegroup };
      const own = fleet.nodegroups.find((n) => n.cluster === item.cluster && n.nodegroup === item.nodegroup);
      const started = await this.port().updateNodegroupVersion(ref, {
        kind: 'release-version',
        // The group's own Kubernetes version: without it EKS moves the group to the cluster's.
        version: own?.version ?? null,
        releaseVersion: item.target.releaseVersion,
        clientRequestToken: `sim-${item.cluster}-${item.nodegroup}-${now.getTime()}`,
        force: false,
      });
      expect(started.kind).toBe('started');
      if (started.kind !== 'started') continue;
      const fact: RolloutFact = {
        accountId: null,
        region: REGION,
        cluster: item.cluster,
        nodegroup: item.nodegroup,
        family: 'al2023',
        release: '20261124',
        outcome: 'started',
        startedAt: now.toISOString(),
        finishedAt: null,
      };
      this.history.push(fact);
      this.running.set(`${item.cluster}/${item.nodegroup}`, { updateId: started.updateId, fact });
    }
    return { plan: planned, policy };
  }

  releaseOf(cluster: string): string | undefined {
    return this.sb.state().clusters.find((c) => c.name === cluster)?.nodegroups[0]?.releaseVersion;
  }
}

/** `cluster` → `roll`, `current` or `skip:<reason>`. */
function decisions(p: Plan): Record<string, string> {
  return Object.fromEntries(
    p.items.map((i) => [i.cluster, i.decision === 'skip' ? `skip:${i.reason}` : i.decision]),
  );
}

function messageOf(p: Plan, cluster: string): string {
  return p.items.find((i) => i.cluster === cluster)?.message ?? '';
}

/** Every hold is one line, in the plan and in the Slack plan summary. */
function expectOneLineHolds(p: Plan): void {
  const summary = JSON.stringify(buildPlanSummaryMessage(p));
  for (const item of p.items.filter((i) => i.decision === 'skip')) {
    expect(item.message).not.toMatch(/\n/);
    expect(item.message.length).toBeGreaterThan(10);
    expect(summary).toContain(item.reason ?? 'missing');
  }
}

let world: World | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

describe('a release through its life', () => {
  it('rolls dev in its window, soaks, waits for the AMI age, then rolls prod one cluster at a time', async () => {
    world = await World.start('Successful');
    const w = world;

    // Day 0, 01:00 UTC (02:00 Berlin): the release is out, but the window has not opened.
    let scan = await w.scan(at(0, '01:00'));
    expect(decisions(scan.plan)).toEqual({
      'dev-a': 'skip:outside-window',
      'prod-a': 'skip:ami-too-new',
      'prod-b': 'skip:ami-too-new',
    });
    expect(messageOf(scan.plan, 'dev-a')).toBe(
      'outside the maintenance window; the next opens Tue 2026-11-24 03:00 Europe/Berlin (02:00 UTC)',
    );
    expectOneLineHolds(scan.plan);

    // Day 0, 02:00 UTC: inside the window, dev rolls.
    scan = await w.scan(at(0, '02:00'));
    expect(decisions(scan.plan)).toMatchObject({ 'dev-a': 'roll', 'prod-a': 'skip:ami-too-new' });

    // Half an hour later the update (10 minutes in the sandbox) has finished.
    scan = await w.scan(at(0, '02:30'));
    expect(w.releaseOf('dev-a')).toBe(NEW.release);
    expect(decisions(scan.plan)).toMatchObject({ 'dev-a': 'current' });
    expect(w.history).toMatchObject([
      { cluster: 'dev-a', outcome: 'succeeded', finishedAt: '2026-11-24T02:30:00.000Z' },
    ]);

    // Day 1: prod still waits, for the AMI age first (the earlier rule).
    scan = await w.scan(at(1, '02:00'));
    expect(messageOf(scan.plan, 'prod-a')).toContain('wave prod needs 7 days (6 days left)');

    // Day 2: dev's soak (2 days) is over, but prod still waits for minAmiAgeDays.
    scan = await w.scan(at(2, '03:00'));
    expect(decisions(scan.plan)).toEqual({
      'dev-a': 'current',
      'prod-a': 'skip:ami-too-new',
      'prod-b': 'skip:ami-too-new',
    });
    expect(messageOf(scan.plan, 'prod-b')).toContain('(5 days left)');
    expectOneLineHolds(scan.plan);

    // Day 7, 02:00 UTC: the AMI is 7 days old and the window is open. One cluster at a time.
    scan = await w.scan(at(7, '02:00'));
    expect(decisions(scan.plan)).toEqual({ 'dev-a': 'current', 'prod-a': 'roll', 'prod-b': 'skip:budget' });
    expect(messageOf(scan.plan, 'prod-b')).toContain('maxConcurrentTotal is 1');
    expectOneLineHolds(scan.plan);

    // 10 minutes later prod-a still runs: prod-b keeps waiting.
    scan = await w.scan(at(7, '02:05'));
    expect(decisions(scan.plan)).toMatchObject({
      'prod-a': 'skip:update-in-progress',
      'prod-b': 'skip:budget',
    });

    scan = await w.scan(at(7, '02:30'));
    expect(decisions(scan.plan)).toEqual({ 'dev-a': 'current', 'prod-a': 'current', 'prod-b': 'roll' });

    scan = await w.scan(at(7, '03:00'));
    expect(decisions(scan.plan)).toEqual({ 'dev-a': 'current', 'prod-a': 'current', 'prod-b': 'current' });
    expect(['dev-a', 'prod-a', 'prod-b'].map((c) => w.releaseOf(c))).toEqual([
      NEW.release,
      NEW.release,
      NEW.release,
    ]);
    expect(w.history.map((f) => [f.cluster, f.outcome])).toEqual([
      ['dev-a', 'succeeded'],
      ['prod-a', 'succeeded'],
      ['prod-b', 'succeeded'],
    ]);
  });

  it('holds prod after dev fails, until an operator approves the release for prod', async () => {
    world = await World.start('PodEvictionFailure');
    const w = world;
    const table = 'simulation-ledger';
    await createLedgerTable(w.clients.dynamodb, table);
    const approvals = createApprovalStore(w.clients.dynamodb, { tableName: table });

    await w.scan(at(0, '02:00'));
    let scan = await w.scan(at(0, '02:30'));
    expect(w.history).toMatchObject([{ cluster: 'dev-a', outcome: 'failed' }]);
    expect(w.releaseOf('dev-a')).toBe(OLD.release);
    // The breaker stops the release everywhere (and the scan would post that once).
    expect(decisions(scan.plan)).toMatchObject({ 'dev-a': 'skip:halted' });
    expect(haltedReleases({ history: w.history }, scan.policy)).toMatchObject([
      { family: 'al2023', release: '20261124', failures: 1, failedGroups: ['dev-a/general'] },
    ]);

    // Day 7: prod is old enough, but holds.
    scan = await w.scan(at(7, '02:00'), await approvals.list());
    expect(decisions(scan.plan)).toEqual({
      'dev-a': 'skip:halted',
      'prod-a': 'skip:halted',
      'prod-b': 'skip:halted',
    });
    expect(messageOf(scan.plan, 'prod-a')).toContain(
      '`nodekeeper approve 20261124 --family al2023 --wave prod`',
    );
    expectOneLineHolds(scan.plan);

    // An operator approves the release for prod.
    expect(
      await approvals.record({
        release: '20261124',
        family: null,
        wave: 'prod',
        by: 'arn:aws:iam::111122223333:user/operator',
        at: at(7, '02:10').toISOString(),
      }),
    ).toEqual({ kind: 'recorded' });

    // Prod proceeds, one cluster at a time; dev stays halted (the approval names prod only).
    scan = await w.scan(at(7, '02:30'), await approvals.list());
    expect(decisions(scan.plan)).toEqual({
      'dev-a': 'skip:halted',
      'prod-a': 'roll',
      'prod-b': 'skip:budget',
    });
    scan = await w.scan(at(7, '03:00'), await approvals.list());
    expect(decisions(scan.plan)).toEqual({ 'dev-a': 'skip:halted', 'prod-a': 'current', 'prod-b': 'roll' });
    scan = await w.scan(at(7, '03:30'), await approvals.list());
    expect(decisions(scan.plan)).toMatchObject({ 'prod-a': 'current', 'prod-b': 'current' });
    expect(w.releaseOf('dev-a')).toBe(OLD.release);
  });
});
