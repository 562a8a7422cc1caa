import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { haltActions } from '@nodekeeper/core/messages';
import type { LambdaFunctionURLResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackCommandHandler, type SlackCommandResult, SlackPaths } from '../lib/slack-command.ts';
import { slackCommandDepsFromEnv } from '../lib/slack-deps.ts';
import {
  ALLOWED_USER,
  capturedLogger,
  configJson,
  formBody,
  NOW,
  OTHER_USER,
  SECRET_CANARY,
  signedEvent,
} from './slack-command-support.ts';

/**
 * Button clicks at the Function URL: `/slack/interactions` is verified like the slash command,
 * acknowledged with an empty 200 after the hand-off, and the worker claims the click once, checks
 * the allowlist, records the approval (or sets the pause flag) and edits the message with
 * chat.update. AWS is mocked (aws-sdk-client-mock); Slack is a recording fetch.
 */

const mocks = {
  ssm: mockClient(SSMClient),
  lambda: mockClient(LambdaClient),
  dynamodb: mockClient(DynamoDBClient),
  doc: mockClient(DynamoDBDocumentClient),
};
const SELF = 'nodekeeper-prod-slack-command';
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0001/123456/CANARYresponseURLtoken';
const API = 'http://127.0.0.1:9/api/';
const logs = capturedLogger();

/** What reached Slack: chat.update bodies and response_url posts. */
let slack: Array<{ url: string; body: Record<string, unknown> }> = [];
let claimedKeys = new Set<string>();

function handler(options: { botToken?: boolean } = {}) {
  const deps = slackCommandDepsFromEnv({
    env: {
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: SELF,
      NODEKEEPER_CONFIG: configJson({
        waves: [
          { name: 'dev', clusters: ['dev-*'] },
          { name: 'prod', clusters: ['prod-*'] },
        ],
      }),
      NODEKEEPER_LEDGER_TABLE: 'nodekeeper-prod-ledger',
      NODEKEEPER_PAUSE_PARAMETER: '/nodekeeper/prod/paused',
      NODEKEEPER_SLACK_SIGNING_SECRET: SECRET_CANARY,
      ...(options.botToken === false
        ? {}
        : {
            NODEKEEPER_SLACK_BOT_TOKEN: 'xoxb-CANARY-bot-token',
            NODEKEEPER_SLACK_CHANNEL: 'C0OPS',
            NODEKEEPER_SLACK_API_URL: API,
            NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
          }),
    },
    now: () => NOW,
    logger: logs.logger,
    newRequestId: () => 'req-0001',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    fetch: async (url, init) => {
      slack.push({ url, body: JSON.parse(String(init.body)) as Record<string, unknown> });
      return url.startsWith(API)
        ? Response.json({ ok: true, channel: 'C0OPS', ts: '1700000000.000100' })
        : new Response('ok', { status: 200 });
    },
    ackSleep: () => new Promise<void>(() => {}),
  });
  return createSlackCommandHandler(deps);
}

/** The halt notice's message as Slack echoes it in a click. */
const haltMessage = {
  type: 'message',
  ts: '1700000000.000100',
  text: 'Release 20261110 halted',
  blocks: JSON.parse(
    JSON.stringify([
      { type: 'section', block_id: 'x1', text: { type: 'mrkdwn', text: 'halted' } },
      haltActions({ release: '20261110', family: 'al2023', waves: ['prod'] }),
    ]),
  ) as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>,
};
const buttons = haltMessage.blocks[1]?.elements ?? [];

function clickBody(button: { action_id: string; value: string }, userId = ALLOWED_USER, extra = {}): string {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: 'operator', team_id: 'T0001' },
    team: { id: 'T0001', domain: 'example' },
    api_app_id: 'A0001',
    container: { type: 'message', message_ts: haltMessage.ts, channel_id: 'C0OPS', is_ephemeral: false },
    channel: { id: 'C0OPS', name: 'ops' },
    message: haltMessage,
    response_url: RESPONSE_URL,
    trigger_id: '1.2.3',
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: 'nodekeeper.actions',
        value: button.value,
        action_ts: '1700000001.000200',
      },
    ],
    ...extra,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function http(result: SlackCommandResult): { statusCode: number; body: string } {
  const r = result as Exclude<LambdaFunctionURLResult, string>;
  if (typeof r !== 'object' || r === null || !('statusCode' in r)) throw new Error('not an HTTP result');
  return { statusCode: r.statusCode ?? 0, body: String(r.body ?? '') };
}

function handoffs(): unknown[] {
  return mocks.lambda
    .commandCalls(InvokeCommand)
    .filter((c) => c.args[0].input.FunctionName === SELF)
    .map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)) as unknown);
}

/** The approvals the worker wrote (conditional PutItem on APPROVAL# items). */
function approvals(): Array<Record<string, unknown>> {
  return mocks.doc
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input.Item as Record<string, unknown>)
    .filter((i) => String(i.pk).startsWith('APPROVAL#'));
}

beforeEach(() => {
  slack = [];
  claimedKeys = new Set();
  mocks.doc.on(PutCommand).callsFake((input: { Item?: { pk?: string }; ConditionExpression?: string }) => {
    const pk = String(input.Item?.pk);
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && claimedKeys.has(pk))
      throw Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
        $metadata: {},
      });
    claimedKeys.add(pk);
    return {};
  });
  mocks.doc.on(GetCommand).resolves({});
  mocks.doc.on(UpdateCommand).rejects(
    Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
      $metadata: {},
    }),
  );
  mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 202, $metadata: { requestId: 'lambda-req-1' } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2, $metadata: {} });
});

