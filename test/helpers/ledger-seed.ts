/**
 * Writes many rollout records into a ledger table fast (BatchWriteItem, 25 items a request, a few
 * requests at once), as the items the ledger's `create` writes (`rolloutItem`). For tests and the
 * bench: nodekeeper itself writes one record at a time, conditionally.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rolloutItem } from '@nodekeeper/aws';
import type { RolloutRecord } from '@nodekeeper/core/rollout';

const BATCH = 25;

/** Writes `records` (unconditionally: later duplicates of a key win). Returns the requests sent. */
export async function seedRolloutRecords(
  client: DynamoDBClient,
  tableName: string,
  records: readonly RolloutRecord[],
  options: { concurrency?: number } = {},
): Promise<{ requests: number }> {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < records.length; i += BATCH) {
    batches.push(records.slice(i, i + BATCH).map((r) => rolloutItem(r)));
  }
  let next = 0;
  let requests = 0;
  const worker = async () => {
    while (next < batches.length) {
      let items = batches[next++] ?? [];
      for (let tries = 0; items.length > 0; tries += 1) {
        if (tries > 20) throw new Error(`seedRolloutRecords: ${items.length} items left unprocessed`);
        requests += 1;
        const out = await doc.send(
          new BatchWriteCommand({
            RequestItems: { [tableName]: items.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
        const left = out.UnprocessedItems?.[tableName] ?? [];
        items = left.map((w) => w.PutRequest?.Item as Record<string, unknown>);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return { requests };
}
