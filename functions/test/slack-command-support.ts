/** Shared pieces of the slash-command tests: signing, Function URL events, log capture. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { vi } from 'vitest';

/** Slack's published signing test vector (test/fixtures/realcases). */
export const vector = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/realcases/slack_slash-command_signature-test-vector.json', import.meta.url),
    'utf8',
  ),
) as { signing_secret: string; timestamp: string; body: string; signature: string };

/** A signing secret that must never appear in any log line or error. */
export const SECRET_CANARY = 'CANARYsigningSECRET0123456789abcdef';
export const ALLOWED_USER = 'U0ALLOWED1';
export const OTHER_USER = 'U0VISITOR9';
export const NOW = new Date('2026-11-24T10:00:00.000Z');
export const NOW_TS = String(Math.floor(NOW.getTime() / 1000));

export function sign(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** A slash-command form body as Slack sends it. */
export function formBody(fields: {
  text: string;
  userId?: string;
  responseUrl?: string;
  extra?: Record<string, string>;
}): string {
  return new URLSearchParams({
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    team_id: 'T0001',
    team_domain: 'example',
    channel_id: 'C2147483705',
    channel_name: 'ops',
    user_id: fields.userId ?? ALLOWED_USER,
    user_name: 'operator',
    command: '/nodekeeper',
    text: fields.text,
    response_url:
      fields.responseUrl ?? 'https://hooks.slack.com/commands/T0001/1234567890/CANARYresponseURLtoken',
    trigger_id: '13345224609.738474920.8088930838d88f008e0',
    ...fields.extra,
  }).toString();
}

/** A Lambda Function URL event (payload format 2.0) around `body`. */
export function urlEvent(
  body: string,
  headers: Record<string, string>,
  options: { base64?: boolean; method?: string; path?: string } = {},
): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: options.path ?? '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnop',
      domainName: 'abcdefghijklmnop.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghijklmnop',
      http: {
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '24/Nov/2026:10:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
    body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: options.base64 === true,
  };
}

/** A signed Function URL event. */
export function signedEvent(
  body: string,
  options: { secret?: string; timestamp?: string; base64?: boolean; path?: string } = {},
): LambdaFunctionURLEvent {
  const timestamp = options.timestamp ?? NOW_TS;
  return urlEvent(
    body,
    {
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': sign(options.secret ?? SECRET_CANARY, timestamp, body),
    },
    { base64: options.base64 === true, ...(options.path ? { path: options.path } : {}) },
  );
}

/** A Powertools Logger writing to a captured stdout/stderr, as in Lambda. */
export function capturedLogger(): { logger: Logger; lines: () => string[]; restore: () => void } {
  const chunks: string[] = [];
  const capture = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const logger = new Logger({ serviceName: 'nodekeeper-test', logLevel: 'DEBUG' });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

export function configJson(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    regions: ['us-east-1'],
    clusters: ['prod-*', 'dev-*'],
    slack: { allowedUserIds: [ALLOWED_USER] },
    ...extra,
  });
}
