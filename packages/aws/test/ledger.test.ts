import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type RolloutRecord, rolloutRecord } from '@nodekeeper/core/rollout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  });
});
