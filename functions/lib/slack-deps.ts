import { randomUUID } from 'node:crypto';
import { createClients, describeAwsError, homeRegion as homeRegionOf } from '@nodekeeper/aws/clients';
import { createAsyncInvoker, createLambdaClient } from '@nodekeeper/aws/lambda';
import {
  createApprovalStore,
  createLedger,
  createRecallStore,
  createRequestClaims,
  createRunLedger,
} from '@nodekeeper/aws/ledger';
import { setPauseState } from '@nodekeeper/aws/ssm';
import type { Config } from '@nodekeeper/core/config';
import type { SlackMessage } from '@nodekeeper/core/messages';
import type { InteractionSlackPort } from '@nodekeeper/core/slash';
import {
  createNotifier,
  type FetchLike,
  type Notifier,
  type NotifierLogger,
  SlackConfigError,
  SlackEnv,
} from '@nodekeeper/slack';
import { configOf, pauseReaderFor, targetClientsFor } from './deps.ts';
import { logger as defaultLogger } from './logger.ts';
import { readSettings, type Settings } from './settings.ts';
import type { SlackCommandDeps, SlackCommandServices } from './slack-command.ts';

export interface SlackCommandEnvOptions {
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Default: the real clock. Tests pass a time near their signed request. */
  now?: () => Date;
  /** Default: the functions' Powertools logger. */
  logger?: NotifierLogger;
  newRequestId?: () => string;
  /** AWS endpoint override and credentials (tests against the sandbox). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Slack delivery overrides for response_url posts (tests). */
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  /** The acknowledgement's wait bound on the self-invoke (tests resolve it at once or never). */
  ackSleep?: (ms: number) => Promise<void>;
}

/**
 * The slash command's deps from the environment: NODEKEEPER_CONFIG, NODEKEEPER_LEDGER_TABLE,
 * NODEKEEPER_PAUSE_PARAMETER, NODEKEEPER_PATCH_FUNCTION, AWS_LAMBDA_FUNCTION_NAME, AWS_REGION,
 * NODEKEEPER_SLACK_ALLOW_LOCAL, and the signing secret (SST link SlackSigningSecret or
 * NODEKEEPER_SLACK_SIGNING_SECRET). Builds no AWS client until `services()` is called.
 */
