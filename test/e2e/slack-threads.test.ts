import {
  createClients,
  createLedgerTable,
  createPatchLedger,
  createPatchPort,
  createRunLedger,
  inspectFleet,
} from '@nodekeeper/aws';
import { type Config, type FleetTarget, parseConfig } from '@nodekeeper/core/config';
import type { LedgerPort, RolloutDeps } from '@nodekeeper/core/rollout';
import { demoFleet, type Sandbox, type SlackPost, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRolloutDeps, runDepsFor } from '../../functions/lib/deps.ts';
import { notifierFromSettings } from '../../functions/lib/notify.ts';
import { parseScanEvent, runScan, scanRunId } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { handlePatch, patchNotifyFrom } from '../../functions/patch.ts';
import { handlePatchStatus } from '../../functions/patch-status.ts';
import { prodAFleet, scanClock, scheduledEvent, ssmStatusEvent } from '../helpers/fixtures.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../support/local-starter.ts';

/**
 * Bot-mode threading end to end over HTTP against the sandbox's Slack Web API: one parent
 * message per run, every notice a reply in its thread, the parent edited with chat.update as the
 * node groups finish, and the thread's ts in the ledger.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const region = 'us-east-1';
const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 120 };
const BOT_TOKEN = 'xoxb-111-222-sandboxthreads';
const config: Config = parseConfig({ regions: [region], clusters: ['prod-a'], maxConcurrentPerCluster: 3 });

const savedEnv = { ...process.env };
let tables = 0;

async function world(sb: Sandbox, mentionOnFailure: string[] = []) {
  tables += 1;
  process.env.NODEKEEPER_SLACK_ALLOW_LOCAL = '1';
  process.env.NODEKEEPER_SLACK_API_URL = sb.slackApiUrl;
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: `threads-e2e-${tables}` }),
    slack: {
      webhookUrl: null,
      botToken: BOT_TOKEN,
      channel: '#platform-ops',
      signingSecret: null,
      mentionOnFailure,
    },
  };
  const options = { homeRegion: region, endpoint: sb.endpoint, credentials, now: () => sb.clock.now() };
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  return { settings, options, home };
}

function scanWith(sb: Sandbox, w: Awaited<ReturnType<typeof world>>, deps: RolloutDeps) {
  const starter = createLocalWorkflowStarter({ deps: () => deps, poll });
  const runs = runDepsFor(w.settings, w.home, notifierFromSettings(w.settings));
  return {
    starter,
    deps: {
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
      notifier: notifierFromSettings(w.settings),
      ledger: deps.ledger as LedgerPort,
      now: deps.now,
      ...(runs ? { runs } : {}),
    },
  };
}

const text = (p: SlackPost) => String(p.body.text ?? '');

beforeAll(() => setupLocalDurableEnvironment({ skipTime: false }));
afterAll(() => teardownLocalDurableEnvironment());
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('bot mode: one thread per rollout run', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: prodAFleet(), port: 0, ...scanClock });
  });
  afterAll(() => sb.close());

  it('posts one parent, replies in its thread, edits it to the final state, and keeps the ts in the ledger', async () => {
    const w = await world(sb, ['U0ONCALL1', '<!subteam^S0PLATFORM>']);
    const deps = buildRolloutDeps(w.settings, w.options);
    // Two deliveries of the same event at once (two Lambda instances sharing nothing in memory).
    const a = scanWith(sb, w, deps);
    const b = scanWith(sb, w, buildRolloutDeps(w.settings, w.options));
    const event = parseScanEvent(scheduledEvent('evt-threads'));
    const [result] = await Promise.all([runScan(event, a.deps), runScan(event, b.deps)]);
    await Promise.all([a.starter.settled(), b.starter.settled()]);
    expect(result.runId).toBe(scanRunId(event));

    const posts = sb.slackPosts();
    const parents = posts.filter((p) => p.kind === 'chat.postMessage' && p.body.thread_ts === undefined);
    expect(parents.map(text)).toEqual(['Rollout of 3 node groups: 3 pending']);
    const parentTs = parents[0]?.ts;
    expect(parentTs).toBeTruthy();

    // Everything else is a reply in the parent's thread: the plan summary and 3 started + 3 outcomes.
    const replies = posts.filter((p) => p.kind === 'chat.postMessage' && p.body.thread_ts !== undefined);
    for (const r of replies) expect(r.body.thread_ts).toBe(parentTs);
    const replyTexts = replies.map(text);
    expect(replyTexts.filter((t) => t.startsWith('Rollout started'))).toHaveLength(3);
    expect(replyTexts.filter((t) => t.startsWith('Rollout succeeded'))).toHaveLength(2);
    expect(replyTexts.filter((t) => t.includes('Rollout failed'))).toHaveLength(1);
    expect(replyTexts.some((t) => /plan/i.test(t))).toBe(true);
    expect(replies.every((p) => p.token === BOT_TOKEN)).toBe(true);

    // slack.mentionOnFailure: the failure mentions the on-call and is broadcast to the channel;
    // nothing else is.
    const broadcast = replies.filter((p) => p.body.reply_broadcast === true);
    expect(broadcast.map(text)).toEqual([
      expect.stringMatching(/^<@U0ONCALL1> <!subteam\^S0PLATFORM> Rollout failed: prod-a\/gpu/),
    ]);
    expect(JSON.stringify(broadcast[0]?.body.blocks)).toContain('<@U0ONCALL1> <!subteam^S0PLATFORM>');
    expect(replies.filter((p) => text(p).includes('<@U0ONCALL1>'))).toHaveLength(1);

    // The parent is edited (chat.update on its ts, with the channel ID the post answered with),
    // and its last edit shows the final state.
    const edits = posts.filter((p) => p.kind === 'chat.update');
    expect(edits.length).toBeGreaterThan(0);
    for (const e of edits) {
      expect(e.body.ts).toBe(parentTs);
      expect(e.body.channel).toMatch(/^C/);
    }
    expect(text(edits[edits.length - 1] as SlackPost)).toBe(
      'Rollout of 3 node groups: 2 succeeded, 1 failed',
    );

    const run = await createRunLedger(w.home.dynamodb, { tableName: w.settings.ledgerTable }).getRun(
      scanRunId(event),
    );
    expect(run?.thread?.ts).toBe(parentTs);
    expect(
      Object.values(run?.items ?? {})
        .map((i) => `${i.nodegroup}:${i.state}`)
        .sort(),
    ).toEqual(['custom:succeeded', 'general:succeeded', 'gpu:failed']);
    const history = await deps.ledger.listHistory({ cluster: 'prod-a', limit: 10 });
    expect(history).toHaveLength(3);
    for (const r of history) expect(r.slackThreadTs).toBe(parentTs);
  });
});

describe('bot mode: one thread per patch request', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    const f = structuredClone(demoFleet());
    f.clusters = f.clusters.filter((c) => c.name === 'prod-a');
    f.instances = f.instances.filter((i) => i.cluster === 'prod-a');
    for (const i of f.instances) i.patchSeconds = 1;
    sb = await startSandbox({ fleet: f, port: 0 });
  });
  afterAll(() => sb.close());

  it('posts one parent, replies in its thread, and edits it as node groups report', async () => {
    const w = await world(sb);
    const notifier = notifierFromSettings(w.settings);
    const runs = runDepsFor(w.settings, w.home, notifier);
    if (runs === undefined) throw new Error('bot mode expected');
    const patchDeps = {
      config: parseConfig({ regions: [region], clusters: ['prod-*'] }),
      aws: createPatchPort(() => w.home),
      ledger: createPatchLedger(w.home.dynamodb, { tableName: w.settings.ledgerTable }),
      notify: patchNotifyFrom(notifier),
      findRegion: async () => region,
      now: () => sb.clock.now(),
      newId: () => '00000000-0000-4000-8000-000000000001',
      runs,
    };
    const result = await handlePatch(
      {
        cluster: 'prod-a',
        nodegroups: ['general', 'windows'],
        operation: 'Install',
        requestId: 'req-thread',
      },
      patchDeps,
    );
    if (!result.ok || result.kind !== 'started') throw new Error(JSON.stringify(result));
    sb.clock.advance(600);
    for (const commandId of result.commandIds) {
      await handlePatchStatus(ssmStatusEvent(commandId, 'Failed', sb.clock.now()), {
        ...patchDeps,
        owner: `o-${commandId}`,
      });
    }

    const posts = sb.slackPosts();
    const parents = posts.filter((p) => p.kind === 'chat.postMessage' && p.body.thread_ts === undefined);
    expect(parents.map(text)).toEqual(['Patch of 2 node groups: 2 pending']);
    // mentionOnFailure is off by default: failures are neither broadcast nor mention anyone.
    expect(posts.filter((p) => 'reply_broadcast' in p.body || /<@|<!subteam/.test(text(p)))).toEqual([]);
    const parentTs = parents[0]?.ts;
    const replies = posts.filter((p) => p.kind === 'chat.postMessage' && p.body.thread_ts !== undefined);
    expect(replies.length).toBeGreaterThanOrEqual(3);
    for (const r of replies) expect(r.body.thread_ts).toBe(parentTs);
    expect(
      replies.map(text).filter((t) => /^Patch (requested|completed|finished)/.test(t)).length,
    ).toBeGreaterThan(0);
    const edits = posts.filter((p) => p.kind === 'chat.update');
    for (const e of edits) expect(e.body.ts).toBe(parentTs);
    expect(text(edits[edits.length - 1] as SlackPost)).toBe('Patch of 2 node groups: 2 failed');
    const run = await runs.runs.getRun('patch-req-thread');
    expect(run?.thread?.ts).toBe(parentTs);
  });
});
