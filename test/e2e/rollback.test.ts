import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListUpdatesCommand } from '@aws-sdk/client-eks';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import {
  createClients,
  createLedgerTable,
  createRecallStore,
  createRollbackPorts,
  createTargetClientCache,
  inspectFleet,
} from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import type { Report } from '@nodekeeper/core/report';
import {
  executionName,
  type LedgerPort,
  planRollbackFleet,
  type RollbackSelection,
} from '@nodekeeper/core/rollout';
import { DemoAmis, demoFleet, type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan, type ScanDeps } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { sandboxEnv } from '../helpers/cli.ts';
import { scheduledEvent } from '../helpers/fixtures.ts';
import { planItemsAt, pollsAdvanceClock, runCliInProcess } from '../helpers/simulation.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * A bad image rolled back on the node groups that took it, over days, on the durable runner against
 * the sandbox with one pinned clock (issue #21 §2). The platform team's golden parameter
 * /golden/web/ami points at the AL2023 image ami-0a2023x8600001110, which is also what EKS's release
 * 1.33.5-20261110 runs. dev-b (web on a launch template, general on EKS AMIs) takes it on day 0, prod-a
 * (custom, general) on day 1; prod-b/golden follows its own golden line (its new image on day 0). On day 1 the image turns out
 * bad: it is recalled, and `rollback --image` moves exactly the launch-template groups that took it
 * back to the image they ran before, wave by wave (new launch template versions, EKS updates),
 * refuses the EKS AMI groups with the alternative, and touches nothing else. The next scans hold the
 * rolled-back groups as `recalled` until the pipeline publishes a fixed image, which then rolls
 * wave by wave as any release.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const REGION = 'us-east-1';
const DAY0 = Date.parse('2026-11-24T03:00:00.000Z');
const at = (day: number, minutes = 0) => new Date(DAY0 + day * 86_400_000 + minutes * 60_000).toISOString();
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 600 };
const ONCALL = 'arn:aws:iam::111122223333:user/oncall';
const REASON = 'web pods crash-loop on the new kernel';
const TABLE = 'rollback-simulation';
const WEB = '/golden/web/ami';
const BAD = DemoAmis.al2023x86New;
const GOOD = DemoAmis.al2023x86Old;
const FIXED = 'ami-0a2023f1x0001126';
const WEB_LT = 'lt-0de0b00000000000a1';

function fleet(): FleetFile {
  const f = structuredClone(demoFleet());
  const prodA = f.clusters.find((c) => c.name === 'prod-a');
  const prodB = f.clusters.find((c) => c.name === 'prod-b');
  if (!prodA || !prodB) throw new Error('demo fleet changed');
  prodA.nodegroups = prodA.nodegroups
    .filter((n) => n.name === 'general' || n.name === 'custom')
    .map((n) =>
      n.name === 'custom' ? { ...n, tags: { ...n.tags, 'nodekeeper.io/ami-parameter': WEB } } : n,
    );
  prodB.nodegroups = prodB.nodegroups.filter((n) => n.name === 'golden');
  const devB = structuredClone(prodA);
  devB.name = 'dev-b';
  devB.tags = { env: 'dev' };
  devB.nodegroups = [
    {
      ...structuredClone(prodA.nodegroups.find((n) => n.name === 'custom') ?? prodA.nodegroups[0]),
      name: 'web',
      launchTemplate: { id: WEB_LT, version: '1' },
    },
    {
      ...structuredClone(prodA.nodegroups.find((n) => n.name === 'general') ?? prodA.nodegroups[0]),
      name: 'general',
    },
  ] as typeof devB.nodegroups;
  f.clusters = [devB, prodA, prodB];
  const custom = f.launchTemplates.find((t) => t.launchTemplateId === 'lt-0c05a0000000000a1');
  if (!custom) throw new Error('demo fleet changed');
  f.launchTemplates.push({
    ...structuredClone(custom),
    launchTemplateId: WEB_LT,
    launchTemplateName: 'dev-b-web-nodes',
    defaultVersion: 1,
    versions: [{ ...structuredClone(custom.versions[0]), versionNumber: 1 }] as typeof custom.versions,
  });
  f.parameters[WEB] = BAD;
  const good = f.images.find((i) => i.imageId === GOOD);
  if (!good) throw new Error('demo fleet changed');
  // The fixed build the image pipeline publishes on day 2 (registered now, unused until then).
  f.images.push({
    ...structuredClone(good),
    imageId: FIXED,
    name: 'golden-web-al2023-x86_64-1.33-2026-11-26',
    creationDate: '2026-11-26T06:00:00.000Z',
  });
  f.instances = [];
  return f;
}

