import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { homeRegion } from '@nodekeeper/aws/clients';
import type { RolloutDeps } from '@nodekeeper/core/rollout';
import { buildRolloutDeps, configOf } from './lib/deps.ts';
import { readSettings } from './lib/settings.ts';
import { createRolloutWorkflow, pollScheduleFromConfig } from './lib/workflow.ts';

/**
 * Durable rollout workflow (one execution per node group and target, named by the scan).
 * Reads NODEKEEPER_CONFIG (`rollout.maxWaitHours`: how long it follows an update),
 * NODEKEEPER_LEDGER_TABLE, NODEKEEPER_PAUSE_PARAMETER, AWS_REGION and the Slack secrets
 * (SST links SlackWebhookUrl / SlackBotToken, or NODEKEEPER_SLACK_* env).
 */
let deps: RolloutDeps | undefined;

function depsFromEnv(): RolloutDeps {
  const settings = readSettings();
  deps ??= buildRolloutDeps(settings, { homeRegion: homeRegion(process.env, configOf(settings)) });
  return deps;
}

export const handler = withDurableExecution(
  createRolloutWorkflow(depsFromEnv, () => pollScheduleFromConfig(readSettings().configJson)),
);
