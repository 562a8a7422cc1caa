import { type AwsClients, buildClients, CONFIG_ENV, type TargetClientCache } from '@nodekeeper/aws/clients';
import { createAsyncInvoker, createContinuationPort, createLambdaClient } from '@nodekeeper/aws/lambda';
import { createLedger, createRecallStore, createRunLedger } from '@nodekeeper/aws/ledger';
import { createRolloutPort } from '@nodekeeper/aws/rollout';
import { createPausePort } from '@nodekeeper/aws/ssm';
import { type Config, parseConfigText, SpokeAccess } from '@nodekeeper/core/config';
import type { NodegroupRef } from '@nodekeeper/core/plan';
import type { PausePort, RolloutDeps } from '@nodekeeper/core/rollout';
import type { RunDeps } from '@nodekeeper/core/runs';
import { type Notifier, noticeFinderFrom, runThreadDeps } from '@nodekeeper/slack';
import { notifierFromSettings, notifyPortFrom } from './notify.ts';
import type { Settings } from './settings.ts';

export interface AwsDepsOptions {
  /** Region of the ledger table and the pause parameter: `homeRegion(env, config)` of the composition root. */
  homeRegion: string;
  /** Overrides every endpoint (tests, sandbox); else the SDK honours AWS_ENDPOINT_URL. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The clock every dependency reads (records, guards, notices); default: the process clock. */
  now?: () => Date;
}

/**
 * Client sets per (account, region) through the composition root's buildClients: the deployment's
 * own credentials for its own account, the config's spoke role for every other account (read-only
 * unless `access` is `write`: rollouts and patches). Builds nothing until used.
 */
export function targetClientsFor(
  config: Pick<Config, 'regions' | 'clusters' | 'targets'> | null,
  options: AwsDepsOptions,
  access: SpokeAccess = SpokeAccess.read,
): TargetClientCache {
  return buildClients(config, {
    homeRegion: options.homeRegion,
    access,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** The config in NODEKEEPER_CONFIG, or null when unset (core's one parser; throws ValidationError). */
export function configOf(settings: Settings): Config | null {
  return settings.configJson === null ? null : parseConfigText(settings.configJson, CONFIG_ENV);
}

/**
 * The pause flag in `parameterName` (SSM, home region), read with `readPauseState` on every call:
 * a missing parameter is not paused, a corrupt one is paused, an SSM failure throws.
 */
export function pauseReaderFor(home: AwsClients, parameterName: string): PausePort {
  return createPausePort(home.ssm, parameterName);
}

/**
 * The real adapters for a rollout: EKS/EC2 per node group account and region, the DynamoDB ledger
 * (with the recalls) and the SSM pause flag in the home region, Slack from the settings. Builds clients; makes no call.
 */
export function buildRolloutDeps(settings: Settings, options: AwsDepsOptions): RolloutDeps {
  const clients = targetClientsFor(configOf(settings), options, SpokeAccess.write);
  const home = clients(null, options.homeRegion);
  const notifier = notifierFromSettings(settings);
  const runs = runDepsFor(settings, home, notifier);
  return {
    // Each rollout reaches its node group's account (through the target's role) and region.
    aws: createRolloutPort((ref: NodegroupRef) => clients(ref.accountId, ref.region)),
    ledger: createLedger(home.dynamodb, { tableName: settings.ledgerTable }),
    pause: pauseReaderFor(home, settings.pauseParameter),
    // The guard reads the active recalls right before every start (a recall after planning still refuses).
    recalls: createRecallStore(home.dynamodb, { tableName: settings.ledgerTable }),
    notify: notifyPortFrom(notifier),
    // Bot mode: a replayed step finds the notice its crashed predecessor posted (Slack metadata).
    ...(noticeFinderFrom(notifier) ? { notices: noticeFinderFrom(notifier) } : {}),
    now: options.now ?? (() => new Date()),
    // Bot mode: notices go to the run's thread and edit its parent message.
    ...(runs ? { runs } : {}),
    // A rollout that ends while the plan held work for the budget asks the scan to go on.
    ...(settings.scanFunction
      ? {
          continuation: createContinuationPort(
            createAsyncInvoker(createLambdaClient(home.context)),
            settings.scanFunction,
          ),
        }
      : {}),
  };
}

/**
 * Run threads (bot mode): the run ledger and Slack's chat.postMessage/chat.update. Undefined for a
 * webhook or no Slack: notices then post flat.
 */
export function runDepsFor(
  settings: Settings,
  home: AwsClients,
  notifier: Notifier | null,
): RunDeps | undefined {
  return runThreadDeps(notifier, createRunLedger(home.dynamodb, { tableName: settings.ledgerTable }));
}
