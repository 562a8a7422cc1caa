import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  PatchCommandRecord,
  PatchGroupRecord,
  PatchLedgerPort,
  PatchRequestRecord,
} from '@nodekeeper/core/patch';
import type { ClaimResult } from '@nodekeeper/core/rollout';
import { AwsAdapterError, describeAwsError } from './errors.ts';
import { LedgerSchema } from './ledger.ts';
import './services/dynamodb.ts';

/**
 * Patch records in the ledger table (same table and key schema as the rollout ledger: `pk`/`sk`,
 * `gsi1pk`/`gsi1sk`, TTL `expiresAt`):
 * - `PATCH#<requestId>` / `REQUEST`: the request (gsi1pk `PATCHES#<cluster>`, so rollout history
 *   queries on `CLUSTER#<cluster>` never see patch items);
 * - `PATCHGROUP#<groupId>` / `GROUP`: the commands of one node group, sealed once all were sent;
 * - `PATCHGROUP#<groupId>` / `NOTIFY#completed`: the claim of the node group's one Slack summary;
 * - `PATCHCMD#<commandId>` / `COMMAND`: one command, its final status and per-instance results.
 * Every item carries `type` and `createdAt`, so the ledger's time index (`gsi2`) lists commands
 * newest first without scanning the table.
 */
export const PatchLedgerKeys = {
  request: (requestId: string) => ({ pk: `PATCH#${requestId}`, sk: 'REQUEST' }),
  group: (groupId: string) => ({ pk: `PATCHGROUP#${groupId}`, sk: 'GROUP' }),
  summary: (groupId: string) => ({ pk: `PATCHGROUP#${groupId}`, sk: 'NOTIFY#completed' }),
  command: (commandId: string) => ({ pk: `PATCHCMD#${commandId}`, sk: 'COMMAND' }),
  clusterIndex: (cluster: string) => `PATCHES#${cluster}`,
} as const;

export interface PatchLedgerOptions {
  tableName: string;
  /** Records expire (DynamoDB TTL) this many days after they were created. Default 400. */
  retentionDays?: number;
  /** A claim older than this is taken over (its owner crashed before posting). Default 300. */
  claimLeaseSeconds?: number;
}

function isConditionFailure(error: unknown): boolean {
  return describeAwsError(error).code === 'ConditionalCheckFailedException';
}

function fail(operation: string, error: unknown, context: string): never {
  throw new AwsAdapterError('dynamodb', operation, error, context);
}

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, type: _t, expiresAt: _e, ...rest } = item;
  return rest as T;
}

/** The patch ledger on DynamoDB. Creates are conditional; the summary claim is exactly-once with a lease. */
/** The patch ledger port plus reads the CLI and tests use. */
export interface PatchLedger extends PatchLedgerPort {
  getRequest(requestId: string): Promise<PatchRequestRecord | null>;
  /** Patch commands with their per-instance results, newest first, at most `limit` (report). */
  listCommands(query: { limit: number }): Promise<PatchCommandRecord[]>;
}

