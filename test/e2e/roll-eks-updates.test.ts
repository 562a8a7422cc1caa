import { UpdateNodegroupVersionCommand } from '@aws-sdk/client-eks';
import { createClients, createLedgerTable, createRolloutPort, inspectFleet } from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import {
  type LedgerPort,
  type RolloutDeps,
  type RolloutPort,
  type RolloutRequest,
  rolloutKey,
  updateRequestToken,
} from '@nodekeeper/core/rollout';
import { type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
 * How nodekeeper reads and starts EKS node group updates, end to end over real HTTP against a
 * sandbox that lists updates in no order (aws/containers-roadmap#1439), pages them, moves a group
 * sent without `version` to the cluster's version, and refuses a group newer than its cluster.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const region = 'us-east-1';
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 120 };
const OURS = '1.33.5-20261110';
// Another release AWS published (the sandbox refuses one it did not).
const OTHER = '1.33.5-20261103';

let tables = 0;
const savedEnv = { ...process.env };

async function world(sb: Sandbox, scanConfig: Config, options: { poll?: typeof poll; stage?: string } = {}) {
  tables += 1;
  process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: `eks-updates-${tables}` }),
    slack: { webhookUrl: sb.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
  };
  const awsOptions = { homeRegion: region, endpoint: sb.endpoint, credentials, now: () => sb.clock.now() };
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  const deps: RolloutDeps = buildRolloutDeps(settings, awsOptions);
  const port = createRolloutPort(() => home);
  /** One scan with `rolloutDeps` (default: the real adapters); resolves when its workflows ended. */
  const scan = async (id: string, time: string, rolloutDeps: RolloutDeps = deps) => {
    sb.clock.set(time);
    const starter = createLocalWorkflowStarter({ deps: () => rolloutDeps, poll: options.poll ?? poll });
    const result = await runScan(parseScanEvent(scheduledEvent(id, time)), {
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
      notifier: notifierFromSettings(settings),
      ledger: deps.ledger as LedgerPort,
      ...(options.stage ? { stage: options.stage } : {}),
    });
    const done = await starter.settled();
    return { result, done, byNg: Object.fromEntries(done.map((d) => [d.summary?.nodegroup, d.summary])) };
  };
  const attempts = async (nodegroup: string) =>
    (await deps.ledger.listHistory({ cluster: 'prod-a', limit: 50 }))
      .filter((r) => r.nodegroup === nodegroup)
      .map((r) => `${r.attempt}:${r.outcome}${r.reason ? `:${r.reason}` : ''}`)
      .sort();
  const nodegroup = (name: string) => sb.state().clusters[0]?.nodegroups.find((n) => n.name === name);
  return { settings, home, deps, port, scan, attempts, nodegroup };
}

/** prod-a with only `general` (AL2023, release-version strategy). */
function generalOnly(updateSeconds = 1, edit: (f: FleetFile) => void = () => undefined): FleetFile {
  const f = prodAFleet(updateSeconds);
  const prodA = f.clusters[0];
  if (prodA) prodA.nodegroups = prodA.nodegroups.filter((n) => n.name === 'general');
  f.instances = f.instances.filter((i) => i.nodegroup === 'general');
  edit(f);
  return f;
}

const config = parseConfig({ regions: [region], clusters: ['prod-a'], maxConcurrentPerCluster: 3 });

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(() => {
  process.env = { ...savedEnv };
});

describe("someone else's update starts between the guard and nodekeeper's own start", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: generalOnly(2), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it('is waited out, never recorded as ours; the next scan rolls to our target', async () => {
    const w = await world(sb, config);
    let raced = false;
    // Right before nodekeeper's UpdateNodegroupVersion, another operator's update to OTHER lands.
    const racing: RolloutPort = {
      ...w.deps.aws,
      async updateNodegroupVersion(ref, input) {
        if (!raced) {
          raced = true;
          await w.home.eks.send(
            new UpdateNodegroupVersionCommand({
              clusterName: ref.cluster,
              nodegroupName: ref.nodegroup,
              version: '1.33',
              releaseVersion: OTHER,
            }),
          );
        }
        return w.deps.aws.updateNodegroupVersion(ref, input);
      },
    };
    const first = await w.scan('evt-race', '2026-11-24T03:00:00Z', { ...w.deps, aws: racing });
    expect(first.byNg.general).toMatchObject({ outcome: 'not-started', reason: 'update-in-progress' });
    expect(first.byNg.general?.message).toContain(OTHER);
    const posts = sb.slackPosts().map((p) => JSON.stringify(p.body));
    expect(posts.filter((p) => p.includes('Rollout succeeded'))).toEqual([]);

    // The other update ends (the group now runs OTHER); the next scan plans general again.
    sb.clock.advance(5);
    expect(w.nodegroup('general')?.releaseVersion).toBe(OTHER);
    const second = await w.scan('evt-after-race', '2026-11-24T04:00:00Z');
    expect(second.byNg.general).toMatchObject({ outcome: 'succeeded' });
    expect(w.nodegroup('general')?.releaseVersion).toBe(OURS);
    expect(await w.attempts('general')).toEqual(['1:not-started:update-in-progress', '2:succeeded']);
  });
});

