import { createClients, createLedger, createLedgerTable, createPausePort } from '@nodekeeper/aws';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import type { LambdaFunctionURLResult } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackCommandHandler,
  type SlackCommandResult,
  type SlackWorkResult,
} from '../../functions/lib/slack-command.ts';
import { slackCommandDepsFromEnv } from '../../functions/lib/slack-deps.ts';
import {
  ALLOWED_USER,
  capturedLogger,
  configJson,
  formBody,
  NOW,
  OTHER_USER,
  SECRET_CANARY,
  signedEvent,
} from '../../functions/test/slack-command-support.ts';

/**
 * The slash command end to end over real HTTP on 127.0.0.1: signed Function URL events → handler
 * → SSM (pause flag), DynamoDB (ledger), EKS/EC2/SSM (plan) in the sandbox → answer posted to the
 * sandbox's Slack sink as response_url. Lambda's asynchronous invoke is the one piece simulated:
 * the self-invoke runs the handler in-process with the JSON payload, as Lambda would deliver it.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const region = 'us-east-1';
const SELF = 'nodekeeper-e2e-slack-command';
const PATCH = 'nodekeeper-e2e-patch';
const PAUSE_PARAMETER = '/nodekeeper/e2e/paused';
const TABLE = 'slack-command-e2e-ledger';
const MUTATING = new Set([
  'UpdateNodegroupVersion',
  'CreateLaunchTemplateVersion',
  'PutParameter',
  'SendCommand',
  'PutItem',
  'UpdateItem',
]);

const logs = capturedLogger();
let sb: Sandbox;
let responseUrl: string;
const invoked: Array<{ functionName: string; payload: unknown }> = [];
let work: Array<Promise<SlackCommandResult>> = [];

function record(overrides: Partial<RolloutRecord>): RolloutRecord {
  return {
    key: 'rk-1',
    accountId: null,
    region,
    cluster: 'prod-a',
    nodegroup: 'general',
    strategy: 'release-version',
    wave: null,
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: null },
    attempt: 1,
    updateId: 'upd-1',
    launchTemplateVersion: null,
    outcome: 'succeeded',
    reason: null,
    message: null,
    errors: [],
    createdAt: '2026-11-20T03:00:00.000Z',
    startedAt: '2026-11-20T03:00:01.000Z',
    finishedAt: '2026-11-20T03:20:00.000Z',
    slackThreadTs: null,
    ...overrides,
  };
}

function makeHandler() {
  const deps = slackCommandDepsFromEnv({
    env: {
      AWS_REGION: region,
      AWS_LAMBDA_FUNCTION_NAME: SELF,
      NODEKEEPER_CONFIG: configJson({ clusters: ['prod-*', 'dev-*'] }),
      NODEKEEPER_LEDGER_TABLE: TABLE,
      NODEKEEPER_PAUSE_PARAMETER: PAUSE_PARAMETER,
      NODEKEEPER_PATCH_FUNCTION: PATCH,
      NODEKEEPER_SLACK_SIGNING_SECRET: SECRET_CANARY,
      NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
    },
    // The clock the signature is checked against: the time the test requests are signed at.
    now: () => NOW,
    logger: logs.logger,
    endpoint: sb.endpoint,
    credentials,
    newRequestId: () => 'req-e2e-1',
    sleep: async () => {},
    // The simulated invoke answers at once; the acknowledgement's bound on it never fires here.
    ackSleep: () => new Promise<void>(() => {}),
  });
  const build = deps.services;
  const handler = createSlackCommandHandler({
    ...deps,
    services: () => {
      const services = build();
      return {
        ...services,
        // Lambda's asynchronous invoke, simulated: JSON in, handler runs later, caller does not wait.
        invoker: {
          async invoke(functionName, payload) {
            const json = JSON.parse(JSON.stringify(payload)) as unknown;
            invoked.push({ functionName, payload: json });
            if (functionName === SELF) work.push(Promise.resolve().then(() => handler(json)));
            return { kind: 'accepted', lambdaRequestId: `local-${invoked.length}` };
          },
        },
      };
    },
  });
  return handler;
}

let requests = 0;

/** A signed request as Slack sends it; each has its own trigger_id, so its own signature. */
function slashEvent(text: string, userId = ALLOWED_USER, timestamp?: string) {
  requests += 1;
  const body = formBody({ text, userId, responseUrl, extra: { trigger_id: `13345224609.${requests}.e2e` } });
  return signedEvent(body, timestamp === undefined ? {} : { timestamp });
}

async function slash(text: string, userId = ALLOWED_USER) {
  return deliver(slashEvent(text, userId));
}

/** Delivers one Function URL event, then lets the asynchronous worker it started finish. */
async function deliver(event: ReturnType<typeof signedEvent>) {
  const result = (await makeHandler()(event)) as Exclude<LambdaFunctionURLResult, string>;
  const worked = (await Promise.all(work)) as SlackWorkResult[];
  work = [];
  return {
    statusCode: result.statusCode,
    reply: JSON.parse(String(result.body)) as { response_type: string; text: string },
    worked,
  };
}

