/**
 * A Lambda Function URL on loopback: each HTTP request becomes the payload format 2.0 event Lambda
 * passes to the handler, and the handler's result becomes the HTTP answer
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html). Bodies that are not text
 * (form bodies included) arrive base64-encoded with `isBase64Encoded: true`, as Function URLs may
 * deliver them. Lets tests and the demo send what Slack sends to the real handler over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The fields of a Function URL event (payload format 2.0). */
export interface FunctionUrlEvent {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: 'anonymous';
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: '$default';
    stage: '$default';
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** What a handler may answer (the structured form; anything else is sent as JSON with 200). */
export interface FunctionUrlResult {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface FunctionUrl {
  /** `http://127.0.0.1:PORT` (append the path). */
  url: string;
  close(): Promise<void>;
}

const API_ID = 'sandboxfunctionurl0000000000';
const TEXT = /^(text\/|application\/(json|xml|javascript))/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The event Lambda builds for `req`. Pure apart from the request ID and time. */
export function functionUrlEvent(
  req: IncomingMessage,
  body: Buffer,
  now: Date = new Date(),
): FunctionUrlEvent {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const query = Object.fromEntries(url.searchParams);
  const text = TEXT.test(headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: API_ID,
      domainName: `${API_ID}.lambda-url.us-east-1.on.aws`,
      domainPrefix: API_ID,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** Serves `handler` as a Function URL on 127.0.0.1 (an ephemeral port). */
export async function startFunctionUrl(
  handler: (event: FunctionUrlEvent) => Promise<unknown>,
): Promise<FunctionUrl> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const event = functionUrlEvent(req, await readBody(req));
        const out = await handler(event);
        const structured =
          out !== null && typeof out === 'object' && 'statusCode' in (out as object)
            ? (out as FunctionUrlResult)
            : null;
        if (structured === null) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(out ?? null));
          return;
        }
        res.writeHead(structured.statusCode ?? 200, structured.headers ?? {});
        res.end(
          structured.body === undefined
            ? ''
            : structured.isBase64Encoded
              ? Buffer.from(structured.body, 'base64')
              : structured.body,
        );
      } catch (error) {
        // Lambda answers an unhandled error with 502.
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error', error: (error as Error).name }));
      }
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
