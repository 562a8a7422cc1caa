/**
 * Recalls (`nodekeeper recall` / `unrecall`), stored in the ledger table with the ledger's key
 * conventions: one item per recalled (line, release) — pk `RECALL#{family|*}#{release}`, sk
 * `RECALL` — on the ledger's GSI (gsi1pk `RECALLS`, gsi1sk `{at}#…`) so one Query lists them all.
 * An active recall never expires. Lifting it keeps who, when and why on the item (which then
 * expires like an approval), and recalling the same release again keeps the earlier episodes.
 * Every write is conditional on the item's revision, so two operators never overwrite each other.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Recall } from '@nodekeeper/core/plan';
import type { RecallPort } from '@nodekeeper/core/rollout';
import { AwsAdapterError, describeAwsError } from './errors.ts';
import { LedgerSchema } from './ledger.ts';
import './services/dynamodb.ts';

const RECALLS_INDEX_PK = 'RECALLS';
const RECALL_SK = 'RECALL';
/** Earlier episodes kept on a recall's item (the newest). */
export const RECALL_EPISODES_KEPT = 50;
/** Attempts at a conditional write that another writer raced. */
const WRITE_ATTEMPTS = 3;

/** Which recall: a release identity (or AMI ID) and its line (null: every line). */
export type RecallTarget = Pick<Recall, 'release' | 'family'>;

/** Who lifted a recall, when and why. */
export interface RecallLift {
  by: string;
  /** ISO 8601. */
  at: string;
  reason: string | null;
}

/** One earlier recall of the same (line, release), and its lift. */
export interface RecallEpisode {
  reason: string;
  by: string;
  at: string;
  lifted: RecallLift | null;
}

/** A recall as stored: the current episode (active, or lifted) and the earlier ones, oldest first. */
export interface RecallRecord extends Recall {
  active: boolean;
  lifted: RecallLift | null;
  earlier: RecallEpisode[];
}

export type RecallResult =
  | { kind: 'recorded'; recall: RecallRecord }
  /** Already recalled: the active recall stays as it is. */
  | { kind: 'exists'; recall: RecallRecord };

export type UnrecallResult =
  | { kind: 'lifted'; recall: RecallRecord }
  /** Nothing active to lift: `recall` is the last (lifted) one, or null when there never was one. */
  | { kind: 'not-recalled'; recall: RecallRecord | null };

/** Records, lifts and lists recalls. As a RecallPort, `list()` gives the active ones. */
export interface RecallStore extends RecallPort {
  /** Records `recall` unless the same (line, release) is recalled already. */
  recall(recall: Recall): Promise<RecallResult>;
  /** Lifts the active recall of `target`, keeping who, when and why. */
  unrecall(target: RecallTarget, lift: RecallLift): Promise<UnrecallResult>;
  /** Active recalls, oldest first (one Query on the GSI, bounded). */
  list(): Promise<Recall[]>;
  /** Every recall item, active and lifted, with its trail, oldest first. */
  listRecords(): Promise<RecallRecord[]>;
}

export interface RecallStoreOptions {
  tableName: string;
  /** A lifted recall's item expires (DynamoDB TTL) this many days after the lift. Default 400. */
  retentionDays?: number;
}

const recallPk = (t: RecallTarget) => `RECALL#${t.family ?? '*'}#${t.release}`;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function liftOf(value: unknown): RecallLift | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const by = text(v.by);
  const at = text(v.at);
  return by && at ? { by, at, reason: text(v.reason) } : null;
}

function toRecord(item: Record<string, unknown>): RecallRecord & { revision: number } {
  const earlier = Array.isArray(item.earlier) ? (item.earlier as Array<Record<string, unknown>>) : [];
  return {
    release: String(item.release),
    family: text(item.family),
    reason: String(item.reason ?? ''),
    by: String(item.by ?? ''),
    at: String(item.at ?? ''),
    active: item.active === true,
    lifted: liftOf(item.lifted),
    earlier: earlier.map((e) => ({
      reason: String(e.reason ?? ''),
      by: String(e.by ?? ''),
      at: String(e.at ?? ''),
      lifted: liftOf(e.lifted),
    })),
    revision: typeof item.revision === 'number' ? item.revision : 0,
  };
}

function publicRecord(r: RecallRecord & { revision?: number }): RecallRecord {
  const { revision: _revision, ...rest } = r;
  return rest;
}

function isConditionFailure(error: unknown): boolean {
  return describeAwsError(error).code === 'ConditionalCheckFailedException';
}

