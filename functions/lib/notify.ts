import { type NotifyPort, rolloutSlackMessage } from '@nodekeeper/core';
import { type Notifier, notifierFromEnv, SlackEnv } from '@nodekeeper/slack';
import { logger } from './logger.ts';
import type { Settings } from './settings.ts';

/**
 * The Slack notifier for these settings (secrets from SST links or env), or null when Slack is
 * not configured. Throws SlackConfigError for unusable values (never quoting them).
 */
export function notifierFromSettings(
  settings: Settings,
  vars: Record<string, string | undefined> = process.env,
): Notifier | null {
  const env: Record<string, string | undefined> = { ...vars };
  if (settings.slack.webhookUrl) env[SlackEnv.webhookUrl] = settings.slack.webhookUrl;
  if (settings.slack.botToken) env[SlackEnv.botToken] = settings.slack.botToken;
  if (settings.slack.channel) env[SlackEnv.channel] = settings.slack.channel;
  return notifierFromEnv(env, { logger });
}

/**
 * A NotifyPort over a notifier: renders the notice as Block Kit and posts it, threading outcome
 * messages under the started message in bot mode. Never throws; without a notifier every notice
 * is reported undeliverable (`slack-not-configured`).
 */
export function notifyPortFrom(notifier: Notifier | null): NotifyPort {
  return async (notice) => {
    if (notifier === null) return { ok: false, error: 'slack-not-configured' };
    try {
      const message = rolloutSlackMessage(notice);
      const result = await notifier.post(message, notice.threadTs ? { threadTs: notice.threadTs } : {});
      return result.ok ? { ok: true, ts: result.ts } : { ok: false, error: result.error };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.name : 'unknown-error' };
    }
  };
}
