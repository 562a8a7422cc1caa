import { ValidationError } from '@nodekeeper/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlackConfigError } from '../src/errors.ts';
import { createNotifier, notifierFromEnv, validateWebhookUrl } from '../src/notifier.ts';
import { redactSecrets } from '../src/redact.ts';
import type { FetchLike, NotifierLogger } from '../src/types/index.ts';
import { type CapturedLogs, captureLogs } from './support/logs.ts';

const WEBHOOK = 'https://hooks.slack.com/services/T00000000/B00000000/CANARYsecretPATH000000';
const TOKEN = 'xoxb-CANARY-111122223333-secret';
const message = { text: 'hello', blocks: [] };

function memoryLogger(): NotifierLogger & { lines: string[] } {
  const lines: string[] = [];
  const push =
    (level: string) =>
    (msg: string, ...attrs: Record<string, unknown>[]): void => {
      lines.push(JSON.stringify({ level, msg, attrs }));
    };
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

function configError(run: () => unknown): SlackConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof SlackConfigError) return error;
    throw error;
  }
  throw new Error('expected a SlackConfigError');
}

describe('validateWebhookUrl', () => {
  describe('when the URL is a Slack webhook', () => {
    it('accepts it', () => {
      expect(validateWebhookUrl(WEBHOOK)).toEqual([]);
    });
  });

  describe('when the URL points anywhere else', () => {
    it.each([
      'http://hooks.slack.com/services/T/B/X',
      'https://hooks.slack.com.evil.example/services/T/B/X',
      'https://evil.example/hooks.slack.com/services/T/B/X',
      'https://user:pw@hooks.slack.com/services/T/B/X',
      'https://hooks.slack.com:8443/services/T/B/X',
      'https://hooks.slack.com/',
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:8080/slack/webhook/T/B/X',
      'file:///etc/passwd',
      'not a url',
    ])('rejects %s', (url) => {
      expect(validateWebhookUrl(url)).toHaveLength(1);
    });
  });

  describe('when local development URLs are allowed', () => {
    it('accepts loopback http URLs only', () => {
      expect(validateWebhookUrl('http://127.0.0.1:8080/slack/webhook/T/B/X', true)).toEqual([]);
      expect(validateWebhookUrl('http://localhost:8080/x', true)).toEqual([]);
      expect(validateWebhookUrl('http://[::1]:8080/x', true)).toEqual([]);
      expect(validateWebhookUrl('http://169.254.169.254/latest/meta-data/', true)).toHaveLength(1);
      expect(validateWebhookUrl('http://10.0.0.1/x', true)).toHaveLength(1);
    });
  });
});