function mutatingCalls(): string[] {
  return sb
    .calls()
    .map((c) => c.operation)
    .filter((op) => MUTATING.has(op));
}

function lastPost(): { text: string; blocks: unknown[]; response_type?: string } {
  const post = sb.slackPosts().at(-1);
  if (!post) throw new Error('no Slack post');
  return post.body as { text: string; blocks: unknown[]; response_type?: string };
}

beforeAll(async () => {
  sb = await startSandbox({ fleet: demoFleet(), port: 0 });
  // A response_url on the sink's webhook path; its last segment is a canary.
  responseUrl = `${sb.endpoint}/slack/webhook/T0001/B0001/CANARYresponseURL0123`;
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, TABLE);
  const ledger = createLedger(home.dynamodb, { tableName: TABLE });
  await ledger.create(record({ key: 'rk-1' }));
  await ledger.create(
    record({
      key: 'rk-2',
      nodegroup: 'gpu',
      outcome: 'failed',
      createdAt: '2026-11-21T03:00:00.000Z',
      errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'pdb', resourceIds: [] }],
    }),
  );
  await ledger.create(
    record({ key: 'rk-3', cluster: 'dev-a', outcome: 'started', createdAt: '2026-11-22T03:00:00.000Z' }),
  );
  home.destroy();
});

afterAll(async () => {
  await sb.close();
  const lines = logs.lines();
  logs.restore();
  expect(lines.some((l) => l.includes('slash command answered'))).toBe(true);
  for (const line of lines) {
    expect(line).not.toContain('CANARY');
  }
});

beforeEach(() => {
  sb.resetCalls();
  sb.setFaults([]);
  invoked.length = 0;
});

