import type { IncomingHttpHeaders } from 'node:http';
import type { FaultDecision } from '../faults.ts';
import { jsonReply, type Reply } from '../protocol/http.ts';
import type { SlackMessageState, SlackPost } from '../types/index.ts';

/**
 * The Slack sink: incoming webhooks; the Web API's chat.postMessage / chat.update (a message's
 * blocks and metadata, with its edit history) and conversations.history / conversations.replies
 * (metadata only with `include_all_metadata`, as Slack answers); and the response URLs of button
 * clicks (`replace_original` edits the clicked message).
 */

export const SLACK_WEBHOOK_PATH = '/slack/webhook/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
export const SLACK_API_PATH = '/slack/api/';
/** Response URLs of button clicks, as Slack's `https://hooks.slack.com/actions/T…/…/…`. */
export const SLACK_ACTIONS_PATH = '/slack/actions/';
/** The team and bot the sink pretends to be. */
export const SANDBOX_TEAM = { id: 'T0SANDBOX1', domain: 'nodekeeper-sandbox' } as const;
export const SANDBOX_BOT_ID = 'B0SANDBOX01';

const WEBHOOK_CODES: Record<number, string> = {
  400: 'invalid_payload',
  403: 'action_prohibited',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
  500: 'internal_error',
};
/** Methods that read, answered to GET (query string) and POST alike. */
const READ_METHODS = new Set(['conversations.history', 'conversations.replies']);
const WRITE_METHODS = new Set(['chat.postMessage', 'chat.update']);
/** A channel ID, as conversations.* require (a `#name` is not one). */
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,30}$/;

/** Where a click's response URL leads: the clicked message. */
interface ResponseTarget {
  channel: string;
  ts: string;
  uses: number;
}

export interface SlackSink {
  posts: SlackPost[];
  /** Every message in its current state, with its edits (oldest first). */
  messages(): SlackMessageState[];
  /** One message, or undefined. */
  message(channel: string, ts: string): SlackMessageState | undefined;
  /** A response URL for a click on (channel, ts); `endpoint` is the sandbox's. */
  responseUrlFor(endpoint: string, channel: string, ts: string): string;
  /** Reads of conversations.history/replies (method, query), for tests. */
  reads: Array<{ method: string; at: string; params: Record<string, string> }>;
  operationOf(path: string): string;
  handle(
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    fault: FaultDecision,
    request?: { method: string; query: URLSearchParams },
  ): Reply;
}

