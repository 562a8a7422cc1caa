// The seam from the deployed schedule to the scan: the stacks rendered under Pulumi mocks give the
// EventBridge Scheduler target's Input and the scan function's NODEKEEPER_CONFIG; Scheduler's
// documented substitution turns the Input into what Lambda receives; the scan runs it against the
// sandbox. No event is written by hand in between.
import { createClients, createLedgerTable, createRolloutPort, inspectFleet } from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import type { LedgerPort } from '@nodekeeper/core/rollout';
import { type Sandbox, type SlackPost, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps, runDepsFor } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { prodAFleet } from '../helpers/fixtures.ts';
import { type SchedulerContext, scheduleArn, substituteSchedulerContext } from '../helpers/scheduler.ts';
import { ACCOUNT_ID, type Harness, importStacks, installSstHarness, REGION } from '../infra/harness.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

const STAGE = 'test';
const rawConfig = {
  regions: [REGION],
  clusters: ['prod-a'],
  maxConcurrentPerCluster: 3,
  // Tuesday 03:00 in Berlin is 02:00Z in November.
  schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin' },
};
const SCHEDULED_TIME = '2026-11-24T02:00:00Z';
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 120 };
const BOT_TOKEN = 'xoxb-111-222-sandboxschedule';

// biome-ignore lint/suspicious/noExplicitAny: mocked resource inputs are untyped JSON, read by path.
type Inputs = Record<string, any>;

let h: Harness;
let input: string;
let arn: string;
let config: Config;

beforeAll(async () => {
  h = await installSstHarness(STAGE);
  const { parseDeployConfig } = await import('../../stacks/config.ts');
  const { createNodekeeper } = await importStacks();
  createNodekeeper(parseDeployConfig(rawConfig, parseConfig), STAGE);
  await h.settle();
  const schedules = h.resources.filter((r) => r.type === 'aws:scheduler/schedule:Schedule');
  expect(schedules).toHaveLength(1);
  const schedule = schedules[0]?.inputs as Inputs;
  input = schedule.target.input;
  arn = scheduleArn(REGION, ACCOUNT_ID, String(schedule.name), schedule.groupName ?? 'default');
  const scan = h.resources.find(
    (r) => r.type === 'aws:lambda/function:Function' && r.name === 'RolloutScanFunction',
  )?.inputs as Inputs;
  config = parseConfig(JSON.parse(scan.environment.variables.NODEKEEPER_CONFIG));
  await setupLocalDurableEnvironment({ skipTime: false });
});
afterAll(() => teardownLocalDurableEnvironment());

/** What Lambda receives for one delivery attempt of the rendered schedule. */
function delivery(context: SchedulerContext): unknown {
  return JSON.parse(substituteSchedulerContext(input, context));
}

describe('the deployed schedule', () => {
  let sb: Sandbox;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    sb = await startSandbox({ fleet: prodAFleet(), port: 0 });
  });
  afterAll(() => {
    process.env = { ...savedEnv };
    return sb.close();
  });

  describe('when Scheduler fires and then retries the same fire', () => {
    it('plans and starts the rollouts once, in one thread with one plan summary', async () => {
      process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
      process.env.NODEKEEPER_SLACK_API_URL = sb.slackApiUrl;
      const settings = {
        ...readSettings({ NODEKEEPER_LEDGER_TABLE: 'schedule-e2e' }),
        slack: { webhookUrl: null, botToken: BOT_TOKEN, channel: '#platform-ops', signingSecret: null },
      };
      const options = { homeRegion: REGION, endpoint: sb.endpoint, credentials };
      const home = createClients({ region: REGION, endpoint: sb.endpoint, credentials });
      await createLedgerTable(home.dynamodb, settings.ledgerTable);
      const rolloutDeps = buildRolloutDeps(settings, options);
      // Stands in for Lambda: one durable execution per name, whichever scan invocation asks.
      const starter = createLocalWorkflowStarter({ deps: () => rolloutDeps, poll });
      // Each delivery is a fresh Lambda invocation: new adapters, same AWS and ledger.
      const invoke = (event: unknown) => {
        const rollout = buildRolloutDeps(settings, options);
        const notifier = notifierFromSettings(settings);
        const runs = runDepsFor(settings, home, notifier);
        return runScan(parseScanEvent(event), {
          config,
          inspect: (t: FleetTarget) =>
            inspectFleet({
              clients: createClients({ region: t.region, endpoint: sb.endpoint, credentials }),
              accountId: t.accountId,
              region: t.region,
              clusterPatterns: t.clusters,
            }),
          pause: { read: async () => ({ paused: false, reason: null }) },
          starter,
          notifier,
          ledger: rollout.ledger as LedgerPort,
          ...(runs ? { runs } : {}),
        });
      };

      const first = await invoke(
        delivery({
          scheduleArn: arn,
          scheduledTime: SCHEDULED_TIME,
          executionId: 'd32c5kddcf5bb8c3',
          attemptNumber: 1,
        }),
      );
      expect(first.counts.roll).toBe(3);
      expect(first.starts.map((s) => s.result)).toEqual(['started', 'started', 'started']);

      // The retry of the same fire: same schedule and scheduled time, a new execution ID and attempt.
      const retry = await invoke(
        delivery({
          scheduleArn: arn,
          scheduledTime: SCHEDULED_TIME,
          executionId: 'e81f3a09b7c2d4a6',
          attemptNumber: 2,
        }),
      );
      expect(retry.eventId).toBe(first.eventId);
      // The first delivery returned once its starts showed in the ledger; whether the retry finds
      // them still running (already-started) or ended (current, or failed and held), it starts none.
      expect(retry.starts.filter((s) => s.result === 'started')).toEqual([]);
      expect(retry.starts.every((s) => s.result === 'already-started')).toBe(true);
      const done = await starter.settled();
      expect(done).toHaveLength(3);

      const port = createRolloutPort(() => home);
      for (const nodegroup of ['general', 'custom', 'gpu']) {
        const updates = await port.listUpdates(
          { accountId: null, region: REGION, cluster: 'prod-a', nodegroup },
          100,
        );
        expect(updates, nodegroup).toHaveLength(1);
      }
      const text = (p: SlackPost) => String(p.body.text ?? '');
      const posted = sb.slackPosts().filter((p) => p.kind === 'chat.postMessage');
      expect(
        posted
          .filter((p) => p.body.thread_ts === undefined)
          .map(text)
          .filter((t) => t.startsWith('Rollout of')),
      ).toEqual(['Rollout of 3 node groups: 3 pending']);
      expect(posted.map(text).filter((t) => /^nodekeeper plan:/.test(t))).toHaveLength(1);
      expect(posted.map(text).filter((t) => t.startsWith('Rollout started'))).toHaveLength(3);
    });
  });
});