const config: Config = parseConfig({
  regions: [REGION],
  clusters: ['dev-*', 'prod-*'],
  waves: [
    { name: 'dev', clusters: ['dev-*'], soakDays: 1 },
    { name: 'prod', clusters: ['prod-*'] },
  ],
  // One window a day, 03:00-05:00 UTC.
  schedule: { cron: 'cron(0 3 * * ? *)', timezone: 'UTC', windowMinutes: 120 },
  maxConcurrentPerCluster: 5,
});

const savedEnv = { ...process.env };
let sb: Sandbox | undefined;

async function world(s: Sandbox) {
  process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: TABLE }),
    slack: { webhookUrl: s.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
  };
  const now = () => s.clock.now();
  const home = createClients({ region: REGION, endpoint: s.endpoint, credentials });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  const base = buildRolloutDeps(settings, { homeRegion: REGION, endpoint: s.endpoint, credentials, now });
  // Each poll of an update stands for five minutes of waiting on the one clock.
  const deps = pollsAdvanceClock(base, s);
  const local = createLocalWorkflowStarter({ deps: () => deps, poll });
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
    starter: local,
    notifier: notifierFromSettings(settings),
    ledger: base.ledger as LedgerPort,
    now,
    sleep: async () => undefined,
  };
  const recalls = createRecallStore(home.dynamodb, { tableName: settings.ledgerTable });
  let settledCount = 0;
  /** The summaries of the workflows that ended since the last call. */
  const settled = async () => {
    const all = await local.settled();
    const fresh = all.slice(settledCount);
    settledCount = all.length;
    return fresh.map((r) => [`${r.summary?.cluster}/${r.summary?.nodegroup}`, r.summary?.outcome ?? r.error]);
  };

  /** One scheduled scan at `time`; the workflows it starts run to their end. */
  const scanAt = async (time: string) => {
    s.clock.set(time);
    const out = await runScan(parseScanEvent(scheduledEvent(`fire-${time}`, time)), scanDeps);
    return { starts: out.starts.map((st) => `${st.cluster}/${st.nodegroup}`).sort(), ran: await settled() };
  };

  /**
   * A rollback started durably at `time`: planned by the same engine as `nodekeeper rollback`
   * (planRollbackFleet over the AWS ports), each request run by the rollout workflow.
   */
  const rollbackAt = async (
    time: string,
    selection: RollbackSelection,
    options: { ignoreWindow?: boolean } = {},
  ) => {
    s.clock.set(time);
    const targets = createTargetClientCache({
      homeRegion: REGION,
      roles: new Map(),
      endpoint: s.endpoint,
      credentials,
      rateLimits: false,
    });
    try {
      const planned = await planRollbackFleet(
        createRollbackPorts({
          targets,
          home,
          ledgerTable: settings.ledgerTable,
          pauseParameter: settings.pauseParameter,
        }),
        { config, now: s.clock.now(), selection, runId: `rollback-${time}`, ...options },
      );
      for (const { request } of planned.requests)
        await local.start({ executionName: executionName(request, settings.stage), request });
      return { plan: planned.plan, ran: await settled() };
    } finally {
      targets.destroy();
    }
  };

  // The CLI, in-process, on the sandbox's clock (--now) and its endpoint.
  const file = join(tmpdir(), `nodekeeper-rollback-sim-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(config));
  const env = sandboxEnv(s.endpoint, {
    NODEKEEPER_LEDGER_TABLE: settings.ledgerTable,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  Object.assign(process.env, env);
  const cli = (args: string[]) => runCliInProcess(args, env);
  const planAt = (time: string) => planItemsAt(cli, s, file, time);
  const updatesOf = async (name: string) => {
    const [cluster = '', nodegroup = ''] = name.split('/');
    return (
      (await home.eks.send(new ListUpdatesCommand({ name: cluster, nodegroupName: nodegroup }))).updateIds ??
      []
    ).length;
  };
  /** What each node group runs: its launch template version's ImageId, else its release version. */
  const running = () => {
    const state = s.state();
    const out: Record<string, string> = {};
    for (const c of state.clusters) {
      for (const n of c.nodegroups) {
        const lt = state.launchTemplates.find((t) => t.launchTemplateId === n.launchTemplate?.id);
        const version = lt?.versions.find((v) => String(v.versionNumber) === n.launchTemplate?.version);
        out[`${c.name}/${n.name}`] =
          n.amiType === 'CUSTOM' ? (version?.imageId ?? '?') : (n.releaseVersion ?? '?');
      }
    }
    return out;
  };
  return { scanAt, rollbackAt, planAt, cli, configFile: file, recalls, base, home, updatesOf, running };
}

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(async () => {
  process.env = { ...savedEnv };
  await sb?.close();
  sb = undefined;
});

describe('a bad image rolled back on the node groups that took it', () => {
  it('moves the launch-template groups back wave by wave, refuses the EKS AMI ones, and holds them until a fixed image', async () => {
    sb = await startSandbox({ fleet: fleet(), port: 0, now: at(0), ledgerTables: [TABLE] });
    const w = await world(sb);

    // Day 0: the dev wave takes the image (prod-b/golden its own golden line, which no dev group
    // runs); day 1: prod does, after a day's soak.
    expect(await w.scanAt(at(0))).toMatchObject({ starts: ['dev-b/general', 'dev-b/web', 'prod-b/golden'] });
    const day1 = await w.scanAt(at(1, 30));
    expect(day1.starts).toEqual(['prod-a/custom', 'prod-a/general']);
    expect(day1.ran.map(([, outcome]) => outcome)).toEqual(['succeeded', 'succeeded']);
    const before = w.running();
    expect(before).toEqual({
      'dev-b/web': BAD,
      'dev-b/general': '1.33.5-20261110',
      'prod-a/custom': BAD,
      'prod-a/general': '1.33.5-20261110',
      'prod-b/golden': DemoAmis.goldenNew,
    });

    // Day 1, 09:00: the image is bad. Before it is recalled, rollback refuses (the next scan would
    // roll the groups straight back to it) and names the recall to run.
    sb.clock.set(at(1, 360));
    const unrecalled = await w.cli([
      'rollback',
      '--config',
      w.configFile,
      '--now',
      at(1, 360),
      'prod-a/custom',
      '--json',
    ]);
    expect(unrecalled.code).toBe(5);
    expect(JSON.parse(unrecalled.stdout).items[0]).toMatchObject({
      decision: 'refuse',
      reason: 'not-recalled',
    });
    expect(JSON.parse(unrecalled.stdout).items[0].message).toContain(`nodekeeper recall ${BAD} --reason`);
    const recalled = await w.recalls.recall({
      release: BAD,
      family: null,
      reason: REASON,
      by: ONCALL,
      at: sb.clock.now().toISOString(),
    });
    expect(recalled.kind).toBe('recorded');

    // 09:05: the plan (`nodekeeper rollback --image`): every group running the image, and only those.
    sb.clock.set(at(1, 365));
    const dry = await w.cli([
      'rollback',
      '--config',
      w.configFile,
      '--now',
      at(1, 365),
      '--image',
      BAD,
      '--json',
    ]);
    expect(dry.code, dry.stderr).toBe(5);
    const items = Object.fromEntries(
      (
        JSON.parse(dry.stdout).items as Array<{
          cluster: string;
          nodegroup: string;
          decision: string;
          reason: string | null;
          message: string;
          target: { imageId: string | null } | null;
        }>
      ).map((i) => [`${i.cluster}/${i.nodegroup}`, i]),
    );
    expect(Object.keys(items).sort()).toEqual([
      'dev-b/general',
      'dev-b/web',
      'prod-a/custom',
      'prod-a/general',
    ]);
    expect(items['dev-b/web']).toMatchObject({
      decision: 'hold',
      reason: 'outside-window',
      target: { imageId: GOOD },
    });
    expect(items['prod-a/custom']).toMatchObject({
      decision: 'hold',
      reason: 'wave-gate',
      target: { imageId: GOOD },
    });
    expect(items['prod-a/custom']?.message).toContain('wave prod rolls back after wave dev (dev-b/web)');
    for (const name of ['dev-b/general', 'prod-a/general']) {
      expect(items[name], name).toMatchObject({ decision: 'refuse', reason: 'eks-ami' });
      expect(items[name]?.message, name).toContain(
        'EKS cannot roll a managed node group back to an earlier AMI version (UpdateNodegroupVersion); create a node group on the earlier release 1.33.4-20261001 (CreateNodegroup releaseVersion) and move the workloads to it, or wait for a fixed release',
      );
    }

    // 09:10: the on-call engineer overrides the window (not the waves): dev first…
    const slackBefore = sb.slackPosts().length;
    const round1 = await w.rollbackAt(at(1, 370), { kind: 'image', image: BAD }, { ignoreWindow: true });
    expect(round1.ran).toEqual([['dev-b/web', 'succeeded']]);
    expect(round1.plan.items.find((i) => i.nodegroup === 'web')?.message).toContain(
      'overrides the maintenance window (--ignore-window)',
    );
    // …then prod, once dev is back: the next round selects what still runs the image.
    const round2 = await w.rollbackAt(at(1, 400), { kind: 'image', image: BAD }, { ignoreWindow: true });
    expect(round2.ran).toEqual([['prod-a/custom', 'succeeded']]);
    expect(round2.plan.items.map((i) => `${i.cluster}/${i.nodegroup} ${i.decision}`).sort()).toEqual([
      'dev-b/general refuse',
      'prod-a/custom rollback',
      'prod-a/general refuse',
    ]);

    // Exactly the launch-template groups that took the image are back on the image before it, with a
    // new launch template version each and one more EKS update; nothing else changed.
    expect(w.running()).toEqual({ ...before, 'dev-b/web': GOOD, 'prod-a/custom': GOOD });
    const lts = sb.state().launchTemplates;
    for (const [name, id] of [
      ['dev-b/web', WEB_LT],
      ['prod-a/custom', 'lt-0c05a0000000000a1'],
    ] as const) {
      const newest = lts.find((t) => t.launchTemplateId === id)?.versions.at(-1);
      expect(newest?.imageId, name).toBe(GOOD);
      expect(newest?.versionDescription, name).toContain(` rollback to ${GOOD}`);
      expect(await w.updatesOf(name), name).toBe(2);
    }
    for (const name of ['dev-b/general', 'prod-a/general', 'prod-b/golden'])
      expect(await w.updatesOf(name), name).toBe(1);
    // Slack: the workflow's notices say Rollback.
    const notices = sb
      .slackPosts()
      .slice(slackBefore)
      .map((p) => JSON.stringify(p.body));
    expect(notices.some((p) => p.includes('Rollback started') && p.includes('prod-a/custom'))).toBe(true);
    expect(notices.some((p) => p.includes('Rollback succeeded') && p.includes('dev-b/web'))).toBe(true);
    // The ledger keeps them as rollbacks.
    const history = await w.base.ledger.listHistory({ cluster: 'prod-a', limit: 20 });
    expect(
      history
        .filter((r) => r.nodegroup === 'custom')
        .map((r) => [r.kind ?? 'rollout', r.outcome, r.to.imageId]),
    ).toEqual([
      ['rollback', 'succeeded', GOOD],
      ['rollout', 'succeeded', BAD],
    ]);

    // Days 2 and 3: the scans do not roll them forward to the recalled image.
    for (const day of [2, 3]) {
      const scan = await w.scanAt(at(day));
      expect(scan.starts, `day ${day}`).toEqual([]);
      const plan = await w.planAt(at(day, 10));
      for (const name of ['dev-b/web', 'prod-a/custom'])
        expect(plan[name], `${name} day ${day}`).toMatchObject({ decision: 'skip', reason: 'recalled' });
    }
    expect(w.running()).toEqual({ ...before, 'dev-b/web': GOOD, 'prod-a/custom': GOOD });

    // Day 3, 10:00: the pipeline publishes a fixed image; it rolls wave by wave like any release.
    sb.clock.set(at(3, 420));
    const { ssm } = createClients({ region: REGION, endpoint: sb.endpoint, credentials });
    await ssm.send(new PutParameterCommand({ Name: WEB, Value: FIXED, Overwrite: true }));
    const day4 = await w.scanAt(at(4));
    expect(day4).toEqual({ starts: ['dev-b/web'], ran: [['dev-b/web', 'succeeded']] });
    const day5 = await w.scanAt(at(5, 30));
    expect(day5).toEqual({ starts: ['prod-a/custom'], ran: [['prod-a/custom', 'succeeded']] });
    expect(w.running()).toEqual({ ...before, 'dev-b/web': FIXED, 'prod-a/custom': FIXED });

    // `nodekeeper history` and `nodekeeper report` show the rollbacks as rollbacks.
    const table = await w.cli(['history', '--cluster', 'prod-a']);
    expect(table.stdout).toContain(`rollback ${BAD} → ${GOOD}`);
    sb.clock.set(at(5, 60));
    const report = await w.cli(['report', '--config', w.configFile, '--now', at(5, 60), '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const timeline = (JSON.parse(report.stdout) as Report).timeline
      .filter((e) => e.nodegroup === 'custom' || e.nodegroup === 'web')
      .map((e) => `${e.at} ${e.title}`)
      .reverse();
    expect(timeline.map((e) => e.slice(25))).toEqual([
      'dev-b/web succeeded',
      'prod-a/custom succeeded',
      'dev-b/web rollback succeeded',
      'prod-a/custom rollback succeeded',
      'dev-b/web succeeded',
      'prod-a/custom succeeded',
    ]);
  });
});
