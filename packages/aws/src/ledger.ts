import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ClaimResult,
  LedgerPort,
  RecordResult,
  RolloutEvent,
  RolloutRecord,
} from '@nodekeeper/core/rollout';
import { AwsAdapterError, describeAwsError } from './errors.ts';
import './services/dynamodb.ts';

/**
 * The ledger table's key schema. The infrastructure stack declares exactly this: `pk`/`sk`
 * strings; GSI `gsi1` on `gsi1pk`/`gsi1sk` (rollouts by cluster, approvals, recalls, patches by
 * cluster); GSI `gsi2` on `type`/`createdAt` (every item by kind and time: rollout history newest
 * first, in any window); TTL attribute `expiresAt` (epoch seconds). `gsi2` keys on attributes every
 * rollout record has always carried, so DynamoDB fills it from the records already in a table when
 * the index is added: no migration. Every item that has both attributes must hold strings there.
 */
export const LedgerSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi: 'gsi1',
  gsiPartitionKey: 'gsi1pk',
  gsiSortKey: 'gsi1sk',
  timeIndex: 'gsi2',
  timeIndexPartitionKey: 'type',
  timeIndexSortKey: 'createdAt',
  ttlAttribute: 'expiresAt',
} as const;

/** The `type` of a rollout record: its partition of the time index. */
export const ROLLOUT_ITEM_TYPE = 'rollout';

/** Default table name for the CLI and local runs (`NODEKEEPER_LEDGER_TABLE` overrides it). */
export const DEFAULT_LEDGER_TABLE = 'nodekeeper-ledger';

const RECORD_SK = 'ROLLOUT';
const notifySk = (event: RolloutEvent) => `NOTIFY#${event}`;
const rolloutPk = (key: string) => `ROLLOUT#${key}`;
const clusterPk = (cluster: string) => `CLUSTER#${cluster}`;

export interface LedgerOptions {
  tableName: string;
  /** Records expire (DynamoDB TTL) this many days after they were created. Default 400. */
  retentionDays?: number;
}

function isConditionFailure(error: unknown): boolean {
  return describeAwsError(error).code === 'ConditionalCheckFailedException';
}

function fail(operation: string, error: unknown, context: string): never {
  throw new AwsAdapterError('dynamodb', operation, error, context);
}

function toRecord(item: Record<string, unknown>): RolloutRecord {
  return {
    key: String(item.key),
    ...(item.kind === 'rollback' ? { kind: 'rollback' as const } : {}),
    accountId: (item.accountId as string | null) ?? null,
    region: String(item.region),
    cluster: String(item.cluster),
    nodegroup: String(item.nodegroup),
    strategy: item.strategy as RolloutRecord['strategy'],
    wave: (item.wave as string | null) ?? null,
    from: (item.from as RolloutRecord['from']) ?? { releaseVersion: null, imageId: null },
    to: (item.to as RolloutRecord['to']) ?? { releaseVersion: null, imageId: null },
    ...(typeof item.targetVersion === 'string' ? { targetVersion: item.targetVersion } : {}),
    attempt: Number(item.attempt ?? 1),
    updateId: (item.updateId as string | null) ?? null,
    launchTemplateVersion: (item.launchTemplateVersion as string | null) ?? null,
    outcome: item.outcome as RolloutRecord['outcome'],
    reason: (item.reason as string | null) ?? null,
    message: (item.message as string | null) ?? null,
    errors: (item.errors as RolloutRecord['errors']) ?? [],
    createdAt: String(item.createdAt),
    startedAt: (item.startedAt as string | null) ?? null,
    finishedAt: (item.finishedAt as string | null) ?? null,
    slackThreadTs: (item.slackThreadTs as string | null) ?? null,
  };
}

/**
 * The item a rollout record is stored as (`create` writes it; seeding tools write the same). Pure.
 * `createdAt` must be an ISO 8601 UTC time (`…Z`): the time index orders records by it as a string.
 */
export function rolloutItem(record: RolloutRecord, retentionDays = 400): Record<string, unknown> {
  return {
    pk: rolloutPk(record.key),
    sk: RECORD_SK,
    gsi1pk: clusterPk(record.cluster),
    gsi1sk: `${record.createdAt}#${record.nodegroup}#${record.key.slice(0, 12)}`,
    type: ROLLOUT_ITEM_TYPE,
    expiresAt: Math.floor(Date.parse(record.createdAt) / 1000) + Math.round(retentionDays * 86_400),
    ...record,
  };
}

