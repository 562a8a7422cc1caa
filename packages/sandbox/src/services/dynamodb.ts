import { request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ApiError, type Reply, type SandboxRequest, type ServiceHandler } from '../protocol/http.ts';
import { jsonProtocolError } from './ssm.ts';

/** DynamoDB (JSON 1.0) proxied to an embedded, in-memory dynalite on an ephemeral loopback port. */

type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export interface Dynalite {
  readonly port: number;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<Dynalite> {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The ledger table nodekeeper uses unless NODEKEEPER_LEDGER_TABLE names another. */
export const DEFAULT_LEDGER_TABLE = 'nodekeeper-ledger';

/**
 * The CreateTable request of nodekeeper's ledger table: the key schema and index the stack deploys
 * (packages/aws `createLedgerTable` and stacks/ledger.ts; test/e2e/sandbox-ledger.test.ts checks
 * they agree). The sandbox creates it on start, so no nodekeeper code path has to.
 */
export function ledgerTableRequest(tableName: string): Record<string, unknown> {
  return {
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
  };
}

/** Creates the ledger tables `names` in dynalite (an existing table is left alone). */
export async function createLedgerTables(port: number, names: readonly string[]): Promise<void> {
  for (const name of new Set(names)) {
    const body = Buffer.from(JSON.stringify(ledgerTableRequest(name)), 'utf8');
    const reply = await forward(
      {
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.CreateTable',
          'x-amz-date': '20260101T000000Z',
          host: `127.0.0.1:${port}`,
          // dynalite checks the header's shape, not the signature.
          authorization:
            'AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0',
        },
        body,
      } as unknown as SandboxRequest,
      port,
    );
    const text = reply.body.toString('utf8');
    if (reply.status !== 200 && !text.includes('ResourceInUseException')) {
      throw new Error(`sandbox: cannot create ledger table ${name}: ${reply.status} ${text}`);
    }
  }
}

export function createDynamoDbHandler(dynalitePort: () => number): ServiceHandler {
  return {
    service: 'dynamodb',
    operationOf(req) {
      const target = String(req.headers['x-amz-target'] ?? '');
      return target.startsWith('DynamoDB_20120810.')
        ? target.slice('DynamoDB_20120810.'.length)
        : `Unknown:${target}`;
    },
    handle: (req) => forward(req, dynalitePort()),
    errorReply: (req, err) => jsonProtocolError(req, err, 'application/x-amz-json-1.0'),
    throttleError: () =>
      new ApiError(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.'),
    defaultErrorCode: (status) => (status >= 500 ? 'InternalServerError' : 'ValidationException'),
  };
}

function forward(req: SandboxRequest, port: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'host' || k === 'connection' || k === 'content-length') continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    headers['content-length'] = String(req.body.length);
    const out = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const replyHeaders: Record<string, string> = {};
        for (const k of ['content-type', 'x-amzn-requestid', 'x-amz-crc32']) {
          const v = res.headers[k];
          if (typeof v === 'string') replyHeaders[k] = v;
        }
        resolve({ status: res.statusCode ?? 500, headers: replyHeaders, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    out.on('error', (err) =>
      reject(new ApiError(500, 'InternalServerError', `dynalite: ${err.message}`, { cause: err })),
    );
    out.end(req.body);
  });
}
