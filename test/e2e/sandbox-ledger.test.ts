import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createClients, createLedger, createLedgerTable, DEFAULT_LEDGER_TABLE } from '@nodekeeper/aws';
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The sandbox creates nodekeeper's ledger table itself (as a deployment does), so no production
// code path creates it.
let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ ledgerTables: ['given-ledger'] });
});
afterAll(() => sb.close());

function clients() {
  return createClients({
    region: 'us-east-1',
    endpoint: sb.endpoint,
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
  });
}

describe('startSandbox', () => {
  describe('when it starts', () => {
    it('creates the default ledger table and every table it is given, empty and usable', async () => {
      const c = clients();
      try {
        for (const name of [DEFAULT_LEDGER_TABLE, 'given-ledger']) {
          expect(await createLedger(c.dynamodb, { tableName: name }).listHistory({ limit: 10 })).toEqual([]);
        }
      } finally {
        c.destroy();
      }
    });

    it("creates them with the adapter's key schema and index", async () => {
      const c = clients();
      try {
        await createLedgerTable(c.dynamodb, 'made-by-the-adapter');
        const shape = async (name: string) => {
          const t = (await c.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
          return {
            keys: t?.KeySchema,
            attributes: t?.AttributeDefinitions,
            indexes: t?.GlobalSecondaryIndexes?.map((i) => ({ name: i.IndexName, keys: i.KeySchema })),
          };
        };
        expect(await shape(DEFAULT_LEDGER_TABLE)).toEqual(await shape('made-by-the-adapter'));
      } finally {
        c.destroy();
      }
    });
  });
});
