import type { RunDeps, RunLedgerPort, RunSlackPort } from '@nodekeeper/core/runs';
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

/**
 * What run threads need (the run ledger, Slack, a sleep while another process posts the parent),
 * or undefined for a webhook or no Slack: notices then post flat.
 */
export function runThreadDeps(notifier: Notifier | null, runs: RunLedgerPort): RunDeps | undefined {
  const slack = runSlackPort(notifier);
  if (slack === null) return undefined;
  return { runs, slack, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
}