describe('/nodekeeper against the sandbox', () => {
  describe('when an allowed user pauses, checks status, and resumes', () => {
    it('sets the SSM flag, reports it, and clears it', async () => {
      const reader = createPausePort(
        createClients({ region, endpoint: sb.endpoint, credentials }).ssm,
        PAUSE_PARAMETER,
      );

      const paused = await slash('pause CVE-2026-0001 rollout freeze');
      expect(paused.reply.text).toContain('Accepted');
      expect(paused.worked).toEqual([{ kind: 'signed-done', outcome: 'ran', delivered: true }]);
      expect(lastPost().text).toContain('paused nodekeeper rollouts');
      // Who paused is shown to the whole channel, not only to the requester.
      expect(lastPost().response_type).toBe('in_channel');
      // The once-only claim of the signed request, then the flag.
      expect(mutatingCalls()).toEqual(['PutItem', 'PutParameter']);
      expect(await reader.read()).toMatchObject({
        paused: true,
        reason: 'CVE-2026-0001 rollout freeze',
        by: 'slack:U0ALLOWED1',
      });

      const postsBefore = sb.slackPosts().length;
      const status = await slash('status');
      expect(status.reply.text).toContain('Working on');
      expect(status.worked).toEqual([{ kind: 'signed-done', outcome: 'answered', delivered: true }]);
      expect(sb.slackPosts()).toHaveLength(postsBefore + 1);
      expect(lastPost().text).toBe('Paused; 1 rollout in progress');
      expect(lastPost().response_type).toBeUndefined();
      expect(JSON.stringify(lastPost().blocks)).toContain('CVE-2026-0001 rollout freeze');

      await slash('resume');
      expect(lastPost().text).toContain('resumed nodekeeper rollouts');
      expect(lastPost().response_type).toBe('in_channel');
      expect(await reader.read()).toMatchObject({ paused: false, reason: null });
      await slash('status');
      expect(lastPost().text).toBe('Not paused; 1 rollout in progress');
    });
  });

  describe('when a user off the allowlist tries to pause', () => {
    it('refuses and the flag is never written', async () => {
      const result = await slash('pause', OTHER_USER);
      expect(result.reply.text).toContain('not on nodekeeper');
      expect(sb.calls()).toEqual([]);
      expect(invoked).toEqual([]);
    });
  });

  describe('when anyone asks for the plan of one cluster', () => {
    it('reads the fleet, posts the plan summary on response_url, and mutates nothing', async () => {
      const result = await slash('plan prod-a', OTHER_USER);
      expect(result.reply.response_type).toBe('ephemeral');
      expect(result.worked).toEqual([{ kind: 'signed-done', outcome: 'answered', delivered: true }]);
      expect(lastPost().text).toMatch(/^nodekeeper plan: \d+ to roll/);
      expect(JSON.stringify(lastPost().blocks)).toContain('prod-a');
      expect(JSON.stringify(lastPost().blocks)).not.toContain('dev-a');
      expect(sb.calls().some((c) => c.operation === 'DescribeNodegroup')).toBe(true);
      // Only the once-only claim of the request is written.
      expect(mutatingCalls()).toEqual(['PutItem']);
    });
  });

  describe('when anyone asks for history', () => {
    it('lists one cluster from the ledger, newest first', async () => {
      await slash('history prod-a', OTHER_USER);
      const blocks = JSON.stringify(lastPost().blocks);
      expect(lastPost().text).toContain('Rollout history of prod-a: 2 shown');
      expect(blocks.indexOf('gpu')).toBeLessThan(blocks.indexOf('general'));
      expect(blocks).toContain('PodEvictionFailure');
      expect(sb.calls().map((c) => c.operation)).toContain('Query');
    });

    it('filters every record by a glob', async () => {
      await slash('history dev-*', OTHER_USER);
      expect(lastPost().text).toContain('1 shown');
      expect(JSON.stringify(lastPost().blocks)).toContain('dev-a');
    });
  });

  describe('when an allowed user requests a patch', () => {
    it('hands the request to the patch function and answers with its ID', async () => {
      await slash('patch prod-a general --install');
      expect(lastPost().text).toContain('req-e2e-1');
      expect(invoked.filter((i) => i.functionName === PATCH)).toEqual([
        {
          functionName: PATCH,
          payload: {
            requestId: 'req-e2e-1',
            cluster: 'prod-a',
            nodegroups: ['general'],
            operation: 'Install',
            reboot: false,
            requestedBy: `slack:${ALLOWED_USER}`,
          },
        },
      ]);
      expect(sb.calls().map((c) => c.operation)).toEqual(['PutItem']);
    });
  });

  describe('when a signed request is replayed within its window', () => {
    it('answers the replay "already handled" and patches once', async () => {
      const event = slashEvent('patch prod-a --install --reboot');
      const first = await deliver(event);
      const second = await deliver(event);
      expect(first.worked).toEqual([{ kind: 'signed-done', outcome: 'ran', delivered: true }]);
      expect(second.worked).toEqual([{ kind: 'signed-done', outcome: 'replayed', delivered: true }]);
      expect(lastPost().text).toContain('already handled');
      expect(invoked.filter((i) => i.functionName === PATCH)).toHaveLength(1);
    });

    it('does not let an old `resume` replayed after a newer `pause` un-pause rollouts', async () => {
      const reader = createPausePort(
        createClients({ region, endpoint: sb.endpoint, credentials }).ssm,
        PAUSE_PARAMETER,
      );
      const oldResume = slashEvent('resume', ALLOWED_USER, String(Math.floor(NOW.getTime() / 1000) - 120));
      await deliver(oldResume);
      await slash('pause incident 7');
      sb.resetCalls();
      const replay = await deliver(oldResume);
      expect(replay.worked).toEqual([{ kind: 'signed-done', outcome: 'replayed', delivered: true }]);
      expect(lastPost().text).toContain('already handled');
      expect(mutatingCalls()).toEqual(['PutItem']);
      expect(await reader.read()).toMatchObject({ paused: true, reason: 'incident 7' });
      await slash('resume');
    });
  });

  describe('when response_url answers 404 no_service', () => {
    it('gives up after one attempt and logs it without the URL', async () => {
      sb.setFaults([{ service: 'slack', operation: 'webhook', error: { status: 404 } }]);
      const before = sb.slackPosts().length;
      const result = await slash('status', OTHER_USER);
      expect(result.worked).toEqual([{ kind: 'signed-done', outcome: 'answered', delivered: false }]);
      expect(sb.slackPosts()).toHaveLength(before);
      const rejected = logs.lines().filter((l) => l.includes('Slack rejected the message; not retrying'));
      expect(rejected.at(-1)).toContain('"slackError":"no_service"');
      expect(rejected.at(-1)).toContain('"attempt":1');
    });
  });

  describe('when response_url answers 500 once', () => {
    it('retries once and delivers', async () => {
      const retriesBefore = logs.lines().filter((l) => l.includes('Slack delivery failed; retrying')).length;
      sb.setFaults([{ service: 'slack', operation: 'webhook', error: { status: 500 }, times: 1 }]);
      const before = sb.slackPosts().length;
      const result = await slash('history', OTHER_USER);
      expect(result.worked).toEqual([{ kind: 'signed-done', outcome: 'answered', delivered: true }]);
      expect(sb.slackPosts()).toHaveLength(before + 1);
      const retries = logs.lines().filter((l) => l.includes('Slack delivery failed; retrying')).length;
      expect(retries - retriesBefore).toBe(1);
    });
  });

  describe('when the ledger is unreachable', () => {
    it('answers on response_url with the error code instead of failing silently', async () => {
      sb.setFaults(
        ['Query', 'Scan'].map((operation) => ({
          service: 'dynamodb' as const,
          operation,
          error: { status: 400, code: 'AccessDeniedException' },
        })),
      );
      const result = await slash('history', OTHER_USER);
      expect(result.worked).toEqual([{ kind: 'signed-done', outcome: 'answered', delivered: true }]);
      expect(lastPost().text).toContain('`history` failed: `AccessDeniedException`');
    });

    it('does nothing when the once-only claim cannot be written, and says so', async () => {
      sb.setFaults([{ service: 'dynamodb', error: { status: 400, code: 'AccessDeniedException' } }]);
      const result = await slash('pause', ALLOWED_USER);
      expect(result.worked).toEqual([{ kind: 'signed-done', outcome: 'claim-failed', delivered: true }]);
      expect(lastPost().text).toContain('nothing was done');
      expect(sb.calls().map((c) => c.operation)).not.toContain('PutParameter');
    });
  });
});