describe('createNotifier', () => {
  describe('when the configuration is unusable', () => {
    it.each([
      [{}, 'set a webhook URL or a bot token'],
      [
        { webhookUrl: 'http://169.254.169.254/CANARYsecretPATH000000' },
        'webhookUrl: must start with https://hooks.slack.com/',
      ],
      [{ botToken: TOKEN }, 'channel: required with a bot token'],
      [{ botToken: 'CANARY-not-a-token', channel: 'C1' }, 'botToken: expected an xoxb- or xoxp- token'],
      [
        { botToken: TOKEN, channel: 'C1', apiBaseUrl: 'http://127.0.0.1:1/api/' },
        'apiBaseUrl: must start with https://slack.com/api/',
      ],
    ])('throws a ValidationError that names the problem but not the secret (%#)', (config, issue) => {
      const error = configError(() => createNotifier(config));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.name).toBe('SlackConfigError');
      expect(error.issues.some((i) => i.startsWith(issue))).toBe(true);
      expect(error.message).not.toContain('CANARY');
    });

    it('never sends a request', () => {
      const fetch = vi.fn<FetchLike>();
      configError(() => createNotifier({ webhookUrl: 'http://169.254.169.254/', fetch }));
      expect(fetch).not.toHaveBeenCalled();
    });
  });

  describe('when both a bot token and a webhook URL are set', () => {
    it('uses bot mode', () => {
      expect(createNotifier({ webhookUrl: WEBHOOK, botToken: TOKEN, channel: 'C1' }).mode).toBe('bot');
    });
  });

  describe('when webhook mode is used', () => {
    it('has no update and ignores threadTs', async () => {
      const fetch = vi.fn<FetchLike>(async () => new Response('ok'));
      const n = createNotifier({ webhookUrl: WEBHOOK, fetch, logger: memoryLogger() });
      expect(n.update).toBeUndefined();
      expect(await n.post(message, { threadTs: '1.2' })).toEqual({ ok: true, ts: null });
      expect(JSON.parse(String(fetch.mock.calls[0]?.[1].body))).toEqual({ text: 'hello', blocks: [] });
    });
  });

  describe('when the network fails with an error that quotes the URL and the token', () => {
    it('redacts them from every log line and returns a value', async () => {
      const logger = memoryLogger();
      const fetch: FetchLike = async () => {
        throw new TypeError('fetch failed', { cause: { code: `ECONNREFUSED ${WEBHOOK} Bearer ${TOKEN}` } });
      };
      const webhook = createNotifier({
        webhookUrl: WEBHOOK,
        fetch,
        logger,
        sleep: async () => {},
        maxAttempts: 2,
      });
      expect(await webhook.post(message)).toEqual({
        ok: false,
        error: 'network_error',
        permanent: false,
        attempts: 2,
      });
      const bot = createNotifier({
        botToken: TOKEN,
        channel: 'C1',
        fetch,
        logger,
        sleep: async () => {},
        maxAttempts: 1,
      });
      expect(await bot.post(message)).toEqual({
        ok: false,
        error: 'network_error',
        permanent: false,
        attempts: 1,
      });
      expect(logger.lines.length).toBe(3);
      expect(logger.lines.join('\n')).toContain('ECONNREFUSED');
      for (const line of logger.lines) {
        expect(line).not.toContain('CANARY');
      }
    });
  });

  describe('when sending throws something unexpected', () => {
    it('returns internal_error instead of throwing', async () => {
      const logger = memoryLogger();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const n = createNotifier({ webhookUrl: WEBHOOK, logger, fetch: vi.fn<FetchLike>() });
      const result = await n.post({ text: 'x', blocks: [cyclic as never] });
      expect(result).toEqual({ ok: false, error: 'internal_error', permanent: true, attempts: 0 });
      expect(logger.lines).toHaveLength(1);
    });
  });

  describe('when a request times out', () => {
    it('reports timeout', async () => {
      const fetch: FetchLike = (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        });
      const n = createNotifier({
        webhookUrl: WEBHOOK,
        fetch,
        logger: memoryLogger(),
        timeoutMs: 1,
        maxAttempts: 1,
      });
      expect(await n.post(message)).toEqual({ ok: false, error: 'timeout', permanent: false, attempts: 1 });
    });
  });

  describe('when the Web API answers a transient error code with HTTP 200', () => {
    it('retries it', async () => {
      let calls = 0;
      const fetch: FetchLike = async () => {
        calls++;
        return Response.json(
          calls === 1 ? { ok: false, error: 'service_unavailable' } : { ok: true, ts: '1.1', channel: 'C1' },
        );
      };
      const n = createNotifier({
        botToken: TOKEN,
        channel: '#ops',
        fetch,
        logger: memoryLogger(),
        sleep: async () => {},
      });
      expect(await n.post(message)).toEqual({ ok: true, ts: '1.1', channel: 'C1' });
      expect(calls).toBe(2);
    });
  });

  describe('when chat.update follows a post to a channel name', () => {
    it('uses the channel ID Slack returned', async () => {
      const bodies: unknown[] = [];
      const fetch: FetchLike = async (_url, init) => {
        bodies.push(JSON.parse(String(init.body)));
        return Response.json({ ok: true, ts: '9.9', channel: 'C0ID' });
      };
      const n = createNotifier({ botToken: TOKEN, channel: '#ops', fetch, logger: memoryLogger() });
      await n.post(message);
      await n.update?.('9.9', message);
      expect(bodies[1]).toMatchObject({ channel: 'C0ID', ts: '9.9' });
    });
  });

  describe('when a failure is replied in a thread', () => {
    const failure = { text: 'Rollout failed: prod-a/gpu', blocks: [], failure: true as const };

    function bot(mentionOnFailure?: string[]) {
      const bodies: Record<string, unknown>[] = [];
      const fetch: FetchLike = async (_url, init) => {
        bodies.push(JSON.parse(String(init.body)));
        return Response.json({ ok: true, ts: '9.9', channel: 'C0ID' });
      };
      const n = createNotifier({
        botToken: TOKEN,
        channel: 'C0ID',
        fetch,
        logger: memoryLogger(),
        ...(mentionOnFailure ? { mentionOnFailure } : {}),
      });
      return { n, bodies };
    }

    it('broadcasts it to the channel and mentions the people configured', async () => {
      const { n, bodies } = bot(['U0123ABCD', '<!subteam^S0789IJKL>']);
      await n.post(failure, { threadTs: '1.1' });
      expect(bodies[0]).toMatchObject({
        thread_ts: '1.1',
        reply_broadcast: true,
        text: '<@U0123ABCD> <!subteam^S0789IJKL> Rollout failed: prod-a/gpu',
      });
      expect(bodies[0]).not.toHaveProperty('failure');
    });

    it('does not broadcast other replies, nor a failure posted outside a thread', async () => {
      const { n, bodies } = bot(['U0123ABCD']);
      await n.post(message, { threadTs: '1.1' });
      await n.post(failure);
      expect(bodies[0]).not.toHaveProperty('reply_broadcast');
      expect(bodies[1]).not.toHaveProperty('reply_broadcast');
      expect(bodies[1]).toMatchObject({ text: '<@U0123ABCD> Rollout failed: prod-a/gpu' });
    });

    it('neither broadcasts nor mentions when mentionOnFailure is not configured (the default)', async () => {
      const { n, bodies } = bot();
      await n.post(failure, { threadTs: '1.1' });
      expect(bodies[0]).not.toHaveProperty('reply_broadcast');
      expect(bodies[0]).toMatchObject({ text: 'Rollout failed: prod-a/gpu' });
    });
  });
});