afterEach(() => {
  for (const mock of Object.values(mocks)) mock.reset();
});

afterAll(() => {
  const lines = logs.lines();
  logs.restore();
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).not.toContain('CANARY');
    expect(line).not.toContain(SECRET_CANARY);
  }
});

describe('slack-command handler on /slack/interactions', () => {
  describe('when an allowlisted user clicks Approve', () => {
    it('acknowledges with an empty 200 and touches no AWS but the hand-off', async () => {
      const h = handler();
      const ack = http(
        await h(signedEvent(clickBody(buttons[0] as never), { path: SlackPaths.interactions })),
      );
      expect(ack).toEqual({ statusCode: 200, body: '' });
      expect(handoffs()).toMatchObject([{ kind: 'slack-interaction-signed', version: 1 }]);
      expect(mocks.doc).not.toHaveReceivedAnyCommand();
      expect(mocks.ssm).not.toHaveReceivedAnyCommand();
    });

    it('records the approval once and edits the message with chat.update; a replay changes nothing', async () => {
      const h = handler();
      await h(signedEvent(clickBody(buttons[0] as never), { path: SlackPaths.interactions }));
      const [work] = handoffs();
      expect(await h(work)).toMatchObject({
        kind: 'interaction-done',
        outcome: { kind: 'done', action: 'approve', updateError: null },
      });
      expect(approvals()).toMatchObject([
        { pk: 'APPROVAL#al2023#20261110', sk: 'WAVE#prod', wave: 'prod', by: `slack:${ALLOWED_USER}` },
      ]);
      const update = slack.find((s) => s.url === `${API}chat.update`);
      expect(update?.body).toMatchObject({ channel: 'C0OPS', ts: '1700000000.000100' });
      expect(JSON.stringify(update?.body.blocks)).toContain(
        `Approved for wave \`prod\` by <@${ALLOWED_USER}>`,
      );

      // The same signed click, delivered again (a captured request, or Lambda's redelivery).
      slack = [];
      expect(await h(work)).toMatchObject({ kind: 'interaction-done', outcome: { kind: 'replayed' } });
      expect(approvals()).toHaveLength(1);
      expect(slack).toEqual([
        {
          url: RESPONSE_URL,
          body: expect.objectContaining({
            response_type: 'ephemeral',
            replace_original: false,
            text: 'This request was already handled; nothing was done again.',
          }),
        },
      ]);
    });
  });

  describe('when the user is not on the allowlist', () => {
    it('answers privately and records nothing', async () => {
      const h = handler();
      await h(signedEvent(clickBody(buttons[0] as never, OTHER_USER), { path: SlackPaths.interactions }));
      expect(await h(handoffs()[0])).toMatchObject({ outcome: { kind: 'refused', reason: 'not-allowed' } });
      expect(approvals()).toEqual([]);
      expect(slack.map((s) => [s.url, s.body.response_type])).toEqual([[RESPONSE_URL, 'ephemeral']]);
    });
  });

  describe('when there is no bot token', () => {
    it('edits the clicked message through the response URL (replace_original)', async () => {
      const h = handler({ botToken: false });
      await h(signedEvent(clickBody(buttons[2] as never), { path: SlackPaths.interactions }));
      await h(handoffs()[0]);
      expect(slack).toMatchObject([{ url: RESPONSE_URL, body: { replace_original: true } }]);
      expect(JSON.stringify(slack[0]?.body.blocks)).toContain('Kept halted by');
    });
  });

  describe('when the request is forged or malformed', () => {
    it('refuses a bad signature with 401 before reading anything', async () => {
      const h = handler();
      const event = signedEvent(clickBody(buttons[0] as never), {
        path: SlackPaths.interactions,
        secret: 'wrong',
      });
      expect(http(await h(event)).statusCode).toBe(401);
      expect(handoffs()).toEqual([]);
    });

    it('refuses a signed body that is not a click with 400', async () => {
      const h = handler();
      const body = new URLSearchParams({ payload: '{"type":"view_submission"}' }).toString();
      expect(http(await h(signedEvent(body, { path: SlackPaths.interactions }))).statusCode).toBe(400);
      expect(handoffs()).toEqual([]);
    });

    it('refuses a worker payload whose signature does not hold, doing nothing', async () => {
      const h = handler();
      await h(signedEvent(clickBody(buttons[0] as never), { path: SlackPaths.interactions }));
      const [work] = handoffs() as Array<Record<string, unknown>>;
      const tampered = { ...work, rawBody: clickBody(buttons[1] as never) };
      expect(await h(tampered)).toEqual({ kind: 'rejected', problems: ['signature: bad-signature'] });
      expect(approvals()).toEqual([]);
    });
  });

  describe('when the path is not one of the function', () => {
    it('answers 404 after the signature check', async () => {
      const h = handler();
      expect(http(await h(signedEvent(formBody({ text: 'help' }), { path: '/admin' }))).statusCode).toBe(404);
    });
  });

  describe('when a slash command arrives on either of its paths', () => {
    it.each(['/', SlackPaths.commands])('answers it on %s', async (path) => {
      const h = handler();
      const answer = http(await h(signedEvent(formBody({ text: 'help' }), { path })));
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toContain('Usage');
    });
  });
});
