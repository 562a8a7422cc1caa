import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

type DynaliteFactory = (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;

/** Starts dynalite (DynamoDB from npm, in memory) on 127.0.0.1 and returns its endpoint. */
export async function startDynalite(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** dynalite plus a DynamoDB client pointed at it; `close` destroys the client and stops dynalite. */
export async function startDynaliteClient(): Promise<{ client: DynamoDBClient; close: () => Promise<void> }> {
  const d = await startDynalite();
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: d.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });
  return {
    client,
    close: async () => {
      client.destroy();
      await d.close();
    },
  };
}
