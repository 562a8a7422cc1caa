import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ACK_DEADLINE_MS,
  ACK_INVOKE_BUDGET_MS,
  ACK_MIN_INVOKE_MS,
  createSlackCommandHandler,
  handOffBudgetMs,
  type SlackCommandResult,
} from '../lib/slack-command.ts';
import { slackCommandDepsFromEnv } from '../lib/slack-deps.ts';
import {
  ALLOWED_USER,
  capturedLogger,
  configJson,
  formBody,
  NOW,
  NOW_TS,
  OTHER_USER,
  SECRET_CANARY,
  sign,
  signedEvent,
  urlEvent,
  vector,
} from './slack-command-support.ts';

const mocks = {
  ssm: mockClient(SSMClient),
  lambda: mockClient(LambdaClient),
  dynamodb: mockClient(DynamoDBClient),
  doc: mockClient(DynamoDBDocumentClient),
  eks: mockClient(EKSClient),
  ec2: mockClient(EC2Client),
};
const SELF = 'nodekeeper-prod-slack-command';
const PATCH = 'nodekeeper-prod-patch';
const PAUSE_PARAMETER = '/nodekeeper/prod/paused';

const logs = capturedLogger();
let servicesBuilt = 0;
/** What the worker posted to response_url. */
let posted: Array<{ url: string; text: string }> = [];
/** Once-only claims held by the mocked ledger table (conditional PutItem on `pk`). */
let claimedKeys = new Set<string>();

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: SELF,
    NODEKEEPER_CONFIG: configJson(),
    NODEKEEPER_STAGE: 'prod',
    NODEKEEPER_LEDGER_TABLE: 'nodekeeper-prod-ledger',
    NODEKEEPER_PAUSE_PARAMETER: PAUSE_PARAMETER,
    NODEKEEPER_PATCH_FUNCTION: PATCH,
    NODEKEEPER_SLACK_SIGNING_SECRET: SECRET_CANARY,
    ...extra,
  };
}

function handlerWith(
  options: { env?: Record<string, string>; now?: Date; ackSleep?: (ms: number) => Promise<void> } = {},
) {
  const deps = slackCommandDepsFromEnv({
    env: options.env ?? env(),
    now: () => options.now ?? NOW,
    logger: logs.logger,
    newRequestId: () => 'req-0001',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    fetch: async (url, init) => {
      posted.push({ url, text: String((JSON.parse(String(init.body)) as { text: string }).text) });
      return new Response('ok', { status: 200 });
    },
    // The mocked invoke always answers first unless a test says otherwise.
    ackSleep: options.ackSleep ?? (() => new Promise<void>(() => {})),
  });
  const build = deps.services;
  return createSlackCommandHandler({
    ...deps,
    services: () => {
      servicesBuilt += 1;
      return build();
    },
  });
}

function http(result: SlackCommandResult): { statusCode: number; body: string } {
  const r = result as Exclude<LambdaFunctionURLResult, string>;
  if (typeof r !== 'object' || r === null || !('statusCode' in r)) throw new Error('not an HTTP result');
  return { statusCode: r.statusCode ?? 0, body: String(r.body ?? '') };
}

function reply(result: SlackCommandResult): { response_type: string; text: string } {
  const { statusCode, body } = http(result);
  expect(statusCode).toBe(200);
  return JSON.parse(body) as { response_type: string; text: string };
}

/** Payloads the acknowledgement handed to this function (asynchronous self-invoke). */
function handoffs(): unknown[] {
  return mocks.lambda
    .commandCalls(InvokeCommand)
    .filter((c) => c.args[0].input.FunctionName === SELF)
    .map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)) as unknown);
}

