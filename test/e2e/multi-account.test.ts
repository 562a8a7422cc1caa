import { createClients, createLedgerTable, inspectTarget } from '@nodekeeper/aws';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import type { RolloutDeps } from '@nodekeeper/core/rollout';
import { demoFleet, type FleetFile, parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps, targetClientsFor } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { historyCommand } from '../../packages/cli/src/commands/history.ts';
import { scheduledEvent } from '../helpers/fixtures.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * One hub deployment maintaining two spoke accounts in two regions each, through STS AssumeRole
 * against the sandbox (which checks each role's trust and external ID as AWS does), plus a third
 * account whose role cannot be assumed. Scan → durable workflows → EKS in each (account, region)
 * → ledger and Slack, over HTTP.
 */

const HUB = '111122223333';
const A = '444455556666';
const B = '777788889999';
const BROKEN = '999988887777';
const REGIONS = ['us-east-1', 'eu-west-1'];
/** Each spoke's read-only role (scan) and mutating role (rollout workflows). */
const role = (account: string) => `arn:aws:iam::${account}:role/nodekeeper-spoke`;
const writeRole = (account: string) => `arn:aws:iam::${account}:role/nodekeeper-spoke-write`;
const hubCredentials = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' };
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 120 };

/** The demo fleet's hub (for its public parameters and images) and one cluster per spoke (account, region). */
function fleet(): FleetFile {
  const demo = demoFleet();
  const prodA = demo.clusters.find((c) => c.name === 'prod-a');
  const general = prodA?.nodegroups.find((n) => n.name === 'general');
  if (!prodA || !general) throw new Error('demo fleet has no prod-a/general');
  const cluster = (account: string, region: string) => ({
    ...structuredClone(prodA),
    name: `shop-${account.slice(0, 4)}-${region.split('-')[0]}`,
    nodegroups: [
      { ...structuredClone(general), update: { durationSeconds: 1, outcome: 'Successful' as const } },
    ],
  });
  return parseFleet({
    ...structuredClone(demo),
    clusters: [],
    instances: [],
    launchTemplates: [],
    roles: [
      { arn: role(A), externalId: 'nk-ext-a' },
      { arn: writeRole(A), externalId: 'nk-ext-a' },
      { arn: role(B), externalId: 'nk-ext-b' },
      { arn: writeRole(B), externalId: 'nk-ext-b' },
      { arn: role(BROKEN), externalId: 'the-real-one' },
      { arn: writeRole(BROKEN), externalId: 'the-real-one' },
    ],
    partitions: [A, B, BROKEN].flatMap((account) =>
      REGIONS.map((region) => ({ accountId: account, region, clusters: [cluster(account, region)] })),
    ),
  });
}

const config: Config = parseConfig({
  regions: ['us-east-1'],
  targets: [
    {
      accountId: A,
      readRoleArn: role(A),
      writeRoleArn: writeRole(A),
      externalId: 'nk-ext-a',
      regions: REGIONS,
    },
    {
      accountId: B,
      readRoleArn: role(B),
      writeRoleArn: writeRole(B),
      externalId: 'nk-ext-b',
      regions: REGIONS,
    },
    {
      accountId: BROKEN,
      readRoleArn: role(BROKEN),
      writeRoleArn: writeRole(BROKEN),
      externalId: 'not-the-real-one',
      regions: ['us-east-1'],
    },
  ],
  waves: [
    // Waves may select by account: A's node groups form the first wave, B's the second.
    { name: 'canary', clusters: ['*'], accounts: [A] },
    { name: 'rest', clusters: ['*'] },
  ],
  maxConcurrentPerCluster: 1,
});