/** A RecallStore on the ledger table (DynamoDB). Builds no client; makes no call until used. */
export function createRecallStore(client: DynamoDBClient, options: RecallStoreOptions): RecallStore {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = options.tableName;
  const retentionSeconds = Math.round((options.retentionDays ?? 400) * 86_400);

  const read = async (target: RecallTarget) => {
    const Key = { pk: recallPk(target), sk: RECALL_SK };
    try {
      const out = await doc.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
      return out.Item ? toRecord(out.Item) : null;
    } catch (error) {
      throw new AwsAdapterError('dynamodb', 'GetItem', error, Key.pk);
    }
  };

  const query = async (activeOnly: boolean): Promise<RecallRecord[]> => {
    const out: RecallRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Bounded pagination: recalls are few; 20 pages of up to 1 MB each is far beyond any fleet.
    for (let page = 0; page < 20; page++) {
      try {
        const res = await doc.send(
          new QueryCommand({
            TableName,
            IndexName: LedgerSchema.gsi,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': LedgerSchema.gsiPartitionKey },
            ExpressionAttributeValues: { ':pk': RECALLS_INDEX_PK },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of res.Items ?? []) {
          const record = publicRecord(toRecord(item));
          if (!activeOnly || record.active) out.push(record);
        }
        startKey = res.LastEvaluatedKey;
      } catch (error) {
        throw new AwsAdapterError('dynamodb', 'Query', error, 'recalls');
      }
      if (!startKey) break;
    }
    return out;
  };

  return {
    async recall(recall) {
      const pk = recallPk(recall);
      for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
        const current = await read(recall);
        if (current?.active) return { kind: 'exists', recall: publicRecord(current) };
        const earlier: RecallEpisode[] = current
          ? [
              ...current.earlier,
              { reason: current.reason, by: current.by, at: current.at, lifted: current.lifted },
            ].slice(-RECALL_EPISODES_KEPT)
          : [];
        const record: RecallRecord = {
          release: recall.release,
          family: recall.family ?? null,
          reason: recall.reason,
          by: recall.by,
          at: recall.at,
          active: true,
          lifted: null,
          earlier,
        };
        try {
          await doc.send(
            new PutCommand({
              TableName,
              // No TTL attribute: an active recall never expires.
              Item: {
                pk,
                sk: RECALL_SK,
                [LedgerSchema.gsiPartitionKey]: RECALLS_INDEX_PK,
                [LedgerSchema.gsiSortKey]: `${recall.at}#${recall.family ?? '*'}#${recall.release}`,
                type: 'recall',
                ...record,
                revision: (current?.revision ?? 0) + 1,
              },
              ...(current
                ? {
                    ConditionExpression: '#revision = :revision',
                    ExpressionAttributeNames: { '#revision': 'revision' },
                    ExpressionAttributeValues: { ':revision': current.revision },
                  }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            }),
          );
          return { kind: 'recorded', recall: record };
        } catch (error) {
          if (!isConditionFailure(error)) throw new AwsAdapterError('dynamodb', 'PutItem', error, pk);
          // Another writer changed the item between our read and write: read again.
        }
      }
      throw new AwsAdapterError(
        'dynamodb',
        'PutItem',
        {
          name: 'ConditionalCheckFailedException',
          message: `still contended after ${WRITE_ATTEMPTS} attempts`,
        },
        pk,
      );
    },

    async unrecall(target, lift) {
      const pk = recallPk(target);
      for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
        const current = await read(target);
        if (current === null || !current.active) {
          return { kind: 'not-recalled', recall: current ? publicRecord(current) : null };
        }
        try {
          await doc.send(
            new UpdateCommand({
              TableName,
              Key: { pk, sk: RECALL_SK },
              UpdateExpression: 'SET #active = :false, #lifted = :lifted, #revision = :next, #ttl = :expires',
              ConditionExpression: '#active = :true AND #revision = :revision',
              ExpressionAttributeNames: {
                '#active': 'active',
                '#lifted': 'lifted',
                '#revision': 'revision',
                '#ttl': LedgerSchema.ttlAttribute,
              },
              ExpressionAttributeValues: {
                ':false': false,
                ':true': true,
                ':lifted': { by: lift.by, at: lift.at, reason: lift.reason },
                ':revision': current.revision,
                ':next': current.revision + 1,
                ':expires': Math.floor(Date.parse(lift.at) / 1000) + retentionSeconds,
              },
            }),
          );
          return { kind: 'lifted', recall: { ...publicRecord(current), active: false, lifted: lift } };
        } catch (error) {
          if (!isConditionFailure(error)) throw new AwsAdapterError('dynamodb', 'UpdateItem', error, pk);
        }
      }
      throw new AwsAdapterError(
        'dynamodb',
        'UpdateItem',
        {
          name: 'ConditionalCheckFailedException',
          message: `still contended after ${WRITE_ATTEMPTS} attempts`,
        },
        pk,
      );
    },

    async list() {
      return (await query(true)).map(({ release, family, reason, by, at }) => ({
        release,
        family,
        reason,
        by,
        at,
      }));
    },

    listRecords: () => query(false),
  };
}
