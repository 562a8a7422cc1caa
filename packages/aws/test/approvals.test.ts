import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callerIdentity, createApprovalStore, createLedger, createLedgerTable } from '../index.ts';
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
  const tableName = `approvals-${tables}`;
  await createLedgerTable(client, tableName);
  return { store: createApprovalStore(client, { tableName }), tableName };
}

const approval = {
  release: '20261110',
  family: null,
  wave: 'prod',
  by: 'arn:aws:iam::111122223333:user/alice',
  at: '2026-11-20T10:00:00.000Z',
};

describe('createApprovalStore', () => {
  describe('when an approval is new', () => {
    it('records it and lists it', async () => {
      const { store } = await freshStore();
      expect(await store.record(approval)).toEqual({ kind: 'recorded' });
      expect(await store.list()).toEqual([approval]);
    });
  });

  describe('when the same approval is recorded twice', () => {
    it('keeps the first and answers exists', async () => {
      const { store } = await freshStore();
      await store.record(approval);
      expect(await store.record({ ...approval, by: 'someone-else' })).toEqual({ kind: 'exists', approval });
    });
  });

  describe('when a newer approval of the same release and wave arrives', () => {
    it('replaces the older one, and an older one never replaces it', async () => {
      const { store } = await freshStore();
      await store.record(approval);
      const newer = { ...approval, by: 'bob', at: '2026-11-21T10:00:00.000Z' };
      expect(await store.record(newer)).toEqual({ kind: 'recorded' });
      expect(await store.record(approval)).toEqual({ kind: 'exists', approval: newer });
      expect(await store.list()).toEqual([newer]);
    });
  });

  describe('when approvals differ by wave or family', () => {
    it('keeps each, next to rollout records in the same table', async () => {
      const { store, tableName } = await freshStore();
      const all = { ...approval, wave: null, at: '2026-11-20T11:00:00.000Z' };
      const br = { ...approval, release: '1.50.0', family: 'bottlerocket', at: '2026-11-20T12:00:00.000Z' };
      await store.record(approval);
      await store.record(all);
      await store.record(br);
      expect(await store.list()).toEqual([approval, all, br]);
      expect(await createLedger(client, { tableName }).listHistory({ limit: 10 })).toEqual([]);
    });
  });
});

describe('callerIdentity', () => {
  const sts = mockClient(STSClient);
  afterEach(() => sts.reset());

  it('uses the STS caller ARN', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::111122223333:assumed-role/ops/alice' });
    expect(await callerIdentity(new STSClient({ region: 'us-east-1' }), { USER: 'bob' })).toBe(
      'arn:aws:sts::111122223333:assumed-role/ops/alice',
    );
  });

  it('falls back to USER when STS fails', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' }));
    expect(await callerIdentity(new STSClient({ region: 'us-east-1' }), { USER: 'bob' })).toBe(
      'user:bob (sts: CredentialsProviderError)',
    );
  });
});
