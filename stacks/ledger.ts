// The ledger: one DynamoDB table for every rollout and patch record. Keys are generic (pk/sk;
// gsi1pk/gsi1sk for history by cluster, approvals and recalls; gsi2 on type/createdAt for every
// item by kind and time: the plan's history window); old records expire through TTL on `expiresAt`.
// packages/aws LedgerSchema and the sandbox's ledgerTableRequest declare the same schema.
import type { StackContext } from './context.ts';

/** Creates the ledger table. PITR is always on in sst.aws.Dynamo. */
export function createLedger(ctx: StackContext) {
  return new sst.aws.Dynamo('Ledger', {
    fields: {
      pk: 'string',
      sk: 'string',
      gsi1pk: 'string',
      gsi1sk: 'string',
      type: 'string',
      createdAt: 'string',
    },
    primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
    globalIndexes: {
      gsi1: { hashKey: 'gsi1pk', rangeKey: 'gsi1sk' },
      // Rollout records have always carried `type` and `createdAt`: DynamoDB indexes the records
      // already in a table when this index is added (an online backfill), so no migration is needed.
      gsi2: { hashKey: 'type', rangeKey: 'createdAt' },
    },
    ttl: 'expiresAt',
    deletionProtection: ctx.stage === 'prod',
    transform: { table: { name: ctx.names.ledgerTable } },
  });
}