describe('a node group older than its cluster', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    const fleet = generalOnly(1, (f) => {
      const general = f.clusters[0]?.nodegroups[0];
      if (general) Object.assign(general, { version: '1.32', releaseVersion: '1.32.9-20261001' });
    });
    sb = await startSandbox({ fleet, port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it("rolls to its own minor's release and stays on its minor (version is sent)", async () => {
    const w = await world(sb, config);
    const { byNg } = await w.scan('evt-lagging', '2026-11-24T03:00:00Z');
    expect(byNg.general).toMatchObject({ outcome: 'succeeded' });
    expect(w.nodegroup('general')).toMatchObject({ version: '1.32', releaseVersion: '1.32.9-20261110' });
    const sent = sb.calls().filter((c) => c.operation === 'UpdateNodegroupVersion');
    expect(sent).toHaveLength(1);
  });
});

describe('a run that died after starting its update, on a node group with many earlier updates', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: generalOnly(30), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it('finds its own update among all pages, whatever order EKS lists them in', async () => {
    const w = await world(sb, config);
    sb.clock.set('2026-11-20T00:00:00Z');
    // 18 earlier updates to the release the group runs: the sandbox lists the 19th (ours) after the
    // first ten, as EKS may (no order, aws/containers-roadmap#1439).
    for (let i = 0; i < 18; i++) {
      await w.home.eks.send(
        new UpdateNodegroupVersionCommand({
          clusterName: 'prod-a',
          nodegroupName: 'general',
          version: '1.33',
          releaseVersion: '1.33.4-20261001',
        }),
      );
      sb.clock.advance(60);
    }
    // The predecessor: planned, sent UpdateNodegroupVersion with its token, died before recording.
    sb.clock.set('2026-11-24T03:00:00Z');
    const request: RolloutRequest = {
      accountId: null,
      region,
      cluster: 'prod-a',
      nodegroup: 'general',
      strategy: 'release-version',
      current: { releaseVersion: '1.33.4-20261001', imageId: null },
      target: { releaseVersion: OURS, imageId: null },
      launchTemplate: null,
      wave: null,
      attempt: 1,
    };
    const ref = { accountId: null, region, cluster: 'prod-a', nodegroup: 'general' };
    const started = await w.port.updateNodegroupVersion(ref, {
      kind: 'release-version',
      version: '1.33',
      releaseVersion: OURS,
      clientRequestToken: updateRequestToken(rolloutKey(request)),
      force: false,
    });
    expect(started.kind).toBe('started');
    const ours = started.kind === 'started' ? started.updateId : '';
    const listed = await w.port.listUpdates(ref, 500);
    expect(listed).toHaveLength(19);
    expect(listed.indexOf(ours)).toBeGreaterThanOrEqual(10);

    sb.clock.advance(1);
    const starter = createLocalWorkflowStarter({ deps: () => w.deps, poll });
    await starter.start({ executionName: 'rerun', request });
    sb.clock.advance(60);
    const [done] = await starter.settled();
    expect(done?.summary).toMatchObject({ outcome: 'succeeded', updateId: ours });
    expect(sb.calls().filter((c) => c.operation === 'UpdateNodegroupVersion')).toHaveLength(19);
  });
});

describe('the wait limit runs out while EKS still updates', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: prodAFleet(3600), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it('records and reports still-running (not failed); once EKS is done the next scan goes on', async () => {
    const w = await world(sb, config, { poll: { ...poll, maxTotalSeconds: 3 } });
    const first = await w.scan('evt-long', '2026-11-24T03:00:00Z');
    for (const ng of ['general', 'custom', 'gpu']) {
      expect(first.byNg[ng], ng).toMatchObject({ outcome: 'still-running', errors: [] });
      expect(first.byNg[ng]?.message).toMatch(/still running in EKS after 3 s/);
    }
    const posts = sb.slackPosts().map((p) => JSON.stringify(p.body));
    expect(posts.filter((p) => p.includes('Rollout still running in EKS'))).toHaveLength(3);
    expect(posts.filter((p) => p.includes('Rollout failed'))).toEqual([]);

    // EKS finishes: general succeeded (current now), gpu failed draining: it plans again, attempt 2.
    sb.clock.set('2026-11-24T05:00:00Z');
    const second = await w.scan('evt-after-long', '2026-11-24T05:00:00Z');
    expect(w.nodegroup('general')?.releaseVersion).toBe(OURS);
    expect(second.byNg.general).toBeUndefined();
    expect(second.byNg.gpu).toMatchObject({ outcome: 'still-running' });
    expect(await w.attempts('gpu')).toEqual(['1:still-running', '2:still-running']);
  });
});

describe('durable execution names', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: generalOnly(1), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it("carry the deployment's stage, within Lambda's DurableExecutionName limits", async () => {
    const w = await world(sb, config, { stage: 'staging-eu' });
    const { result } = await w.scan('evt-stage', '2026-11-24T03:00:00Z');
    expect(result.starts).toHaveLength(1);
    for (const s of result.starts) {
      expect(s.executionName).toMatch(/^nk_staging-eu_prod-a_general_[0-9a-f]{20}$/);
      expect(s.executionName).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    }
  });
});
