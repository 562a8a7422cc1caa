/**
 * Delivery cases shared by the local-sink and sandbox suites: each injects Slack's real failures
 * and asserts the exact number of attempts, the result, and that no log line leaks a secret.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SlackMessage } from '@nodekeeper/core/messages';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notifier.ts';
import type { DeliveryResult, Notifier, NotifierConfig } from '../../src/types/index.ts';
import { type CapturedLogs, captureLogs } from './logs.ts';
import type { SinkPost, SlackFaultRule, SlackSink } from './sink.ts';

export const TOKEN_CANARY = 'xoxb-CANARY-111122223333-tokencanary';

const message: SlackMessage = {
  text: 'Rollout started: prod-a/general',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Rollout started: `prod-a` / `general`' } }],
};

export function describeDelivery(sinkName: string, startSink: () => Promise<SlackSink>): void {
  describe(`Slack delivery against ${sinkName}`, () => {
    let sink: SlackSink;
    let logs: CapturedLogs;
    let attempts: number;
    let sleeps: number[];
    let results: DeliveryResult[];

    beforeAll(async () => {
      sink = await startSink();
    });
    afterAll(async () => {
      await sink.close();
    });
    beforeEach(async () => {
      attempts = 0;
      sleeps = [];
      results = [];
      await sink.setFaults([]);
      logs = captureLogs();
    });
    afterEach(() => {
      logs.restore();
      // Secret canaries: neither the webhook URL (nor its path) nor the token may appear anywhere.
      const canaries = [sink.webhookUrl, new URL(sink.webhookUrl).pathname, TOKEN_CANARY];
      const haystack = [...logs.lines(), JSON.stringify(results)];
      for (const line of haystack) for (const canary of canaries) expect(line).not.toContain(canary);
    });

    function notifier(mode: 'webhook' | 'bot', over: Partial<NotifierConfig> = {}): Notifier {
      const base: NotifierConfig =
        mode === 'webhook'
          ? { webhookUrl: sink.webhookUrl }
          : { botToken: TOKEN_CANARY, channel: 'C0SANDBOX', apiBaseUrl: sink.apiUrl };
      return createNotifier({
        ...base,
        allowInsecureLocalUrls: true,
        logger: new Logger({ serviceName: 'slack-delivery-test', logLevel: 'DEBUG' }),
        fetch: (url, init) => {
          attempts++;
          return fetch(url, init);
        },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 0.5,
        ...over,
      });
    }

    async function send(n: Notifier, opts?: { threadTs?: string }): Promise<DeliveryResult> {
      const result = await n.post(message, opts);
      results.push(result);
      return result;
    }

    async function postsOf(kind: SinkPost['kind']): Promise<SinkPost[]> {
      return (await sink.posts()).filter((p) => p.kind === kind);
    }

    function linesWith(text: string): string[] {
      return logs.lines().filter((l) => l.includes(text));
    }

    const fault = (
      operation: SlackFaultRule['operation'],
      error: SlackFaultRule['error'],
      times?: number,
    ): SlackFaultRule => ({
      service: 'slack',
      operation,
      error,
      ...(times === undefined ? {} : { times }),
    });

    describe('webhook mode', () => {
      describe('when Slack accepts the post', () => {
        it('delivers in one attempt', async () => {
          const before = (await postsOf('webhook')).length;
          expect(await send(notifier('webhook'))).toEqual({ ok: true, ts: null });
          expect(attempts).toBe(1);
          const posts = await postsOf('webhook');
          expect(posts).toHaveLength(before + 1);
          expect(posts.at(-1)?.body).toMatchObject({ text: message.text, blocks: message.blocks });
        });
      });

      describe('when Slack answers 429 with Retry-After once', () => {
        it('waits Retry-After seconds and delivers on the second attempt', async () => {
          await sink.setFaults([
            fault('webhook', { status: 429, code: 'rate_limited', retryAfterSeconds: 2 }, 1),
          ]);
          expect(await send(notifier('webhook'))).toEqual({ ok: true, ts: null });
          expect(attempts).toBe(2);
          expect(sleeps).toEqual([2000]);
        });
      });

      describe('when Slack keeps answering 429', () => {
        it('gives up after 3 attempts as a transient failure', async () => {
          await sink.setFaults([
            fault('webhook', { status: 429, code: 'rate_limited', retryAfterSeconds: 1 }),
          ]);
          expect(await send(notifier('webhook'))).toEqual({
            ok: false,
            error: 'rate_limited',
            permanent: false,
            attempts: 3,
          });
          expect(attempts).toBe(3);
          expect(sleeps).toEqual([1000, 1000]);
          expect(linesWith('attempts exhausted')).toHaveLength(1);
        });
      });

      describe('when Retry-After exceeds the cap', () => {
        it('does not retry early and does not wait', async () => {
          await sink.setFaults([
            fault('webhook', { status: 429, code: 'rate_limited', retryAfterSeconds: 120 }),
          ]);
          const result = await send(notifier('webhook', { maxRetryAfterSeconds: 30 }));
          expect(result).toEqual({ ok: false, error: 'rate_limited', permanent: false, attempts: 1 });
          expect(attempts).toBe(1);
          expect(sleeps).toEqual([]);
        });
      });

      describe('when Slack answers 500 twice', () => {
        it('retries with jittered exponential backoff and delivers on the third attempt', async () => {
          await sink.setFaults([fault('webhook', { status: 500, code: 'internal_error' }, 2)]);
          expect(await send(notifier('webhook'))).toEqual({ ok: true, ts: null });
          expect(attempts).toBe(3);
          // random() = 0.5: half the ceiling plus a quarter; ceilings 500 ms then 1000 ms.
          expect(sleeps).toEqual([375, 750]);
          expect(linesWith('Slack delivery failed; retrying')).toHaveLength(2);
        });
      });

      describe('when Slack keeps answering 500', () => {
        it('stops after maxAttempts', async () => {
          await sink.setFaults([fault('webhook', { status: 500, code: 'internal_error' })]);
          const result = await send(notifier('webhook', { maxAttempts: 4 }));
          expect(result).toEqual({ ok: false, error: 'internal_error', permanent: false, attempts: 4 });
          expect(attempts).toBe(4);
        });
      });

      describe('when the connection is reset once', () => {
        it('retries and delivers', async () => {
          await sink.setFaults([{ service: 'slack', operation: 'webhook', reset: true, times: 1 }]);
          expect(await send(notifier('webhook'))).toEqual({ ok: true, ts: null });
          expect(attempts).toBe(2);
        });
      });

      describe.each([
        [404, 'no_service'],
        [404, 'channel_not_found'],
        [410, 'channel_is_archived'],
        [400, 'invalid_payload'],
        [400, 'no_text'],
        [403, 'action_prohibited'],
      ])('when Slack answers %i %s', (status, code) => {
        it('does not retry and logs the error code once', async () => {
          await sink.setFaults([fault('webhook', { status, code })]);
          expect(await send(notifier('webhook'))).toEqual({
            ok: false,
            error: code,
            permanent: true,
            attempts: 1,
          });
          expect(attempts).toBe(1);
          expect(sleeps).toEqual([]);
          const lines = linesWith(code);
          expect(lines).toHaveLength(1);
          expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
            level: 'ERROR',
            slackError: code,
            httpStatus: status,
          });
        });
      });
    });

    describe('bot mode', () => {
      describe('when posting a parent, a reply and an update', () => {
        it('threads the reply and edits the parent with the bearer token', async () => {
          const n = notifier('bot');
          const parent = await send(n);
          expect(parent.ok && parent.ts).toMatch(/^\d+\.\d+$/);
          const ts = parent.ok ? (parent.ts ?? '') : '';
          const reply = await send(n, { threadTs: ts });
          expect(reply.ok).toBe(true);
          const edited = await n.update?.(ts, { ...message, text: '3/5 node groups done, 1 failed' });
          results.push(edited ?? { ok: false, error: 'no update', permanent: true, attempts: 0 });
          expect(edited).toMatchObject({ ok: true, ts });
          expect(attempts).toBe(3);
          const [p, r] = (await postsOf('chat.postMessage')).slice(-2);
          expect(p?.body).toMatchObject({ channel: 'C0SANDBOX', text: message.text });
          expect(p?.body).not.toHaveProperty('thread_ts');
          expect(r?.body).toMatchObject({ thread_ts: ts });
          expect(p?.token).toBe(TOKEN_CANARY);
          expect((await postsOf('chat.update')).at(-1)?.body).toMatchObject({
            ts,
            channel: 'C0SANDBOX',
            text: '3/5 node groups done, 1 failed',
          });
        });
      });

      describe('when chat.postMessage answers 429 with Retry-After once', () => {
        it('waits and delivers on the second attempt', async () => {
          await sink.setFaults([
            fault('chat.postMessage', { status: 429, code: 'ratelimited', retryAfterSeconds: 3 }, 1),
          ]);
          const result = await send(notifier('bot'));
          expect(result.ok).toBe(true);
          expect(attempts).toBe(2);
          expect(sleeps).toEqual([3000]);
        });
      });

      describe('when chat.postMessage keeps answering 500', () => {
        it('gives up after 3 attempts', async () => {
          await sink.setFaults([fault('chat.postMessage', { status: 500, code: 'internal_error' })]);
          expect(await send(notifier('bot'))).toEqual({
            ok: false,
            error: 'internal_error',
            permanent: false,
            attempts: 3,
          });
          expect(attempts).toBe(3);
        });
      });

      describe.each([
        [404, 'channel_not_found'],
        [410, 'is_archived'],
        [403, 'invalid_auth'],
        [200, 'not_authed'],
        [200, 'channel_not_found'],
      ])('when chat.postMessage answers %i %s', (status, code) => {
        it('does not retry and logs the error code once', async () => {
          await sink.setFaults([fault('chat.postMessage', { status, code })]);
          expect(await send(notifier('bot'))).toEqual({
            ok: false,
            error: code,
            permanent: true,
            attempts: 1,
          });
          expect(attempts).toBe(1);
          expect(linesWith(code)).toHaveLength(1);
        });
      });
    });
  });
}
