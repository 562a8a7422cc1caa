import type { SlackMessage } from '@nodekeeper/core/messages';
import type { NoticeLookup, NoticeMetadata } from '@nodekeeper/core/rollout';

/**
 * The outcome of one delivery. `error` is Slack's error code (`no_service`, `channel_not_found`,
 * `ratelimited`, ...) or `http_<status>`, `network_error`, `timeout`; it never contains a secret.
 */
export type DeliveryResult =
  | { ok: true; ts: string | null; channel?: string }
  | { ok: false; error: string; permanent: boolean; attempts: number };

export interface PostOptions {
  /** Bot mode: post as a reply in this thread. Ignored by webhooks, which cannot thread. */
  threadTs?: string;
  /**
   * Bot mode: Slack message metadata (a notice's once-only key), so a replay can find the message.
   * Ignored by webhooks.
   */
  metadata?: NoticeMetadata;
}

/** Where to look for a notice posted earlier. */
export interface NoticeWhere {
  /** The run's thread; null: among the channel's top-level messages. */
  threadTs: string | null;
  /** The channel ID (null: the configured channel, which must then be an ID). */
  channel: string | null;
  /** ISO 8601: no earlier message is read. */
  since: string;
}

export interface UpdateOptions {
  /**
   * The channel ID chat.postMessage answered with. chat.update needs the ID, not a name; another
   * process (a workflow editing the scan's parent) only knows it from the ledger.
   */
  channel?: string;
}

/** Posts messages to Slack. Never throws: every failure is a `DeliveryResult` value. */
export interface Notifier {
  readonly mode: 'webhook' | 'bot';
  post(message: SlackMessage, opts?: PostOptions): Promise<DeliveryResult>;
  /** Bot mode only: edits a message posted earlier (the thread parent). */
  update?(ts: string, message: SlackMessage, opts?: UpdateOptions): Promise<DeliveryResult>;
  /**
   * Bot mode only: the message posted with this notice key in its metadata
   * (conversations.replies / conversations.history with include_all_metadata). Never throws.
   */
  findNotice?(noticeKey: string, where: NoticeWhere): Promise<NoticeLookup>;
}

/** The subset of the Powertools Logger the notifier uses; a Powertools `Logger` satisfies it. */
export interface NotifierLogger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface NotifierConfig {
  /** Incoming webhook URL: `https://hooks.slack.com/...`. */
  webhookUrl?: string;
  /** Bot token (`xoxb-...`); takes precedence over `webhookUrl` and needs `channel`. */
  botToken?: string;
  /** Channel ID (preferred, needed for chat.update) or name for chat.postMessage. */
  channel?: string;
  /** Web API base, default `https://slack.com/api/`. */
  apiBaseUrl?: string;
  /** Local development only: also accept http(s) URLs on loopback (127.0.0.1, localhost, [::1]). */
  allowInsecureLocalUrls?: boolean;
  logger?: NotifierLogger;
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  /** Returns [0, 1); used for backoff jitter. */
  random?: () => number;
  /** Attempts per message including the first; default 3. */
  maxAttempts?: number;
  /** A 429 asking to wait longer than this is not retried; default 30. */
  maxRetryAfterSeconds?: number;
  /** First backoff delay for 5xx and network errors; default 500 ms, doubling, capped at `maxBackoffMs`. */
  baseBackoffMs?: number;
  /** Default 8000 ms. */
  maxBackoffMs?: number;
  /** Per-attempt timeout; default 10,000 ms. */
  timeoutMs?: number;
  /**
   * `slack.mentionOnFailure`: mentioned on failure and halt messages, whose thread replies (bot
   * mode) are then also broadcast to the channel (`reply_broadcast`). Empty or unset: neither.
   */
  mentionOnFailure?: readonly string[];
}