const savedEnv = { ...process.env };

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('one hub, two spoke accounts in two regions, and one role that cannot be assumed', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    // One clock for every dependency: the sandbox's, starting at the first scan's time and running
    // with elapsed time (updates take real seconds); the workflows record by it, the scans plan by it.
    sb = await startSandbox({ fleet: fleet(), port: 0, now: '2026-11-24T03:00:00Z', running: true });
  });
  afterAll(() => sb.close());

  it('plans and rolls in every reachable (account, region), and reports the broken one clearly', async () => {
    process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
    const settings = {
      ...readSettings({
        NODEKEEPER_LEDGER_TABLE: 'multi-account',
        NODEKEEPER_CONFIG: JSON.stringify(config),
      }),
      slack: { webhookUrl: sb.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
    };
    const now = () => sb.clock.now();
    const options = { homeRegion: 'us-east-1', endpoint: sb.endpoint, credentials: hubCredentials, now };
    const home = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials: hubCredentials });
    await createLedgerTable(home.dynamodb, settings.ledgerTable);
    const deps: RolloutDeps = buildRolloutDeps(settings, options);
    const clients = targetClientsFor(config, options);
    const starter = createLocalWorkflowStarter({ deps: () => deps, poll });
    // Waves gate on the earlier wave having rolled: the first scan rolls the canary account, the next the rest.
    const scan = (id: string, time: string) => {
      sb.clock.set(time);
      return runScan(parseScanEvent(scheduledEvent(id, time, HUB)), {
        config,
        inspect: (target) => inspectTarget(clients, target),
        pause: { read: async () => ({ paused: false, reason: null }) },
        starter,
        notifier: notifierFromSettings(settings),
        ledger: deps.ledger,
        now,
      });
    };

    const first = await scan('evt-canary', '2026-11-24T03:00:00Z');
    await starter.settled();
    expect(first.starts.map((s) => s.cluster).sort()).toEqual([`shop-4444-eu`, `shop-4444-us`]);
    const second = await scan('evt-rest', '2026-11-24T04:00:00Z');
    await starter.settled();
    expect(second.starts.map((s) => s.cluster).sort()).toEqual([`shop-7777-eu`, `shop-7777-us`]);

    // EKS in each spoke (account, region) ran exactly one update; the broken account none.
    for (const account of [A, B]) {
      for (const region of REGIONS) {
        const ng = sb.state(account, region).clusters[0]?.nodegroups[0];
        expect(ng?.releaseVersion, `${account}/${region}`).toBe('1.33.5-20261110');
      }
    }
    expect(sb.state(BROKEN, 'us-east-1').clusters[0]?.nodegroups[0]?.releaseVersion).toBe('1.33.4-20261001');
    const updates = sb.calls().filter((c) => c.operation === 'UpdateNodegroupVersion' && c.status === 200);
    expect(updates.map((c) => `${c.accountId}/${c.region}`).sort()).toEqual([
      `${A}/eu-west-1`,
      `${A}/us-east-1`,
      `${B}/eu-west-1`,
      `${B}/us-east-1`,
    ]);
    // One AssumeRole per reachable account and process (credentials cached across regions and calls).
    expect(sb.issuedCredentials(role(A))).toBeLessThanOrEqual(2);
    expect(sb.issuedCredentials(role(BROKEN))).toBe(0);
    // The scan inspected through the read-only roles, the workflows rolled through the mutating ones.
    for (const account of [A, B]) {
      expect(sb.issuedCredentials(role(account)), account).toBeGreaterThanOrEqual(1);
      expect(sb.issuedCredentials(writeRole(account)), account).toBeGreaterThanOrEqual(1);
    }

    // The broken target is an error item naming account, role and AWS's code; the others planned.
    const brokenPlan = await inspectTarget(clients, {
      accountId: BROKEN,
      region: 'us-east-1',
      clusters: ['*'],
      role: { roleArn: role(BROKEN), externalId: 'not-the-real-one' },
    });
    expect(brokenPlan.fleet.errors[0]?.message).toBe(
      `account ${BROKEN}: cannot assume role ${role(BROKEN)} (AccessDenied: User: arn:aws:iam::${HUB}:user/nodekeeper-sandbox is not authorized to perform: sts:AssumeRole on resource: ${role(BROKEN)})`,
    );

    // Ledger: every rollout carries its account and region; history filters by account.
    const all = await deps.ledger.listHistory({ limit: 50 });
    expect(all.map((r) => `${r.accountId}/${r.region}/${r.outcome}`).sort()).toEqual([
      `${A}/eu-west-1/succeeded`,
      `${A}/us-east-1/succeeded`,
      `${B}/eu-west-1/succeeded`,
      `${B}/us-east-1/succeeded`,
    ]);
    const onlyB = await deps.ledger.listHistory({ accountId: B, limit: 50 });
    expect(onlyB.map((r) => r.accountId)).toEqual([B, B]);

    // Slack names account and region in every rollout message; the plan summary names the broken account.
    const posts = sb.slackPosts().map((p) => JSON.stringify(p.body));
    const succeeded = posts.filter((p) => p.includes('Rollout succeeded'));
    expect(succeeded).toHaveLength(4);
    for (const account of [A, B]) {
      for (const region of REGIONS) {
        expect(
          succeeded.some((p) => p.includes(account) && p.includes(region)),
          `${account}/${region}`,
        ).toBe(true);
      }
    }
    expect(posts.some((p) => p.includes(BROKEN) && p.includes('AccessDenied'))).toBe(true);

    // The CLI: `nodekeeper history --account` over the same ledger (the SDK reads process.env).
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: sb.endpoint,
      AWS_ACCESS_KEY_ID: hubCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: hubCredentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    let out = '';
    const code = await historyCommand.run(['--account', A, '--json'], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: sb.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: hubCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: hubCredentials.secretAccessKey,
        NODEKEEPER_LEDGER_TABLE: settings.ledgerTable,
      },
      stdout: (t: string) => {
        out += t;
      },
      stderr: () => undefined,
      cwd: process.cwd(),
      interactive: false,
    } as never);
    expect(code).toBe(0);
    const items = (JSON.parse(out) as { items: Array<{ accountId: string; region: string }> }).items;
    expect(items.map((i) => `${i.accountId}/${i.region}`).sort()).toEqual([
      `${A}/eu-west-1`,
      `${A}/us-east-1`,
    ]);
    clients.destroy();
    home.destroy();
  });
});
