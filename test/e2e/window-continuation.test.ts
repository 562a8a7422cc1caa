import { createClients, createLedgerTable, createScanMarks, inspectFleet } from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import type { ContinuationPort, LedgerPort, RolloutDeps } from '@nodekeeper/core/rollout';
import { type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps } from '../../functions/lib/deps.ts';
import { parseScanEvent, runScan, type ScanDeps } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { prodAFleet, scheduledEvent } from '../helpers/fixtures.ts';
import {
  createLocalWorkflowStarter,
  type LocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * A maintenance window keeps rolling until the work is done (issue #18 §1), on the durable runner
 * against the sandbox with one clock: the sandbox's, pinned, moved only by the simulated waits.
 * One cluster with 8 node groups, `maxConcurrentPerCluster: 1`, one schedule fire at 03:00 UTC
 * with a 240-minute window, every EKS update taking 20 minutes. Each workflow's last step asks for
 * a continuation scan; the scans run one at a time (the scan function's reserved concurrency 1).
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const REGION = 'us-east-1';
const FIRE = '2026-11-24T03:00:00.000Z'; // a Tuesday
const UPDATE_SECONDS = 20 * 60;
/** Each poll of an update stands for this much waiting: the sandbox clock moves on by it. */
const POLL_ADVANCE_SECONDS = 10 * 60;
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 600 };
const NODEGROUPS = ['ng1', 'ng2', 'ng3', 'ng4', 'ng5', 'ng6', 'ng7', 'ng8'];

function eightNodegroups(): FleetFile {
  const f = prodAFleet(UPDATE_SECONDS);
  const cluster = f.clusters[0];
  const general = cluster?.nodegroups.find((n) => n.name === 'general');
  if (!cluster || !general) throw new Error('prod-a/general missing from the demo fleet');
  cluster.nodegroups = NODEGROUPS.map((name) => ({
    ...structuredClone(general),
    name,
    update: { durationSeconds: UPDATE_SECONDS, outcome: 'Successful' as const },
  }));
  f.instances = [];
  return f;
}

function configWith(windowMinutes: number, maxConcurrentPerCluster = 1): Config {
  return parseConfig({
    regions: [REGION],
    clusters: ['prod-a'],
    schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'UTC', windowMinutes },
    maxConcurrentPerCluster,
  });
}

let table = 0;
const savedEnv = { ...process.env };

async function world(sb: Sandbox, config: Config) {
  table += 1;
  const settings = readSettings({ NODEKEEPER_LEDGER_TABLE: `window-${table}` });
  const now = () => sb.clock.now();
  const home = createClients({ region: REGION, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  const base = buildRolloutDeps(settings, { homeRegion: REGION, endpoint: sb.endpoint, credentials, now });
  // Waiting for an update costs no real time: each poll moves the one clock on instead.
  const aws: RolloutDeps['aws'] = {
    ...base.aws,
    describeUpdate: async (ref, id) => {
      const found = await base.aws.describeUpdate(ref, id);
      sb.clock.advance(POLL_ADVANCE_SECONDS);
      return found;
    },
  };
  // The scan function runs one invocation at a time: continuation scans queue (async invoke).
  let queue: Promise<unknown> = Promise.resolve();
  const scans: Array<{ id: string; at: string; started: string[]; covered: boolean }> = [];
  const errors: unknown[] = [];
  const continuation: ContinuationPort = {
    request: async ({ id, runId, time }) => {
      const event = parseScanEvent({ source: 'nodekeeper.continuation', id, time, runId });
      queue = queue.then(() => scan(event)).catch((e: unknown) => errors.push(e));
      return { kind: 'requested' };
    },
  };
  const deps: RolloutDeps = { ...base, aws, continuation };
  const starter: LocalWorkflowStarter = createLocalWorkflowStarter({ deps: () => deps, poll });
  const scanDeps: ScanDeps = {
    config,
    inspect: (t: FleetTarget) =>
      inspectFleet({
        clients: createClients({ region: t.region, endpoint: sb.endpoint, credentials }),
        accountId: t.accountId,
        region: t.region,
        clusterPatterns: t.clusters,
      }),
    pause: base.pause,
    recalls: base.recalls,
    starter,
    notifier: null,
    ledger: base.ledger as LedgerPort,
    now,
    sleep: async () => undefined,
    // As deployed: a continuation asked for before the last scan began planning is covered by it.
    marks: createScanMarks(home.dynamodb, { tableName: settings.ledgerTable }),
  };
  const scan = async (event: ReturnType<typeof parseScanEvent>) => {
    const at = now().toISOString();
    const result = await runScan(event, scanDeps);
    scans.push({
      id: event.id,
      at,
      started: result.starts.filter((s) => s.result === 'started').map((s) => s.nodegroup),
      covered: result.covered === true,
    });
    return result;
  };
  /** Runs the fire and every continuation it causes, until nothing is left to run. */
  const fire = async () => {
    queue = queue.then(() => scan(parseScanEvent(scheduledEvent('fire-1', FIRE))));
    for (let settled = 0; ; ) {
      await queue;
      const runs = await starter.settled();
      await queue;
      if (runs.length === settled) return runs;
      settled = runs.length;
    }
  };
  return { fire, scans, errors, home };
}

/** Every EKS update of the cluster, as EKS reports them (ListUpdates + DescribeUpdate). */
async function eksUpdates(home: ReturnType<typeof createClients>) {
  const { DescribeUpdateCommand, ListUpdatesCommand } = await import('@aws-sdk/client-eks');
  const out: Array<{ nodegroup: string; createdAt: number }> = [];
  for (const nodegroup of NODEGROUPS) {
    const ids = await home.eks.send(new ListUpdatesCommand({ name: 'prod-a', nodegroupName: nodegroup }));
    for (const updateId of ids.updateIds ?? []) {
      const u = await home.eks.send(
        new DescribeUpdateCommand({ name: 'prod-a', nodegroupName: nodegroup, updateId }),
      );
      out.push({ nodegroup, createdAt: u.update?.createdAt?.getTime() ?? Number.NaN });
    }
  }
  return out.sort((a, b) => a.createdAt - b.createdAt);
}

let sb: Sandbox | undefined;
beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(async () => {
  process.env = { ...savedEnv };
  await sb?.close();
  sb = undefined;
});

describe('a maintenance window keeps rolling', () => {
  it('rolls all 8 node groups of a cluster in one 240-minute window at budget 1, never two at once', async () => {
    sb = await startSandbox({ fleet: eightNodegroups(), port: 0, now: FIRE });
    const w = await world(sb, configWith(240));
    const runs = await w.fire();
    expect(w.errors).toEqual([]);
    expect(runs.map((r) => [r.summary?.outcome, r.error])).toEqual(NODEGROUPS.map(() => ['succeeded', null]));

    const updates = await eksUpdates(w.home);
    expect(updates.map((u) => u.nodegroup).sort()).toEqual(NODEGROUPS);
    const fire = Date.parse(FIRE);
    const windowEnd = fire + 240 * 60_000;
    for (const [i, u] of updates.entries()) {
      expect(u.createdAt).toBeGreaterThanOrEqual(fire);
      // Started inside the window, and the one before had ended: never two at once.
      expect(u.createdAt).toBeLessThan(windowEnd);
      const before = updates[i - 1];
      if (before) expect(u.createdAt - before.createdAt).toBeGreaterThanOrEqual(UPDATE_SECONDS * 1000);
    }
    // The fire started one; each rollout's end asked for one continuation, which started the next.
    expect(w.scans[0]).toMatchObject({ id: 'fire-1', started: ['ng1'] });
    expect(w.scans.flatMap((s) => s.started)).toEqual(NODEGROUPS);
    expect(w.scans.slice(1).every((s) => s.id.startsWith('continuation:'))).toBe(true);
  });

  it('stops starting when the window closes, and lets the running rollout finish', async () => {
    sb = await startSandbox({ fleet: eightNodegroups(), port: 0, now: FIRE });
    // 60 minutes: room for ng1 (03:00) and ng2 (03:20 or later); each update takes 20 minutes.
    const w = await world(sb, configWith(60));
    const runs = await w.fire();
    expect(w.errors).toEqual([]);
    const updates = await eksUpdates(w.home);
    const windowEnd = Date.parse(FIRE) + 60 * 60_000;
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThan(NODEGROUPS.length);
    for (const u of updates) expect(u.createdAt).toBeLessThan(windowEnd);
    // Every rollout that started finished; the scan after the window closed started nothing.
    expect(runs.map((r) => r.summary?.outcome)).toEqual(updates.map(() => 'succeeded'));
    expect(w.scans.at(-1)?.started).toEqual([]);
  });

  it('at budget 2, rolls all 8 with never more than 2 at once, and a continuation an earlier scan covered inspects nothing', async () => {
    sb = await startSandbox({ fleet: eightNodegroups(), port: 0, now: FIRE });
    const w = await world(sb, configWith(240, 2));
    const runs = await w.fire();
    expect(w.errors).toEqual([]);
    expect(runs.map((r) => r.summary?.outcome)).toEqual(NODEGROUPS.map(() => 'succeeded'));
    const updates = await eksUpdates(w.home);
    expect(updates.map((u) => u.nodegroup).sort()).toEqual(NODEGROUPS);
    // At each update's start, at most one other update is still running (each takes 20 minutes).
    for (const u of updates) {
      const running = updates.filter(
        (o) => o.createdAt <= u.createdAt && u.createdAt < o.createdAt + UPDATE_SECONDS * 1000,
      );
      expect(running.length, new Date(u.createdAt).toISOString()).toBeLessThanOrEqual(2);
    }
    // Every continuation either planned or was covered by a scan that began after it was asked for.
    const continuations = w.scans.filter((x) => x.id.startsWith('continuation:'));
    // (The rollouts started when nothing else waited for the budget ask for none.)
    expect(continuations.length).toBeGreaterThan(0);
    expect(continuations.length).toBeLessThan(NODEGROUPS.length);
    expect(continuations.filter((x) => x.covered).every((x) => x.started.length === 0)).toBe(true);
  });
});
