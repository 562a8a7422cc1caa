import { createHmac } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { parseConfig } from '@nodekeeper/core/config';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlackCommandHandler, type SlackCommandServices } from '../../functions/lib/slack-command.ts';
import { Canary, canaryHits, captureOutput } from '../helpers/canary.ts';
import { anyJson, fuzzEdge, nastyString } from './support/fuzz.ts';

const edge = fuzzEdge('slash-command');
afterAll(() => edge.write());

const NOW = new Date('2026-11-24T10:00:00.000Z');
const NOW_TS = String(Math.floor(NOW.getTime() / 1000));
const ALLOWED = 'U0ALLOWED1';
const RESPONSE_URL = `https://hooks.slack.com/commands/T0001/1234567890/${Canary.responseUrlToken}`;

function sign(timestamp: string, body: string, secret: string = Canary.signingSecret): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Mutating ports are spies; read ports answer empty. */
function services() {
  const mutations: string[] = [];
  const handoffs: unknown[] = [];
  const claimed = new Set<string>();
  const svc: SlackCommandServices = {
    config: parseConfig({
      regions: ['us-east-1'],
      clusters: ['prod-*', 'dev-*'],
      slack: { allowedUserIds: [ALLOWED] },
    }),
    invoker: {
      async invoke(functionName: string, payload: unknown) {
        // Invoking itself hands the work to the worker (run below); invoking the patch function mutates.
        if (functionName === 'nodekeeper-patch') mutations.push(`invoke:${functionName}`);
        else handoffs.push(payload);
        return { kind: 'invoked', lambdaRequestId: 'lambda-req-1' };
      },
    } as unknown as SlackCommandServices['invoker'],
    pause: {
      async set() {
        mutations.push('pause.set');
        return { kind: 'set' };
      },
      async read() {
        return { paused: false, reason: null };
      },
    } as unknown as SlackCommandServices['pause'],
    approvals: {
      async record() {
        mutations.push('approvals.record');
        return { kind: 'recorded' };
      },
    },
    plan: async (now) => ({ generatedAt: now.toISOString(), items: [] }),
    history: async () => [],
    respond: async () => ({ ok: true, ts: null }),
    interactions: {
      async update() {
        mutations.push('slack.update');
        return { ok: true };
      },
      ephemeral: async () => ({ ok: true }),
    },
    runs: null,
    claims: {
      async claim(key) {
        if (claimed.has(key)) return { kind: 'already-handled' };
        claimed.add(key);
        return { kind: 'claimed' };
      },
    },
  };
  return { svc, mutations, handoffs };
}

function handler(logger: Logger) {
  const { svc, mutations, handoffs } = services();
  let built = 0;
  const h = createSlackCommandHandler({
    now: () => NOW,
    signingSecret: Canary.signingSecret,
    allowLocal: false,
    logger,
    selfFunctionName: 'nodekeeper-slack-command',
    patchFunctionName: 'nodekeeper-patch',
    newRequestId: () => 'req-0001',
    // The fake invoke always answers first: the bound on it never fires here.
    sleep: () => new Promise<void>(() => {}),
    services: () => {
      built += 1;
      return svc;
    },
  });
  /** Runs what the acknowledgement handed to the worker, as Lambda's asynchronous invoke would. */
  const drain = async () => {
    const results: unknown[] = [];
    for (const p of handoffs.splice(0)) results.push(await h(p));
    return results;
  };
  return { h, mutations, built: () => built, drain };
}

const text = fc.oneof(
  fc.constantFrom(
    '',
    'help',
    'plan',
    'plan prod-a',
    'history',
    'status',
    'pause',
    'pause incident 42',
    'resume',
    'patch prod-a',
    'patch prod-a general --install',
    'patch prod-a --install --reboot',
    'patch dev-a gpu',
    'patch other-cluster',
    'patch prod-* ',
    'roll prod-a',
  ),
  fc
    .tuple(fc.constantFrom('patch', 'pause', 'plan', 'history'), nastyString(60))
    .map(([a, b]) => `${a} ${b}`),
  nastyString(120),
);

