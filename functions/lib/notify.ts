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
  return notifierFromEnv(env, { logger, mentionOnFailure: settings.slack.mentionOnFailure ?? [] });
}

// One adapter of the notifier to core's ports for every shell: @nodekeeper/slack's.
export { notifyPortFrom, patchNotifyFrom } from '@nodekeeper/slack';