/** Acknowledges a signed request, then runs the worker on what was handed off (as Lambda would). */
async function roundTrip(
  handler: ReturnType<typeof handlerWith>,
  event: ReturnType<typeof signedEvent>,
): Promise<{ ack: { response_type: string; text: string }; answer: string | undefined }> {
  const before = handoffs().length;
  const ack = reply(await handler(event));
  const handed = handoffs().slice(before);
  expect(handed).toHaveLength(1);
  const postsBefore = posted.length;
  expect(await handler(handed[0])).toMatchObject({ kind: 'signed-done', delivered: true });
  return { ack, answer: posted.slice(postsBefore).at(-1)?.text };
}

function expectNoAwsCall(): void {
  for (const mock of Object.values(mocks)) expect(mock).not.toHaveReceivedAnyCommand();
}

beforeEach(() => {
  servicesBuilt = 0;
  posted = [];
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
  mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 202, $metadata: { requestId: 'lambda-req-1' } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2, $metadata: {} });
});

afterEach(() => {
  for (const mock of Object.values(mocks)) mock.reset();
});

afterAll(() => {
  const lines = logs.lines();
  logs.restore();
  // Secret canaries: the signing secret and the response_url token never reach a log line.
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).not.toContain('CANARY');
    expect(line).not.toContain(vector.signing_secret);
  }
});