describe('the default Powertools logger', () => {
  let logs: CapturedLogs;
  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(() => {
    logs.restore();
  });

  it('logs the permanent error code as JSON without the webhook URL', async () => {
    const fetch: FetchLike = async () => new Response('no_service', { status: 404 });
    const n = createNotifier({ webhookUrl: WEBHOOK, fetch });
    expect(await n.post(message)).toEqual({ ok: false, error: 'no_service', permanent: true, attempts: 1 });
    const lines = logs.lines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'ERROR',
      slackError: 'no_service',
      httpStatus: 404,
    });
    expect(lines[0]).not.toContain('CANARY');
  });
});

describe('notifierFromEnv', () => {
  describe('when nothing is configured', () => {
    it('returns null', () => {
      expect(notifierFromEnv({})).toBeNull();
      expect(
        notifierFromEnv({ NODEKEEPER_SLACK_CHANNEL: 'C1', NODEKEEPER_SLACK_WEBHOOK_URL: '  ' }),
      ).toBeNull();
    });
  });

  describe('when a webhook URL is set', () => {
    it('creates a webhook notifier', () => {
      expect(notifierFromEnv({ NODEKEEPER_SLACK_WEBHOOK_URL: WEBHOOK })?.mode).toBe('webhook');
    });
  });

  describe('when a bot token, channel and local API URL are set with the local flag', () => {
    it('creates a bot notifier', () => {
      const n = notifierFromEnv({
        NODEKEEPER_SLACK_BOT_TOKEN: TOKEN,
        NODEKEEPER_SLACK_CHANNEL: 'C1',
        NODEKEEPER_SLACK_API_URL: 'http://127.0.0.1:9/slack/api/',
        NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
      });
      expect(n?.mode).toBe('bot');
    });
  });

  describe('when a local webhook URL is set without the local flag', () => {
    it('throws a SlackConfigError', () => {
      expect(() =>
        notifierFromEnv({ NODEKEEPER_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/slack/webhook/x' }),
      ).toThrow(SlackConfigError);
    });
  });
});

describe('redactSecrets', () => {
  it('removes given secrets, their URL-encoded forms, webhook paths and tokens', () => {
    const text = [
      'a s3cr3t/value b',
      encodeURIComponent('s3cr3t/value'),
      'https://hooks.slack.com/services/T1/B2/abc',
      'token xoxb-123-456-abc and xoxp-9 and xapp-1-A',
    ].join(' | ');
    expect(redactSecrets(text, ['s3cr3t/value', '', null, undefined])).toBe(
      'a [REDACTED] b | [REDACTED] | https://hooks.slack.com/services/[REDACTED] | token [REDACTED] and [REDACTED] and [REDACTED]',
    );
  });
});