/** Items DynamoDB returns at most per Query page (it stops earlier at 1 MB). */
const QUERY_PAGE_LIMIT = 1000;

/**
 * The rollout ledger on DynamoDB. Every state change is a conditional write: a record is created
 * once, moves from `started` to a final outcome once, and each notification is claimed once.
 * History is read through the indexes, newest first: by cluster on `gsi1`, otherwise by time on
 * `gsi2` (reads stop at `limit` or at `since`; never a table scan).
 */
export function createLedger(client: DynamoDBClient, options: LedgerOptions): LedgerPort {
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const TableName = options.tableName;
  const retentionSeconds = Math.round((options.retentionDays ?? 400) * 86_400);
  const expiresAt = (iso: string) => Math.floor(Date.parse(iso) / 1000) + retentionSeconds;

  async function get(key: string): Promise<RolloutRecord | null> {
    try {
      const out = await doc.send(
        new GetCommand({ TableName, Key: { pk: rolloutPk(key), sk: RECORD_SK }, ConsistentRead: true }),
      );
      return out.Item ? toRecord(out.Item) : null;
    } catch (error) {
      return fail('GetItem', error, key);
    }
  }

  async function existing(key: string, operation: string, error: unknown): Promise<RecordResult> {
    const record = await get(key);
    if (record === null) return fail(operation, error, `${key}: condition failed but no record exists`);
    return { kind: 'exists', record };
  }

  return {
    get,

    async create(record) {
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: rolloutItem(record, options.retentionDays ?? 400),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { kind: 'recorded' };
      } catch (error) {
        if (isConditionFailure(error)) return existing(record.key, 'PutItem', error);
        return fail('PutItem', error, record.key);
      }
    },

    async recordOutcome(key, outcome) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: rolloutPk(key), sk: RECORD_SK },
            UpdateExpression:
              'SET #outcome = :outcome, #errors = :errors, finishedAt = :finishedAt, #message = :message',
            ConditionExpression: '#outcome = :started',
            ExpressionAttributeNames: { '#outcome': 'outcome', '#errors': 'errors', '#message': 'message' },
            ExpressionAttributeValues: {
              ':outcome': outcome.outcome,
              ':errors': outcome.errors,
              ':finishedAt': outcome.finishedAt,
              ':message': outcome.message,
              ':started': 'started',
            },
          }),
        );
        return { kind: 'recorded' };
      } catch (error) {
        if (isConditionFailure(error)) return existing(key, 'UpdateItem', error);
        return fail('UpdateItem', error, key);
      }
    },

    async claimNotification(key, event, owner, now): Promise<ClaimResult> {
      try {
        const out = await doc.send(
          new PutCommand({
            TableName,
            Item: {
              pk: rolloutPk(key),
              sk: notifySk(event),
              type: 'notification',
              event,
              owner,
              state: 'claimed',
              claimedAt: now,
              expiresAt: expiresAt(now),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR (#owner = :owner AND #state = :claimed)',
            ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: { ':owner': owner, ':claimed': 'claimed' },
            // The replaced item, if any, is this owner's unmarked claim: the notice may be in Slack already.
            ReturnValues: 'ALL_OLD',
          }),
        );
        const earlier = out.Attributes;
        if (earlier === undefined) return { kind: 'claimed' };
        return {
          kind: 'claimed',
          reclaimed: { at: typeof earlier.claimedAt === 'string' ? earlier.claimedAt : now },
        };
      } catch (error) {
        if (!isConditionFailure(error)) return fail('PutItem', error, `${key} ${event}`);
        const out = await doc.send(
          new GetCommand({
            TableName,
            Key: { pk: rolloutPk(key), sk: notifySk(event) },
            ConsistentRead: true,
          }),
        );
        return out.Item?.state === 'claimed' ? { kind: 'claimed-by-other' } : { kind: 'already-sent' };
      }
    },

    async markNotificationSent(key, event, result) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: rolloutPk(key), sk: notifySk(event) },
            UpdateExpression: 'SET #state = :state, ts = :ts',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':state': result.delivered ? 'sent' : 'undeliverable',
              ':ts': result.ts,
            },
          }),
        );
        if (event === 'started' && result.ts !== null) {
          await doc.send(
            new UpdateCommand({
              TableName,
              Key: { pk: rolloutPk(key), sk: RECORD_SK },
              UpdateExpression: 'SET slackThreadTs = :ts',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':ts': result.ts },
            }),
          );
        }
      } catch (error) {
        if (isConditionFailure(error)) return;
        fail('UpdateItem', error, `${key} ${event}`);
      }
    },

    async listHistory(query) {
      const limit = Math.max(1, Math.floor(query.limit));
      const records: RolloutRecord[] = [];
      const byCluster = query.cluster !== undefined && query.cluster !== '';
      const { since, until } = query;
      if (since !== undefined && until !== undefined && since >= until) return records;
      // Newest first on either index; `since` and `until` bound the sort key (gsi1sk starts with
      // createdAt). BETWEEN is inclusive: a record created exactly at `until` is dropped below.
      const range =
        since !== undefined && until !== undefined
          ? 'BETWEEN :since AND :until'
          : since !== undefined
            ? '>= :since'
            : until !== undefined
              ? '<= :until'
              : null;
      const bounds = {
        ...(since === undefined ? {} : { ':since': since }),
        ...(until === undefined ? {} : { ':until': until }),
      };
      const keyCondition = byCluster
        ? {
            KeyConditionExpression: range === null ? '#pk = :pk' : `#pk = :pk AND #sk ${range}`,
            ExpressionAttributeNames: {
              '#pk': LedgerSchema.gsiPartitionKey,
              ...(range === null ? {} : { '#sk': LedgerSchema.gsiSortKey }),
            },
            ExpressionAttributeValues: { ':pk': clusterPk(query.cluster ?? ''), ...bounds },
          }
        : {
            KeyConditionExpression: range === null ? '#type = :type' : `#type = :type AND #at ${range}`,
            ExpressionAttributeNames: {
              '#type': LedgerSchema.timeIndexPartitionKey,
              ...(range === null ? {} : { '#at': LedgerSchema.timeIndexSortKey }),
            },
            ExpressionAttributeValues: { ':type': ROLLOUT_ITEM_TYPE, ...bounds },
          };
      let startKey: Record<string, unknown> | undefined;
      // Bounded by `limit` and the range: each page asks for no more than the records still wanted.
      do {
        try {
          const out = await doc.send(
            new QueryCommand({
              TableName,
              IndexName: byCluster ? LedgerSchema.gsi : LedgerSchema.timeIndex,
              ...keyCondition,
              ScanIndexForward: false,
              Limit: Math.min(QUERY_PAGE_LIMIT, limit - records.length),
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of out.Items ?? []) {
            const record = toRecord(item);
            if (until !== undefined && record.createdAt >= until) continue;
            const account = record.accountId ?? query.homeAccountId;
            if (query.accountId === undefined || account === query.accountId) records.push(record);
          }
          startKey = out.LastEvaluatedKey;
        } catch (error) {
          return fail(
            'Query',
            error,
            byCluster
              ? `cluster ${query.cluster}`
              : `history from ${since ?? 'the start'} to ${until ?? 'now'}`,
          );
        }
      } while (startKey !== undefined && records.length < limit);
      return records.slice(0, limit);
    },
  };
}

/**
 * Creates the ledger table with the stack's key schema (tests and the demo; never nodekeeper itself) and
 * waits until it is ACTIVE. Idempotent: an existing table is left alone. TTL is enabled where the
 * endpoint supports it (dynalite does not; then `ttl` says so).
 */
export async function createLedgerTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ created: boolean; ttl: 'enabled' | 'unsupported' }> {
  let created = false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
          { AttributeName: 'type', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'gsi2',
            KeySchema: [
              { AttributeName: 'type', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    created = true;
  } catch (error) {
    if (describeAwsError(error).code !== 'ResourceInUseException') fail('CreateTable', error, tableName);
  }
  // Bounded wait for ACTIVE (dynalite: ~0.5 s by default; DynamoDB: seconds).
  for (let i = 0; i < 120; i += 1) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (out.Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (out.Table?.TableStatus === 'ACTIVE' && indexesActive) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    return { created, ttl: 'enabled' };
  } catch (error) {
    const code = describeAwsError(error).code;
    if (code === 'UnknownOperationException' || code === 'ValidationException')
      return { created, ttl: 'unsupported' };
    return fail('UpdateTimeToLive', error, tableName);
  }
}
