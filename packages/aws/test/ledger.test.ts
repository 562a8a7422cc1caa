import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type RolloutRecord, rolloutRecord } from '@nodekeeper/core/rollout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRolloutRecords } from '../../../test/helpers/ledger-seed.ts';
import { createLedger, createLedgerTable } from '../index.ts';
import { startDynaliteClient } from './dynalite.ts';

let stop: () => Promise<void>;
let client: DynamoDBClient;
let tableCount = 0;

beforeAll(async () => {
  ({ client, close: stop } = await startDynaliteClient());
});

afterAll(async () => {
  await stop();
});

async function freshLedger() {
  tableCount += 1;
  const name = `ledger-${tableCount}`;
  await createLedgerTable(client, name);
  return createLedger(client, { tableName: name });
}

function request(cluster = 'prod-a', nodegroup = 'general', target = '1.33.5-20261110') {
  return {
    accountId: '111122223333',
    region: 'us-east-1',
    cluster,
    nodegroup,
    strategy: 'release-version' as const,
    current: { releaseVersion: '1.33.4-20261001', imageId: null },
    target: { releaseVersion: target, imageId: null },
    launchTemplate: null,
    wave: null,
    attempt: 1,
  };
}

function started(createdAt: string, cluster?: string, nodegroup?: string, target?: string): RolloutRecord {
  return rolloutRecord(request(cluster, nodegroup, target), {
    outcome: 'started',
    createdAt,
    startedAt: createdAt,
    updateId: 'u-1',
  });
}

describe('createLedgerTable', () => {
  describe('when the table exists already', () => {
    it('leaves it alone', async () => {
      await createLedgerTable(client, 'twice');
      expect(await createLedgerTable(client, 'twice')).toMatchObject({ created: false });
    });
  });
});

