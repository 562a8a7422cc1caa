import {
  createApprovalStore,
  createClients,
  createLedgerTable,
  createPausePort,
  createRecallStore,
  createRunLedger,
} from '@nodekeeper/aws';
import { newRun, openRunThread, type RunDeps } from '@nodekeeper/core/runs';
import { type FunctionUrl, type Sandbox, startFunctionUrl, startSandbox } from '@nodekeeper/sandbox';
import { createNotifier, runThreadDeps } from '@nodekeeper/slack';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackCommandHandler,
  type SlackCommandResult,
  SlackPaths,
} from '../../functions/lib/slack-command.ts';
import { slackCommandDepsFromEnv } from '../../functions/lib/slack-deps.ts';
import {
  ALLOWED_USER,
  capturedLogger,
  configJson,
  OTHER_USER,
  SECRET_CANARY,
} from '../../functions/test/slack-command-support.ts';
// The halt notice as the scan builds it (core's messages entry exports what shells post).
import { buildReleaseHaltedMessage } from '../../packages/core/src/messages/status.ts';
import { rolloutSlackMessage } from '../../packages/core/src/rollout/notice.ts';
import { rolloutNotice } from '../../packages/core/src/rollout/steps.ts';
import { releaseRequest } from '../../packages/core/test/rollout/builders.ts';

/**
 * Buttons end to end over real HTTP on 127.0.0.1: the sandbox's Slack sink holds the messages and
 * clicks their buttons as Slack does (a signed block_actions payload POSTed to the interactivity
 * URL), a Function URL on loopback runs the real handler, the worker (Lambda's asynchronous invoke
 * simulated in-process, as in slack-command.test.ts) records the approval in DynamoDB or sets the
 * pause flag in SSM, and edits the clicked message in the sink with chat.update. One clock: the
 * sandbox's, for signatures, claims and approvals.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const region = 'us-east-1';
const SELF = 'nodekeeper-e2e-slack-interactions';
const TABLE = 'slack-interactions-e2e-ledger';
const PAUSE_PARAMETER = '/nodekeeper/e2e-interactions/paused';
const CHANNEL = 'C0OPS';
const BOT_TOKEN = 'xoxb-0000-e2e-interactions';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const logs = capturedLogger();
let sb: Sandbox;
let fn: FunctionUrl;
let work: Array<Promise<SlackCommandResult>> = [];
let runDeps: RunDeps;

function makeHandler() {
  const deps = slackCommandDepsFromEnv({
    env: {
      AWS_REGION: region,
      AWS_LAMBDA_FUNCTION_NAME: SELF,
      NODEKEEPER_CONFIG: configJson({
        waves: [
          { name: 'dev', clusters: ['dev-*'] },
          { name: 'prod', clusters: ['prod-*'] },
        ],
      }),
      NODEKEEPER_LEDGER_TABLE: TABLE,
      NODEKEEPER_PAUSE_PARAMETER: PAUSE_PARAMETER,
      NODEKEEPER_SLACK_SIGNING_SECRET: SECRET_CANARY,
      NODEKEEPER_SLACK_BOT_TOKEN: BOT_TOKEN,
      NODEKEEPER_SLACK_CHANNEL: CHANNEL,
      NODEKEEPER_SLACK_API_URL: sb.slackApiUrl,
      NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
    },
    now: () => sb.clock.now(),
    logger: logs.logger,
    endpoint: sb.endpoint,
    credentials,
    sleep: async () => {},
    ackSleep: () => new Promise<void>(() => {}),
  });
  const build = deps.services;
  const handler = createSlackCommandHandler({
    ...deps,
    services: () => ({
      ...build(),
      // Lambda's asynchronous invoke, simulated: JSON in, the handler runs later, the caller does not wait.
      invoker: {
        async invoke(functionName, payload) {
          const json = JSON.parse(JSON.stringify(payload)) as unknown;
          if (functionName === SELF) work.push(Promise.resolve().then(() => handler(json)));
          return { kind: 'accepted', lambdaRequestId: `local-${work.length}` };
        },
      },
    }),
  });
  return handler;
}

const bot = () =>
  createNotifier({
    botToken: BOT_TOKEN,
    channel: CHANNEL,
    apiBaseUrl: sb.slackApiUrl,
    allowInsecureLocalUrls: true,
    logger: quiet,
  });

/** Posts the halt notice of release 20261110 (failed in dev and prod) as the scan would. */
async function postHalt(): Promise<string> {
  const posted = await bot().post(
    buildReleaseHaltedMessage({
      release: '20261110',
      family: 'al2023',
      failures: 2,
      failed: [
        { group: 'dev-a/lagging', version: '1.31.14-20261110', wave: 'dev' },
        { group: 'prod-a/gpu', version: '1.33.5-20261110', wave: 'prod' },
      ],
      waves: ['dev', 'prod'],
    }),
  );
  if (!posted.ok || posted.ts === null) throw new Error('halt notice not posted');
  return posted.ts;
}

