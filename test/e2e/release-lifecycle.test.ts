import { createApprovalStore, createClients, createLedgerTable, inspectFleet } from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import type { Approval } from '@nodekeeper/core/plan';
import type { LedgerPort } from '@nodekeeper/core/rollout';
import { demoFleet, type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan, type ScanDeps } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { scheduledEvent } from '../helpers/fixtures.ts';
import { pollsAdvanceClock } from '../helpers/simulation.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * A release's failures over days, on the durable runner against the sandbox with one pinned clock
 * (issue #18 §2-3): the demo's dev-a (general on Kubernetes 1.32; lagging on 1.31, whose nodes never
 * join) and prod-a (general, arm, gpu on 1.33; gpu's pods cannot be evicted). Release 20261110
 * (al2023) is one release on every Kubernetes version: lagging's failure on 1.31.14-20261110 halts
 * it for prod's 1.33.5-20261110, every message names it and the version each group failed on, an
 * approval gives the failed group a new attempt, and prod's arm group, whose build 20261121 no dev
 * group can take, is not held waiting for the impossible.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const REGION = 'us-east-1';
const DAY0 = Date.parse('2026-11-24T03:00:00.000Z');
const day = (n: number) => new Date(DAY0 + n * 86_400_000).toISOString();
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 600 };

function fleet(): FleetFile {
  const f = structuredClone(demoFleet());
  f.clusters = f.clusters.filter((c) => c.name === 'dev-a' || c.name === 'prod-a');
  const prodA = f.clusters.find((c) => c.name === 'prod-a');
  if (prodA) prodA.nodegroups = prodA.nodegroups.filter((n) => ['general', 'arm', 'gpu'].includes(n.name));
  f.instances = [];
  return f;
}

const config: Config = parseConfig({
  regions: [REGION],
  clusters: ['dev-a', 'prod-a'],
  waves: [
    { name: 'dev', clusters: ['dev-*'], soakDays: 1 },
    { name: 'prod', clusters: ['prod-*'] },
  ],
  maxConcurrentPerCluster: 5,
  maxFailuresPerRelease: 1,
});

const savedEnv = { ...process.env };
let sb: Sandbox | undefined;

async function world(s: Sandbox) {
  process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: 'release-lifecycle' }),
    slack: { webhookUrl: s.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
  };
  const now = () => s.clock.now();
  const home = createClients({ region: REGION, endpoint: s.endpoint, credentials });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  const base = buildRolloutDeps(settings, { homeRegion: REGION, endpoint: s.endpoint, credentials, now });
  // Each poll of an update stands for five minutes of waiting on the one clock.
  const deps = pollsAdvanceClock(base, s);
  const approvals = createApprovalStore(home.dynamodb, { tableName: settings.ledgerTable });
  const starter = createLocalWorkflowStarter({ deps: () => deps, poll });
  const scanDeps: ScanDeps = {
    config,
    inspect: (t: FleetTarget) =>
      inspectFleet({
        clients: createClients({ region: t.region, endpoint: s.endpoint, credentials }),
        accountId: t.accountId,
        region: t.region,
        clusterPatterns: t.clusters,
      }),
    pause: base.pause,
    recalls: base.recalls,
    approvals,
    starter,
    notifier: notifierFromSettings(settings),
    ledger: base.ledger as LedgerPort,
    now,
    sleep: async () => undefined,
  };
  /** One scheduled scan at `at`, and every rollout it starts, to its end. */
  const scanAt = async (at: string) => {
    s.clock.set(at);
    const result = await runScan(parseScanEvent(scheduledEvent(`fire-${at}`, at)), scanDeps);
    const runs = await starter.settled();
    return { result, runs };
  };
  const planAt = async (at: string) => {
    s.clock.set(at);
    const { planScan } = await import('../../functions/lib/scan.ts');
    const planned = await planScan({ time: at }, scanDeps);
    return Object.fromEntries(planned.plan.items.map((i) => [`${i.cluster}/${i.nodegroup}`, i]));
  };
  const approve = (approval: Omit<Approval, 'by' | 'at'>, at: string) =>
    approvals.record({ ...approval, by: 'arn:aws:iam::111122223333:user/oncall', at });
  return { scanAt, planAt, approve, home };
}

