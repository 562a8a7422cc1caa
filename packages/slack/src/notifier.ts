/**
 * The Slack notifier: incoming webhook or bot token (chat.postMessage / chat.update). Delivery
 * retries 429 (honouring Retry-After up to a cap), 5xx and network errors with jittered
 * exponential backoff, never retries permanent errors or a timed-out request (Slack may have
 * posted it; a retry could post twice), and never throws.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type SlackMessage, withFailureMentions } from '@nodekeeper/core/messages';
import { NOTICE_EVENT_TYPE, type NoticeLookup } from '@nodekeeper/core/rollout';
import { SlackConfigError } from './errors.ts';
import { redactSecrets, redactValue } from './redact.ts';
import type {
  DeliveryResult,
  FetchLike,
  NoticeWhere,
  Notifier,
  NotifierConfig,
  NotifierLogger,
  PostOptions,
  UpdateOptions,
} from './types/index.ts';

export const DeliveryDefaults = {
  maxAttempts: 3,
  maxRetryAfterSeconds: 30,
  baseBackoffMs: 500,
  maxBackoffMs: 8000,
  timeoutMs: 10_000,
  apiBaseUrl: 'https://slack.com/api/',
  /** A notice look-up reads at most this many pages of 200 messages. */
  maxLookupPages: 5,
} as const;

/** Web API error codes that mean "try again later" rather than "this request is wrong". */
const TRANSIENT_API_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

type Attempt =
  | { kind: 'ok'; ts: string | null; channel?: string }
  | { kind: 'retry'; error: string; status: number | null; retryAfterMs: number | null; detail?: string }
  | { kind: 'permanent'; error: string; status: number | null };

function isLocal(url: URL): boolean {
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.test(url.hostname);
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch (error) {
    if (error instanceof TypeError) return null;
    throw error;
  }
}

/** Checks a webhook URL; problems never quote the URL (it is a secret). Pure. */
export function validateWebhookUrl(raw: string, allowInsecureLocalUrls = false): string[] {
  const url = parseUrl(raw);
  if (!url) return ['webhookUrl: not a valid URL'];
  if (url.username || url.password) return ['webhookUrl: must not contain credentials'];
  const slack =
    url.protocol === 'https:' &&
    url.hostname === 'hooks.slack.com' &&
    url.port === '' &&
    url.pathname.length > 1;
  if (slack || (allowInsecureLocalUrls && isLocal(url))) return [];
  return [
    allowInsecureLocalUrls
      ? 'webhookUrl: must start with https://hooks.slack.com/ or point at a loopback address'
      : 'webhookUrl: must start with https://hooks.slack.com/ (set NODEKEEPER_SLACK_ALLOW_LOCAL=1 for a local sink)',
  ];
}

function validateApiBaseUrl(raw: string, allowInsecureLocalUrls: boolean): string[] {
  const url = parseUrl(raw);
  if (!url || url.username || url.password) return ['apiBaseUrl: not a valid URL'];
  const slack =
    url.protocol === 'https:' &&
    url.hostname === 'slack.com' &&
    url.port === '' &&
    url.pathname.startsWith('/api/');
  if (slack || (allowInsecureLocalUrls && isLocal(url))) return [];
  return ['apiBaseUrl: must start with https://slack.com/api/ (or be a loopback URL in local development)'];
}

