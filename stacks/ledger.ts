// The ledger: one DynamoDB table for every rollout and patch record. Keys are generic (pk/sk and
// gsi1pk/gsi1sk for history by cluster); old records expire through TTL on `expiresAt`.
import type { StackContext } from './context.ts';

/** Creates the ledger table. PITR is always on in sst.aws.Dynamo. */
export function createLedger(ctx: StackContext) {
  return new sst.aws.Dynamo('Ledger', {
    fields: { pk: 'string', sk: 'string', gsi1pk: 'string', gsi1sk: 'string' },
    primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
    globalIndexes: { gsi1: { hashKey: 'gsi1pk', rangeKey: 'gsi1sk' } },
    ttl: 'expiresAt',
    deletionProtection: ctx.stage === 'prod',
    transform: { table: { name: ctx.names.ledgerTable } },
  });
}
