import {
  createClients,
  createLedgerTable,
  createRolloutPort,
  inspectFleet,
  setPauseState,
} from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import type { LedgerPort, RolloutDeps } from '@nodekeeper/core/rollout';
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildRolloutDeps } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { prodAFleet, scanClock, scheduledEvent } from '../helpers/fixtures.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * The scheduled path end to end over real HTTP against the sandbox: scan handler core → durable
 * workflows (local runner, real timers) → EKS/EC2/DynamoDB/Slack on 127.0.0.1.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const region = 'us-east-1';
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 120 };
const config: Config = parseConfig({
  regions: [region],
  clusters: ['prod-a'],
  // All three node groups of prod-a roll in one scan (the default budget is 1 per cluster).
  maxConcurrentPerCluster: 3,
});
const MUTATING = new Set([
  'UpdateNodegroupVersion',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'SendCommand',
]);

let tableCount = 0;
const savedEnv = { ...process.env };

async function world(sb: Sandbox) {
  tableCount += 1;
  process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: `roll-e2e-${tableCount}` }),
    slack: { webhookUrl: sb.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
  };
  const options = { homeRegion: region, endpoint: sb.endpoint, credentials, now: () => sb.clock.now() };
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  const deps: RolloutDeps = buildRolloutDeps(settings, options);
  return { settings, options, home, deps };
}

function scanDeps(
  sb: Sandbox,
  w: Awaited<ReturnType<typeof world>>,
  deps: RolloutDeps,
  scanConfig: Config = config,
) {
  const starter = createLocalWorkflowStarter({ deps: () => deps, poll });
  return {
    starter,
    deps: {
      config: scanConfig,
      inspect: (t: FleetTarget) =>
        inspectFleet({
          clients: createClients({ region: t.region, endpoint: sb.endpoint, credentials }),
          accountId: t.accountId,
          region: t.region,
          clusterPatterns: t.clusters,
        }),
      pause: { read: async () => ({ paused: false, reason: null }) },
      starter,
      notifier: notifierFromSettings(w.settings),
      ledger: deps.ledger as LedgerPort,
      now: deps.now,
    },
  };
}

