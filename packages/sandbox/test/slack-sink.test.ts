import { verifySlackSignature } from '@nodekeeper/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FunctionUrlEvent, type Sandbox, startFunctionUrl, startSandbox } from '../index.ts';

const TOKEN = 'xoxb-0000-sandbox-test';
const SECRET = 'sandbox-signing-secret';
const NOW = '2026-11-24T03:12:00.000Z';

describe('the Slack sink', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox({ now: NOW });
  });
  afterEach(async () => {
    await sb.close();
  });

  async function api(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`${sb.slackApiUrl}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  async function read(method: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await fetch(`${sb.slackApiUrl}${method}?${new URLSearchParams(params)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return (await res.json()) as Record<string, unknown>;
  }

  const metadata = { event_type: 'nodekeeper_notice', event_payload: { key: 'k-1' } };

  describe('when a message is posted with metadata', () => {
    it('shows the metadata only to readers that ask for all of it', async () => {
      const posted = await api('chat.postMessage', { channel: 'C0OPS', text: 'halted', metadata });
      const plain = await read('conversations.history', { channel: 'C0OPS' });
      const full = await read('conversations.history', { channel: 'C0OPS', include_all_metadata: 'true' });
      expect((plain.messages as Array<Record<string, unknown>>)[0]).not.toHaveProperty('metadata');
      expect(full.messages).toMatchObject([{ ts: posted.ts, metadata }]);
    });

    it('finds a thread reply with conversations.replies, the parent first', async () => {
      const parent = await api('chat.postMessage', { channel: 'C0OPS', text: 'run' });
      const reply = await api('chat.postMessage', {
        channel: 'C0OPS',
        text: 'failed',
        thread_ts: parent.ts,
        metadata,
      });
      const out = await read('conversations.replies', {
        channel: 'C0OPS',
        ts: String(parent.ts),
        include_all_metadata: 'true',
      });
      expect((out.messages as Array<{ ts: string }>).map((m) => m.ts)).toEqual([parent.ts, reply.ts]);
      // Top-level history does not show a reply that was not broadcast.
      const history = await read('conversations.history', { channel: 'C0OPS' });
      expect((history.messages as Array<{ ts: string }>).map((m) => m.ts)).toEqual([parent.ts]);
    });

    it('pages with a cursor and refuses a channel name, as conversations.* do', async () => {
      for (const text of ['a', 'b', 'c']) await api('chat.postMessage', { channel: 'C0OPS', text });
      const first = await read('conversations.history', { channel: 'C0OPS', limit: '2' });
      const cursor = (first.response_metadata as { next_cursor: string }).next_cursor;
      const second = await read('conversations.history', { channel: 'C0OPS', limit: '2', cursor });
      expect(
        [...(first.messages as []), ...(second.messages as [])].map((m: { text: string }) => m.text),
      ).toEqual(['c', 'b', 'a']);
      expect(await read('conversations.history', { channel: '#ops' })).toEqual({
        ok: false,
        error: 'channel_not_found',
      });
    });
  });

  describe('when a message is edited with chat.update', () => {
    it('keeps each earlier state and the metadata', async () => {
      const posted = await api('chat.postMessage', { channel: 'C0OPS', text: 'v1', blocks: [], metadata });
      await api('chat.update', {
        channel: 'C0OPS',
        ts: posted.ts,
        text: 'v2',
        blocks: [{ type: 'divider' }],
      });
      const [message] = sb.slackMessages();
      expect(message).toMatchObject({
        text: 'v2',
        blocks: [{ type: 'divider' }],
        metadata,
        edits: [{ at: NOW, text: 'v1', blocks: [] }],
      });
    });
  });

  describe('when a button is clicked', () => {
    it('sends the app a signed block_actions payload, as Slack does, and edits on replace_original', async () => {
      const received: FunctionUrlEvent[] = [];
      const app = await startFunctionUrl(async (event) => {
        received.push(event);
        return { statusCode: 200, body: '' };
      });
      try {
        const button = {
          type: 'button',
          action_id: 'nodekeeper.pause',
          text: { type: 'plain_text', text: 'Pause' },
          value: '{"v":1,"runId":"r"}',
        };
        const posted = await api('chat.postMessage', {
          channel: 'C0OPS',
          text: 'run',
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: 'run' } },
            { type: 'actions', block_id: 'nodekeeper.actions', elements: [button] },
          ],
        });
        const out = await sb.slackClick({
          channel: 'C0OPS',
          ts: String(posted.ts),
          actionId: 'nodekeeper.pause',
          userId: 'U0ALLOWED1',
          url: `${app.url}/slack/interactions`,
          signingSecret: SECRET,
        });
        expect(out).toMatchObject({ status: 200, body: '' });
        const [event] = received;
        expect(event?.rawPath).toBe('/slack/interactions');
        const raw = Buffer.from(event?.body ?? '', 'base64').toString('utf8');
        expect(
          verifySlackSignature({
            signingSecret: SECRET,
            timestamp: event?.headers['x-slack-request-timestamp'],
            signature: event?.headers['x-slack-signature'],
            rawBody: raw,
            now: new Date(NOW),
          }),
        ).toEqual({ ok: true });
        const payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '{}');
        expect(payload).toMatchObject({
          type: 'block_actions',
          user: { id: 'U0ALLOWED1' },
          container: { type: 'message', message_ts: posted.ts, channel_id: 'C0OPS', is_ephemeral: false },
          actions: [
            {
              type: 'button',
              action_id: 'nodekeeper.pause',
              block_id: 'nodekeeper.actions',
              value: button.value,
            },
          ],
        });
        // Slack gives every block a block_id.
        expect(
          payload.message.blocks.every((b: { block_id?: string }) => typeof b.block_id === 'string'),
        ).toBe(true);

        const edit = await fetch(payload.response_url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ replace_original: true, text: 'paused', blocks: [] }),
        });
        expect(edit.status).toBe(200);
        expect(sb.slackMessages()[0]).toMatchObject({ text: 'paused', blocks: [], edits: [{ text: 'run' }] });
        expect(sb.slackPosts().at(-1)).toMatchObject({ kind: 'response', ts: posted.ts });
      } finally {
        await app.close();
      }
    });

    it('refuses a click on a button the message does not have', async () => {
      const posted = await api('chat.postMessage', { channel: 'C0OPS', text: 'plain' });
      await expect(
        sb.slackClick({
          channel: 'C0OPS',
          ts: String(posted.ts),
          actionId: 'nodekeeper.pause',
          userId: 'U0ALLOWED1',
          url: 'http://127.0.0.1:9/',
          signingSecret: SECRET,
        }),
      ).rejects.toThrow('no button nodekeeper.pause');
    });
  });
});