export function slackCommandDepsFromEnv(options: SlackCommandEnvOptions = {}): SlackCommandDeps {
  const env = options.env ?? process.env;
  const settings = readSettings(env);
  const logger = options.logger ?? defaultLogger;
  const value = (key: string) => {
    const v = env[key]?.trim();
    return v ? v : null;
  };
  const allowLocal = value(SlackEnv.allowLocal) === '1';
  const aws = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };

  function readConfig(): Config | null {
    if (settings.configJson === null) {
      logger.error('NODEKEEPER_CONFIG is not set');
      return null;
    }
    try {
      return configOf(settings);
    } catch (error) {
      logger.error('NODEKEEPER_CONFIG is invalid', {
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
      });
      return null;
    }
  }

  function services(): SlackCommandServices {
    const config = readConfig();
    const homeRegion = homeRegionOf(env, config);
    // The request path must answer Slack within 3 s: short timeouts, one retry.
    const fast = createClients({
      region: homeRegion,
      ...aws,
      connectTimeoutMs: 500,
      requestTimeoutMs: 1200,
      maxAttempts: 2,
    });
    const lambda = createLambdaClient(fast.context);
    const home = targetClientsFor(null, { homeRegion, ...aws })(null, homeRegion);
    const ledger = createLedger(home.dynamodb, { tableName: settings.ledgerTable });
    const approvals = createApprovalStore(home.dynamodb, { tableName: settings.ledgerTable });
    const recalls = createRecallStore(home.dynamodb, { tableName: settings.ledgerTable });
    const pauseParameter = settings.pauseParameter;
    return {
      config,
      invoker: createAsyncInvoker(lambda),
      claims: createRequestClaims(home.dynamodb, { tableName: settings.ledgerTable }),
      pause: {
        // The request path writes with the fast client (3 s budget); `nodekeeper pause` writes the same JSON.
        async set(change) {
          try {
            await setPauseState(fast.ssm, pauseParameter, change);
            return { kind: 'set' };
          } catch (error) {
            return { kind: 'failed', errorCode: describeAwsError(error).code };
          }
        },
        read: pauseReaderFor(home, pauseParameter).read,
      },
      async plan(now) {
        if (config === null) throw new Error('no configuration');
        // Only the asynchronous worker plans: the inspector, the planner and the EKS, EC2 and STS
        // clients load on that path alone, not in the acknowledgement's cold start.
        const { planForSlack } = await import('./slack-plan.ts');
        return planForSlack(config, {
          homeRegion,
          ...aws,
          home,
          ledgerTable: settings.ledgerTable,
          pauseParameter,
          now,
        });
      },
      // `approve` writes what `nodekeeper approve` writes (the same ledger items).
      approvals: {
        async record(approval) {
          const result = await approvals.record(approval);
          return result.kind === 'recorded'
            ? result
            : { kind: 'exists', approval: { ...result.approval, family: result.approval.family ?? null } };
        },
      },
      // `recall` and `unrecall` write what `nodekeeper recall` and `unrecall` write (the same ledger items).
      recalls: {
        recall: (recall) => recalls.recall(recall),
        async unrecall(target, lift) {
          const result = await recalls.unrecall(target, lift);
          return result.kind === 'lifted' ? result : { kind: 'not-recalled' };
        },
      },
      history: (query) => ledger.listHistory(query),
      respond,
      interactions: interactionSlack(botNotifier(settings), respond),
      runs: createRunLedger(home.dynamodb, { tableName: settings.ledgerTable }),
    };
  }

  function respond(responseUrl: string, message: SlackMessage) {
    // A response_url is a webhook for this one command or click: the notifier's retries and redaction apply.
    const notifier = createNotifier({
      webhookUrl: responseUrl,
      allowInsecureLocalUrls: allowLocal,
      logger,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    return notifier.post(message);
  }

  /** The bot (chat.update of clicked messages), or null without a bot token or channel. */
  function botNotifier(s: Settings): Notifier | null {
    if (s.slack.botToken === null) return null;
    try {
      return createNotifier({
        botToken: s.slack.botToken,
        channel: s.slack.channel ?? '',
        ...(value(SlackEnv.apiUrl) ? { apiBaseUrl: value(SlackEnv.apiUrl) ?? '' } : {}),
        allowInsecureLocalUrls: allowLocal,
        logger,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
      });
    } catch (error) {
      if (!(error instanceof SlackConfigError)) throw error;
      logger.warn('Slack bot not usable; clicked messages are edited through response_url', {
        problems: error.message,
      });
      return null;
    }
  }

  return {
    now: options.now ?? (() => new Date()),
    signingSecret: settings.slack.signingSecret,
    allowLocal,
    logger,
    selfFunctionName: value('AWS_LAMBDA_FUNCTION_NAME'),
    patchFunctionName: value('NODEKEEPER_PATCH_FUNCTION'),
    newRequestId: options.newRequestId ?? randomUUID,
    sleep: options.ackSleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    services,
  };
}

/**
 * Edits the clicked message with chat.update (bot token: the message's own channel and ts), else
 * through the click's response_url (`replace_original`); answers the clicker alone on the
 * response_url (`ephemeral`, the message stays). Never throws.
 */
export function interactionSlack(
  bot: Notifier | null,
  respond: (
    responseUrl: string,
    message: SlackMessage,
  ) => Promise<{ ok: true } | { ok: false; error: string }>,
): InteractionSlackPort {
  const result = (r: { ok: true } | { ok: false; error: string }) =>
    r.ok ? { ok: true as const } : { ok: false as const, error: r.error };
  return {
    async update(target, message) {
      if (bot?.update) return result(await bot.update(target.ts, message, { channel: target.channel }));
      return result(await respond(target.responseUrl, { ...message, replaceOriginal: true }));
    },
    async ephemeral(responseUrl, text) {
      return result(
        await respond(responseUrl, { text, blocks: [], responseType: 'ephemeral', replaceOriginal: false }),
      );
    },
  };
}