function versionWithout(v: Record<string, unknown> | undefined, ...keys: string[]) {
  const copy = { ...v };
  for (const k of keys) delete copy[k];
  return copy;
}

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('nodekeeper roll (scheduled path)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: prodAFleet(), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  describe('when the scan runs for a new release', () => {
    let first: Awaited<ReturnType<typeof world>>;
    it('rolls every node group to its target and reports each outcome once', async () => {
      const w = await world(sb);
      first = w;
      const { starter, deps } = scanDeps(sb, w, w.deps);
      // The handlers' CloudWatch EMF documents (Powertools Metrics writes them to stdout).
      const emf: Array<Record<string, unknown>> = [];
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        for (const line of String(chunk).split('\n')) {
          if (line.includes('"_aws"')) emf.push(JSON.parse(line) as Record<string, unknown>);
        }
        return true;
      });
      let done: Awaited<ReturnType<typeof starter.settled>>;
      try {
        const result = await runScan(parseScanEvent(scheduledEvent('evt-1')), deps);
        expect(result.counts.roll).toBe(3);
        done = await starter.settled();
      } finally {
        stdout.mockRestore();
      }
      const count = (name: string) => emf.filter((d) => name in d).reduce((n, d) => n + Number(d[name]), 0);
      expect(count('RolloutsStarted')).toBe(3);
      expect(count('RolloutsSucceeded')).toBe(2);
      expect(count('RolloutsFailed')).toBe(1);
      expect(emf.some((d) => 'ScanDurationSeconds' in d)).toBe(true);
      expect(emf.find((d) => 'NodegroupsBehind' in d && !('cluster' in d) && !('wave' in d))).toMatchObject({
        NodegroupsBehind: 3,
      });
      expect(
        emf.every(
          (d) =>
            (d._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0]
              ?.Namespace === 'nodekeeper',
        ),
      ).toBe(true);
      const byNg = Object.fromEntries(done.map((d) => [d.summary?.nodegroup, d.summary]));
      expect(byNg.general).toMatchObject({ outcome: 'succeeded' });
      expect(byNg.custom).toMatchObject({ outcome: 'succeeded' });
      expect(byNg.gpu).toMatchObject({
        outcome: 'failed',
        errors: [expect.objectContaining({ errorCode: 'PodEvictionFailure' })],
      });

      const state = sb.state();
      const ngs = state.clusters[0]?.nodegroups ?? [];
      const general = ngs.find((n) => n.name === 'general');
      expect(general?.releaseVersion).toBe('1.33.5-20261110');
      const custom = ngs.find((n) => n.name === 'custom');
      const lt = state.launchTemplates.find((t) => t.launchTemplateId === 'lt-0c05a0000000000a1');
      const source = lt?.versions.find((v) => v.versionNumber === 3) as Record<string, unknown> | undefined;
      const created = lt?.versions.find((v) => v.versionNumber === 4) as Record<string, unknown> | undefined;
      expect(custom?.launchTemplate?.version).toBe('4');
      expect(custom?.releaseVersion).toBe(created?.imageId);
      expect(created?.imageId).not.toBe(source?.imageId);
      expect(String(created?.versionDescription)).toMatch(/^nodekeeper:/);
      // Every field of the source version survives; only ImageId (and version bookkeeping) differ.
      const bookkeeping = ['imageId', 'versionNumber', 'createTime', 'versionDescription'];
      expect(versionWithout(created, ...bookkeeping)).toEqual(versionWithout(source, ...bookkeeping));
      expect(lt?.versions).toHaveLength(3);

      const history = await w.deps.ledger.listHistory({ cluster: 'prod-a', limit: 10 });
      expect(history.map((r) => `${r.nodegroup}:${r.outcome}`).sort()).toEqual([
        'custom:succeeded',
        'general:succeeded',
        'gpu:failed',
      ]);

      const posts = sb.slackPosts().map((p) => JSON.stringify(p.body));
      expect(posts.filter((p) => p.includes('Rollout started'))).toHaveLength(3);
      expect(posts.filter((p) => p.includes('Rollout succeeded'))).toHaveLength(2);
      const failed = posts.filter((p) => p.includes('Rollout failed'));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toContain('PodEvictionFailure');
    });

    it('changes nothing when it runs again right after', async () => {
      // A fresh process (new adapters) on the same AWS and the same ledger.
      process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
      const again = { ...first, deps: buildRolloutDeps(first.settings, first.options) };
      sb.resetCalls();
      const postsBefore = sb.slackPosts().length;
      const { starter, deps } = scanDeps(sb, again, again.deps);
      sb.clock.set('2026-11-24T04:00:00Z');
      await runScan(parseScanEvent(scheduledEvent('evt-2', '2026-11-24T04:00:00Z')), deps);
      await starter.settled();
      const mutating = sb.calls().filter((c) => MUTATING.has(c.operation));
      expect(mutating).toEqual([]);
      // Only the plan summary (gpu still plans as roll after its failure); no rollout notices.
      const newPosts = sb
        .slackPosts()
        .slice(postsBefore)
        .map((p) => JSON.stringify(p.body));
      expect(newPosts.filter((p) => p.includes('Rollout '))).toEqual([]);
    });
  });
});

describe('two concurrent scans of the same event', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: prodAFleet(), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it('start one update and one launch template version per node group, and notify once', async () => {
    const w = await world(sb);
    // Two scan invocations that share nothing in memory (like two Lambda instances).
    const a = scanDeps(sb, w, buildRolloutDeps(w.settings, w.options));
    const b = scanDeps(sb, w, buildRolloutDeps(w.settings, w.options));
    const event = parseScanEvent(scheduledEvent('evt-dup'));
    await Promise.all([runScan(event, a.deps), runScan(event, b.deps)]);
    await Promise.all([a.starter.settled(), b.starter.settled()]);

    const port = createRolloutPort(() => w.home);
    for (const nodegroup of ['general', 'custom', 'gpu']) {
      const updates = await port.listUpdates({ accountId: null, region, cluster: 'prod-a', nodegroup }, 100);
      expect(updates, nodegroup).toHaveLength(1);
    }
    const lt = sb.state().launchTemplates.find((t) => t.launchTemplateId === 'lt-0c05a0000000000a1');
    expect(lt?.versions).toHaveLength(3);
    const posts = sb.slackPosts().map((p) => JSON.stringify(p.body));
    expect(posts.filter((p) => p.includes('Rollout started'))).toHaveLength(3);
    expect(posts.filter((p) => p.includes('Rollout failed'))).toHaveLength(1);
    expect(posts.filter((p) => p.includes('Rollout succeeded'))).toHaveLength(2);
  });
});

