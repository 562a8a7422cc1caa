import {
  createClients,
  createLedger,
  createLedgerTable,
  createScanMarks,
  inspectTarget,
} from '@nodekeeper/aws';
import { type Config, fleetTargets, parseConfig } from '@nodekeeper/core/config';
import { inspectionTargetKey } from '@nodekeeper/core/plan';
import type { RolloutRequest, WorkflowStarter } from '@nodekeeper/core/rollout';
import { demoFleet, type FleetFile, parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { targetClientsFor } from '../../functions/lib/deps.ts';
import {
  createFleetScan,
  fansOut,
  type InspectEvent,
  inspectOneTarget,
} from '../../functions/lib/fleet-scan.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan, type ScanResult } from '../../functions/lib/scan.ts';
import { scheduledEvent } from '../helpers/fixtures.ts';
import {
  LocalDurableTestRunner,
  setupQueuedDurableEnvironment,
  withDurableExecutionForTesting,
} from '../support/durable-testing.ts';
import { teardownLocalDurableEnvironment } from '../support/local-starter.ts';

/**
 * The durable fleet scan (issue 20 §4) against the sandbox: two spoke accounts in two regions and
 * one whose role cannot be assumed (5 targets, above a fan-out threshold of 2). The fleet scan runs
 * under the durable SDK's local runner, each target inspected by a chained invoke of the real
 * inspect function body; its plan and starts must equal the single-invocation scan's for the same
 * fleet, waves and budgets.
 */

const HUB = '111122223333';
const A = '444455556666';
const B = '777788889999';
const BROKEN = '999988887777';
const REGIONS = ['us-east-1', 'eu-west-1'];
const INSPECT = 'nodekeeper-inspect';
const role = (account: string) => `arn:aws:iam::${account}:role/nodekeeper-spoke`;
const writeRole = (account: string) => `arn:aws:iam::${account}:role/nodekeeper-spoke-write`;
const hubCredentials = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' };
const SCAN_AT = '2026-11-24T03:00:00Z';

/** The demo fleet's hub (public parameters and images) and two clusters of two node groups per spoke target. */
function fleet(): FleetFile {
  const demo = demoFleet();
  const prodA = demo.clusters.find((c) => c.name === 'prod-a');
  const general = prodA?.nodegroups.find((n) => n.name === 'general');
  if (!prodA || !general) throw new Error('demo fleet has no prod-a/general');
  const cluster = (account: string, region: string, n: number) => ({
    ...structuredClone(prodA),
    name: `shop-${account.slice(0, 4)}-${region.split('-')[0]}-${n}`,
    nodegroups: ['general', 'batch'].map((name) => ({ ...structuredClone(general), name })),
  });
  return parseFleet({
    ...structuredClone(demo),
    clusters: [],
    instances: [],
    launchTemplates: [],
    roles: [A, B, BROKEN].flatMap((account) => [
      { arn: role(account), externalId: account === BROKEN ? 'the-real-one' : `nk-${account}` },
      { arn: writeRole(account), externalId: account === BROKEN ? 'the-real-one' : `nk-${account}` },
    ]),
    partitions: [A, B, BROKEN].flatMap((account) =>
      REGIONS.map((region) => ({
        accountId: account,
        region,
        clusters: [cluster(account, region, 1), cluster(account, region, 2)],
      })),
    ),
  });
}

const config: Config = parseConfig({
  regions: ['us-east-1'],
  targets: [A, B, BROKEN].map((account) => ({
    accountId: account,
    readRoleArn: role(account),
    writeRoleArn: writeRole(account),
    externalId: account === BROKEN ? 'not-the-real-one' : `nk-${account}`,
    regions: account === BROKEN ? ['us-east-1'] : REGIONS,
  })),
  // Waves select by account (A first), budgets cap each cluster at one rollout and the fleet at 3:
  // the merged plan must apply both across every target's inspection.
  waves: [
    { name: 'canary', clusters: ['*'], accounts: [A] },
    { name: 'rest', clusters: ['*'] },
  ],
  maxConcurrentPerCluster: 1,
  maxConcurrentTotal: 3,
  rollout: { fanOutAboveTargets: 2, fanOutConcurrency: 2 },
});

/** Records what a scan starts; starts no workflow. */
function recordingStarter(): WorkflowStarter & {
  started: Array<{ executionName: string; request: RolloutRequest }>;
} {
  const started: Array<{ executionName: string; request: RolloutRequest }> = [];
  return {
    started,
    async start(input) {
      started.push(input);
      return { kind: 'started' };
    },
  };
}

const savedEnv = { ...process.env };
beforeAll(() => setupQueuedDurableEnvironment());
afterAll(() => teardownLocalDurableEnvironment());
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('the durable fleet scan', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    // One clock for every dependency: the sandbox's, at the scan's time.
    sb = await startSandbox({ fleet: fleet(), port: 0, now: SCAN_AT, running: false });
  });
  afterAll(() => sb.close());

  /** Everything one scan needs against the sandbox, with its own ledger table. */
  async function world(table: string) {
    process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
    const now = () => sb.clock.now();
    const home = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials: hubCredentials });
    await createLedgerTable(home.dynamodb, table);
    const clients = targetClientsFor(config, {
      homeRegion: 'us-east-1',
      endpoint: sb.endpoint,
      credentials: hubCredentials,
      now,
    });
    const starter = recordingStarter();
    const notifier = notifierFromSettings({
      configJson: null,
      ledgerTable: table,
      pauseParameter: '/nodekeeper/paused',
      workflowArn: null,
      scanFunction: null,
      fleetScanArn: null,
      inspectFunction: null,
      stage: 'test',
      slack: { webhookUrl: sb.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
    });
    const scanDeps = {
      config,
      pause: { read: async () => ({ paused: false, reason: null }) },
      starter,
      notifier,
      ledger: createLedger(home.dynamodb, { tableName: table }),
      marks: createScanMarks(home.dynamodb, { tableName: table }),
      stage: 'test',
      now,
    };
    return {
      clients,
      starter,
      scanDeps,
      destroy: () => {
        clients.destroy();
        home.destroy();
      },
    };
  }

  /** Runs the fleet scan for `event` under the local durable runner; `inspect` is the inspect function. */
  async function runFleetScan(
    w: Awaited<ReturnType<typeof world>>,
    event: unknown,
    inspect: (event: InspectEvent) => Promise<unknown>,
  ) {
    let invocations = 0;
    const body = createFleetScan(() => ({ scan: w.scanDeps, inspectFunction: INSPECT, now: w.scanDeps.now }));
    const runner = new LocalDurableTestRunner({
      handlerFunction: withDurableExecutionForTesting((e: unknown, ctx) => {
        invocations += 1;
        return body(e, ctx);
      }),
    });
    runner.registerFunction(INSPECT, async (e: unknown) => inspect(e as InspectEvent));
    const execution = await runner.run({ payload: event });
    return { execution, invocations: () => invocations };
  }

  it('inspects each target in its own invocation and plans and starts exactly what one invocation would', async () => {
    expect(fansOut(config)).toBe(true);
    const event = scheduledEvent('evt-fleet-1', SCAN_AT, HUB);

    const single = await world('fleet-scan-single');
    const one = await runScan(parseScanEvent(event), {
      ...single.scanDeps,
      inspect: (target) => inspectTarget(single.clients, target),
    });

    const durable = await world('fleet-scan-durable');
    const inspected: InspectEvent[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const { execution, invocations } = await runFleetScan(durable, event, async (e) => {
      inspected.push(e);
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        return await inspectOneTarget(e, { config, inspect: (t) => inspectTarget(durable.clients, t) });
      } finally {
        inFlight -= 1;
      }
    });
    expect(execution.getStatus()).toBe('SUCCEEDED');
    const fanned = execution.getResult() as ScanResult;

    // One inspect invocation per (account, region) target, each as of the scan's time.
    expect(inspected.map((e) => inspectionTargetKey(e)).sort()).toEqual(
      fleetTargets(config)
        .map((t) => inspectionTargetKey(t))
        .sort(),
    );
    expect(new Set(inspected.map((e) => e.now))).toEqual(new Set([new Date(SCAN_AT).toISOString()]));
    // The fleet scan suspended while the inspections ran: more than one invocation of it. At most
    // rollout.fanOutConcurrency (2) inspections ran at once, and each is one chained invoke.
    expect(invocations()).toBeGreaterThan(1);
    expect(mostInFlight).toBe(2);
    const operations = execution.getOperations();
    expect(operations.filter((o) => o.getType() === 'CHAINED_INVOKE')).toHaveLength(inspected.length);

    // The same plan and the same starts: waves (canary account first) and budgets (one per
    // cluster, three in all) applied over the merged inspections.
    expect(fanned.counts).toEqual(one.counts);
    expect(fanned.starts).toEqual(one.starts);
    expect(durable.starter.started).toEqual(single.starter.started);
    expect(one.starts).toHaveLength(3);
    expect(new Set(one.starts.map((s) => s.cluster.slice(0, 10)))).toEqual(new Set(['shop-4444-']));
    single.destroy();
    durable.destroy();
  });

  it('refuses a fleet of more targets than one durable execution can record, before inspecting any', async () => {
    const many = parseConfig({
      regions: ['us-east-1'],
      targets: Array.from({ length: 1451 }, (_, i) => {
        const accountId = String(300000000000 + i);
        return {
          accountId,
          readRoleArn: role(accountId),
          writeRoleArn: writeRole(accountId),
          externalId: 'nk-x',
          regions: REGIONS,
        };
      }),
    });
    const w = await world('fleet-scan-too-many');
    let inspections = 0;
    const body = createFleetScan(() => ({
      scan: { ...w.scanDeps, config: many },
      inspectFunction: INSPECT,
      now: w.scanDeps.now,
    }));
    const runner = new LocalDurableTestRunner({ handlerFunction: withDurableExecutionForTesting(body) });
    runner.registerFunction(INSPECT, async () => {
      inspections += 1;
      return null;
    });
    const execution = await runner.run({ payload: scheduledEvent('evt-fleet-3', SCAN_AT, HUB) });
    expect(execution.getStatus()).toBe('FAILED');
    expect(execution.getError().errorMessage).toBe(
      '2902 (account, region) targets are more than one fleet scan inspects (2900: Lambda records at most 3,000 operations per durable execution); split the fleet across deployments',
    );
    expect(inspections).toBe(0);
    w.destroy();
  });

  it('inspects nothing for a continuation an earlier scan already covered, and plans one asked for after it', async () => {
    const w = await world('fleet-scan-continuations');
    let inspections = 0;
    const inspect = (e: InspectEvent) => {
      inspections += 1;
      return inspectOneTarget(e, { config, inspect: (t) => inspectTarget(w.clients, t) });
    };
    sb.clock.set(SCAN_AT);
    const first = await runFleetScan(w, scheduledEvent('evt-fleet-4', SCAN_AT, HUB), inspect);
    expect(first.execution.getStatus()).toBe('SUCCEEDED');
    expect(inspections).toBe(5);

    // Asked for 10 s before that scan began planning: covered, nothing inspected or started.
    const early = {
      source: 'nodekeeper.continuation',
      id: 'continuation:early',
      time: '2026-11-24T02:59:50.000Z',
      runId: null,
    };
    const covered = await runFleetScan(w, early, inspect);
    expect(covered.execution.getResult()).toMatchObject({ covered: true, starts: [] });
    expect(inspections).toBe(5);

    // Asked for a minute after: inspects every target again and plans as of now.
    sb.clock.set('2026-11-24T03:01:10.000Z');
    const late = { ...early, id: 'continuation:late', time: '2026-11-24T03:01:00.000Z' };
    const planned = await runFleetScan(w, late, inspect);
    expect(planned.execution.getResult()).not.toHaveProperty('covered');
    expect(inspections).toBe(10);
    sb.clock.set(SCAN_AT);
    w.destroy();
  });

  it('makes a target whose inspect invocation failed an error item, and the others still plan', async () => {
    const event = scheduledEvent('evt-fleet-2', SCAN_AT, HUB);
    const w = await world('fleet-scan-failure');
    const postsBefore = sb.slackPosts().length;
    const { execution } = await runFleetScan(w, event, async (e) => {
      if (e.accountId === A && e.region === 'eu-west-1')
        throw new Error('Task timed out after 900.00 seconds');
      return inspectOneTarget(e, { config, inspect: (t) => inspectTarget(w.clients, t) });
    });
    expect(execution.getStatus()).toBe('SUCCEEDED');
    const result = execution.getResult() as ScanResult;
    // A's other region still rolls (canary wave); nothing of A/eu-west-1 was planned.
    expect(result.starts.length).toBeGreaterThan(0);
    expect(result.starts.every((s) => s.cluster.startsWith('shop-4444-us'))).toBe(true);
    const summary = sb
      .slackPosts()
      .slice(postsBefore)
      .map((p) => JSON.stringify(p.body))
      .join('\n');
    expect(summary).toContain(`inspection of ${A}/eu-west-1 failed`);
    expect(summary).toContain('Task timed out after 900.00 seconds');
    w.destroy();
  });
});
