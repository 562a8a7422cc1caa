import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApprovalStore,
  createLedger,
  createLedgerTable,
  createRecallStore,
  RECALL_EPISODES_KEPT,
} from '../index.ts';
import { startDynaliteClient } from './dynalite.ts';

let stop: () => Promise<void>;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  ({ client, close: stop } = await startDynaliteClient());
});

afterAll(async () => {
  await stop();
});

async function freshStore() {
  tables += 1;
  const tableName = `recalls-${tables}`;
  await createLedgerTable(client, tableName);
  return { store: createRecallStore(client, { tableName }), tableName };
}

const recall = {
  release: '20261110',
  family: 'al2023',
  reason: 'GPU nodes fail to join',
  by: 'arn:aws:iam::111122223333:user/ana',
  at: '2026-11-25T10:00:00.000Z',
};
const lift = {
  by: 'arn:aws:iam::111122223333:user/bo',
  at: '2026-11-26T09:00:00.000Z',
  reason: 'fixed in 20261124',
};

async function rawItem(tableName: string, pk: string) {
  const doc = DynamoDBDocumentClient.from(client);
  return (await doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk: 'RECALL' } }))).Item;
}

describe('createRecallStore', () => {
  describe('when a release is recalled', () => {
    it('records it, lists it as active, and never lets it expire', async () => {
      const { store, tableName } = await freshStore();
      const result = await store.recall(recall);
      expect(result).toEqual({
        kind: 'recorded',
        recall: { ...recall, active: true, lifted: null, earlier: [] },
      });
      expect(await store.list()).toEqual([recall]);
      const item = await rawItem(tableName, 'RECALL#al2023#20261110');
      expect(item).toMatchObject({ gsi1pk: 'RECALLS', type: 'recall', active: true });
      expect(item).not.toHaveProperty('expiresAt');
    });
  });

  describe('when the same release is recalled twice', () => {
    it('keeps the first recall and answers exists', async () => {
      const { store } = await freshStore();
      await store.recall(recall);
      const again = await store.recall({ ...recall, by: 'someone-else', reason: 'again' });
      expect(again).toMatchObject({ kind: 'exists', recall: { by: recall.by, reason: recall.reason } });
      expect(await store.list()).toEqual([recall]);
    });
  });

  describe('when recalls differ by line or name an image', () => {
    it('keeps each, next to approvals and rollout records in the same table', async () => {
      const { store, tableName } = await freshStore();
      const everyLine = { ...recall, family: null, at: '2026-11-25T11:00:00.000Z' };
      const image = { ...recall, release: 'ami-0bad', family: null, at: '2026-11-25T12:00:00.000Z' };
      await store.recall(recall);
      await store.recall(everyLine);
      await store.recall(image);
      await createApprovalStore(client, { tableName }).record({
        release: '20261110',
        family: null,
        wave: null,
        by: 'x',
        at: '2026-11-25T13:00:00.000Z',
      });
      expect(await store.list()).toEqual([recall, everyLine, image]);
      expect(await createApprovalStore(client, { tableName }).list()).toHaveLength(1);
      expect(await createLedger(client, { tableName }).listHistory({ limit: 10 })).toEqual([]);
    });
  });

  describe('when a recall is lifted', () => {
    it('drops it from the active list, keeps who, when and why, and lets the item expire', async () => {
      const { store, tableName } = await freshStore();
      await store.recall(recall);
      const lifted = await store.unrecall({ release: '20261110', family: 'al2023' }, lift);
      expect(lifted).toEqual({
        kind: 'lifted',
        recall: { ...recall, active: false, lifted: lift, earlier: [] },
      });
      expect(await store.list()).toEqual([]);
      expect(await store.listRecords()).toEqual([{ ...recall, active: false, lifted: lift, earlier: [] }]);
      const item = await rawItem(tableName, 'RECALL#al2023#20261110');
      expect(item?.expiresAt).toBe(Date.parse(lift.at) / 1000 + 400 * 86_400);
    });

    it('answers not-recalled when nothing is active, with the last lifted recall', async () => {
      const { store } = await freshStore();
      expect(await store.unrecall({ release: '20261110', family: 'al2023' }, lift)).toEqual({
        kind: 'not-recalled',
        recall: null,
      });
      await store.recall(recall);
      await store.unrecall({ release: '20261110', family: 'al2023' }, lift);
      expect(await store.unrecall({ release: '20261110', family: 'al2023' }, lift)).toMatchObject({
        kind: 'not-recalled',
        recall: { active: false, lifted: lift },
      });
    });

    it('lifts only the recall of the same line', async () => {
      const { store } = await freshStore();
      await store.recall(recall);
      expect(await store.unrecall({ release: '20261110', family: null }, lift)).toEqual({
        kind: 'not-recalled',
        recall: null,
      });
      expect(await store.list()).toEqual([recall]);
    });
  });

  describe('when a lifted release is recalled again', () => {
    it('keeps the earlier episode and its lift, and the item stops expiring', async () => {
      const { store, tableName } = await freshStore();
      await store.recall(recall);
      await store.unrecall(recall, lift);
      const again = { ...recall, reason: 'regressed again', at: '2026-11-27T08:00:00.000Z' };
      const result = await store.recall(again);
      expect(result).toEqual({
        kind: 'recorded',
        recall: {
          ...again,
          active: true,
          lifted: null,
          earlier: [{ reason: recall.reason, by: recall.by, at: recall.at, lifted: lift }],
        },
      });
      expect(await store.list()).toEqual([again]);
      expect(await rawItem(tableName, 'RECALL#al2023#20261110')).not.toHaveProperty('expiresAt');
    });

    it(`keeps at most ${RECALL_EPISODES_KEPT} earlier episodes, the newest`, async () => {
      const { store } = await freshStore();
      for (let i = 0; i < RECALL_EPISODES_KEPT + 2; i++) {
        const at = new Date(Date.parse(recall.at) + i * 3_600_000).toISOString();
        await store.recall({ ...recall, at, reason: `episode ${i}` });
        await store.unrecall(recall, { ...lift, at });
      }
      const [record] = await store.listRecords();
      expect(record?.earlier).toHaveLength(RECALL_EPISODES_KEPT);
      expect(record?.earlier[0]?.reason).toBe('episode 1');
    });
  });

  describe('when two operators recall the same release at once', () => {
    it('records one and answers exists to the other', async () => {
      const { store } = await freshStore();
      const results = await Promise.all([
        store.recall(recall),
        store.recall({ ...recall, by: 'arn:aws:iam::111122223333:user/bo' }),
      ]);
      expect(results.map((r) => r.kind).sort()).toEqual(['exists', 'recorded']);
      expect(await store.list()).toHaveLength(1);
    });
  });

  describe('when the table does not exist', () => {
    it('throws an AwsAdapterError naming the Query', async () => {
      const store = createRecallStore(client, { tableName: 'no-such-table' });
      await expect(store.list()).rejects.toMatchObject({
        name: 'AwsAdapterError',
        operation: 'Query',
        code: 'ResourceNotFoundException',
      });
    });
  });
});
