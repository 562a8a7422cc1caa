import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ScanMarkPort } from '@nodekeeper/core/rollout';
import { AwsAdapterError } from './errors.ts';
import './services/dynamodb.ts';

const KEY = { pk: 'SCANMARK', sk: 'LAST' } as const;

/**
 * When the last scan began planning, in one ledger item (`SCANMARK`/`LAST`): GetItem (consistent)
 * and PutItem. Scans never overlap (the scan function's reserved concurrency is 1), so a plain put
 * is enough; a continuation asked for before the mark is covered by that scan.
 */
export function createScanMarks(client: DynamoDBClient, options: { tableName: string }): ScanMarkPort {
  const doc = DynamoDBDocumentClient.from(client);
  return {
    async lastPlannedAt() {
      try {
        const out = await doc.send(
          new GetCommand({ TableName: options.tableName, Key: KEY, ConsistentRead: true }),
        );
        return typeof out.Item?.at === 'string' ? out.Item.at : null;
      } catch (error) {
        throw new AwsAdapterError('dynamodb', 'GetItem', error, KEY.pk);
      }
    },
    async markPlanned(at) {
      try {
        await doc.send(
          new PutCommand({ TableName: options.tableName, Item: { ...KEY, type: 'scan-mark', at } }),
        );
      } catch (error) {
        throw new AwsAdapterError('dynamodb', 'PutItem', error, KEY.pk);
      }
    },
  };
}
