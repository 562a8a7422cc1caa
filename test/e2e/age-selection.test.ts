import { createClients, createLedgerTable, inspectTarget } from '@nodekeeper/aws';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import { planFleet } from '@nodekeeper/core/plan';
import type { LedgerPort, RolloutDeps } from '@nodekeeper/core/rollout';
import { parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps, targetClientsFor } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan, scanPlanPorts } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { scheduledEvent } from '../helpers/fixtures.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * Age selection over five weeks: AWS publishes an AL2023 release every 3 days, so the newest image
 * is never 7 days old when the weekly scan runs. With `minAmiAgeDays: 7` the fleet still rolls each
 * week, to the newest release that is at least 7 days old: scheduled scan (the Lambda's core) →
 * durable workflows (local runner) → EKS, EC2, SSM and DynamoDB in the sandbox, whose clock is the
 * only clock and publishes each release on its day.
 */

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const DAY_MS = 86_400_000;
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 120 };
const FIRST_RELEASE = Date.parse('2026-10-20T05:00:00Z');
const FIRST_SCAN = Date.parse('2026-11-03T03:00:00Z'); // a Tuesday
const WEEKS = 5;

/** The release AWS publishes every 3 days from 2026-10-20 to 2026-12-08, at 05:00 UTC. */
const releases = Array.from({ length: 17 }, (_, i) => {
  const at = new Date(FIRST_RELEASE + i * 3 * DAY_MS);
  const stamp = at.toISOString().slice(0, 10).replaceAll('-', '');
  return { stamp, at: at.getTime(), releaseVersion: `1.33.5-${stamp}`, imageId: `ami-0a2023${stamp}` };
});
function firstRelease() {
  const release = releases[0];
  if (!release) throw new Error('no releases');
  return release;
}
const first = firstRelease();

/** The newest release published by `t`, and the newest at least 7 days old then. */
function expectedAt(t: number) {
  const published = releases.filter((r) => r.at <= t);
  return {
    newest: published.at(-1),
    oldEnough: published.filter((r) => r.at <= t - 7 * DAY_MS).at(-1),
  };
}

function fleet() {
  return parseFleet({
    accountId: ACCOUNT,
    region: REGION,
    amiReleases: releases.map((r) => ({
      amiType: 'AL2023_x86_64_STANDARD',
      k8sVersion: '1.33',
      releaseVersion: r.releaseVersion,
      imageId: r.imageId,
      publishedAt: new Date(r.at).toISOString(),
    })),
    launchTemplates: [
      {
        launchTemplateId: 'lt-0c05a0000000000a1',
        launchTemplateName: 'prod-a-custom-nodes',
        versions: [{ versionNumber: 1, imageId: first.imageId, instanceType: 'm6i.large' }],
      },
    ],
    clusters: [
      {
        name: 'prod-a',
        version: '1.33',
        nodegroups: [
          {
            name: 'general',
            amiType: 'AL2023_x86_64_STANDARD',
            releaseVersion: first.releaseVersion,
            update: { durationSeconds: 1, outcome: 'Successful' },
          },
          {
            name: 'custom',
            amiType: 'CUSTOM',
            releaseVersion: first.imageId,
            launchTemplate: { id: 'lt-0c05a0000000000a1', version: '1' },
            update: { durationSeconds: 1, outcome: 'Successful' },
          },
        ],
      },
    ],
  });
}

const config: Config = parseConfig({
  regions: [REGION],
  clusters: ['prod-*'],
  minAmiAgeDays: 7,
  maxConcurrentPerCluster: 2,
});