function buttonsOf(ts: string): Array<{ action_id: string; value: string; text: { text: string } }> {
  const message = sb.slackMessages().find((m) => m.ts === ts);
  if (!message) throw new Error(`no message ${ts} in the sink`);
  return (message.blocks as Array<{ type: string; elements?: [] }>).flatMap((b) =>
    b.type === 'actions' ? (b.elements ?? []) : [],
  );
}

function textOf(ts: string): string {
  return JSON.stringify(sb.slackMessages().find((m) => m.ts === ts)?.blocks ?? []);
}

async function click(ts: string, label: string, userId = ALLOWED_USER) {
  const button = buttonsOf(ts).find((b) => b.text.text === label);
  if (!button) throw new Error(`no button "${label}" on ${ts}`);
  const out = await sb.slackClick({
    channel: CHANNEL,
    ts,
    actionId: button.action_id,
    userId,
    url: `${fn.url}${SlackPaths.interactions}`,
    signingSecret: SECRET_CANARY,
  });
  await settle();
  return out;
}

async function settle(): Promise<SlackCommandResult[]> {
  const pending = work;
  work = [];
  return Promise.all(pending);
}

/** What the clicker alone was told (the response URL, ephemeral). */
function ephemeral(): string[] {
  return sb
    .slackPosts()
    .filter((p) => p.kind === 'response' && p.body.response_type === 'ephemeral')
    .map((p) => String(p.body.text));
}

async function approvals() {
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  try {
    return await createApprovalStore(home.dynamodb, { tableName: TABLE }).list();
  } finally {
    home.destroy();
  }
}

beforeAll(async () => {
  sb = await startSandbox({ now: '2026-11-24T03:12:00.000Z', running: true });
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, TABLE);
  runDeps = runThreadDeps(bot(), createRunLedger(home.dynamodb, { tableName: TABLE })) as RunDeps;
  fn = await startFunctionUrl(makeHandler() as (event: unknown) => Promise<unknown>);
});

afterAll(async () => {
  await fn.close();
  await sb.close();
  const lines = logs.lines();
  logs.restore();
  expect(lines.some((l) => l.includes('interaction done; message updated'))).toBe(true);
  for (const line of lines) expect(line).not.toContain('CANARY');
});

beforeEach(() => {
  work = [];
});

