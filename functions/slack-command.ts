import { createSlackCommandHandler, type SlackCommandResult } from './lib/slack-command.ts';
import { slackCommandDepsFromEnv } from './lib/slack-deps.ts';

/**
 * `/nodekeeper` behind a Lambda Function URL. Every HTTP request is verified with Slack's v0
 * signature before anything else; every subcommand that touches AWS runs in an asynchronous
 * re-invocation of this function (`{kind:'slack-command-signed'}`) that claims the request once
 * and answers on response_url. See lib/slack-command.ts.
 */
let run: ((event: unknown) => Promise<SlackCommandResult>) | undefined;

export async function handler(event: unknown): Promise<SlackCommandResult> {
  run ??= createSlackCommandHandler(slackCommandDepsFromEnv());
  return run(event);
}