const savedEnv = { ...process.env };
beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('minimum AMI age over five weeks of releases every 3 days', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({
      fleet: fleet(),
      port: 0,
      now: new Date(FIRST_SCAN).toISOString(),
      running: true,
    });
  });
  afterAll(() => sb.close());

  it('rolls every week to the newest release at least 7 days old, where the newest never is', async () => {
    process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
    const settings = {
      ...readSettings({ NODEKEEPER_LEDGER_TABLE: 'age-selection' }),
      slack: { webhookUrl: sb.slackWebhookUrl, botToken: null, channel: null, signingSecret: null },
    };
    // One clock for every dependency: the sandbox's.
    const now = () => sb.clock.now();
    const options = { homeRegion: REGION, endpoint: sb.endpoint, credentials, now };
    const home = createClients({ region: REGION, endpoint: sb.endpoint, credentials });
    await createLedgerTable(home.dynamodb, settings.ledgerTable);
    const deps: RolloutDeps = buildRolloutDeps(settings, options);
    const clients = targetClientsFor(config, options);
    const starter = createLocalWorkflowStarter({ deps: () => deps, poll });
    const scanDeps = {
      config,
      inspect: (target: Parameters<typeof inspectTarget>[1]) => inspectTarget(clients, target),
      pause: { read: async () => ({ paused: false, reason: null }) },
      starter,
      notifier: notifierFromSettings(settings),
      ledger: deps.ledger as LedgerPort,
      now,
    };

    const rolledTo: string[] = [];
    for (let week = 0; week < WEEKS; week++) {
      const t = FIRST_SCAN + week * 7 * DAY_MS;
      const time = new Date(t).toISOString();
      sb.clock.set(time);
      const { newest, oldEnough } = expectedAt(t);
      if (!newest || !oldEnough) throw new Error(`week ${week}: no release`);
      // The newest is always younger than 7 days: waiting for it to age would never roll.
      expect(t - newest.at, `week ${week}`).toBeLessThan(7 * DAY_MS);

      // What the scan will plan, as `nodekeeper plan` would show it (same pipeline, same time).
      const planned = await planFleet(scanPlanPorts(scanDeps), { config, now: new Date(t) });
      const general = planned.plan.items.find((i) => i.nodegroup === 'general');
      expect(general, `week ${week}`).toMatchObject({
        decision: 'roll',
        message: `${expectedCurrent(week)} → ${oldEnough.releaseVersion}; newest ${newest.stamp} is ${ageText(t - newest.at)} old; rolling to ${oldEnough.stamp} (${ageText(t - oldEnough.at)})`,
        target: { releaseVersion: oldEnough.releaseVersion, imageId: oldEnough.imageId },
      });

      const result = await runScan(parseScanEvent(scheduledEvent(`week-${week}`, time, ACCOUNT)), scanDeps);
      expect(result.starts.map((s) => s.nodegroup).sort(), `week ${week}`).toEqual(['custom', 'general']);
      const done = await starter.settled();
      expect(done.filter((d) => d.summary?.outcome !== 'succeeded')).toEqual([]);

      const ngs = sb.state().clusters[0]?.nodegroups ?? [];
      expect(ngs.find((n) => n.name === 'general')?.releaseVersion, `week ${week}`).toBe(
        oldEnough.releaseVersion,
      );
      expect(ngs.find((n) => n.name === 'custom')?.releaseVersion, `week ${week}`).toBe(oldEnough.imageId);
      rolledTo.push(oldEnough.stamp);
    }
    // One roll a week, each to a newer release, all of them at least 7 days old when taken.
    expect(rolledTo).toEqual(['20261026', '20261101', '20261107', '20261116', '20261122']);

    // Right after the last scan nothing is left to do: the groups run the newest old-enough release.
    const after = await planFleet(scanPlanPorts(scanDeps), { config, now: now() });
    expect(after.plan.items.map((i) => [i.nodegroup, i.decision])).toEqual([
      ['custom', 'current'],
      ['general', 'current'],
    ]);
    expect(after.plan.items.find((i) => i.nodegroup === 'general')?.message).toMatch(
      /^at 20261122, the newest release at least 7 days old \(newest 2026112[58] is \d days? old\)$/,
    );

    // EKS never refused a release (each one was published), and the older releases were read by path.
    const updates = sb.calls().filter((c) => c.operation === 'UpdateNodegroupVersion');
    expect(updates.every((c) => c.status === 200)).toBe(true);
    expect(sb.calls().some((c) => c.operation === 'GetParametersByPath')).toBe(true);
    const history = await deps.ledger.listHistory({ cluster: 'prod-a', limit: 20 });
    expect(
      history
        .filter((r) => r.nodegroup === 'general')
        .map((r) => r.to.releaseVersion)
        .sort(),
    ).toEqual(rolledTo.map((s) => `1.33.5-${s}`));
  }, 240_000);
});

/** An age as plans word it: whole days, or whole hours under a day. */
function ageText(ms: number): string {
  const [n, unit] = ms >= DAY_MS ? [Math.floor(ms / DAY_MS), 'day'] : [Math.floor(ms / 3_600_000), 'hour'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** What `general` runs before the scan of `week`: the first release, then what the previous week rolled to. */
function expectedCurrent(week: number): string {
  if (week === 0) return first.releaseVersion;
  const previous = expectedAt(FIRST_SCAN + (week - 1) * 7 * DAY_MS).oldEnough;
  return previous?.releaseVersion ?? '';
}