describe('a wave that opts in to forceOnPodEvictionFailure', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: prodAFleet(), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it('retries the node group EKS could not drain once with force, and it rolls', async () => {
    const w = await world(sb);
    const forced = parseConfig({
      regions: [region],
      clusters: ['prod-a'],
      maxConcurrentPerCluster: 3,
      waves: [{ name: 'prod', clusters: ['prod-a'], forceOnPodEvictionFailure: true }],
    });
    const { starter, deps } = scanDeps(sb, w, w.deps, forced);
    await runScan(parseScanEvent(scheduledEvent('evt-force')), deps);
    const done = await starter.settled();
    const byNg = Object.fromEntries(done.map((d) => [d.summary?.nodegroup, d.summary]));
    expect(byNg.gpu).toMatchObject({ outcome: 'succeeded' });

    // Over the wire: the first update failed draining; the second one succeeded, which the
    // sandbox (like EKS) allows for a PodEvictionFailure node group only with force: true.
    const port = createRolloutPort(() => w.home);
    const ref = { accountId: null, region, cluster: 'prod-a', nodegroup: 'gpu' };
    const ids = await port.listUpdates(ref, 10);
    const statuses = [];
    for (const id of ids) {
      const u = await port.describeUpdate(ref, id);
      if (u.kind === 'found') statuses.push(u.update.status);
    }
    expect(statuses.sort()).toEqual(['Failed', 'Successful']);
    const gpu = sb.state().clusters[0]?.nodegroups.find((n) => n.name === 'gpu');
    expect(gpu?.releaseVersion).toMatch(/20261110/);

    const history = await w.deps.ledger.listHistory({ cluster: 'prod-a', limit: 10 });
    expect(
      history
        .filter((r) => r.nodegroup === 'gpu')
        .map((r) => `${r.attempt}:${r.outcome}`)
        .sort(),
    ).toEqual(['1:failed', '2:succeeded']);
    const posts = sb.slackPosts().map((p) => JSON.stringify(p.body));
    expect(posts.filter((p) => p.includes('Retried with force after PodEvictionFailure'))).toHaveLength(1);
  });
});

describe('a rollout that did not start because of a passing condition', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: prodAFleet(), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it('is tried again by the next scan as a fresh attempt, not blocked by its not-started record', async () => {
    const w = await world(sb);
    // Paused after the scan planned (the scan's own reader says not paused): every guard refuses.
    const at = '2026-11-24T02:59:00Z';
    await setPauseState(w.home.ssm, w.settings.pauseParameter, {
      paused: true,
      reason: 'freeze',
      by: 'test',
      at,
    });
    const one = scanDeps(sb, w, w.deps);
    const first = await runScan(parseScanEvent(scheduledEvent('evt-paused')), one.deps);
    const firstDone = await one.starter.settled();
    expect(firstDone.map((d) => d.summary?.outcome)).toEqual(['not-started', 'not-started', 'not-started']);
    expect(sb.calls().filter((c) => MUTATING.has(c.operation))).toEqual([]);

    await setPauseState(w.home.ssm, w.settings.pauseParameter, {
      paused: false,
      reason: null,
      by: 'test',
      at,
    });
    const two = scanDeps(sb, w, w.deps);
    sb.clock.set('2026-11-24T04:00:00Z');
    const second = await runScan(
      parseScanEvent(scheduledEvent('evt-resumed', '2026-11-24T04:00:00Z')),
      two.deps,
    );
    const secondDone = await two.starter.settled();
    expect(second.starts.map((s) => s.result)).toEqual(['started', 'started', 'started']);
    // New attempts have new durable execution names (the first ones finished and stay finished).
    const firstNames = new Set(first.starts.map((s) => s.executionName));
    for (const s of second.starts) expect(firstNames.has(s.executionName)).toBe(false);
    const byNg = Object.fromEntries(secondDone.map((d) => [d.summary?.nodegroup, d.summary?.outcome]));
    expect(byNg).toEqual({ general: 'succeeded', custom: 'succeeded', gpu: 'failed' });

    const history = await w.deps.ledger.listHistory({ cluster: 'prod-a', limit: 20 });
    expect(history.map((r) => `${r.nodegroup}:${r.attempt}:${r.outcome}`).sort()).toEqual([
      'custom:1:not-started',
      'custom:2:succeeded',
      'general:1:not-started',
      'general:2:succeeded',
      'gpu:1:not-started',
      'gpu:2:failed',
    ]);
    // A third scan changes nothing: attempt 2 is final.
    sb.resetCalls();
    const three = scanDeps(sb, w, w.deps);
    sb.clock.set('2026-11-24T05:00:00Z');
    await runScan(parseScanEvent(scheduledEvent('evt-after', '2026-11-24T05:00:00Z')), three.deps);
    await three.starter.settled();
    expect(sb.calls().filter((c) => MUTATING.has(c.operation))).toEqual([]);
  });
});
