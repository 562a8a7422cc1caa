/**
 * One fresh process of the acknowledgement bench: imports the bundled slack-command handler (a
 * cold start), answers one signed request (cold = import + first answer, services built on the
 * way), then `warm` more, and prints `{coldMs, warmMs, statuses}` as JSON. Reads
 * `{bundle, kind, warm, secret}` from argv; the environment points AWS where the bench says.
 */
import { createHmac } from 'node:crypto';
import { haltActions } from '@nodekeeper/core/messages';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  bundle: string;
  kind: 'slash' | 'interaction';
  warm: number;
  secret: string;
};
const USER = 'U0BENCH001';

function body(i: number): { path: string; body: string } {
  if (input.kind === 'slash') {
    return {
      path: '/slack/commands',
      body: new URLSearchParams({
        team_id: 'T0BENCH',
        channel_id: 'C0BENCH',
        user_id: USER,
        command: '/nodekeeper',
        text: `pause bench ${i}`,
        response_url: `https://hooks.slack.com/commands/T0BENCH/${1000 + i}/bench`,
        trigger_id: `${i}.bench`,
      }).toString(),
    };
  }
  const actions = haltActions({ release: '20261110', family: 'al2023', waves: ['prod'] });
  const button = actions.elements[0] as { action_id: string; value: string };
  const payload = {
    type: 'block_actions',
    user: { id: USER, username: 'bench', team_id: 'T0BENCH' },
    team: { id: 'T0BENCH', domain: 'bench' },
    container: {
      type: 'message',
      message_ts: '1700000000.000100',
      channel_id: 'C0BENCH',
      is_ephemeral: false,
    },
    message: {
      type: 'message',
      ts: '1700000000.000100',
      text: 'Release 20261110 halted',
      blocks: [{ type: 'section', block_id: 'a', text: { type: 'mrkdwn', text: 'halted' } }, actions],
    },
    response_url: `https://hooks.slack.com/actions/T0BENCH/${1000 + i}/bench`,
    trigger_id: `${i}.bench`,
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: 'nodekeeper.actions',
        value: button.value,
        action_ts: `1700000000.${i}`,
      },
    ],
  };
  return {
    path: '/slack/interactions',
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
  };
}

/**
 * A Function URL event (payload 2.0) as Lambda builds it, signed as Slack signs; `arrivedAt` is
 * when it reached the URL (a cold start's init runs after that).
 */
function event(i: number, arrivedAt: number): unknown {
  const { path, body: raw } = body(i);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', input.secret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    requestContext: {
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Slackbot 1.0' },
      timeEpoch: arrivedAt,
    },
    body: Buffer.from(raw).toString('base64'),
    isBase64Encoded: true,
  };
}

// The first request arrives, then the function's code is loaded (Lambda's init), then it answers.
const arrived = Date.now();
const t0 = performance.now();
const mod = (await import(input.bundle)) as { handler: (e: unknown) => Promise<{ statusCode?: number }> };
const first = await mod.handler(event(0, arrived));
const coldMs = performance.now() - t0;
const statuses = [first.statusCode ?? 0];
const warmMs: number[] = [];
for (let i = 1; i <= input.warm; i++) {
  const t = performance.now();
  const out = await mod.handler(event(i, Date.now()));
  warmMs.push(performance.now() - t);
  statuses.push(out.statusCode ?? 0);
}
process.stdout.write(`${JSON.stringify({ coldMs, warmMs, statuses })}\n`);
// Hand-offs still waiting on a hanging AWS keep the loop alive: this process is done.
process.exit(0);