export function createPatchLedger(client: DynamoDBClient, options: PatchLedgerOptions): PatchLedger {
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const TableName = options.tableName;
  const retentionSeconds = Math.round((options.retentionDays ?? 400) * 86_400);
  const leaseMs = (options.claimLeaseSeconds ?? 300) * 1000;
  const expiresAt = (iso: string) => Math.floor(Date.parse(iso) / 1000) + retentionSeconds;

  async function put(
    item: Record<string, unknown>,
    context: string,
    condition: {
      ConditionExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    } = {
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  ): Promise<'recorded' | 'exists'> {
    try {
      await doc.send(new PutCommand({ TableName, Item: item, ...condition }));
      return 'recorded';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      return fail('PutItem', error, context);
    }
  }

  async function get<T>(key: { pk: string; sk: string }): Promise<T | null> {
    try {
      const out = await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
      return out.Item ? strip<T>(out.Item) : null;
    } catch (error) {
      return fail('GetItem', error, key.pk);
    }
  }

  async function update(
    key: { pk: string; sk: string },
    input: {
      UpdateExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    },
  ): Promise<void> {
    try {
      await doc.send(
        new UpdateCommand({ TableName, Key: key, ConditionExpression: 'attribute_exists(pk)', ...input }),
      );
    } catch (error) {
      fail('UpdateItem', error, key.pk);
    }
  }

  const requestItem = (record: PatchRequestRecord) => ({
    ...PatchLedgerKeys.request(record.requestId),
    gsi1pk: PatchLedgerKeys.clusterIndex(record.cluster),
    gsi1sk: `${record.createdAt}#${record.requestId}`,
    type: 'patch-request',
    expiresAt: expiresAt(record.createdAt),
    ...record,
  });

  return {
    async createRequest(record: PatchRequestRecord) {
      // A request that failed before sending (AWS unreadable) may be submitted again.
      const result = await put(requestItem(record), record.requestId, {
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed' },
      });
      return { kind: result };
    },

    getRequest: (requestId) => get<PatchRequestRecord>(PatchLedgerKeys.request(requestId)),

    async recordRequestFailure(record: PatchRequestRecord) {
      return { kind: await put(requestItem(record), record.requestId) };
    },

    async openGroup(record: PatchGroupRecord) {
      await put(
        {
          ...PatchLedgerKeys.group(record.groupId),
          type: 'patch-group',
          expiresAt: expiresAt(record.createdAt),
          ...record,
        },
        record.groupId,
      );
    },

    async recordCommand(record: PatchCommandRecord) {
      await put(
        {
          ...PatchLedgerKeys.command(record.commandId),
          type: 'patch-command',
          expiresAt: expiresAt(record.createdAt),
          ...record,
        },
        record.commandId,
      );
    },

    async sealGroup(groupId, commandIds, sendErrors) {
      await update(PatchLedgerKeys.group(groupId), {
        UpdateExpression: 'SET sealed = :true, commandIds = :ids, sendErrors = :errors',
        ExpressionAttributeValues: { ':true': true, ':ids': commandIds, ':errors': sendErrors },
      });
    },

    getGroup: (groupId) => get<PatchGroupRecord>(PatchLedgerKeys.group(groupId)),
    getCommand: (commandId) => get<PatchCommandRecord>(PatchLedgerKeys.command(commandId)),

    async recordCommandResult(commandId, result) {
      // Same event twice writes the same values: idempotent.
      await update(PatchLedgerKeys.command(commandId), {
        UpdateExpression: 'SET #status = :status, finishedAt = :finishedAt, results = :results',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': result.status,
          ':finishedAt': result.finishedAt,
          ':results': result.results,
        },
      });
    },

    async claimSummary(groupId, owner, now): Promise<ClaimResult> {
      const key = PatchLedgerKeys.summary(groupId);
      const stale = new Date(Date.parse(now) - leaseMs).toISOString();
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...key,
              type: 'notification',
              event: 'patch-completed',
              owner,
              state: 'claimed',
              claimedAt: now,
              expiresAt: expiresAt(now),
            },
            ConditionExpression:
              'attribute_not_exists(pk) OR (#state = :claimed AND (#owner = :owner OR claimedAt < :stale))',
            ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: { ':owner': owner, ':claimed': 'claimed', ':stale': stale },
          }),
        );
        return { kind: 'claimed' };
      } catch (error) {
        if (!isConditionFailure(error)) return fail('PutItem', error, `${groupId} summary`);
        const existing = await get<{ state?: string }>(key);
        return existing?.state === 'claimed' ? { kind: 'claimed-by-other' } : { kind: 'already-sent' };
      }
    },

    async listCommands(query) {
      const limit = Math.max(1, Math.floor(query.limit));
      const commands: PatchCommandRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      // Newest first on the time index, each page no larger than what is still wanted.
      do {
        try {
          const out = await doc.send(
            new QueryCommand({
              TableName,
              IndexName: LedgerSchema.timeIndex,
              KeyConditionExpression: '#type = :command',
              ExpressionAttributeNames: { '#type': LedgerSchema.timeIndexPartitionKey },
              ExpressionAttributeValues: { ':command': 'patch-command' },
              ScanIndexForward: false,
              Limit: Math.min(1000, limit - commands.length),
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of out.Items ?? []) commands.push(strip<PatchCommandRecord>(item));
          startKey = out.LastEvaluatedKey;
        } catch (error) {
          return fail('Query', error, 'patch commands');
        }
      } while (startKey !== undefined && commands.length < limit);
      return commands.slice(0, limit);
    },

    async markSummarySent(groupId, result) {
      await update(PatchLedgerKeys.summary(groupId), {
        UpdateExpression: 'SET #state = :state, ts = :ts',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': result.delivered ? 'sent' : 'undeliverable',
          ':ts': result.ts,
        },
      });
    },
  };
}
