import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { rolloutKey } from '../../src/rollout/key.ts';
import {
  CONCURRENT_POST_GRACE_MS,
  LOOKUP_MARGIN_SECONDS,
  type NoticeFinderPort,
} from '../../src/rollout/notices.ts';
import {
  runScanProgram,
  type ScanObservation,
  type ScanPorts,
  START_VISIBLE_WAIT,
  scanRunId,
} from '../../src/rollout/scan-program.ts';
import { notifyStep, rolloutNotice } from '../../src/rollout/steps.ts';
import type { ClaimResult, LedgerPort, RolloutDeps, RolloutNotice } from '../../src/rollout/types.ts';
import type { Approval } from '../../src/types/policy.ts';
import { aCatalog, aFleet, aNodegroup, NOW as SCAN_NOW } from '../builders.ts';
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

describe('runScanProgram redelivered after a crash between posting the summary and marking it', () => {
  const config = parseConfig({ regions: ['us-east-1'], clusters: ['prod-*'] });
  const event = { id: 'fire-1', time: SCAN_NOW.toISOString() };

  function scanWorld(options: {
    markHangs: boolean;
    shared: ReturnType<typeof claimLedger>;
    posts: string[];
    finder: NoticeFinderPort;
    slept: number[];
    now: Date;
  }) {
    const { ledger } = options.shared;
    const ports: ScanPorts = {
      plan: {
        inspect: async () => ({ fleet: aFleet([aNodegroup()]), catalog: aCatalog() }),
        pause: { read: async () => ({ paused: false, reason: null }) },
        ledger: { listHistory: async () => [] },
        approvals: { list: async (): Promise<Approval[]> => [] },
        recalls: { list: async () => [] },
        isLedgerMissing: () => false,
      },
      ledger: {
        claimNotification: ledger.claimNotification,
        markNotificationSent: options.markHangs
          ? () => new Promise<void>(() => undefined)
          : ledger.markNotificationSent,
        get: async () => null,
      },
      notify: {
        async post(message, opts) {
          options.posts.push(`${message.text}|${opts?.metadata?.event_payload.key ?? ''}`);
          return { ok: true, ts: `1700000000.00010${options.posts.length}` };
        },
      },
      notices: options.finder,
      starter: { start: async () => ({ kind: 'started' }) },
      runs: null,
      now: () => options.now,
      newClaimOwner: () => `scan:${Math.random()}`,
      sleep: async (ms) => {
        options.slept.push(ms);
      },
    };
    return ports;
  }

  it('finds the summary the dead delivery posted and posts nothing new', async () => {
    const shared = claimLedger();
    const posts: string[] = [];
    const slept: number[] = [];
    const finder: NoticeFinderPort = {
      find: async (key) =>
        posts.some((p) => p.endsWith(`|${key}`))
          ? { kind: 'found', ts: '1700000000.000101' }
          : { kind: 'not-found' },
    };
    const dying = scanWorld({ markHangs: true, shared, posts, finder, slept, now: SCAN_NOW });
    void runScanProgram({ event, config, stage: 'test' }, dying);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posts).toHaveLength(1);

    // Scheduler redelivers the same fire a minute later (the invocation failed).
    const later = new Date(SCAN_NOW.getTime() + 60_000);
    const seen: ScanObservation[] = [];
    await runScanProgram(
      { event, config, stage: 'test' },
      scanWorld({ markHangs: false, shared, posts, finder, slept, now: later }),
      (o) => seen.push(o),
    );
    expect(posts).toHaveLength(1);
    expect(seen.filter((o) => o.kind === 'summary')).toEqual([{ kind: 'summary', result: 'posted' }]);
    expect(shared.marks).toHaveLength(1);
    // A minute after the earlier claim, no concurrent delivery can still be posting: no wait.
    expect(slept.filter((ms) => ms !== START_VISIBLE_WAIT.ms)).toEqual([]);
  });

  it.each([
    ['leaves a claim taken moments ago to the delivery still running', 5_000, 0],
    ['posts for a delivery that died a minute ago', 60_000, 1],
  ] as const)('without a way to look in Slack, %s', async (_what, laterMs, expected) => {
    const shared = claimLedger();
    const posts: string[] = [];
    await shared.ledger.claimNotification(
      `scan-${createHash('sha256').update(event.id).digest('hex')}`,
      'started',
      `scan:${scanRunId(event)}`,
      SCAN_NOW.toISOString(),
    );
    const ports = scanWorld({
      markHangs: false,
      shared,
      posts,
      finder: { find: async () => ({ kind: 'not-found' }) },
      slept: [],
      now: new Date(SCAN_NOW.getTime() + laterMs),
    });
    await runScanProgram({ event, config, stage: 'test' }, { ...ports, notices: null });
    expect(posts).toHaveLength(expected);
  });

  it('gives a concurrent delivery of the same fire time to post before looking', async () => {
    const shared = claimLedger();
    const posts: string[] = [];
    const slept: number[] = [];
    const finder: NoticeFinderPort = { find: async () => ({ kind: 'found', ts: '1700000000.000101' }) };
    await shared.ledger.claimNotification(
      `scan-${createHash('sha256').update(event.id).digest('hex')}`,
      'started',
      `scan:${scanRunId(event)}`,
      SCAN_NOW.toISOString(),
    );
    const soon = new Date(SCAN_NOW.getTime() + 5_000);
    await runScanProgram(
      { event, config, stage: 'test' },
      scanWorld({ markHangs: false, shared, posts, finder, slept, now: soon }),
    );
    expect(slept.filter((ms) => ms !== START_VISIBLE_WAIT.ms)).toEqual([CONCURRENT_POST_GRACE_MS - 5_000]);
    expect(posts).toEqual([]);
  });
});
