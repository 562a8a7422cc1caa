/**
 * Button clicks as Slack sends them to an app's interactivity Request URL: a `block_actions`
 * payload (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload) as one
 * form field `payload=`, signed with the app's signing secret (v0: HMAC-SHA256 of
 * `v0:{timestamp}:{body}`, https://docs.slack.dev/authentication/verifying-requests-from-slack).
 */
import { createHash, createHmac } from 'node:crypto';
import type { SlackClick, SlackClickResult, SlackMessageState } from '../types/index.ts';
import { SANDBOX_BOT_ID, SANDBOX_TEAM } from './slack.ts';

interface ButtonLike {
  type?: unknown;
  action_id?: unknown;
  value?: unknown;
  text?: unknown;
  style?: unknown;
}

/** The message's blocks as Slack shows them back: every block has a `block_id` (Slack makes one up). */
function withBlockIds(blocks: readonly unknown[], ts: string): Array<Record<string, unknown>> {
  return blocks.map((b, i) => {
    const block = structuredClone(b) as Record<string, unknown>;
    if (typeof block.block_id !== 'string')
      block.block_id = createHash('sha256').update(`${ts}/${i}`).digest('base64url').slice(0, 5);
    return block;
  });
}

/** The button `actionId` (and `value`) in the message's actions blocks, with its block. */
export function findButton(
  message: Pick<SlackMessageState, 'blocks' | 'ts'>,
  actionId: string,
  value?: string,
): { block: Record<string, unknown>; button: ButtonLike } | null {
  for (const block of withBlockIds(message.blocks, message.ts)) {
    if (block.type !== 'actions' || !Array.isArray(block.elements)) continue;
    for (const e of block.elements as ButtonLike[]) {
      if (e.type === 'button' && e.action_id === actionId && (value === undefined || e.value === value))
        return { block, button: e };
    }
  }
  return null;
}

/**
 * The `block_actions` payload of a click on `actionId` in `message`, as Slack builds it: the
 * clicker, the container (channel and message ts), the whole message, the clicked action and a
 * response URL. Throws when the message has no such button. Pure.
 */
export function blockActionsPayload(input: {
  message: SlackMessageState;
  actionId: string;
  value?: string;
  userId: string;
  responseUrl: string;
  actionTs: string;
}): Record<string, unknown> {
  const { message } = input;
  const found = findButton(message, input.actionId, input.value);
  if (found === null)
    throw new Error(`no button ${input.actionId} on message ${message.ts} in ${message.channel}`);
  const { block, button } = found;
  return {
    type: 'block_actions',
    user: { id: input.userId, username: 'sandbox-user', name: 'sandbox-user', team_id: SANDBOX_TEAM.id },
    api_app_id: 'A0SANDBOX01',
    token: 'sandbox-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: `${input.actionTs.replace('.', '')}.${SANDBOX_TEAM.id}.sandbox`,
    team: SANDBOX_TEAM,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: 'sandbox' },
    message: {
      type: 'message',
      subtype: 'bot_message',
      bot_id: SANDBOX_BOT_ID,
      text: message.text,
      ts: message.ts,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      blocks: withBlockIds(message.blocks, message.ts),
    },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: block.block_id,
        text: button.text,
        ...(button.value === undefined ? {} : { value: button.value }),
        ...(button.style === undefined ? {} : { style: button.style }),
        action_ts: input.actionTs,
      },
    ],
  };
}

/** Slack's v0 request signature of `body` at `timestamp` (seconds). Pure. */
export function signSlackRequest(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The HTTP request Slack sends for `payload`: form-encoded, signed. Pure. */
export function signedInteractionRequest(
  payload: Record<string, unknown>,
  signingSecret: string,
  timestamp: number,
): { headers: Record<string, string>; body: string } {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signSlackRequest(signingSecret, timestamp, body),
    },
    body,
  };
}

/** Sends a click to the app and measures the answer. */
export async function sendClick(
  click: SlackClick,
  request: { headers: Record<string, string>; body: string },
): Promise<SlackClickResult> {
  const started = performance.now();
  // Slack gives the app 3 s; the sandbox waits a little longer to report how late it was.
  const res = await fetch(click.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  return { status: res.status, body, elapsedMs: performance.now() - started, request };
}