function texts(s: Sandbox): string[] {
  return s.slackPosts().map((p) => JSON.stringify(p.body));
}

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(async () => {
  process.env = { ...savedEnv };
  await sb?.close();
  sb = undefined;
});

describe('a release that fails on one Kubernetes version', () => {
  it('halts everywhere under one name, says who failed on what, and rolls the failed group again after an approval', async () => {
    sb = await startSandbox({ fleet: fleet(), port: 0, now: day(0) });
    const w = await world(sb);

    // Day 0: arm's build 20261121 is not published for dev's Kubernetes versions (1.31, 1.32): no
    // dev group can take it, so prod's arm group does not wait for the impossible (unprovenRelease: roll).
    const plan0 = await w.planAt(day(0));
    expect(plan0['prod-a/arm']).toMatchObject({ decision: 'roll' });
    expect(plan0['prod-a/arm']?.message).toContain(
      "no node group in earlier waves can take 20261121 (al2023) (dev-a/general's newest is 1.32.9-20261110; +1 more node group in earlier waves): rolls without earlier-wave evidence",
    );
    expect(plan0['prod-a/general']?.message).toBe(
      'waits for dev-a/general (wave dev) to roll to 1.32.9-20261110 first (+1 more node group in earlier waves)',
    );
    // dev rolls (and arm); lagging's nodes never join on 1.31.14-20261110.
    const first = await w.scanAt(day(0));
    expect(first.result.starts.map((st) => st.nodegroup).sort()).toEqual(['arm', 'general', 'lagging']);
    expect(first.runs.map((r) => r.summary?.outcome).sort()).toEqual(['failed', 'succeeded', 'succeeded']);

    // Day 1: release 20261110 (al2023) is halted in prod by dev's failure on another version.
    const plan1 = await w.planAt(day(1));
    expect(plan1['prod-a/general']).toMatchObject({ decision: 'skip', reason: 'halted' });
    expect(plan1['prod-a/general']?.message).toMatch(
      /^1 failed rollout of release 20261110 \(al2023\) reached maxFailuresPerRelease 1: dev-a\/lagging on 1\.31\.14-20261110 at 2026-11-24 0\d:\d\d UTC; resume with `nodekeeper approve 20261110 --family al2023 --wave prod`$/,
    );
    // lagging itself: halted too (its own release), with its own wave's command.
    expect(plan1['dev-a/lagging']?.message).toContain(
      '`nodekeeper approve 20261110 --family al2023 --wave dev`',
    );

    const day1 = await w.scanAt(day(1));
    const halt = texts(sb).filter((t) => t.includes('halted'));
    expect(halt).toHaveLength(1);
    expect(halt[0]).toContain(
      'Release 20261110 (al2023) halted after 1 failed rollout: dev-a/lagging on 1.31.14-20261110',
    );
    expect(halt[0]).toContain('`dev-a/lagging` on `1.31.14-20261110` (wave dev)');
    expect(halt[0]).toContain('Resume wave dev: `nodekeeper approve 20261110 --family al2023 --wave dev`');
    expect(halt[0]).toContain('Resume wave prod: `nodekeeper approve 20261110 --family al2023 --wave prod`');
    expect(day1.result.starts).toEqual([]);

    // Day 2: an approval for dev gives lagging a new attempt (a second EKS update), from the scan.
    await w.approve({ release: '20261110', family: 'al2023', wave: 'dev' }, day(2));
    const day2 = await w.scanAt(day(2));
    const lagging = day2.result.starts.find((st) => st.nodegroup === 'lagging');
    expect(lagging?.result).toBe('started');
    expect(lagging?.executionName).not.toBe(
      first.result.starts.find((st) => st.nodegroup === 'lagging')?.executionName,
    );
    const { ListUpdatesCommand } = await import('@aws-sdk/client-eks');
    const updates = await w.home.eks.send(
      new ListUpdatesCommand({ name: 'dev-a', nodegroupName: 'lagging' }),
    );
    expect(updates.updateIds).toHaveLength(2);
    // It failed again: held as halted for dev once more, and prod still waits for its own approval.
    const plan3 = await w.planAt(day(3));
    expect(plan3['dev-a/lagging']).toMatchObject({ reason: 'halted' });
    expect(plan3['prod-a/general']).toMatchObject({ reason: 'halted' });
  });
});