export function createSlackSink(now: () => Date): SlackSink {
  const posts: SlackPost[] = [];
  const reads: SlackSink['reads'] = [];
  const messages = new Map<string, SlackMessageState[]>();
  const responses = new Map<string, ResponseTarget>();
  let counter = 100;
  let responseCounter = 0;

  function nextTs(): string {
    counter++;
    return `${Math.floor(now().getTime() / 1000)}.${String(counter).padStart(6, '0')}`;
  }

  function operationOf(path: string): string {
    if (path.startsWith('/slack/webhook/')) return 'webhook';
    if (path.startsWith(SLACK_ACTIONS_PATH)) return 'response_url';
    if (path.startsWith(SLACK_API_PATH)) return path.slice(SLACK_API_PATH.length);
    return 'unknown';
  }

  function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
    return { status, headers: { 'content-type': 'text/html', ...headers }, body };
  }

  function channelIdOf(channel: string): string {
    return channel.startsWith('#')
      ? `C${channel
          .slice(1)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 10)
          .padEnd(10, '0')}`
      : channel;
  }

  function find(channel: string, ts: string): SlackMessageState | undefined {
    return messages.get(channel)?.find((m) => m.ts === ts);
  }

  function edit(message: SlackMessageState, body: Record<string, unknown>, at: string): void {
    message.edits.push({ at, text: message.text, blocks: message.blocks });
    if (typeof body.text === 'string') message.text = body.text;
    if (Array.isArray(body.blocks)) message.blocks = structuredClone(body.blocks);
    // Metadata is kept unless the edit brings new metadata.
    if (isMetadata(body.metadata)) message.metadata = structuredClone(body.metadata);
  }

  /** A message as conversations.* answer it: metadata only when asked for. */
  function shown(m: SlackMessageState, withMetadata: boolean): Record<string, unknown> {
    return {
      type: 'message',
      subtype: 'bot_message',
      ts: m.ts,
      bot_id: SANDBOX_BOT_ID,
      text: m.text,
      blocks: m.blocks,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(m.edits.length > 0 ? { edited: { user: SANDBOX_BOT_ID, ts: m.edits.at(-1)?.at ?? m.ts } } : {}),
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
    };
  }

  function read(op: string, params: Record<string, string>): Reply {
    const channel = params.channel ?? '';
    if (!CHANNEL_ID.test(channel) || !messages.has(channel))
      return jsonReply(200, { ok: false, error: 'channel_not_found' });
    const all = messages.get(channel) ?? [];
    let list: SlackMessageState[];
    if (op === 'conversations.replies') {
      const parent = all.find((m) => m.ts === params.ts && m.threadTs === null);
      if (!parent) return jsonReply(200, { ok: false, error: 'thread_not_found' });
      list = [parent, ...all.filter((m) => m.threadTs === parent.ts)];
    } else {
      // Top-level messages (and replies broadcast to the channel), newest first, as Slack answers.
      list = all.filter((m) => m.threadTs === null || m.broadcast).reverse();
    }
    const oldest = Number(params.oldest ?? '0');
    const latest = params.latest === undefined ? Number.POSITIVE_INFINITY : Number(params.latest);
    const inclusive = params.inclusive === 'true' || params.inclusive === '1';
    list = list.filter((m, i) => {
      if (op === 'conversations.replies' && i === 0) return true;
      const t = Number(m.ts);
      return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
    });
    const limit = Math.min(
      Math.max(Number(params.limit ?? (op === 'conversations.replies' ? 1000 : 100)) || 100, 1),
      999,
    );
    const offset = params.cursor
      ? Number(
          Buffer.from(params.cursor, 'base64')
            .toString('utf8')
            .replace(/^offset:/, ''),
        )
      : 0;
    const page = list.slice(offset, offset + limit);
    const more = offset + limit < list.length;
    const withMetadata = params.include_all_metadata === 'true' || params.include_all_metadata === '1';
    return jsonReply(200, {
      ok: true,
      messages: page.map((m) => shown(m, withMetadata)),
      has_more: more,
      response_metadata: {
        next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '',
      },
    });
  }

  function respond(path: string, body: Record<string, unknown> | null, at: string): Reply {
    const target = responses.get(path);
    if (!target) return text(404, 'expired_url');
    // Slack allows five uses of a response URL within 30 minutes.
    if (target.uses >= 5) return text(404, 'used_url');
    if (body === null) return text(400, 'invalid_payload');
    target.uses += 1;
    posts.push({ kind: 'response', at, body, token: null, ts: target.ts });
    const original = find(target.channel, target.ts);
    if (body.replace_original === true && original) edit(original, body, at);
    else if (body.delete_original === true && original) {
      const list = messages.get(target.channel) ?? [];
      list.splice(list.indexOf(original), 1);
    }
    return text(200, 'ok');
  }

  function handle(
    path: string,
    headers: IncomingHttpHeaders,
    raw: Buffer,
    fault: FaultDecision,
    request: { method: string; query: URLSearchParams } = { method: 'POST', query: new URLSearchParams() },
  ): Reply {
    const op = operationOf(path);
    const isWebhook = op === 'webhook' || op === 'response_url';
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
    const isRead = READ_METHODS.has(op);
    if (request.method !== 'POST' && !(isRead && request.method === 'GET'))
      return jsonReply(405, { ok: false, error: 'method_not_allowed' });
    const body = request.method === 'GET' ? Object.fromEntries(request.query) : parseBody(headers, raw);
    const at = now().toISOString();
    if (op === 'response_url') return respond(path, body, at);
    if (op === 'webhook') {
      if (path.split('/').filter(Boolean).length !== 5) return text(404, 'no_service');
      if (body === null) return text(400, 'invalid_payload');
      if (typeof body.text !== 'string' && !Array.isArray(body.blocks) && !Array.isArray(body.attachments))
        return text(400, 'no_text');
      posts.push({ kind: 'webhook', at, body, token: null, ts: null });
      return text(200, 'ok');
    }
    if (!WRITE_METHODS.has(op) && !isRead) return jsonReply(200, { ok: false, error: 'unknown_method' });
    const auth = String(headers.authorization ?? '');
    const token = /^Bearer\s+(\S+)$/.exec(auth)?.[1] ?? (typeof body?.token === 'string' ? body.token : null);
    if (!token) return jsonReply(200, { ok: false, error: 'not_authed' });
    if (!token.startsWith('xoxb-') && !token.startsWith('xoxp-'))
      return jsonReply(200, { ok: false, error: 'invalid_auth' });
    if (body === null) return jsonReply(200, { ok: false, error: 'invalid_json' });
    if (isRead) {
      const params = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
      reads.push({ method: op, at, params });
      return read(op, params);
    }
    const channel = typeof body.channel === 'string' ? body.channel : '';
    if (channel === '') return jsonReply(200, { ok: false, error: 'channel_not_found' });
    if (typeof body.text !== 'string' && body.blocks === undefined && body.attachments === undefined) {
      return jsonReply(200, { ok: false, error: 'no_text' });
    }
    if (body.metadata !== undefined && !isMetadata(body.metadata))
      return jsonReply(200, { ok: false, error: 'invalid_metadata_format' });
    const channelId = channelIdOf(channel);
    const list = messages.get(channelId) ?? [];
    messages.set(channelId, list);
    if (op === 'chat.postMessage') {
      const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : null;
      if (threadTs !== null && !list.some((m) => m.ts === threadTs && m.threadTs === null))
        return jsonReply(200, { ok: false, error: 'thread_not_found' });
      const ts = nextTs();
      list.push({
        channel: channelId,
        ts,
        threadTs,
        text: typeof body.text === 'string' ? body.text : '',
        blocks: Array.isArray(body.blocks) ? structuredClone(body.blocks) : [],
        metadata: isMetadata(body.metadata) ? structuredClone(body.metadata) : null,
        broadcast: body.reply_broadcast === true,
        postedAt: at,
        edits: [],
      });
      posts.push({ kind: 'chat.postMessage', at, body, token, ts });
      return jsonReply(200, {
        ok: true,
        channel: channelId,
        ts,
        message: { type: 'message', text: body.text ?? '', ts, bot_id: SANDBOX_BOT_ID },
      });
    }
    const ts = typeof body.ts === 'string' ? body.ts : '';
    const existing = find(channelId, ts);
    if (!existing) return jsonReply(200, { ok: false, error: 'message_not_found' });
    edit(existing, body, at);
    posts.push({ kind: 'chat.update', at, body, token, ts });
    return jsonReply(200, { ok: true, channel: channelId, ts, text: body.text ?? '' });
  }

  return {
    posts,
    reads,
    messages: () => structuredClone([...messages.values()].flat()),
    message: (channel, ts) => structuredClone(find(channelIdOf(channel), ts)),
    responseUrlFor(endpoint, channel, ts) {
      responseCounter += 1;
      const path = `${SLACK_ACTIONS_PATH}${SANDBOX_TEAM.id}/${1_000_000_000 + responseCounter}/resp${String(responseCounter).padStart(20, '0')}`;
      responses.set(path, { channel: channelIdOf(channel), ts, uses: 0 });
      return `${endpoint}${path}`;
    },
    operationOf,
    handle,
  };
}

/** Slack message metadata: `{event_type: string, event_payload: object}`. */
function isMetadata(value: unknown): value is SlackMessageState['metadata'] & object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as { event_type?: unknown; event_payload?: unknown };
  return (
    typeof v.event_type === 'string' &&
    /^[A-Za-z0-9_]{1,255}$/.test(v.event_type) &&
    v.event_payload !== null &&
    typeof v.event_payload === 'object' &&
    !Array.isArray(v.event_payload)
  );
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
        (k === 'blocks' || k === 'attachments' || k === 'metadata') && asObject(`{"x":${v}}`)
          ? asObject(`{"x":${v}}`)?.x
          : v;
    return out;
  }
  return asObject(text);
}
