import {
  type AwsClients,
  type ClientCache,
  createClientCache,
  createLedger,
  createPausePort,
  createRolloutPort,
  createRunLedger,
  createTargetClientCache,
  rolesOf,
  type TargetClientCache,
} from '@nodekeeper/aws';
import {
  type Config,
  fleetTargets,
  type NodegroupRef,
  type PausePort,
  parseConfig,
  type RolloutDeps,
  type RunDeps,
  SpokeAccess,
} from '@nodekeeper/core';
import { type Notifier, runThreadDeps } from '@nodekeeper/slack';
import { notifierFromSettings, notifyPortFrom } from './notify.ts';
import type { Settings } from './settings.ts';

export interface AwsDepsOptions {
  /** Region of the ledger table and the pause parameter (the function's own region). */
  homeRegion: string;
  /** Overrides every endpoint (tests, sandbox); else the SDK honours AWS_ENDPOINT_URL. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The clock every dependency reads (records, guards, notices); default: the process clock. */
  now?: () => Date;
}

/** Clients per region, built once and reused (one HTTP handler and rate limiter each). */
export function clientCache(options: AwsDepsOptions): ClientCache {
  return createClientCache({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/**
 * Client sets per (account, region): the deployment's own credentials for its own account, an
 * assumed role (the config's `targets`) for every other account: the read-only spoke role unless
 * `access` is `write` (rollouts). Builds nothing until used.
 */
export function targetClientsFor(
  config: Pick<Config, 'regions' | 'clusters' | 'targets'> | null,
  options: AwsDepsOptions,
  access: SpokeAccess = SpokeAccess.read,
): TargetClientCache {
  return createTargetClientCache({
    homeRegion: options.homeRegion,
    roles: config ? rolesOf(fleetTargets(config, access)) : new Map(),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** The config in NODEKEEPER_CONFIG, or null when unset (validated where it is used as a whole). */
function configOf(settings: Settings): Config | null {
  return settings.configJson === null ? null : parseConfig(JSON.parse(settings.configJson));
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
 * and the SSM pause flag in the home region, Slack from the settings. Builds clients; makes no call.
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
    notify: notifyPortFrom(notifier),
    now: options.now ?? (() => new Date()),
    // Bot mode: notices go to the run's thread and edit its parent message.
    ...(runs ? { runs } : {}),
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
