// The Slack notifier adapted to core's ports, once for every shell (the functions and the CLI).

import type { PatchNotify } from '@nodekeeper/core/patch';
import {
  type NoticeFinderPort,
  type NotifyPort,
  noticeMetadata,
  type RolloutNotice,
  rolloutSlackMessage,
} from '@nodekeeper/core/rollout';
import type { Notifier } from './types/index.ts';

/**
 * A NotifyPort over a notifier: renders the notice as Block Kit and posts it, threading outcome
 * messages under the started message in bot mode. Never throws; without a notifier every notice
 * is reported undeliverable (`slack-not-configured`). `onUndelivered` hears each failed delivery.
 */
export function notifyPortFrom(
  notifier: Notifier | null,
  onUndelivered?: (notice: RolloutNotice, error: string) => void,
): NotifyPort {
  return async (notice) => {
    if (notifier === null) return { ok: false, error: 'slack-not-configured' };
    let result: Awaited<ReturnType<NotifyPort>>;
    try {
      const posted = await notifier.post(rolloutSlackMessage(notice), {
        ...(notice.threadTs ? { threadTs: notice.threadTs } : {}),
        ...(notice.noticeKey ? { metadata: noticeMetadata(notice.noticeKey) } : {}),
      });
      result = posted.ok ? { ok: true, ts: posted.ts } : { ok: false, error: posted.error };
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.name : 'unknown-error' };
    }
    if (!result.ok) onUndelivered?.(notice, result.error);
    return result;
  };
}

/**
 * A PatchNotify over a notifier, or null when Slack is not configured. Never throws;
 * `onUndelivered` hears each failed delivery.
 */
export function patchNotifyFrom(
  notifier: Notifier | null,
  onUndelivered?: (error: string) => void,
): PatchNotify | null {
  if (notifier === null) return null;
  return async (message, threadTs) => {
    let result: Awaited<ReturnType<PatchNotify>>;
    try {
      const posted = await notifier.post(message, threadTs ? { threadTs } : {});
      result = posted.ok ? { ok: true, ts: posted.ts } : { ok: false, error: posted.error };
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.name : 'unknown-error' };
    }
    if (!result.ok) onUndelivered?.(result.error);
    return result;
  };
}

/**
 * Finds notices posted before a crash (bot mode: Slack message metadata), or undefined for a
 * webhook or no Slack: incoming webhooks can neither attach metadata nor read a channel back.
 */
export function noticeFinderFrom(notifier: Notifier | null): NoticeFinderPort | undefined {
  if (notifier === null || notifier.findNotice === undefined) return undefined;
  const find = notifier.findNotice.bind(notifier);
  return { find: (key, where) => find(key, where) };
}