/** Reads a Retry-After header (seconds); null when absent or unreadable. */
function retryAfterMs(res: Response): number | null {
  const header = res.headers.get('retry-after');
  if (header === null) return null;
  const seconds = Number(header.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
}

/** Slack error codes are short snake_case words; anything else is replaced by `http_<status>`. */
function slackCode(value: unknown, status: number): string {
  if (typeof value === 'string') {
    const code = value.trim();
    if (/^[a-z0-9_]{1,64}$/.test(code)) return code;
  }
  return `http_${status}`;
}

function networkFailure(error: unknown): Attempt {
  const name = error instanceof Error ? error.name : 'Error';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const detail =
    typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : String(error);
  const timeout = name === 'TimeoutError' || name === 'AbortError';
  return {
    kind: 'retry',
    error: timeout ? 'timeout' : 'network_error',
    status: null,
    retryAfterMs: null,
    detail,
  };
}

async function classifyWebhook(res: Response): Promise<Attempt> {
  const body = (await res.text()).slice(0, 200);
  if (res.status >= 200 && res.status < 300) return { kind: 'ok', ts: null };
  const error = slackCode(body, res.status);
  if (res.status === 429) return { kind: 'retry', error, status: 429, retryAfterMs: retryAfterMs(res) };
  if (res.status >= 500) return { kind: 'retry', error, status: res.status, retryAfterMs: null };
  return { kind: 'permanent', error, status: res.status };
}

async function classifyWebApi(res: Response): Promise<Attempt> {
  const text = await res.text();
  let json: { ok?: unknown; error?: unknown; ts?: unknown; channel?: unknown } | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') json = parsed;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    json = null;
  }
  if (res.status === 429) {
    return {
      kind: 'retry',
      error: slackCode(json?.error ?? 'ratelimited', 429),
      status: 429,
      retryAfterMs: retryAfterMs(res),
    };
  }
  if (res.status >= 500)
    return {
      kind: 'retry',
      error: slackCode(json?.error, res.status),
      status: res.status,
      retryAfterMs: null,
    };
  if (json?.ok === true) {
    return {
      kind: 'ok',
      ts: typeof json.ts === 'string' ? json.ts : null,
      ...(typeof json.channel === 'string' ? { channel: json.channel } : {}),
    };
  }
  if (json === null) {
    return res.ok
      ? { kind: 'retry', error: 'invalid_response', status: res.status, retryAfterMs: null }
      : { kind: 'permanent', error: `http_${res.status}`, status: res.status };
  }
  const error = slackCode(json.error, res.status);
  if (TRANSIENT_API_ERRORS.has(error))
    return { kind: 'retry', error, status: res.status, retryAfterMs: retryAfterMs(res) };
  return { kind: 'permanent', error, status: res.status };
}

