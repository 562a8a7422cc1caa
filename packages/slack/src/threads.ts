import type { RunSlackPort } from '@nodekeeper/core';
import type { Notifier } from './types/index.ts';

/**
 * The run-thread port over a bot-mode notifier, or null for a webhook (incoming webhooks can
 * neither thread nor edit, so runs there post flat). Never throws.
 */
export function runSlackPort(notifier: Notifier | null): RunSlackPort | null {
  if (notifier === null || notifier.mode !== 'bot' || notifier.update === undefined) return null;
  const update = notifier.update.bind(notifier);
  return {
    async post(message, threadTs) {
      const result = await notifier.post(message, threadTs ? { threadTs } : {});
      return result.ok
        ? { ok: true, ts: result.ts, channel: result.channel ?? null }
        : { ok: false, error: result.error };
    },
    async update(thread, message) {
      const result = await update(thread.ts, message, thread.channel ? { channel: thread.channel } : {});
      return result.ok ? { ok: true } : { ok: false, error: result.error };
    },
  };
}