describe('buttons against the sandbox', () => {
  describe('when an allowlisted operator approves the halted release for prod', () => {
    it('acknowledges at once, records the approval, and the button becomes the outcome', async () => {
      const ts = await postHalt();
      const before = buttonsOf(ts).map((b) => b.text.text);
      expect(before).toEqual([
        'Approve 20261110 for wave dev',
        'Approve 20261110 for wave prod',
        'Approve 20261110 for every wave',
        'Keep halted',
      ]);
      const out = await click(ts, 'Approve 20261110 for wave prod');
      expect(out).toMatchObject({ status: 200, body: '' });
      expect(out.elapsedMs).toBeLessThan(3000);
      expect(await approvals()).toMatchObject([
        { release: '20261110', family: 'al2023', wave: 'prod', by: `slack:${ALLOWED_USER}` },
      ]);
      expect(textOf(ts)).toMatch(/Approved for wave `prod` by <@U0ALLOWED1> at \d\d:\d\d UTC on 2026-11-24/);
      expect(buttonsOf(ts).map((b) => b.text.text)).toEqual([
        'Approve 20261110 for wave dev',
        'Approve 20261110 for every wave',
        'Keep halted',
      ]);
      expect(sb.slackMessages().find((m) => m.ts === ts)?.edits).toHaveLength(1);

      // The same signed request, sent again (captured and replayed within Slack's 5 minutes).
      const replay = await fetch(`${fn.url}${SlackPaths.interactions}`, {
        method: 'POST',
        headers: out.request.headers,
        body: out.request.body,
      });
      expect(replay.status).toBe(200);
      await settle();
      expect(ephemeral().at(-1)).toBe('This request was already handled; nothing was done again.');
      expect(await approvals()).toHaveLength(1);
      expect(sb.slackMessages().find((m) => m.ts === ts)?.edits).toHaveLength(1);
    });
  });

  describe('when someone off the allowlist clicks', () => {
    it('tells them alone and changes nothing', async () => {
      const ts = await postHalt();
      const out = await click(ts, 'Approve 20261110 for every wave', OTHER_USER);
      expect(out.status).toBe(200);
      expect(ephemeral().at(-1)).toContain("your Slack user is not on nodekeeper's allowlist");
      expect((await approvals()).filter((a) => a.wave === null)).toEqual([]);
      expect(sb.slackMessages().find((m) => m.ts === ts)?.edits).toEqual([]);
    });
  });

  describe('when the click is forged', () => {
    it('is refused with 401 and changes nothing', async () => {
      const ts = await postHalt();
      const button = buttonsOf(ts).find((b) => b.text.text === 'Keep halted');
      const out = await sb.slackClick({
        channel: CHANNEL,
        ts,
        actionId: button?.action_id ?? '',
        userId: ALLOWED_USER,
        url: `${fn.url}${SlackPaths.interactions}`,
        signingSecret: 'not-the-signing-secret',
      });
      await settle();
      expect(out.status).toBe(401);
      expect(sb.slackMessages().find((m) => m.ts === ts)?.edits).toEqual([]);
    });
  });

  describe('when an operator keeps the release halted', () => {
    it('records nothing in AWS and removes the buttons', async () => {
      const ts = await postHalt();
      const before = (await approvals()).length;
      await click(ts, 'Keep halted');
      expect(buttonsOf(ts)).toEqual([]);
      expect(textOf(ts)).toContain('Kept halted by <@U0ALLOWED1>');
      expect(await approvals()).toHaveLength(before);
    });
  });

  describe("when an operator pauses and resumes from a run's parent message", () => {
    it('sets and clears the pause flag, and the parent shows who did it with the other button', async () => {
      const run = newRun('scan-e2e-buttons', 'rollout', sb.clock.now().toISOString(), [
        { accountId: null, region, cluster: 'prod-a', nodegroup: 'general' },
      ]);
      const opened = await openRunThread(run, runDeps);
      if (opened.kind !== 'posted') throw new Error('no parent');
      const ts = opened.thread.ts;
      const home = createClients({ region, endpoint: sb.endpoint, credentials });
      const pause = createPausePort(home.ssm, PAUSE_PARAMETER);
      try {
        expect(buttonsOf(ts).map((b) => b.text.text)).toEqual(['Pause rollouts']);
        await click(ts, 'Pause rollouts');
        expect(await pause.read()).toMatchObject({ paused: true, by: `slack:${ALLOWED_USER}` });
        expect(textOf(ts)).toContain('Paused by <@U0ALLOWED1>');
        expect(buttonsOf(ts).map((b) => b.text.text)).toEqual(['Resume rollouts']);

        await click(ts, 'Resume rollouts');
        expect(await pause.read()).toMatchObject({ paused: false });
        expect(textOf(ts)).toContain('Resumed by <@U0ALLOWED1>');
        expect(buttonsOf(ts).map((b) => b.text.text)).toEqual(['Pause rollouts']);
      } finally {
        home.destroy();
      }
    });
  });

  describe('when an operator clicks Retry, then Recall this image, on failed rollouts', () => {
    /** A failed rollout's notice for prod-a/gpu, as the workflow posts it. */
    async function postFailure(): Promise<string> {
      const posted = await bot().post(
        rolloutSlackMessage(
          rolloutNotice(releaseRequest({ family: 'al2023', nodegroup: 'gpu', accountId: null }), 'failed', {
            updateId: 'u-gpu-1',
            message: 'PodEvictionFailure',
            status: 'Failed',
            errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'pdb', resourceIds: [] }],
            finishedAt: sb.clock.now().toISOString(),
          }),
        ),
      );
      if (!posted.ok || posted.ts === null) throw new Error('failure notice not posted');
      return posted.ts;
    }

    it('records a retry of that node group only, and a recall of its release, each shown in place', async () => {
      const ts = await postFailure();
      expect(buttonsOf(ts).map((b) => b.text.text)).toEqual(['Retry', 'Recall this image']);
      const out = await click(ts, 'Retry');
      expect(out).toMatchObject({ status: 200, body: '' });
      expect((await approvals()).filter((a) => a.nodegroup)).toMatchObject([
        {
          release: '20261110',
          family: 'al2023',
          nodegroup: { accountId: null, region, cluster: 'prod-a', nodegroup: 'gpu' },
          by: `slack:${ALLOWED_USER}`,
        },
      ]);
      expect(textOf(ts)).toMatch(/Retry of `prod-a\/gpu` recorded by <@U0ALLOWED1> at \d\d:\d\d UTC/);
      expect(buttonsOf(ts)).toEqual([]);

      const again = await postFailure();
      await click(again, 'Recall this image');
      const home = createClients({ region, endpoint: sb.endpoint, credentials });
      try {
        const recalls = await createRecallStore(home.dynamodb, { tableName: TABLE }).list();
        expect(recalls).toMatchObject([
          { release: '20261110', family: 'al2023', by: `slack:${ALLOWED_USER}` },
        ]);
      } finally {
        home.destroy();
      }
      expect(textOf(again)).toContain('Recalled by <@U0ALLOWED1>');
    });
  });
});