describe('createLedger', () => {
  describe('when the same rollout is recorded twice', () => {
    it('keeps the first record and answers exists', async () => {
      const ledger = await freshLedger();
      const first = started('2026-11-24T03:00:00.000Z');
      expect(await ledger.create(first)).toEqual({ kind: 'recorded' });
      const again = await ledger.create({ ...first, updateId: 'u-other', outcome: 'not-started' });
      expect(again).toEqual({ kind: 'exists', record: first });
      expect(await ledger.get(first.key)).toEqual(first);
    });
  });

  describe('when the outcome is recorded', () => {
    it('moves started to succeeded exactly once', async () => {
      const ledger = await freshLedger();
      const record = started('2026-11-24T03:00:00.000Z');
      await ledger.create(record);
      const done = {
        outcome: 'succeeded' as const,
        errors: [],
        finishedAt: '2026-11-24T03:30:00.000Z',
        message: 'ok',
      };
      expect(await ledger.recordOutcome(record.key, done)).toEqual({ kind: 'recorded' });
      const late = await ledger.recordOutcome(record.key, {
        outcome: 'failed',
        errors: [{ errorCode: 'X', errorMessage: 'late', resourceIds: [] }],
        finishedAt: '2026-11-24T04:00:00.000Z',
        message: 'late',
      });
      expect(late).toMatchObject({
        kind: 'exists',
        record: { outcome: 'succeeded', finishedAt: done.finishedAt },
      });
    });

    it('keeps failure errors with codes and resources', async () => {
      const ledger = await freshLedger();
      const record = started('2026-11-24T03:00:00.000Z');
      await ledger.create(record);
      const errors = [
        { errorCode: 'PodEvictionFailure', errorMessage: 'max retries', resourceIds: ['ip-1', 'ip-2'] },
      ];
      await ledger.recordOutcome(record.key, {
        outcome: 'failed',
        errors,
        finishedAt: '2026-11-24T03:30:00.000Z',
        message: 'm',
      });
      expect(await ledger.get(record.key)).toMatchObject({ outcome: 'failed', errors });
    });
  });

  describe('when many callers claim the same notification at once', () => {
    it('lets exactly one of them claim it', async () => {
      const ledger = await freshLedger();
      const key = started('2026-11-24T03:00:00.000Z').key;
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          ledger.claimNotification(key, 'failed', `owner-${i}`, '2026-11-24T03:00:00.000Z'),
        ),
      );
      expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.kind === 'claimed-by-other')).toHaveLength(7);
    });

    it('lets the same owner claim again until it marks the notification sent', async () => {
      const ledger = await freshLedger();
      const record = started('2026-11-24T03:00:00.000Z');
      await ledger.create(record);
      const at = '2026-11-24T03:00:00.000Z';
      expect(await ledger.claimNotification(record.key, 'started', 'me', at)).toEqual({ kind: 'claimed' });
      // The replay learns it had claimed before (the notice may be in Slack already) and when.
      expect(await ledger.claimNotification(record.key, 'started', 'me', '2026-11-24T03:05:00.000Z')).toEqual(
        {
          kind: 'claimed',
          reclaimed: { at },
        },
      );
      await ledger.markNotificationSent(record.key, 'started', { ts: '1732262400.000100', delivered: true });
      expect(await ledger.claimNotification(record.key, 'started', 'me', at)).toEqual({
        kind: 'already-sent',
      });
      expect((await ledger.get(record.key))?.slackThreadTs).toBe('1732262400.000100');
    });
  });

  describe('listHistory', () => {
    it('lists by cluster newest first, and across clusters with a limit', async () => {
      const ledger = await freshLedger();
      await ledger.create(started('2026-11-20T03:00:00.000Z', 'prod-a', 'general', 'r1'));
      await ledger.create(started('2026-11-22T03:00:00.000Z', 'prod-a', 'gpu', 'r1'));
      await ledger.create(started('2026-11-21T03:00:00.000Z', 'dev-a', 'general', 'r1'));
      await ledger.claimNotification(
        started('2026-11-20T03:00:00.000Z').key,
        'started',
        'o',
        '2026-11-20T03:00:00.000Z',
      );
      const prod = await ledger.listHistory({ cluster: 'prod-a', limit: 10 });
      expect(prod.map((r) => r.nodegroup)).toEqual(['gpu', 'general']);
      const all = await ledger.listHistory({ limit: 2 });
      expect(all.map((r) => `${r.cluster}/${r.nodegroup}`)).toEqual(['prod-a/gpu', 'dev-a/general']);
      expect(await ledger.listHistory({ accountId: '444455556666', limit: 10 })).toEqual([]);
    });

    describe('when the ledger holds more records than one page', () => {
      // 2,600 records, one every 10 minutes from 2026-10-01, over 26 clusters; plus items of
      // other kinds that share the table and must never show up as rollouts.
      const base = Date.parse('2026-10-01T00:00:00.000Z');
      const at = (i: number) => new Date(base + i * 600_000).toISOString();
      // Every fourth record belongs to another account.
      const records = Array.from({ length: 2600 }, (_, i) => {
        const r = started(
          at(i),
          `c-${String(i % 26).padStart(2, '0')}`,
          `ng-${i}`,
          `1.33.5-${20261001 + (i % 9)}`,
        );
        return i % 4 === 0 ? { ...r, accountId: '444455556666' } : r;
      });
      let name: string;
      let ledger: ReturnType<typeof createLedger>;
      const calls: string[] = [];

      beforeAll(async () => {
        tableCount += 1;
        name = `ledger-${tableCount}`;
        await createLedgerTable(client, name);
        // Written in a shuffled order: the index, not the writes, orders them.
        const shuffled = [...records].sort((a, b) => (a.key < b.key ? -1 : 1));
        await seedRolloutRecords(client, name, shuffled);
        ledger = createLedger(client, { tableName: name });
        await ledger.claimNotification(records[5]?.key ?? '', 'started', 'o', at(5));
        client.middlewareStack.add(
          (next, context) => async (args) => {
            calls.push(String(context.commandName));
            return next(args);
          },
          { step: 'initialize', name: 'countLedgerCalls' },
        );
      });

      afterAll(() => {
        client.middlewareStack.remove('countLedgerCalls');
      });

      const newestFirst = (list: readonly RolloutRecord[]) =>
        list.every((r, i) => i === 0 || (list[i - 1]?.createdAt ?? '') >= r.createdAt);

      it('reads exactly the newest `limit` records by time, across pages, never scanning the table', async () => {
        calls.length = 0;
        const out = await ledger.listHistory({ limit: 2200 });
        expect(out).toHaveLength(2200);
        expect(newestFirst(out)).toBe(true);
        expect(out[0]?.createdAt).toBe(at(2599));
        expect(out[2199]?.createdAt).toBe(at(400));
        expect(out.map((r) => r.key)).toEqual(
          [...records]
            .reverse()
            .slice(0, 2200)
            .map((r) => r.key),
        );
        // Pages of at most 1,000 items: 1,000 + 1,000 + 200, and nothing else.
        expect(calls).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand']);
      });

      it('reads every record created since a time and none before, whatever the limit', async () => {
        calls.length = 0;
        const since = at(1000);
        const out = await ledger.listHistory({ since, limit: 100_001 });
        expect(out).toHaveLength(1600);
        expect(out.at(-1)?.createdAt).toBe(since);
        expect(out.every((r) => r.createdAt >= since)).toBe(true);
        expect(newestFirst(out)).toBe(true);
        expect(calls.every((c) => c === 'QueryCommand')).toBe(true);
        expect(calls).toHaveLength(2);
      });

      it('reads a range [since, until) on either index, newest first', async () => {
        const byTime = await ledger.listHistory({ since: at(1000), until: at(1200), limit: 1000 });
        expect(byTime.map((r) => r.createdAt)).toEqual(Array.from({ length: 200 }, (_, i) => at(1199 - i)));
        const byCluster = await ledger.listHistory({
          cluster: 'c-03',
          since: at(1000),
          until: at(1200),
          limit: 1000,
        });
        expect(byCluster.map((r) => r.key)).toEqual(
          records
            .filter((r, i) => i >= 1000 && i < 1200 && r.cluster === 'c-03')
            .reverse()
            .map((r) => r.key),
        );
        expect(await ledger.listHistory({ until: at(3), limit: 10 })).toHaveLength(3);
        expect(await ledger.listHistory({ since: at(5), until: at(5), limit: 10 })).toEqual([]);
      });

      it('stops at the limit inside a window, newest first', async () => {
        const out = await ledger.listHistory({ since: at(100), limit: 5 });
        expect(out.map((r) => r.createdAt)).toEqual([at(2599), at(2598), at(2597), at(2596), at(2595)]);
      });

      it('reads one cluster since a time on its own index', async () => {
        const out = await ledger.listHistory({ cluster: 'c-03', since: at(2000), limit: 1000 });
        const expected = records.filter((r, i) => i >= 2000 && r.cluster === 'c-03').reverse();
        expect(out.map((r) => r.key)).toEqual(expected.map((r) => r.key));
      });

      it('pages on until it has `limit` records of the account asked for', async () => {
        const out = await ledger.listHistory({ accountId: '111122223333', limit: 1500 });
        const expected = records
          .filter((r) => r.accountId === '111122223333')
          .reverse()
          .slice(0, 1500);
        expect(out.map((r) => r.key)).toEqual(expected.map((r) => r.key));
      });

      it('answers an empty window with no records', async () => {
        expect(await ledger.listHistory({ since: '2027-01-01T00:00:00.000Z', limit: 10 })).toEqual([]);
      });
    });
  });
});
