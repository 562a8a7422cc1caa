import { describe, expect, it } from 'vitest';
import { rolloutKey } from '../../src/rollout/key.ts';
import { LOOKUP_MARGIN_SECONDS, type NoticeFinderPort } from '../../src/rollout/notices.ts';
import { notifyStep, rolloutNotice } from '../../src/rollout/steps.ts';
import type { ClaimResult, LedgerPort, RolloutDeps, RolloutNotice } from '../../src/rollout/types.ts';
import { NOW, releaseRequest } from './builders.ts';

/** A ledger whose notification claims behave as DynamoDB's conditional write does (per owner). */
function claimLedger() {
  const claims = new Map<string, { owner: string; state: 'claimed' | 'sent'; at: string }>();
  const marks: Array<{ key: string; ts: string | null; delivered: boolean }> = [];
  const ledger: Pick<LedgerPort, 'claimNotification' | 'markNotificationSent'> = {
    async claimNotification(key, event, owner, now): Promise<ClaimResult> {
      const id = `${key}/${event}`;
      const found = claims.get(id);
      if (found === undefined) {
        claims.set(id, { owner, state: 'claimed', at: now });
        return { kind: 'claimed' };
      }
      if (found.state === 'claimed' && found.owner === owner) {
        claims.set(id, { owner, state: 'claimed', at: now });
        return { kind: 'claimed', reclaimed: { at: found.at } };
      }
      return found.state === 'sent' ? { kind: 'already-sent' } : { kind: 'claimed-by-other' };
    },
    async markNotificationSent(key, event, result) {
      marks.push({ key: `${key}/${event}`, ts: result.ts, delivered: result.delivered });
      const id = `${key}/${event}`;
      const found = claims.get(id);
      if (found) claims.set(id, { ...found, state: 'sent' });
    },
  };
  return { ledger, marks };
}

/** notifyStep reads only the ledger's claims, the run thread (none here), the notifier and the clock. */
function depsFor(
  ledger: Pick<LedgerPort, 'claimNotification' | 'markNotificationSent'>,
  posted: RolloutNotice[],
  notices?: NoticeFinderPort,
): RolloutDeps {
  const partial: Partial<RolloutDeps> = {
    ledger: ledger as LedgerPort,
    notify: async (notice) => {
      posted.push(notice);
      return { ok: true, ts: `1700000000.00010${posted.length}` };
    },
    now: () => NOW,
    ...(notices ? { notices } : {}),
  };
  return partial as RolloutDeps;
}

const notice = () =>
  rolloutNotice(releaseRequest(), 'failed', { updateId: 'upd-1', message: 'failed', status: 'Failed' });

describe('notifyStep after its process died between posting and marking', () => {
  describe('when the earlier post is in Slack', () => {
    it('finds it by its key and posts nothing new', async () => {
      const { ledger, marks } = claimLedger();
      const posted: RolloutNotice[] = [];
      const looked: Array<{ key: string; since: string }> = [];
      const finder: NoticeFinderPort = {
        async find(key, where) {
          looked.push({ key, since: where.since });
          return posted.some((n) => n.noticeKey === key)
            ? { kind: 'found', ts: '1700000000.000101' }
            : { kind: 'not-found' };
        },
      };
      // The first process claims and posts, then dies before marking: its mark never happens.
      const dying = { ...ledger, markNotificationSent: () => new Promise<void>(() => undefined) };
      void notifyStep(notice(), 'exec-1', depsFor(dying, posted, finder));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(posted).toHaveLength(1);

      const replay = await notifyStep(notice(), 'exec-1', depsFor(ledger, posted, finder));
      expect(replay).toEqual({ kind: 'sent', ts: '1700000000.000101', recovered: true });
      expect(posted).toHaveLength(1);
      const key = `${rolloutKey(releaseRequest())}/failed`;
      expect(posted[0]?.noticeKey).toBe(key);
      expect(looked).toEqual([
        { key, since: new Date(NOW.getTime() - LOOKUP_MARGIN_SECONDS * 1000).toISOString() },
      ]);
      expect(marks).toEqual([{ key, ts: '1700000000.000101', delivered: true }]);
    });
  });

  describe('when the process died before posting', () => {
    it('posts once on the replay', async () => {
      const { ledger } = claimLedger();
      const posted: RolloutNotice[] = [];
      const finder: NoticeFinderPort = { find: async () => ({ kind: 'not-found' }) };
      await ledger.claimNotification(rolloutKey(releaseRequest()), 'failed', 'exec-1', NOW.toISOString());
      const replay = await notifyStep(notice(), 'exec-1', depsFor(ledger, posted, finder));
      expect(replay).toEqual({ kind: 'sent', ts: '1700000000.000101' });
      expect(posted).toHaveLength(1);
    });
  });

  describe('when Slack cannot be searched (webhook mode, a missing scope)', () => {
    it('posts again: a duplicate beats a lost failure notice', async () => {
      const { ledger } = claimLedger();
      const posted: RolloutNotice[] = [];
      await ledger.claimNotification(rolloutKey(releaseRequest()), 'failed', 'exec-1', NOW.toISOString());
      const unreadable: NoticeFinderPort = {
        find: async () => ({ kind: 'unavailable', error: 'missing_scope' }),
      };
      expect((await notifyStep(notice(), 'exec-1', depsFor(ledger, posted, unreadable))).kind).toBe('sent');
      expect(posted).toHaveLength(1);
    });
  });

  describe('when the claim is new', () => {
    it('never searches Slack', async () => {
      const { ledger } = claimLedger();
      const finder: NoticeFinderPort = {
        find: async () => {
          throw new Error('must not be called');
        },
      };
      const posted: RolloutNotice[] = [];
      expect(await notifyStep(notice(), 'exec-1', depsFor(ledger, posted, finder))).toEqual({
        kind: 'sent',
        ts: '1700000000.000101',
      });
    });
  });
});
