import type { IncomingHttpHeaders } from 'node:http';
import type { FaultDecision } from '../faults.ts';
import { jsonReply, type Reply } from '../protocol/http.ts';
import type { SlackPost } from '../types/index.ts';

/** The Slack sink: incoming webhooks and the Web API's chat.postMessage / chat.update. */

export const SLACK_WEBHOOK_PATH = '/slack/webhook/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
export const SLACK_API_PATH = '/slack/api/';

const WEBHOOK_CODES: Record<number, string> = {
  400: 'invalid_payload',
  403: 'action_prohibited',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
  500: 'internal_error',
};

export interface SlackSink {
  posts: SlackPost[];
  operationOf(path: string): string;
  handle(path: string, headers: IncomingHttpHeaders, body: Buffer, fault: FaultDecision): Reply;
}

export function createSlackSink(now: () => Date): SlackSink {
  const posts: SlackPost[] = [];
  const channelMessages = new Map<string, Set<string>>();
  let counter = 100;

  function nextTs(): string {
    counter++;
    return `${Math.floor(now().getTime() / 1000)}.${String(counter).padStart(6, '0')}`;
  }

  function operationOf(path: string): string {
    if (path.startsWith('/slack/webhook/')) return 'webhook';
    if (path.startsWith(SLACK_API_PATH)) return path.slice(SLACK_API_PATH.length);
    return 'unknown';
  }

  function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
    return { status, headers: { 'content-type': 'text/html', ...headers }, body };
  }

  function handle(path: string, headers: IncomingHttpHeaders, raw: Buffer, fault: FaultDecision): Reply {
    const op = operationOf(path);
    const isWebhook = op === 'webhook';
    if (fault.throttled) {
      return isWebhook
        ? text(429, 'rate_limited', { 'retry-after': '1' })
        : jsonReply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
    }
    if (fault.error) {
      const { status, code, retryAfterSeconds } = fault.error;
      const extra: Record<string, string> =
        retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
      return isWebhook
        ? text(status, code ?? WEBHOOK_CODES[status] ?? 'internal_error', extra)
        : jsonReply(status, { ok: false, error: code ?? 'internal_error' }, extra);
    }
    const body = parseBody(headers, raw);
    const at = now().toISOString();
    if (isWebhook) {
      if (path.split('/').filter(Boolean).length !== 5) return text(404, 'no_service');
      if (body === null) return text(400, 'invalid_payload');
      if (typeof body.text !== 'string' && !Array.isArray(body.blocks) && !Array.isArray(body.attachments))
        return text(400, 'no_text');
      posts.push({ kind: 'webhook', at, body, token: null, ts: null });
      return text(200, 'ok');
    }
    if (op !== 'chat.postMessage' && op !== 'chat.update')
      return jsonReply(200, { ok: false, error: 'unknown_method' });
    const auth = String(headers.authorization ?? '');
    const token = /^Bearer\s+(\S+)$/.exec(auth)?.[1] ?? (typeof body?.token === 'string' ? body.token : null);
    if (!token) return jsonReply(200, { ok: false, error: 'not_authed' });
    if (!token.startsWith('xoxb-') && !token.startsWith('xoxp-'))
      return jsonReply(200, { ok: false, error: 'invalid_auth' });
    if (body === null) return jsonReply(200, { ok: false, error: 'invalid_json' });
    const channel = typeof body.channel === 'string' ? body.channel : '';
    if (channel === '') return jsonReply(200, { ok: false, error: 'channel_not_found' });
    if (typeof body.text !== 'string' && body.blocks === undefined && body.attachments === undefined) {
      return jsonReply(200, { ok: false, error: 'no_text' });
    }
    const channelId = channel.startsWith('#')
      ? `C${channel
          .slice(1)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 10)
          .padEnd(10, '0')}`
      : channel;
    const known = channelMessages.get(channelId) ?? new Set<string>();
    channelMessages.set(channelId, known);
    if (op === 'chat.postMessage') {
      const ts = nextTs();
      known.add(ts);
      posts.push({ kind: 'chat.postMessage', at, body, token, ts });
      return jsonReply(200, {
        ok: true,
        channel: channelId,
        ts,
        message: { type: 'message', text: body.text ?? '', ts, bot_id: 'B0SANDBOX01' },
      });
    }
    const ts = typeof body.ts === 'string' ? body.ts : '';
    if (!known.has(ts)) return jsonReply(200, { ok: false, error: 'message_not_found' });
    posts.push({ kind: 'chat.update', at, body, token, ts });
    return jsonReply(200, { ok: true, channel: channelId, ts, text: body.text ?? '' });
  }

  return { posts, operationOf, handle };
}

/** JSON bodies, or form bodies (`payload=<json>` for webhooks; fields, with JSON `blocks`, for the Web API). */
function parseBody(headers: IncomingHttpHeaders, raw: Buffer): Record<string, unknown> | null {
  const type = String(headers['content-type'] ?? '');
  const text = raw.toString('utf8');
  const asObject = (s: string): Record<string, unknown> | null => {
    try {
      const v: unknown = JSON.parse(s);
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  if (type.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    const payload = form.get('payload');
    if (payload !== null) return asObject(payload);
    const out: Record<string, unknown> = {};
    for (const [k, v] of form)
      out[k] =
        (k === 'blocks' || k === 'attachments') && asObject(`{"x":${v}}`) ? asObject(`{"x":${v}}`)?.x : v;
    return out;
  }
  return asObject(text);
}