describe('slack-command handler', () => {
  describe("when Slack's published test vector arrives", () => {
    const signed = () =>
      urlEvent(vector.body, {
        'X-Slack-Request-Timestamp': vector.timestamp,
        'X-Slack-Signature': vector.signature,
      });
    const nearVector = new Date((Number(vector.timestamp) + 12) * 1000);

    it('accepts it and answers the empty command with the usage text', async () => {
      const handler = handlerWith({
        env: env({ NODEKEEPER_SLACK_SIGNING_SECRET: vector.signing_secret }),
        now: nearVector,
      });
      const answer = reply(await handler(signed()));
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain('Usage: `/nodekeeper <subcommand>`');
      expectNoAwsCall();
    });

    it('accepts it base64-encoded, as a Function URL may deliver it', async () => {
      const handler = handlerWith({
        env: env({ NODEKEEPER_SLACK_SIGNING_SECRET: vector.signing_secret }),
        now: nearVector,
      });
      const event = urlEvent(
        vector.body,
        { 'x-slack-request-timestamp': vector.timestamp, 'x-slack-signature': vector.signature },
        { base64: true },
      );
      expect(http(await handler(event)).statusCode).toBe(200);
    });

    it('refuses it six minutes later (replay)', async () => {
      const handler = handlerWith({
        env: env({ NODEKEEPER_SLACK_SIGNING_SECRET: vector.signing_secret }),
        now: new Date((Number(vector.timestamp) + 301) * 1000),
      });
      expect(http(await handler(signed())).statusCode).toBe(401);
    });
  });

  describe('when the request is not correctly signed', () => {
    const body = formBody({ text: 'pause maintenance' });
    const cases: Array<[string, () => ReturnType<typeof urlEvent>]> = [
      [
        'the body was tampered with',
        () => {
          const e = signedEvent(body);
          return { ...e, body: body.replace('pause', 'resume') };
        },
      ],
      ['it was signed with another secret', () => signedEvent(body, { secret: 'not-the-secret' })],
      ['the timestamp is stale', () => signedEvent(body, { timestamp: String(Number(NOW_TS) - 301) })],
      [
        'the timestamp is in the future',
        () => signedEvent(body, { timestamp: String(Number(NOW_TS) + 301) }),
      ],
      [
        'the timestamp header is missing',
        () => urlEvent(body, { 'x-slack-signature': sign(SECRET_CANARY, NOW_TS, body) }),
      ],
      ['the signature header is missing', () => urlEvent(body, { 'x-slack-request-timestamp': NOW_TS })],
      ['there are no headers at all', () => ({ ...urlEvent(body, {}), headers: {} })],
      [
        'a base64 body is not marked as base64',
        () => {
          const e = signedEvent(body, { base64: true });
          return { ...e, isBase64Encoded: false };
        },
      ],
      [
        'the body is base64 but the signature covers the encoded text',
        () => {
          const encoded = Buffer.from(body).toString('base64');
          return urlEvent(
            body,
            {
              'x-slack-request-timestamp': NOW_TS,
              'x-slack-signature': sign(SECRET_CANARY, NOW_TS, encoded),
            },
            { base64: true },
          );
        },
      ],
      [
        'the body carries an internal work payload',
        () => {
          const work = JSON.stringify({
            kind: 'slack-command-work',
            version: 1,
            command: { kind: 'status' },
            userId: ALLOWED_USER,
            responseUrl: 'https://hooks.slack.com/commands/T0001/1/x',
            requestedAt: NOW.toISOString(),
          });
          return urlEvent(work, { 'x-slack-request-timestamp': NOW_TS, 'x-slack-signature': 'v0=00' });
        },
      ],
    ];

    for (const [when, event] of cases) {
      it(`answers 401 and calls nothing when ${when}`, async () => {
        const handler = handlerWith();
        const { statusCode, body: text } = http(await handler(event()));
        expect(statusCode).toBe(401);
        expect(text).toBe('invalid request signature');
        expect(servicesBuilt).toBe(0);
        expectNoAwsCall();
      });
    }

    it('answers 401 when no signing secret is configured', async () => {
      const vars = env();
      delete (vars as Record<string, string | undefined>).NODEKEEPER_SLACK_SIGNING_SECRET;
      const handler = handlerWith({ env: vars });
      expect(http(await handler(signedEvent(body))).statusCode).toBe(401);
      expectNoAwsCall();
    });

    it('treats an HTTP-shaped event as HTTP even when it also looks like a work payload', async () => {
      const handler = handlerWith();
      const event = {
        headers: {},
        kind: 'slack-command-work',
        version: 1,
        command: { kind: 'status' },
        userId: ALLOWED_USER,
        responseUrl: 'https://hooks.slack.com/commands/T0001/1/x',
        requestedAt: NOW.toISOString(),
      };
      expect(http(await handler(event)).statusCode).toBe(401);
      expect(servicesBuilt).toBe(0);
    });
  });

  describe('when the signed form is invalid', () => {
    it.each([
      ['an http response_url', 'http://hooks.slack.com/commands/T0001/1/x'],
      ['a response_url on another host', 'https://hooks.slack.com.evil.example/commands/x'],
      ['a loopback response_url without the local flag', 'http://127.0.0.1:9/slack/webhook/T/B/X'],
      ['a metadata-service response_url', 'http://169.254.169.254/latest/meta-data'],
    ])('answers 400 for %s and calls nothing', async (_, responseUrl) => {
      const handler = handlerWith();
      const result = http(await handler(signedEvent(formBody({ text: 'pause', responseUrl }))));
      expect(result.statusCode).toBe(400);
      expectNoAwsCall();
    });

    it('answers 400 for a missing user_id', async () => {
      const handler = handlerWith();
      const body = formBody({ text: 'status' }).replace(/user_id=[^&]*&/, '');
      expect(http(await handler(signedEvent(body))).statusCode).toBe(400);
      expectNoAwsCall();
    });
  });

  describe('when the subcommand is unknown', () => {
    it('answers with the usage text and changes nothing', async () => {
      const handler = handlerWith();
      const answer = reply(await handler(signedEvent(formBody({ text: 'reboot-everything now' }))));
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain('unknown subcommand: reboot-everything');
      expect(answer.text).toContain('Usage:');
      expectNoAwsCall();
    });
  });

  describe('when a user off the allowlist runs a mutating subcommand', () => {
    it.each(['pause not today', 'resume', 'patch prod-a general --install --reboot'])(
      'refuses `%s` politely and mutates nothing',
      async (text) => {
        const handler = handlerWith();
        const answer = reply(await handler(signedEvent(formBody({ text, userId: OTHER_USER }))));
        expect(answer.response_type).toBe('ephemeral');
        expect(answer.text).toContain('not on nodekeeper');
        expect(answer.text).toContain('Nothing was changed');
        expectNoAwsCall();
      },
    );

    it('refuses everyone when the allowlist is empty', async () => {
      const handler = handlerWith({ env: env({ NODEKEEPER_CONFIG: configJson({ slack: {} }) }) });
      const answer = reply(await handler(signedEvent(formBody({ text: 'pause' }))));
      expect(answer.text).toContain('not on nodekeeper');
      expectNoAwsCall();
    });
  });

  describe('when an allowed user pauses and resumes', () => {
    it('acknowledges without AWS, then the worker claims the request, writes the pause flag and answers', async () => {
      const handler = handlerWith();
      const { ack, answer } = await roundTrip(
        handler,
        signedEvent(formBody({ text: 'pause <!channel> CVE-2026-1' })),
      );
      expect(ack.response_type).toBe('ephemeral');
      expect(ack.text).toContain('Accepted');
      expect(answer).toContain(`<@${ALLOWED_USER}> paused nodekeeper rollouts`);
      expect(answer).not.toContain('<!channel>');
      expect(claimedKeys.size).toBe(1);
      expect([...claimedKeys][0]).toMatch(/^SLACKREQ#[0-9a-f]{64}$/);
      const claim = mocks.doc.commandCalls(PutCommand)[0]?.args[0].input;
      // Kept an hour past the signature window (TTL attribute of the ledger table).
      expect(claim?.Item?.expiresAt).toBe(Number(NOW_TS) + 300 + 3600);
      expect(mocks.ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
      const input = mocks.ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
      expect(input).toMatchObject({ Name: PAUSE_PARAMETER, Type: 'String', Overwrite: true });
      expect(JSON.parse(String(input?.Value))).toEqual({
        paused: true,
        reason: '<!channel> CVE-2026-1',
        by: `slack:${ALLOWED_USER}`,
        at: NOW.toISOString(),
      });
      expect(mocks.lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    });

    it('clears the flag on resume', async () => {
      const handler = handlerWith();
      const { answer } = await roundTrip(handler, signedEvent(formBody({ text: 'resume' })));
      expect(answer).toContain('resumed');
      const value = mocks.ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.Value;
      expect(JSON.parse(String(value))).toMatchObject({ paused: false, reason: null });
    });

    it('says so when SSM refuses, without claiming success', async () => {
      mocks.ssm.on(PutParameterCommand).rejects(
        Object.assign(new Error('User is not authorized'), {
          name: 'AccessDeniedException',
          $metadata: {},
        }),
      );
      const handler = handlerWith();
      const { answer } = await roundTrip(handler, signedEvent(formBody({ text: 'pause' })));
      expect(answer).toContain('AccessDeniedException');
      expect(answer).not.toContain('paused nodekeeper rollouts');
    });
  });

  describe('when a signed request is replayed', () => {
    it('answers the second delivery of the same signature and timestamp "already handled" and patches once', async () => {
      const handler = handlerWith();
      const event = signedEvent(formBody({ text: 'patch prod-a --install --reboot' }));
      const first = await roundTrip(handler, event);
      const second = await roundTrip(handler, event);
      expect(first.answer).toContain('req-0001');
      expect(second.ack.text).toContain('Accepted');
      expect(second.answer).toContain('already handled');
      const patches = mocks.lambda
        .commandCalls(InvokeCommand)
        .filter((c) => c.args[0].input.FunctionName === PATCH);
      expect(patches).toHaveLength(1);
    });

    it('treats an upper-case copy of the signature as the same request', async () => {
      const handler = handlerWith();
      const event = signedEvent(formBody({ text: 'pause' }));
      await roundTrip(handler, event);
      const headers = event.headers as Record<string, string>;
      const upper = {
        ...event,
        headers: {
          ...headers,
          'x-slack-signature': `v0=${String(headers['x-slack-signature']).slice(3).toUpperCase()}`,
        },
      };
      const replay = await roundTrip(handler, upper);
      expect(replay.answer).toContain('already handled');
      expect(mocks.ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    });

    it('does not let an old `resume` replayed after a newer `pause` change anything', async () => {
      const handler = handlerWith();
      const oldResume = signedEvent(formBody({ text: 'resume' }), { timestamp: String(Number(NOW_TS) - 60) });
      await roundTrip(handler, oldResume);
      const pause = await roundTrip(handler, signedEvent(formBody({ text: 'pause incident' })));
      expect(pause.answer).toContain('paused nodekeeper rollouts');
      const replay = await roundTrip(handler, oldResume);
      expect(replay.answer).toContain('already handled');
      const writes = mocks.ssm
        .commandCalls(PutParameterCommand)
        .map((c) => JSON.parse(String(c.args[0].input.Value)));
      expect(writes.map((w: { paused: boolean }) => w.paused)).toEqual([false, true]);
    });

    it('refuses a worker payload whose signature does not verify, and claims nothing', async () => {
      const handler = handlerWith();
      const body = formBody({ text: 'pause' });
      const result = await handler({
        kind: 'slack-command-signed',
        version: 1,
        rawBody: body,
        timestamp: NOW_TS,
        signature: sign('not-the-secret', NOW_TS, body),
      });
      expect(result).toMatchObject({ kind: 'rejected' });
      expectNoAwsCall();
    });

    it('answers "not done" when the claim cannot be written, and changes nothing', async () => {
      mocks.doc.on(PutCommand).rejects(
        Object.assign(new Error('Throughput exceeds the current capacity'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: {},
        }),
      );
      const handler = handlerWith();
      const { answer } = await roundTrip(handler, signedEvent(formBody({ text: 'pause' })));
      expect(answer).toContain('nothing was done');
      expect(mocks.ssm).not.toHaveReceivedAnyCommand();
    });
  });

  describe('when AWS hangs during the acknowledgement', () => {
    it('answers `pause` without waiting on the self-invoke beyond its bound, and changes nothing itself', async () => {
      mocks.lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
      mocks.ssm.on(PutParameterCommand).callsFake(() => new Promise(() => {}));
      let waitedMs: number | null = null;
      const handler = handlerWith({
        ackSleep: async (ms) => {
          waitedMs = ms;
        },
      });
      const answer = reply(await handler(signedEvent(formBody({ text: 'pause' }))));
      expect(answer.text).toContain('Accepted');
      expect(waitedMs).toBe(ACK_INVOKE_BUDGET_MS);
      expect(ACK_INVOKE_BUDGET_MS).toBeLessThanOrEqual(1000);
      expect(mocks.ssm).not.toHaveReceivedAnyCommand();
      expect(mocks.doc).not.toHaveReceivedAnyCommand();
    });

    it('waits less for the hand-off when the request already spent time arriving (a cold start)', async () => {
      mocks.lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
      let waitedMs: number | null = null;
      // The request reached the Function URL 1.6 s ago: Lambda's init took that long.
      const handler = handlerWith({
        now: new Date(NOW.getTime() + 1600),
        ackSleep: async (ms) => {
          waitedMs = ms;
        },
      });
      const answer = reply(await handler(signedEvent(formBody({ text: 'pause' }))));
      expect(answer.text).toContain('Accepted');
      expect(waitedMs).toBe(ACK_DEADLINE_MS - 1600);
    });

    it.each([
      ['no arrival time', undefined, 0, ACK_INVOKE_BUDGET_MS],
      ['arrived just now', 1000, 1000, ACK_INVOKE_BUDGET_MS],
      ['arrived 1.2 s ago', 1000, 2200, ACK_DEADLINE_MS - 1200],
      ['arrived 5 s ago', 1000, 6000, ACK_MIN_INVOKE_MS],
      ['an arrival time in the future (clock skew)', 9000, 1000, ACK_INVOKE_BUDGET_MS],
    ] as const)('bounds the hand-off for %s', (_what, arrivedAt, now, expected) => {
      expect(handOffBudgetMs(arrivedAt, now)).toBe(expected);
    });

    it.each(['status', 'plan', 'patch prod-a', 'resume'])(
      'touches no AWS but the bounded hand-off for `%s`',
      async (text) => {
        const handler = handlerWith({ ackSleep: async () => {} });
        mocks.lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
        reply(await handler(signedEvent(formBody({ text }))));
        expect(mocks.ssm).not.toHaveReceivedAnyCommand();
        expect(mocks.doc).not.toHaveReceivedAnyCommand();
        expect(mocks.dynamodb).not.toHaveReceivedAnyCommand();
        expect(mocks.eks).not.toHaveReceivedAnyCommand();
        expect(mocks.lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
      },
    );
  });

  describe('when an allowed user requests a patch', () => {
    it('invokes the patch function asynchronously and answers with the request ID', async () => {
      const handler = handlerWith();
      const { answer } = await roundTrip(
        handler,
        signedEvent(formBody({ text: 'patch prod-a general --install' })),
      );
      expect(answer).toContain('req-0001');
      expect(answer).toContain('NoReboot');
      expect(mocks.lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
      const input = mocks.lambda.commandCalls(InvokeCommand)[1]?.args[0].input;
      expect(input?.FunctionName).toBe(PATCH);
      expect(input?.InvocationType).toBe('Event');
      expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
        requestId: 'req-0001',
        cluster: 'prod-a',
        nodegroups: ['general'],
        operation: 'Install',
        reboot: false,
        requestedBy: `slack:${ALLOWED_USER}`,
      });
      expect(mocks.ssm).not.toHaveReceivedAnyCommand();
    });

    it('refuses a cluster outside the configured clusters', async () => {
      const handler = handlerWith();
      const answer = reply(await handler(signedEvent(formBody({ text: 'patch staging-x' }))));
      expect(answer.text).toContain('not one of the clusters nodekeeper manages');
      expectNoAwsCall();
    });

    it('reports a failed patch invoke and claims nothing started', async () => {
      mocks.lambda
        .on(InvokeCommand, { FunctionName: PATCH })
        .rejects(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException', $metadata: {} }));
      const handler = handlerWith();
      const { answer } = await roundTrip(handler, signedEvent(formBody({ text: 'patch prod-a' })));
      expect(answer).toContain('TooManyRequestsException');
      expect(answer).toContain('Nothing was started');
    });

    it('says it could not start when the hand-off to the worker fails, and changes nothing', async () => {
      mocks.lambda
        .on(InvokeCommand)
        .rejects(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException', $metadata: {} }));
      const handler = handlerWith();
      const answer = reply(await handler(signedEvent(formBody({ text: 'patch prod-a' }))));
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain('could not be started');
      expect(mocks.ssm).not.toHaveReceivedAnyCommand();
    });
  });

  describe('when a read-only subcommand arrives', () => {
    it.each([
      ['plan prod-*', { kind: 'plan', cluster: 'prod-*' }],
      ['status', { kind: 'status' }],
      ['history', { kind: 'history' }],
    ])('acknowledges `%s` at once and hands the work to itself asynchronously', async (text, command) => {
      const handler = handlerWith();
      const answer = reply(await handler(signedEvent(formBody({ text, userId: OTHER_USER }))));
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain('Working on');
      const input = mocks.lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
      expect(input?.FunctionName).toBe(SELF);
      expect(input?.InvocationType).toBe('Event');
      const body = formBody({ text, userId: OTHER_USER });
      // The signed request itself: the worker verifies it again and claims it once.
      expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
        kind: 'slack-command-signed',
        version: 1,
        rawBody: body,
        timestamp: NOW_TS,
        signature: sign(SECRET_CANARY, NOW_TS, body),
      });
      expect(command.kind).toBe(text.split(' ')[0]);
      expect(mocks.ssm).not.toHaveReceivedAnyCommand();
      expect(mocks.doc).not.toHaveReceivedAnyCommand();
    });
  });

  describe('when a work payload arrives by Lambda invoke', () => {
    const valid = {
      kind: 'slack-command-work',
      version: 1,
      command: { kind: 'status' },
      userId: ALLOWED_USER,
      responseUrl: 'https://hooks.slack.com/commands/T0001/1/x',
      requestedAt: NOW.toISOString(),
    };

    it.each([
      ['an extra key', { ...valid, signature: 'trust-me' }],
      ['a mutating command', { ...valid, command: { kind: 'pause' } }],
      ['a foreign response URL', { ...valid, responseUrl: 'https://example.com/hook' }],
      ['a wrong version', { ...valid, version: 2 }],
      ['no kind', { ...valid, kind: undefined }],
    ])('rejects one with %s and calls nothing', async (_, payload) => {
      const handler = handlerWith();
      const result = await handler(payload);
      expect(result).toMatchObject({ kind: 'rejected' });
      expect(servicesBuilt).toBe(0);
      expectNoAwsCall();
    });

    it('rejects events that are not objects', async () => {
      const handler = handlerWith();
      expect(await handler('status')).toMatchObject({ kind: 'rejected' });
      expect(await handler(null)).toMatchObject({ kind: 'rejected' });
      expectNoAwsCall();
    });
  });

  describe('when fed arbitrary bodies and headers', () => {
    it('never throws, answers 401 to anything unsigned, and calls nothing', async () => {
      const handler = handlerWith();
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 400 }),
          fc.dictionary(
            fc.constantFrom(
              'x-slack-request-timestamp',
              'x-slack-signature',
              'X-Slack-Signature',
              'content-type',
            ),
            fc.string({ maxLength: 80 }),
          ),
          fc.boolean(),
          async (body, headers, base64) => {
            const result = http(await handler(urlEvent(body, headers, { base64 })));
            expect(result.statusCode).toBe(401);
          },
        ),
        { numRuns: 200 },
      );
      expect(servicesBuilt).toBe(0);
      expectNoAwsCall();
    });

    it('never throws on arbitrary signed text, and only allowlisted users reach a mutation', async () => {
      const handler = handlerWith();
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
          const result = http(await handler(signedEvent(formBody({ text, userId: OTHER_USER }))));
          expect(result.statusCode).toBe(200);
        }),
        { numRuns: 200 },
      );
      expect(mocks.ssm).not.toHaveReceivedAnyCommand();
      for (const call of mocks.lambda.commandCalls(InvokeCommand)) {
        expect(call.args[0].input.FunctionName).toBe(SELF);
      }
    });
  });

  describe('when the deployed entry point is called', () => {
    it('builds itself from the environment and verifies before anything else', async () => {
      for (const [key, value] of Object.entries(env())) vi.stubEnv(key, value);
      try {
        const { handler } = await import('../slack-command.ts');
        const result = http(await handler(signedEvent(formBody({ text: 'pause' }), { secret: 'wrong' })));
        expect(result.statusCode).toBe(401);
        expectNoAwsCall();
      } finally {
        vi.unstubAllEnvs();
      }
    });
  });

  describe('when GET is used with a valid signature', () => {
    it('answers 405', async () => {
      const handler = handlerWith();
      const body = formBody({ text: 'status' });
      const event = urlEvent(
        body,
        { 'x-slack-request-timestamp': NOW_TS, 'x-slack-signature': sign(SECRET_CANARY, NOW_TS, body) },
        { method: 'GET' },
      );
      expect(http(await handler(event)).statusCode).toBe(405);
      expectNoAwsCall();
    });
  });
});

vi.setConfig({ testTimeout: 10_000 });
