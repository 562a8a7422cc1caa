import type { RolloutNotice } from '@nodekeeper/core/rollout';
import { describe, expect, it } from 'vitest';
import { notifyPortFrom, patchNotifyFrom } from '../src/ports.ts';
import type { Notifier } from '../src/types/index.ts';

function notifier(post: Notifier['post']): Notifier {
  return { mode: 'webhook', post } as Notifier;
}

describe('patchNotifyFrom', () => {
  it('is null without a notifier (Slack not configured)', () => {
    expect(patchNotifyFrom(null)).toBeNull();
  });

  it('reports an undeliverable message and a throwing notifier as errors, never throwing', async () => {
    const heard: string[] = [];
    const failing = patchNotifyFrom(
      notifier(async () => ({ ok: false, error: 'rate_limited' }) as never),
      (e) => heard.push(e),
    );
    const throwing = patchNotifyFrom(
      notifier(async () => {
        throw new TypeError('boom');
      }),
      (e) => heard.push(e),
    );
    expect(await failing?.({ text: 'x', blocks: [] } as never)).toEqual({ ok: false, error: 'rate_limited' });
    expect(await throwing?.({ text: 'x', blocks: [] } as never)).toEqual({ ok: false, error: 'TypeError' });
    expect(heard).toEqual(['rate_limited', 'TypeError']);
  });
});

describe('notifyPortFrom', () => {
  it('answers slack-not-configured without a notifier', async () => {
    expect(await notifyPortFrom(null)({} as RolloutNotice)).toEqual({
      ok: false,
      error: 'slack-not-configured',
    });
  });
});