function redactingLogger(inner: NotifierLogger, secrets: string[]): NotifierLogger {
  const wrap =
    (level: keyof NotifierLogger) =>
    (message: string, ...attributes: Record<string, unknown>[]): void => {
      inner[level](
        redactSecrets(message, secrets),
        ...attributes.map((a) => redactValue(a, secrets) as Record<string, unknown>),
      );
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function secretForms(config: NotifierConfig): string[] {
  const secrets: string[] = [];
  if (config.botToken) secrets.push(config.botToken);
  if (config.webhookUrl) {
    secrets.push(config.webhookUrl);
    const url = parseUrl(config.webhookUrl);
    if (url) {
      secrets.push(url.href);
      if (url.pathname.length > 1) secrets.push(url.pathname);
    }
  }
  return secrets;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/**
 * Creates a notifier. Bot mode when `botToken` is set (needs `channel`), otherwise webhook mode.
 * Throws `SlackConfigError` (a ValidationError, never quoting a secret) for unusable config;
 * the returned notifier never throws.
 */
export function createNotifier(config: NotifierConfig): Notifier {
  const allowLocal = config.allowInsecureLocalUrls === true;
  const issues: string[] = [];
  const mode: 'webhook' | 'bot' | null = config.botToken ? 'bot' : config.webhookUrl ? 'webhook' : null;
  if (mode === null) issues.push('set a webhook URL or a bot token');
  if (mode === 'bot') {
    if (!/^xox[bp]-[A-Za-z0-9-]+$/.test(config.botToken ?? ''))
      issues.push('botToken: expected an xoxb- or xoxp- token');
    if (!config.channel?.trim()) issues.push('channel: required with a bot token');
    issues.push(...validateApiBaseUrl(config.apiBaseUrl ?? DeliveryDefaults.apiBaseUrl, allowLocal));
  }
  if (mode === 'webhook') issues.push(...validateWebhookUrl(config.webhookUrl ?? '', allowLocal));
  const secrets = secretForms(config);
  if (issues.length > 0) throw new SlackConfigError(issues.map((i) => redactSecrets(i, secrets)));

  const log = redactingLogger(config.logger ?? new Logger({ serviceName: 'nodekeeper-slack' }), secrets);
  const mentions = config.mentionOnFailure ?? [];
  const doFetch: FetchLike = config.fetch ?? ((url, init) => fetch(url, init));
  const sleep = config.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = config.random ?? Math.random;
  const maxAttempts = Math.max(1, Math.floor(positive(config.maxAttempts, DeliveryDefaults.maxAttempts)));
  const capMs = positive(config.maxRetryAfterSeconds, DeliveryDefaults.maxRetryAfterSeconds) * 1000;
  const baseMs = positive(config.baseBackoffMs, DeliveryDefaults.baseBackoffMs);
  const maxBackoffMs = positive(config.maxBackoffMs, DeliveryDefaults.maxBackoffMs);
  const timeoutMs = positive(config.timeoutMs, DeliveryDefaults.timeoutMs);

  const backoff = (attempt: number): number => {
    const ceiling = Math.min(maxBackoffMs, baseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };

  async function deliver(
    operation: string,
    send: (signal: AbortSignal) => Promise<Attempt>,
  ): Promise<DeliveryResult> {
    for (let attempt = 1; ; attempt++) {
      let outcome: Attempt;
      try {
        outcome = await send(AbortSignal.timeout(timeoutMs));
      } catch (error) {
        outcome = networkFailure(error);
      }
      const context = { operation, mode, attempt, maxAttempts };
      if (outcome.kind === 'ok') {
        if (attempt > 1) log.info('Slack message delivered after retrying', context);
        return { ok: true, ts: outcome.ts, ...(outcome.channel ? { channel: outcome.channel } : {}) };
      }
      if (outcome.kind === 'permanent') {
        log.error('Slack rejected the message; not retrying', {
          ...context,
          slackError: outcome.error,
          httpStatus: outcome.status,
        });
        return { ok: false, error: outcome.error, permanent: true, attempts: attempt };
      }
      const failure = {
        ...context,
        slackError: outcome.error,
        httpStatus: outcome.status,
        detail: outcome.detail,
      };
      if (outcome.error === 'timeout') {
        // The request was sent and Slack may have posted it: a retry could post it twice, and
        // notices go out at most once. Reported undeliverable (and logged) instead.
        log.error('Slack message undeliverable: timed out after sending; not retried', failure);
        return { ok: false, error: outcome.error, permanent: false, attempts: attempt };
      }
      if (attempt >= maxAttempts) {
        log.error('Slack message undeliverable: attempts exhausted', failure);
        return { ok: false, error: outcome.error, permanent: false, attempts: attempt };
      }
      if (outcome.retryAfterMs !== null && outcome.retryAfterMs > capMs) {
        log.error('Slack message undeliverable: Retry-After exceeds the cap', {
          ...failure,
          retryAfterMs: outcome.retryAfterMs,
          capMs,
        });
        return { ok: false, error: outcome.error, permanent: false, attempts: attempt };
      }
      const delayMs = outcome.retryAfterMs ?? backoff(attempt);
      log.warn('Slack delivery failed; retrying', { ...failure, delayMs });
      await sleep(delayMs);
    }
  }

  async function safely(operation: string, run: () => Promise<DeliveryResult>): Promise<DeliveryResult> {
    try {
      return await run();
    } catch (error) {
      // A bug (e.g. an unserializable message) must still not reach the rollout or patch flow.
      log.error('Slack delivery crashed', { operation, mode, error: redactValue(error, secrets) });
      return { ok: false, error: 'internal_error', permanent: true, attempts: 0 };
    }
  }

  if (mode === 'webhook') {
    const webhookUrl = config.webhookUrl ?? '';
    return {
      mode: 'webhook',
      post: (original: SlackMessage) =>
        safely('webhook', () => {
          const message = withFailureMentions(original, mentions);
          const body = JSON.stringify({
            text: message.text,
            blocks: message.blocks,
            ...(message.responseType ? { response_type: message.responseType } : {}),
            ...(message.replaceOriginal === undefined ? {} : { replace_original: message.replaceOriginal }),
          });
          return deliver('webhook', async (signal) =>
            classifyWebhook(
              await doFetch(webhookUrl, {
                method: 'POST',
                headers: { 'content-type': 'application/json; charset=utf-8' },
                body,
                signal,
              }),
            ),
          );
        }),
    };
  }

  const base = (config.apiBaseUrl ?? DeliveryDefaults.apiBaseUrl).replace(/\/?$/, '/');
  const channel = (config.channel ?? '').trim();
  const token = config.botToken ?? '';
  // chat.update needs the channel ID; chat.postMessage answers with it even when given a name.
  const channelOfTs = new Map<string, string>();
  const callApi = (method: string, payload: Record<string, unknown>): Promise<DeliveryResult> =>
    safely(method, () => {
      const body = JSON.stringify(payload);
      return deliver(method, async (signal) =>
        classifyWebApi(
          await doFetch(`${base}${method}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
            body,
            signal,
          }),
        ),
      );
    });

  return {
    mode: 'bot',
    async post(original: SlackMessage, opts?: PostOptions) {
      const message = withFailureMentions(original, mentions);
      // A failure replied in a run's thread is also shown in the channel, where people look.
      const broadcast = opts?.threadTs !== undefined && original.failure === true && mentions.length > 0;
      const result = await callApi('chat.postMessage', {
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(opts?.threadTs ? { thread_ts: opts.threadTs } : {}),
        ...(broadcast ? { reply_broadcast: true } : {}),
        ...(opts?.metadata ? { metadata: opts.metadata } : {}),
      });
      if (result.ok && result.ts && result.channel) channelOfTs.set(result.ts, result.channel);
      return result;
    },
    update(ts: string, message: SlackMessage, opts?: UpdateOptions) {
      return callApi('chat.update', {
        channel: opts?.channel ?? channelOfTs.get(ts) ?? channel,
        ts,
        text: message.text,
        blocks: message.blocks,
      });
    },
    findNotice(noticeKey: string, where: NoticeWhere) {
      return findNotice(noticeKey, where);
    },
  };

  /** One page of a read method (GET, idempotent: timeouts are retried too). */
  async function readPage(
    method: string,
    params: URLSearchParams,
  ): Promise<{ ok: true; json: ReadPage } | { ok: false; error: string }> {
    for (let attempt = 1; ; attempt++) {
      let outcome:
        | { kind: 'ok'; json: ReadPage }
        | { kind: 'retry' | 'permanent'; error: string; wait: number | null };
      try {
        const res = await doFetch(`${base}${method}?${params.toString()}`, {
          method: 'GET',
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        let json: ReadPage | null = null;
        try {
          const parsed: unknown = JSON.parse(text);
          if (parsed !== null && typeof parsed === 'object') json = parsed as ReadPage;
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
        }
        if (res.status === 429 || res.status >= 500)
          outcome = { kind: 'retry', error: slackCode(json?.error, res.status), wait: retryAfterMs(res) };
        else if (json?.ok === true) outcome = { kind: 'ok', json };
        else {
          const error = slackCode(json?.error, res.status);
          outcome = TRANSIENT_API_ERRORS.has(error)
            ? { kind: 'retry', error, wait: retryAfterMs(res) }
            : { kind: 'permanent', error, wait: null };
        }
      } catch (error) {
        const failed = networkFailure(error);
        outcome = {
          kind: 'retry',
          error: failed.kind === 'retry' ? failed.error : 'network_error',
          wait: null,
        };
      }
      if (outcome.kind === 'ok') return { ok: true, json: outcome.json };
      if (outcome.kind === 'permanent' || attempt >= maxAttempts || (outcome.wait ?? 0) > capMs) {
        log.warn('Slack read failed', { operation: method, attempt, slackError: outcome.error });
        return { ok: false, error: outcome.error };
      }
      await sleep(outcome.wait ?? backoff(attempt));
    }
  }

  async function findNotice(noticeKey: string, where: NoticeWhere): Promise<NoticeLookup> {
    try {
      const method = where.threadTs ? 'conversations.replies' : 'conversations.history';
      const since = Date.parse(where.since);
      let cursor: string | undefined;
      for (let page = 0; page < DeliveryDefaults.maxLookupPages; page++) {
        const params = new URLSearchParams({
          channel: where.channel ?? channel,
          include_all_metadata: 'true',
          limit: '200',
          ...(where.threadTs ? { ts: where.threadTs } : {}),
          ...(Number.isNaN(since) ? {} : { oldest: (Math.floor(since / 1000) - 1).toString() }),
          ...(cursor ? { cursor } : {}),
        });
        const read = await readPage(method, params);
        if (!read.ok) return { kind: 'unavailable', error: read.error };
        for (const m of read.json.messages ?? []) {
          if (
            m.metadata?.event_type === NOTICE_EVENT_TYPE &&
            m.metadata.event_payload?.key === noticeKey &&
            typeof m.ts === 'string'
          )
            return { kind: 'found', ts: m.ts };
        }
        cursor = read.json.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
      return { kind: 'not-found' };
    } catch (error) {
      log.error('Slack notice look-up crashed', { error: redactValue(error, secrets) });
      return { kind: 'unavailable', error: 'internal_error' };
    }
  }
}

/** What nodekeeper reads of a conversations.history / conversations.replies page. */
interface ReadPage {
  ok?: unknown;
  error?: unknown;
  messages?: Array<{ ts?: unknown; metadata?: { event_type?: unknown; event_payload?: { key?: unknown } } }>;
  response_metadata?: { next_cursor?: string };
}

/** The environment variables `notifierFromEnv` reads. */
export const SlackEnv = {
  webhookUrl: 'NODEKEEPER_SLACK_WEBHOOK_URL',
  botToken: 'NODEKEEPER_SLACK_BOT_TOKEN',
  channel: 'NODEKEEPER_SLACK_CHANNEL',
  apiUrl: 'NODEKEEPER_SLACK_API_URL',
  allowLocal: 'NODEKEEPER_SLACK_ALLOW_LOCAL',
} as const;

/**
 * A notifier from environment variables, or null when neither a webhook URL nor a bot token is
 * set. Throws `SlackConfigError` for unusable values (never quoting them).
 */
export function notifierFromEnv(
  env: Record<string, string | undefined>,
  options: Pick<NotifierConfig, 'logger' | 'fetch' | 'sleep' | 'random' | 'mentionOnFailure'> = {},
): Notifier | null {
  const value = (key: string): string | undefined => {
    const v = env[key]?.trim();
    return v ? v : undefined;
  };
  const webhookUrl = value(SlackEnv.webhookUrl);
  const botToken = value(SlackEnv.botToken);
  if (!webhookUrl && !botToken) return null;
  const config: NotifierConfig = { ...options, allowInsecureLocalUrls: value(SlackEnv.allowLocal) === '1' };
  if (webhookUrl) config.webhookUrl = webhookUrl;
  if (botToken) config.botToken = botToken;
  const channel = value(SlackEnv.channel);
  if (channel) config.channel = channel;
  const apiBaseUrl = value(SlackEnv.apiUrl);
  if (apiBaseUrl) config.apiBaseUrl = apiBaseUrl;
  return createNotifier(config);
}
