/**
 * Operator approvals (`nodekeeper approve`) and retries (`nodekeeper retry`: an approval scoped to
 * one node group), stored in the ledger table with the ledger's key conventions: pk
 * `APPROVAL#{family|*}#{release}`, sk `WAVE#{wave|*}` (a retry: `NODEGROUP#{account}#{region}#
 * {cluster}#{nodegroup}`), and on the ledger's GSI
 * (gsi1pk `APPROVALS`, gsi1sk `{at}#…`) so one Query lists them all. Writes are conditional: a
 * newer approval of the same (family, release, wave) replaces an older one, never the reverse.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Approval } from '@nodekeeper/core/plan';
import { AwsAdapterError, describeAwsError } from './errors.ts';
import { LedgerSchema } from './ledger.ts';
import './services/dynamodb.ts';

const APPROVALS_INDEX_PK = 'APPROVALS';
const approvalPk = (a: Pick<Approval, 'family' | 'release'>) => `APPROVAL#${a.family ?? '*'}#${a.release}`;
/** A wave approval's sort key, or a retry's: the node group it covers. */
const approvalSk = (a: Pick<Approval, 'wave' | 'nodegroup'>) =>
  a.nodegroup
    ? `NODEGROUP#${a.nodegroup.accountId ?? '-'}#${a.nodegroup.region}#${a.nodegroup.cluster}#${a.nodegroup.nodegroup}`
    : `WAVE#${a.wave ?? '*'}`;

export type ApprovalResult = { kind: 'recorded' } | { kind: 'exists'; approval: Approval };

/** Records and lists approvals. */
export interface ApprovalStore {
  /** Records `approval` unless an equal or newer one for the same (family, release, wave) exists. */
  record(approval: Approval): Promise<ApprovalResult>;
  /** Every stored approval, oldest first (bounded: at most `limit`, default 1000). */
  list(limit?: number): Promise<Approval[]>;
}

export interface ApprovalStoreOptions {
  tableName: string;
  /** Approvals expire (DynamoDB TTL) this many days after they were given. Default 400. */
  retentionDays?: number;
}

function toApproval(item: Record<string, unknown>): Approval {
  return {
    release: String(item.release),
    family: typeof item.family === 'string' ? item.family : null,
    wave: typeof item.wave === 'string' ? item.wave : null,
    by: String(item.by),
    at: String(item.at),
    ...(isScope(item.nodegroup) ? { nodegroup: item.nodegroup } : {}),
  };
}

function isScope(x: unknown): x is NonNullable<Approval['nodegroup']> {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    (o.accountId === null || typeof o.accountId === 'string') &&
    typeof o.region === 'string' &&
    typeof o.cluster === 'string' &&
    typeof o.nodegroup === 'string'
  );
}

/** An ApprovalStore on the ledger table (DynamoDB). */
export function createApprovalStore(client: DynamoDBClient, options: ApprovalStoreOptions): ApprovalStore {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = options.tableName;
  const retentionSeconds = Math.round((options.retentionDays ?? 400) * 86_400);
  return {
    async record(approval) {
      const key = { pk: approvalPk(approval), sk: approvalSk(approval) };
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...key,
              [LedgerSchema.gsiPartitionKey]: APPROVALS_INDEX_PK,
              [LedgerSchema.gsiSortKey]: `${approval.at}#${approval.family ?? '*'}#${approval.release}#${key.sk}`,
              type: approval.nodegroup ? 'retry' : 'approval',
              release: approval.release,
              family: approval.family ?? null,
              wave: approval.wave,
              by: approval.by,
              at: approval.at,
              ...(approval.nodegroup
                ? {
                    nodegroup: {
                      accountId: approval.nodegroup.accountId,
                      region: approval.nodegroup.region,
                      cluster: approval.nodegroup.cluster,
                      nodegroup: approval.nodegroup.nodegroup,
                    },
                  }
                : {}),
              [LedgerSchema.ttlAttribute]: Math.floor(Date.parse(approval.at) / 1000) + retentionSeconds,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: { ':at': approval.at },
          }),
        );
        return { kind: 'recorded' };
      } catch (error) {
        if (describeAwsError(error).code !== 'ConditionalCheckFailedException') {
          throw new AwsAdapterError('dynamodb', 'PutItem', error, key.pk);
        }
        try {
          const out = await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
          if (!out.Item)
            throw new AwsAdapterError(
              'dynamodb',
              'GetItem',
              error,
              `${key.pk}: condition failed but no item`,
            );
          return { kind: 'exists', approval: toApproval(out.Item) };
        } catch (readError) {
          if (readError instanceof AwsAdapterError) throw readError;
          throw new AwsAdapterError('dynamodb', 'GetItem', readError, key.pk);
        }
      }
    },

    async list(limit = 1000) {
      const out: Approval[] = [];
      let startKey: Record<string, unknown> | undefined;
      // Bounded pagination.
      for (let page = 0; page < 20 && out.length < limit; page++) {
        try {
          const res = await doc.send(
            new QueryCommand({
              TableName,
              IndexName: LedgerSchema.gsi,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': LedgerSchema.gsiPartitionKey },
              ExpressionAttributeValues: { ':pk': APPROVALS_INDEX_PK },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of res.Items ?? []) out.push(toApproval(item));
          startKey = res.LastEvaluatedKey;
        } catch (error) {
          throw new AwsAdapterError('dynamodb', 'Query', error, 'approvals');
        }
        if (!startKey) break;
      }
      return out.slice(0, limit);
    },
  };
}
