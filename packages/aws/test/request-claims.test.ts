import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerTable, createRequestClaims } from '../index.ts';
import { startDynaliteClient } from './dynalite.ts';

let stop: () => Promise<void>;
let client: DynamoDBClient;

beforeAll(async () => {
  ({ client, close: stop } = await startDynaliteClient());
  await createLedgerTable(client, 'claims');
});

afterAll(async () => {
  await stop();
});

describe('createRequestClaims', () => {
  describe('when the same request key is claimed twice', () => {
    it('claims it once and answers the second already-handled', async () => {
      const claims = createRequestClaims(client, { tableName: 'claims' });
      expect(await claims.claim('k1', 1_795_000_000, '2026-11-24T10:00:00.000Z')).toEqual({
        kind: 'claimed',
      });
      expect(await claims.claim('k1', 1_795_000_999, '2026-11-24T10:01:00.000Z')).toEqual({
        kind: 'already-handled',
      });
      const item = await client.send(
        new GetItemCommand({ TableName: 'claims', Key: { pk: { S: 'SLACKREQ#k1' }, sk: { S: 'REQUEST' } } }),
      );
      // The first claim stands, with its TTL on the ledger table's TTL attribute.
      expect(item.Item?.expiresAt).toEqual({ N: '1795000000' });
      expect(item.Item?.claimedAt).toEqual({ S: '2026-11-24T10:00:00.000Z' });
    });

    it('claims different keys independently', async () => {
      const claims = createRequestClaims(client, { tableName: 'claims' });
      expect(await claims.claim('k2', 1, 'x')).toEqual({ kind: 'claimed' });
      expect(await claims.claim('k3', 1, 'x')).toEqual({ kind: 'claimed' });
    });
  });

  describe('when the table does not exist', () => {
    it('throws an adapter error naming the operation', async () => {
      const claims = createRequestClaims(client, { tableName: 'missing' });
      await expect(claims.claim('k1', 1, 'x')).rejects.toMatchObject({ name: 'AwsAdapterError' });
    });
  });
});
