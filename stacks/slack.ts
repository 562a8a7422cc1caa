// Slack: the three secrets, and the slash-command function behind a Function URL. Each secret is
// linked only to the functions that use it (see rollout.ts and patch.ts for the others).
import { functionDefaults, type StackContext } from './context.ts';

export type SlackSecrets = ReturnType<typeof createSlackSecrets>;

/**
 * The secrets. The bot token is optional (empty placeholder: webhook only, no threads); the
 * webhook URL and the signing secret must be set with `sst secret set` before a deploy.
 */
export function createSlackSecrets() {
  return {
    webhookUrl: new sst.Secret('SlackWebhookUrl'),
    botToken: new sst.Secret('SlackBotToken', ''),
    signingSecret: new sst.Secret('SlackSigningSecret'),
  };
}

/**
 * Executions reserved for (and the most allowed to) the slash command, acknowledgements and
 * workers together. Slack's traffic is a few requests a minute; Lambda keeps 100 unreserved.
 */
export const SLACK_COMMAND_RESERVED_CONCURRENCY = 10;

/**
 * The slash-command and interactivity endpoint (one Function URL: `/slack/commands` and `/`,
 * `/slack/interactions` for button clicks). It verifies Slack's signature with the signing secret
 * and hands every subcommand or click that touches AWS to an asynchronous invoke of itself (the
 * worker claims the signed request once in the ledger, does the work and answers on Slack's
 * response_url, or edits the clicked message with the bot token); the worker invokes the patch
 * function asynchronously (name in env).
 */
export function createSlackCommand(ctx: StackContext, secrets: SlackSecrets, patchFunctionName: string) {
  return new sst.aws.Function('SlackCommand', {
    ...functionDefaults,
    name: ctx.names.functions['slack-command'],
    description: 'nodekeeper: Slack slash command',
    handler: 'functions/slack-command.handler',
    memory: '256 MB',
    // The worker inspects every configured region for `plan`; Slack's answer is already sent then.
    timeout: '60 seconds',
    // A retried worker would post (and pause, resume or start patching) twice: no async retries.
    retries: 0,
    // The Function URL takes unauthenticated traffic: a flood of 401s may use at most these
    // executions, never the account's pool the scan, workflow and patch functions run from.
    concurrency: { reserved: SLACK_COMMAND_RESERVED_CONCURRENCY },
    // Slack calls server to server: no CORS; authorization is the request signature.
    url: { cors: false },
    environment: ctx.environment({ NODEKEEPER_PATCH_FUNCTION: patchFunctionName }),
    // The bot token edits a clicked message in place (chat.update); without it, response_url does.
    link: [secrets.signingSecret, secrets.botToken],
    permissions: ctx.permissions('slack-command'),
  });
}
