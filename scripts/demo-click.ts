// The demo's Slack app: the real slack-command handler behind a Function URL on loopback, and a
// button clicked in the sandbox's Slack sink, which sends it the signed block_actions request
// Slack would. Lambda's asynchronous self-invoke (the worker) runs in this process.

import { startFunctionUrl } from '@nodekeeper/sandbox';
import {
  createSlackCommandHandler,
  type SlackCommandResult,
  SlackPaths,
} from '../functions/lib/slack-command.ts';
import { slackCommandDepsFromEnv } from '../functions/lib/slack-deps.ts';

/** The demo app's signing secret: it only ever signs requests on 127.0.0.1. */
const DEMO_SIGNING_SECRET = 'demo-signing-secret-not-a-real-one';
const SELF = 'nodekeeper-demo-slack-command';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export interface SlackMessageLike {
  channel: string;
  ts: string;
  text: string;
  blocks: Array<{ type: string; elements?: Array<{ action_id?: string; text?: { text?: string } }> }>;
}

/** The sink's messages as they are now. */
export async function slackMessages(endpoint: string): Promise<SlackMessageLike[]> {
  return (await (await fetch(`${endpoint}/_sandbox/slack/messages`)).json()) as SlackMessageLike[];
}

/**
 * Starts the app (config as the function would get it), clicks the button labelled `label` on the
 * message `ts` as `userId`, lets the worker finish, and answers what Slack saw.
 */
export async function clickInSlack(input: {
  endpoint: string;
  configJson: string;
  channel: string;
  ts: string;
  label: string;
  userId: string;
}): Promise<{ status: number; elapsedMs: number; done: SlackCommandResult[] }> {
  const work: Array<Promise<SlackCommandResult>> = [];
  const deps = slackCommandDepsFromEnv({
    env: {
      ...process.env,
      AWS_LAMBDA_FUNCTION_NAME: SELF,
      NODEKEEPER_CONFIG: input.configJson,
      NODEKEEPER_SLACK_SIGNING_SECRET: DEMO_SIGNING_SECRET,
    },
    logger: quiet,
  });
  const build = deps.services;
  const handler = createSlackCommandHandler({
    ...deps,
    services: () => ({
      ...build(),
      invoker: {
        async invoke(functionName, payload) {
          // Lambda's asynchronous invoke of the worker, in this process: JSON in, not waited for.
          const json = JSON.parse(JSON.stringify(payload)) as unknown;
          if (functionName === SELF) work.push(Promise.resolve().then(() => handler(json)));
          return { kind: 'accepted', lambdaRequestId: `demo-${work.length}` };
        },
      },
    }),
  });
  const app = await startFunctionUrl(handler as (event: unknown) => Promise<unknown>);
  try {
    const messages = await slackMessages(input.endpoint);
    const message = messages.find((m) => m.ts === input.ts);
    const button = message?.blocks
      .flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []))
      .find((e) => e.text?.text === input.label);
    if (!button?.action_id) throw new Error(`no button "${input.label}" on message ${input.ts}`);
    const res = await fetch(`${input.endpoint}/_sandbox/slack/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: input.channel,
        ts: input.ts,
        actionId: button.action_id,
        userId: input.userId,
        url: `${app.url}${SlackPaths.interactions}`,
        signingSecret: DEMO_SIGNING_SECRET,
      }),
    });
    const clicked = (await res.json()) as { status?: number; elapsedMs?: number; error?: string };
    if (clicked.error) throw new Error(`click: ${clicked.error}`);
    const done = await Promise.all(work);
    return { status: clicked.status ?? 0, elapsedMs: clicked.elapsedMs ?? 0, done };
  } finally {
    await app.close();
  }
}
