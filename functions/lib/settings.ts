import { CONFIG_ENV } from '@nodekeeper/aws/clients';
import { pauseParameterName } from '@nodekeeper/aws/ssm';
import { ValidationError } from '@nodekeeper/core';
import { parseConfigText } from '@nodekeeper/core/config';
import { DEFAULT_STAGE } from '@nodekeeper/core/rollout';
import { Resource } from 'sst';

/**
 * Runtime settings of the rollout functions. Secrets come from SST `Resource` when the function is
 * linked to them (SlackWebhookUrl, SlackBotToken, SlackSigningSecret), else from environment
 * variables (local runs, tests). Never log these values.
 */
export interface Settings {
  /** JSON of nodekeeper.config.json (`NODEKEEPER_CONFIG`); null when unset. */
  configJson: string | null;
  /** DynamoDB table of the ledger (`NODEKEEPER_LEDGER_TABLE`). */
  ledgerTable: string;
  /**
   * SSM parameter holding the pause flag: `NODEKEEPER_PAUSE_PARAMETER`, else the CLI's default
   * (`pauseParameterName`), so the functions and `nodekeeper pause` always agree on one flag.
   */
  pauseParameter: string;
  /** Qualified ARN of the rollout workflow (`NODEKEEPER_WORKFLOW_ARN`), for the scan. */
  workflowArn: string | null;
  /**
   * Name or ARN of the scan function (`NODEKEEPER_SCAN_FUNCTION`), for the workflow's continuation
   * scans; null: a rollout that ends asks for none (the next scheduled fire plans the rest).
   */
  scanFunction: string | null;
  /**
   * Qualified ARN of the durable fleet scan (`NODEKEEPER_FLEET_SCAN_ARN`), for the scan: with more
   * targets than `rollout.fanOutAboveTargets` it hands the fleet there. Null: the scan inspects
   * every target itself.
   */
  fleetScanArn: string | null;
  /** Name or ARN of the inspect function (`NODEKEEPER_INSPECT_FUNCTION`), for the fleet scan. */
  inspectFunction: string | null;
  /**
   * The deployment's stage (`NODEKEEPER_STAGE`, set by the stack), else `default`. Durable execution
   * names carry it: Lambda keeps them unique per account and region, which stages may share.
   */
  stage: string;
  slack: {
    webhookUrl: string | null;
    botToken: string | null;
    channel: string | null;
    signingSecret: string | null;
    /** `slack.mentionOnFailure` of the config; unset or empty: no mention, no broadcast. */
    mentionOnFailure?: string[];
  };
}

function linked(name: string): string | null {
  // `in` asks SST without throwing when links are not active (tests, local runs).
  if (!(name in Resource)) return null;
  const value = (Resource as unknown as Record<string, { value?: unknown } | undefined>)[name]?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}

function env(vars: Record<string, string | undefined>, name: string): string | null {
  const v = vars[name];
  return v === undefined || v.trim() === '' ? null : v;
}

/**
 * The `slack` section of the config (the bot token's channel and who is mentioned on failure; not
 * secrets, so they live in the config). The config is validated where it is used; here an
 * unreadable one just has neither.
 */
function slackInConfig(configJson: string | null): { channel: string | null; mentionOnFailure: string[] } {
  const none = { channel: null, mentionOnFailure: [] };
  if (configJson === null) return none;
  try {
    const slack = parseConfigText(configJson, CONFIG_ENV).slack;
    return { channel: slack.channel ?? null, mentionOnFailure: slack.mentionOnFailure };
  } catch (error) {
    if (error instanceof ValidationError) return none;
    throw error;
  }
}

/** Reads the settings from SST links and `vars` (default: process.env). */
export function readSettings(vars: Record<string, string | undefined> = process.env): Settings {
  const inConfig = slackInConfig(env(vars, 'NODEKEEPER_CONFIG'));
  return {
    configJson: env(vars, 'NODEKEEPER_CONFIG'),
    ledgerTable: env(vars, 'NODEKEEPER_LEDGER_TABLE') ?? 'nodekeeper-ledger',
    pauseParameter: pauseParameterName(vars),
    workflowArn: env(vars, 'NODEKEEPER_WORKFLOW_ARN'),
    scanFunction: env(vars, 'NODEKEEPER_SCAN_FUNCTION'),
    fleetScanArn: env(vars, 'NODEKEEPER_FLEET_SCAN_ARN'),
    inspectFunction: env(vars, 'NODEKEEPER_INSPECT_FUNCTION'),
    stage: env(vars, 'NODEKEEPER_STAGE') ?? DEFAULT_STAGE,
    slack: {
      webhookUrl: linked('SlackWebhookUrl') ?? env(vars, 'NODEKEEPER_SLACK_WEBHOOK_URL'),
      botToken: linked('SlackBotToken') ?? env(vars, 'NODEKEEPER_SLACK_BOT_TOKEN'),
      channel: env(vars, 'NODEKEEPER_SLACK_CHANNEL') ?? inConfig.channel,
      signingSecret: linked('SlackSigningSecret') ?? env(vars, 'NODEKEEPER_SLACK_SIGNING_SECRET'),
      mentionOnFailure: inConfig.mentionOnFailure,
    },
  };
}
