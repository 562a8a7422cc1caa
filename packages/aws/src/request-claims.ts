import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RequestClaimPort } from '@nodekeeper/core/slash';
import { AwsAdapterError, describeAwsError } from './errors.ts';
import './services/dynamodb.ts';

const requestPk = (key: string) => `SLACKREQ#${key}`;
const REQUEST_SK = 'REQUEST';

/**
 * Once-only claims of signed Slack requests in the ledger table: one conditional PutItem per
 * request key (`SLACKREQ#<hash>`), expiring through the table's TTL (`expiresAt`). Idempotent:
 * a second claim of the same key answers `already-handled` and writes nothing.
 */
export function createRequestClaims(
  client: DynamoDBClient,
  options: { tableName: string },
): RequestClaimPort {
  const doc = DynamoDBDocumentClient.from(client);
  return {
    async claim(key, expiresAt, at) {
      try {
        await doc.send(
          new PutCommand({
            TableName: options.tableName,
            Item: { pk: requestPk(key), sk: REQUEST_SK, type: 'slack-request', claimedAt: at, expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { kind: 'claimed' };
      } catch (error) {
        if (describeAwsError(error).code === 'ConditionalCheckFailedException')
          return { kind: 'already-handled' };
        throw new AwsAdapterError('dynamodb', 'PutItem', error, requestPk(key));
      }
    },
  };
}