const form = fc.record(
  {
    token: nastyString(30),
    team_id: fc.oneof(fc.constant('T0001'), nastyString(20)),
    channel_id: fc.oneof(fc.constant('C2147483705'), nastyString(20)),
    user_id: fc.oneof(fc.constantFrom(ALLOWED, 'U0VISITOR9'), nastyString(20)),
    user_name: nastyString(20),
    command: fc.oneof(fc.constant('/nodekeeper'), nastyString(20)),
    text,
    response_url: fc.oneof(
      fc.constantFrom(RESPONSE_URL, 'https://evil.example/commands/x', 'http://127.0.0.1:9/x'),
      nastyString(60),
    ),
    trigger_id: nastyString(30),
  },
  { requiredKeys: [] },
);

/** A form as Slack sends it, with only the user and the text varying. */
const validForm = fc
  .record({ user: fc.constantFrom(ALLOWED, ALLOWED, 'U0VISITOR9'), text })
  .map(({ user, text: t }) =>
    new URLSearchParams({
      token: 'gIkuvaNzQIHg97ATvDxqgjtO',
      team_id: 'T0001',
      team_domain: 'example',
      channel_id: 'C2147483705',
      channel_name: 'ops',
      user_id: user,
      user_name: 'operator',
      command: '/nodekeeper',
      text: t,
      response_url: RESPONSE_URL,
      trigger_id: '13345224609.738474920.8088930838d88f008e0',
    }).toString(),
  );

type Signing = 'valid' | 'none' | 'wrong-secret' | 'stale' | 'garbage';
const signing = fc.constantFrom<Signing>(
  'valid',
  'valid',
  'valid',
  'none',
  'wrong-secret',
  'stale',
  'garbage',
);

function event(
  body: string,
  how: Signing,
  base64: boolean,
  method: string,
  extraHeaders: Record<string, string>,
) {
  const ts = how === 'stale' ? String(Number(NOW_TS) - 3600) : NOW_TS;
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...extraHeaders,
  };
  if (how !== 'none') {
    headers['x-slack-request-timestamp'] = ts;
    headers['x-slack-signature'] =
      how === 'garbage'
        ? 'v0=zz'
        : sign(ts, body, how === 'wrong-secret' ? 'not-the-secret' : Canary.signingSecret);
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers,
    requestContext: {
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'x' },
    },
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
  } as unknown as LambdaFunctionURLEvent;
}

const MUTATING = /^(pause|resume|patch)\b/;
const ALLOWED_PAUSE_BODY = new URLSearchParams({
  token: 'gIkuvaNzQIHg97ATvDxqgjtO',
  team_id: 'T0001',
  channel_id: 'C2147483705',
  user_id: ALLOWED,
  user_name: 'operator',
  command: '/nodekeeper',
  text: 'pause incident 42',
  response_url: RESPONSE_URL,
}).toString();
let mutatedCases = 0;

