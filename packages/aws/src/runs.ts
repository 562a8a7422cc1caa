import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type RunControl,
  type RunItem,
  type RunLedgerPort,
  type RunRecord,
  type RunThread,
  runItemKey,
} from '@nodekeeper/core/runs';
import { AwsAdapterError, describeAwsError } from './errors.ts';
import './services/dynamodb.ts';

/**
 * Runs (one scan's rollouts, or one patch request) and their Slack parent message, in the ledger
 * table: `RUN#<runId>` / `RUN`, node groups in the map attribute `items` (by run item key),
 * `thread` once the parent was posted, `version` counting item changes, `control` (the last pause
 * or resume done from the parent's buttons), TTL `expiresAt`.
 */
export const RunKeys = {
  run: (runId: string) => ({ pk: `RUN#${runId}`, sk: 'RUN' }),
} as const;

export interface RunLedgerOptions {
  tableName: string;
  /** Records expire (DynamoDB TTL) this many days after the run started. Default 30. */
  retentionDays?: number;
}

function conditionFailed(error: unknown): boolean {
  return describeAwsError(error).code === 'ConditionalCheckFailedException';
}

function toRun(item: Record<string, unknown>): RunRecord {
  return {
    runId: String(item.runId),
    kind: item.kind === 'patch' ? 'patch' : item.kind === 'rollback' ? 'rollback' : 'rollout',
    startedAt: String(item.startedAt),
    items: (item.items as Record<string, RunItem> | undefined) ?? {},
    thread: (item.thread as RunThread | undefined) ?? null,
    version: Number(item.version ?? 0),
    ...(item.control ? { control: item.control as RunControl } : {}),
  };
}

/** The run ledger on DynamoDB: conditional create, write-once thread, atomic item updates. */
export function createRunLedger(client: DynamoDBClient, options: RunLedgerOptions): RunLedgerPort {
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const TableName = options.tableName;
  const retentionSeconds = Math.round((options.retentionDays ?? 30) * 86_400);

  const port: RunLedgerPort = {
    async openRun(run) {
      const { thread: _thread, ...rest } = run;
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...RunKeys.run(run.runId),
              type: 'run',
              expiresAt: Math.floor(Date.parse(run.startedAt) / 1000) + retentionSeconds,
              ...rest,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { kind: 'created' };
      } catch (error) {
        if (conditionFailed(error)) return { kind: 'exists' };
        throw new AwsAdapterError('dynamodb', 'PutItem', error, `run ${run.runId}`);
      }
    },

    async getRun(runId) {
      try {
        const out = await doc.send(
          new GetCommand({ TableName, Key: RunKeys.run(runId), ConsistentRead: true }),
        );
        return out.Item ? toRun(out.Item) : null;
      } catch (error) {
        throw new AwsAdapterError('dynamodb', 'GetItem', error, `run ${runId}`);
      }
    },

    async setRunThread(runId, thread) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: RunKeys.run(runId),
            UpdateExpression: 'SET #thread = :thread',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#thread)',
            ExpressionAttributeNames: { '#thread': 'thread' },
            ExpressionAttributeValues: { ':thread': thread },
          }),
        );
      } catch (error) {
        if (conditionFailed(error)) return;
        throw new AwsAdapterError('dynamodb', 'UpdateItem', error, `run ${runId}`);
      }
    },

    async setRunItem(runId, item) {
      const key = runItemKey(item);
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName,
            Key: RunKeys.run(runId),
            UpdateExpression: 'SET #items.#key = :item ADD #version :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#items': 'items', '#key': key, '#version': 'version' },
            ExpressionAttributeValues: { ':item': item, ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? toRun(out.Attributes) : null;
      } catch (error) {
        if (conditionFailed(error)) return null;
        throw new AwsAdapterError('dynamodb', 'UpdateItem', error, `run ${runId}`);
      }
    },

    async dropRunItems(runId, keys) {
      if (keys.length === 0) return port.getRun(runId);
      const names: Record<string, string> = { '#items': 'items', '#version': 'version' };
      const paths = keys.map((k, i) => {
        names[`#k${i}`] = k;
        return `#items.#k${i}`;
      });
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName,
            Key: RunKeys.run(runId),
            UpdateExpression: `REMOVE ${paths.join(', ')} ADD #version :one`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? toRun(out.Attributes) : null;
      } catch (error) {
        if (conditionFailed(error)) return null;
        throw new AwsAdapterError('dynamodb', 'UpdateItem', error, `run ${runId}`);
      }
    },

    async setRunControl(runId, control) {
      try {
        // A newer pause or resume is never replaced by an older one (two clicks arriving out of order).
        const out = await doc.send(
          new UpdateCommand({
            TableName,
            Key: RunKeys.run(runId),
            UpdateExpression: 'SET #control = :control ADD #version :one',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(#control) OR #control.#at <= :at)',
            ExpressionAttributeNames: { '#control': 'control', '#at': 'at', '#version': 'version' },
            ExpressionAttributeValues: { ':control': control, ':at': control.at, ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? toRun(out.Attributes) : null;
      } catch (error) {
        if (conditionFailed(error)) return port.getRun(runId);
        throw new AwsAdapterError('dynamodb', 'UpdateItem', error, `run ${runId}`);
      }
    },
  };
  return port;
}
