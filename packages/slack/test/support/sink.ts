/**
 * What the delivery tests need from a Slack sink. The sandbox (`startSandbox`) provides one;
 * `startLocalSink` below is a small stand-in with the same behaviour for the rules used here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The Slack subset of the sandbox's FaultRule. */
export interface SlackFaultRule {
  service: 'slack';
  operation?: 'webhook' | 'chat.postMessage' | 'chat.update';
  error?: { status: number; code?: string; message?: string; retryAfterSeconds?: number };
  reset?: true;
  times?: number;
}

export interface SinkPost {
  /** `response`: on a button click's response URL (the sandbox's sink only). */
  kind: 'webhook' | 'chat.postMessage' | 'chat.update' | 'response';
  body: unknown;
  token: string | null;
  ts: string | null;
}

export interface SlackSink {
  webhookUrl: string;
  apiUrl: string;
  setFaults(rules: SlackFaultRule[]): void | Promise<void>;
  posts(): SinkPost[] | Promise<SinkPost[]>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A loopback Slack sink answering like the sandbox's: webhook `ok`, Web API `{ok, channel, ts}`. */
export async function startLocalSink(
  webhookPath = '/slack/webhook/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
): Promise<SlackSink> {
  let rules: (SlackFaultRule & { used: number })[] = [];
  const posts: SinkPost[] = [];
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '';
    const body = await readBody(req);
    const kind: SinkPost['kind'] | null = path.startsWith('/slack/webhook/')
      ? 'webhook'
      : path === '/slack/api/chat.postMessage'
        ? 'chat.postMessage'
        : path === '/slack/api/chat.update'
          ? 'chat.update'
          : null;
    if (req.method !== 'POST' || kind === null) {
      res.writeHead(404).end('not found');
      return;
    }
    const rule = rules.find(
      (r) =>
        (r.operation === undefined || r.operation === kind) && (r.times === undefined || r.used < r.times),
    );
    if (rule) {
      rule.used++;
      if (rule.reset) {
        req.socket.destroy();
        return;
      }
      if (rule.error) {
        const headers: Record<string, string> = {};
        if (rule.error.retryAfterSeconds !== undefined)
          headers['retry-after'] = String(rule.error.retryAfterSeconds);
        const code = rule.error.code ?? 'error';
        if (kind === 'webhook') {
          res.writeHead(rule.error.status, { ...headers, 'content-type': 'text/plain' }).end(code);
        } else {
          res
            .writeHead(rule.error.status, { ...headers, 'content-type': 'application/json' })
            .end(JSON.stringify({ ok: false, error: code }));
        }
        return;
      }
    }
    const auth = req.headers.authorization ?? null;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null;
    if (kind === 'webhook') {
      posts.push({ kind, body: JSON.parse(body), token: null, ts: null });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (!token?.startsWith('xoxb-')) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: false, error: 'not_authed' }));
      return;
    }
    const parsed = JSON.parse(body) as { ts?: string };
    seq++;
    const ts =
      kind === 'chat.update' ? (parsed.ts ?? null) : `1732262400.${String(seq * 100).padStart(6, '0')}`;
    posts.push({ kind, body: parsed, token, ts });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: true, channel: 'C0SANDBOX', ts }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    webhookUrl: `${base}${webhookPath}`,
    apiUrl: `${base}/slack/api/`,
    setFaults(next) {
      rules = next.map((r) => ({ ...r, used: 0 }));
    },
    posts: () => posts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