describe('slash command (createSlackCommandHandler)', () => {
  describe('when any body and headers arrive at the Function URL', () => {
    it('answers 200/400/401/405, never throws, mutates only for verified allowed requests, leaks no secret', async () => {
      edge.property();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            // Weighted towards well-formed requests so that random runs reach the mutating paths.
            { arbitrary: validForm, weight: 3 },
            form.map((f) => new URLSearchParams(f as Record<string, string>).toString()),
            nastyString(300),
          ),
          signing,
          fc.boolean(),
          fc.constantFrom('POST', 'POST', 'GET', 'PUT'),
          fc.dictionary(
            fc.constantFrom('X-Slack-Signature', 'x-slack-request-timestamp', 'content-type'),
            nastyString(40),
          ),
          edge.count(
            async (
              body: string,
              how: Signing,
              base64: boolean,
              method: string,
              extra: Record<string, string>,
            ) => {
              const out = captureOutput();
              try {
                const { h, mutations, built, drain } = handler(
                  new Logger({ serviceName: 'fuzz', logLevel: 'DEBUG' }),
                );
                const signedHeaders = how === 'valid' ? {} : extra;
                const result = (await h(event(body, how, base64, method, signedHeaders))) as {
                  statusCode: number;
                  body: string;
                };
                // The acknowledgement itself never mutates; the worker does, once.
                expect(mutations).toEqual([]);
                const worked = await drain();
                for (const w of worked) expect(w).toMatchObject({ kind: 'signed-done' });
                expect([200, 400, 401, 405]).toContain(result.statusCode);
                if (how !== 'valid') {
                  expect(result.statusCode).toBe(401);
                  expect(built()).toBe(0);
                }
                if (mutations.length > 0) {
                  mutatedCases += 1;
                  const params = new URLSearchParams(body);
                  expect(how).toBe('valid');
                  expect(method).toBe('POST');
                  expect(params.get('user_id')).toBe(ALLOWED);
                  expect(MUTATING.test((params.get('text') ?? '').trim())).toBe(true);
                }
                out.restore();
                expect(canaryHits([...out.lines(), result.body])).toEqual([]);
              } finally {
                out.restore();
              }
            },
          ),
        ),
        {
          ...edge.params(),
          // Always also run one allowed, signed, mutating request, so every run checks that path.
          examples: [[ALLOWED_PAUSE_BODY, 'valid', false, 'POST', {}]],
        },
      );
      // The generator reaches the mutating paths, so the property above can fail.
      if ((edge.params().numRuns ?? 0) >= 100) expect(mutatedCases).toBeGreaterThan(0);
    });
  });

  describe('when any value arrives as an asynchronous work payload', () => {
    it('rejects it or answers it, never throwing and never mutating', async () => {
      edge.property();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            anyJson(),
            // A signed-request hand-off with a forged or absent signature.
            fc.record(
              {
                kind: fc.constant('slack-command-signed'),
                version: fc.oneof(fc.constant(1), anyJson()),
                rawBody: fc.oneof(fc.constant(ALLOWED_PAUSE_BODY), nastyString(200)),
                timestamp: fc.oneof(fc.constant(NOW_TS), nastyString(12)),
                signature: fc.oneof(
                  fc.constant(sign(NOW_TS, ALLOWED_PAUSE_BODY, 'not-the-secret')),
                  nastyString(80),
                ),
              },
              { requiredKeys: [] },
            ),
            fc.record(
              {
                kind: fc.oneof(fc.constant('slack-command-work'), nastyString(20)),
                version: fc.oneof(fc.constant(1), anyJson()),
                command: fc.oneof(
                  fc.record({ kind: fc.constantFrom('plan', 'history', 'status', 'patch', 'pause') }),
                  anyJson(),
                ),
                userId: fc.oneof(fc.constant(ALLOWED), nastyString(20)),
                responseUrl: fc.oneof(fc.constant(RESPONSE_URL), nastyString(60)),
                requestedAt: fc.oneof(fc.constant(NOW.toISOString()), nastyString(20)),
              },
              { requiredKeys: [] },
            ),
          ),
          edge.count(async (payload: unknown) => {
            const out = captureOutput();
            try {
              const { h, mutations } = handler(new Logger({ serviceName: 'fuzz', logLevel: 'DEBUG' }));
              const result = (await h(payload)) as { kind?: string; statusCode?: number };
              expect(
                result.kind === 'rejected' ||
                  result.kind === 'work-done' ||
                  result.kind === 'signed-done' ||
                  result.statusCode !== undefined,
              ).toBe(true);
              expect(mutations).toEqual([]);
              out.restore();
              expect(canaryHits(out.lines())).toEqual([]);
            } finally {
              out.restore();
            }
          }),
        ),
        edge.params(),
      );
    });
  });
});
