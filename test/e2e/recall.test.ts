import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListUpdatesCommand } from '@aws-sdk/client-eks';
import { createClients, createLedgerTable, createRecallStore, inspectFleet } from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import type { Report } from '@nodekeeper/core/report';
import type { LedgerPort, WorkflowStarter } from '@nodekeeper/core/rollout';
import { demoFleet, type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
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
  type LocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * A release recalled mid-rollout, over days, on the durable runner against the sandbox with one
 * pinned clock (issue #18 §5). Release 20261110 (al2023) rolls wave by wave: dev-a on day 0, then,
 * after a day's soak, prod-a (general, and custom on its launch template) and prod-b/batch. On day
 * 1 the scan plans prod and starts its workflows; before they run, the on-call engineer recalls the
 * release, and every guard refuses. The plan and the report list dev-a/general as running it; a
 * second scan starts nothing; the day after, `unrecall` lets the next scan roll prod as attempt 2.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const REGION = 'us-east-1';
const DAY0 = Date.parse('2026-11-24T03:00:00.000Z');
const at = (day: number, minutes = 0) => new Date(DAY0 + day * 86_400_000 + minutes * 60_000).toISOString();
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 600 };
const ONCALL = 'arn:aws:iam::111122223333:user/oncall';
const REASON = 'GPU and standard nodes fail to join after reboot (awslabs/amazon-eks-ami#1744)';
const TABLE = 'recall-simulation';

/** The demo's dev-a/general, prod-a/general and prod-a/custom, and prod-b/batch (ACTIVE). */
function fleet(): FleetFile {
  const f = structuredClone(demoFleet());
  const keep: Record<string, string[]> = {
    'dev-a': ['general'],
    'prod-a': ['general', 'custom'],
    'prod-b': ['batch'],
  };
  f.clusters = f.clusters.filter((c) => keep[c.name] !== undefined);
  for (const c of f.clusters) {
    c.nodegroups = c.nodegroups
      .filter((n) => keep[c.name]?.includes(n.name))
      .map((n) => ({ ...n, status: 'ACTIVE' }));
  }
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

/**
 * Lambda's asynchronous durable start, made visible: while held, an accepted start waits in a queue
 * (the scan has planned and "started" it) and runs only when released.
 */
function queuedStarter(inner: LocalWorkflowStarter) {
  let holding = false;
  const queued: Parameters<WorkflowStarter['start']>[0][] = [];
  const starter: WorkflowStarter = {
    async start(input) {
      if (!holding) return inner.start(input);
      queued.push(input);
      return { kind: 'started' };
    },
  };
  return {
    starter,
    hold: () => {
      holding = true;
    },
    async release() {
      holding = false;
      for (const input of queued.splice(0)) await inner.start(input);
    },
  };
}

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
  const queue = queuedStarter(local);
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
    starter: queue.starter,
    notifier: notifierFromSettings(settings),
    ledger: base.ledger as LedgerPort,
    now,
    sleep: async () => undefined,
  };
  const recalls = createRecallStore(home.dynamodb, { tableName: settings.ledgerTable });

  /** One scheduled scan at `time`; the workflows it starts run unless the queue holds them. */
  const scanAt = async (time: string) => {
    s.clock.set(time);
    return runScan(parseScanEvent(scheduledEvent(`fire-${time}`, time)), scanDeps);
  };

  // The CLI's plan and report, in-process, on the sandbox's clock (--now) and its endpoint.
  const file = join(tmpdir(), `nodekeeper-recall-sim-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(config));
  const env = sandboxEnv(s.endpoint, {
    NODEKEEPER_LEDGER_TABLE: settings.ledgerTable,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  Object.assign(process.env, env);
  const cli = (args: string[]) => runCliInProcess(args, env);
  const planAt = (time: string) => planItemsAt(cli, s, file, time);
  const reportAt = async (time: string) => {
    s.clock.set(time);
    const out = await cli(['report', '--config', file, '--now', time, '--format', 'json']);
    expect(out.code, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as Report;
  };
  const updatesOf = async (cluster: string, nodegroup: string) =>
    (await home.eks.send(new ListUpdatesCommand({ name: cluster, nodegroupName: nodegroup }))).updateIds ??
    [];
  return { scanAt, planAt, reportAt, cli, configFile: file, queue, local, recalls, base, updatesOf };
}

function posts(s: Sandbox, from = 0): string[] {
  return s
    .slackPosts()
    .slice(from)
    .map((p) => JSON.stringify(p.body));
}

const PROD = ['prod-a/custom', 'prod-a/general', 'prod-b/batch'];

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(async () => {
  process.env = { ...savedEnv };
  await sb?.close();
  sb = undefined;
});

describe('a release recalled while it rolls wave by wave', () => {
  it('refuses the rollouts planned before the recall, lists who runs it, and goes on after unrecall', async () => {
    sb = await startSandbox({ fleet: fleet(), port: 0, now: at(0), ledgerTables: [TABLE] });
    const w = await world(sb);

    // Day 0, 03:00: the dev wave takes release 20261110; prod waits a day of soak.
    const day0 = await w.scanAt(at(0));
    expect(day0.starts.map((st) => `${st.cluster}/${st.nodegroup}`)).toEqual(['dev-a/general']);
    expect((await w.local.settled()).map((r) => r.summary?.outcome)).toEqual(['succeeded']);
    expect(sb.state().clusters.find((c) => c.name === 'dev-a')?.nodegroups[0]?.releaseVersion).toBe(
      '1.32.9-20261110',
    );

    // Day 1, 03:30, a day after dev finished: prod is planned and its three workflows are accepted,
    // but not yet running…
    w.queue.hold();
    const day1 = await w.scanAt(at(1, 30));
    expect(day1.starts.map((st) => `${st.cluster}/${st.nodegroup}`).sort()).toEqual(PROD);
    // …when the on-call engineer recalls the release.
    sb.clock.advance(60);
    const recalled = await w.recalls.recall({
      release: '20261110',
      family: 'al2023',
      reason: REASON,
      by: ONCALL,
      at: sb.clock.now().toISOString(),
    });
    expect(recalled.kind).toBe('recorded');
    const before = sb.slackPosts().length;
    await w.queue.release();
    const refused = (await w.local.settled()).slice(1);
    expect(
      refused
        .map((r) => [`${r.summary?.cluster}/${r.summary?.nodegroup}`, r.summary?.outcome, r.summary?.reason])
        .sort(),
    ).toEqual(PROD.map((name) => [name, 'not-started', 'recalled']));
    expect(refused[0]?.summary?.message).toContain(
      `is recalled by ${ONCALL} at 2026-11-25 03:31 UTC: ${REASON} (recall of 20261110 (al2023)); lift with \`nodekeeper unrecall 20261110 --family al2023\``,
    );
    // No update started in prod, for the release-version groups or the launch-template one.
    for (const name of PROD) {
      const [cluster = '', nodegroup = ''] = name.split('/');
      expect(await w.updatesOf(cluster, nodegroup), name).toEqual([]);
    }
    const notStarted = posts(sb, before).filter((p) => p.includes('Rollout not started'));
    expect(notStarted).toHaveLength(3);
    expect(notStarted.every((p) => p.includes('recalled') && p.includes(REASON))).toBe(true);

    // Day 1, 04:00: `nodekeeper plan` holds prod with `recalled`, and lists dev-a/general, which
    // already runs the release, with what to do.
    const plan = await w.planAt(at(1, 60));
    for (const name of PROD) expect(plan[name], name).toMatchObject({ decision: 'skip', reason: 'recalled' });
    expect(plan['prod-a/general']?.message).toBe(
      `1.33.5-20261110 is recalled by ${ONCALL} at 2026-11-25 03:31 UTC: ${REASON} (recall of 20261110 (al2023)); lift with \`nodekeeper unrecall 20261110 --family al2023\``,
    );
    expect(plan['dev-a/general']).toMatchObject({
      decision: 'current',
      warnings: [
        {
          code: 'running-recalled',
          message: `runs 1.32.9-20261110, recalled by ${ONCALL} at 2026-11-25 03:31 UTC: ${REASON} (recall of 20261110 (al2023)); no newer release to roll forward to: wait for a fixed release, or replace the node group with one on an earlier release (EKS cannot roll a node group back to an earlier AMI version, so \`nodekeeper rollback\` refuses EKS AMI node groups)`,
        },
      ],
    });
    const table = await w.cli(['plan', '--config', w.configFile, '--now', at(1, 60)]);
    expect(table.stdout).toContain('1 node group runs a recalled image (running-recalled above)');

    // …and `nodekeeper report` lists the recall and the node group running it.
    const report = await w.reportAt(at(1, 60));
    expect(report.recalls.active).toEqual([
      { release: '20261110', family: 'al2023', reason: REASON, by: ONCALL, at: at(1, 31) },
    ]);
    expect(report.recalls.running.map((r) => [`${r.cluster}/${r.nodegroup}`, r.running])).toEqual([
      ['dev-a/general', '1.32.9-20261110'],
    ]);
    expect(
      report.holds
        .find((h) => h.reason === 'recalled')
        ?.items.map((i) => `${i.cluster}/${i.nodegroup}`)
        .sort(),
    ).toEqual(PROD);

    // Day 1, 04:30: the next scan in the window starts nothing, and tells Slack once: what is
    // recalled, who already runs it and what to do, how many rollouts it holds.
    const notices = () =>
      posts(sb as Sandbox).filter((p) => p.includes('recalled') && p.includes(':no_entry:'));
    const again = await w.scanAt(at(1, 90));
    expect(again.starts).toEqual([]);
    expect(notices()).toHaveLength(1);
    const notice = notices()[0] ?? '';
    expect(notice).toContain('Release 20261110 (al2023) recalled');
    expect(notice).toContain(`was recalled by ${ONCALL}`);
    expect(notice).toContain('3 planned rollouts held');
    expect(notice).toContain('1 node group runs it already');
    expect(notice).toContain('`dev-a/general` runs 1.32.9-20261110');
    expect(notice).toContain('`nodekeeper unrecall 20261110 --family al2023`');
    const later = await w.scanAt(at(1, 105));
    expect(later.starts).toEqual([]);
    expect(notices()).toHaveLength(1);

    // Day 2, 02:55: the recall turns out to be a false alarm for this fleet: it is lifted.
    sb.clock.set(at(2, -5));
    const lifted = await w.recalls.unrecall(
      { release: '20261110', family: 'al2023' },
      { by: ONCALL, at: sb.clock.now().toISOString(), reason: 'not reproducible on our nodes' },
    );
    expect(lifted.kind).toBe('lifted');
    const day2 = await w.scanAt(at(2));
    expect(day2.starts.map((st) => `${st.cluster}/${st.nodegroup}`).sort()).toEqual(PROD);
    // A new attempt each: new durable executions, not the refused ones.
    const refusedNames = new Set(day1.starts.map((st) => st.executionName));
    expect(day2.starts.every((st) => st.result === 'started' && !refusedNames.has(st.executionName))).toBe(
      true,
    );
    const rolled = (await w.local.settled()).slice(4);
    expect(rolled.map((r) => r.summary?.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const name of PROD) {
      const [cluster = '', nodegroup = ''] = name.split('/');
      expect(await w.updatesOf(cluster, nodegroup), name).toHaveLength(1);
    }

    // The ledger keeps both attempts; the recall keeps who recalled and lifted it, and why.
    const history = await w.base.ledger.listHistory({ cluster: 'prod-a', limit: 20 });
    expect(
      history
        .filter((r) => r.nodegroup === 'general')
        .map((r) => [r.attempt, r.outcome, r.reason])
        .sort(),
    ).toEqual([
      [1, 'not-started', 'recalled'],
      [2, 'succeeded', null],
    ]);
    const [record] = await w.recalls.listRecords();
    expect(record).toMatchObject({
      active: false,
      by: ONCALL,
      reason: REASON,
      lifted: { by: ONCALL, reason: 'not reproducible on our nodes' },
    });

    // Day 2, 06:00: every group runs the release, and nothing is listed as recalled any more.
    const after = await w.planAt(at(2, 180));
    for (const name of ['dev-a/general', ...PROD]) {
      expect(after[name], name).toMatchObject({ decision: 'current' });
      expect(after[name]?.warnings ?? [], name).toEqual([]);
    }
  });
});
