import {
  type AwsClients,
  createClients,
  createLedger,
  createRolloutPort,
  createSsmPauseReader,
} from '@nodekeeper/aws';
import type { NodegroupRef, PausePort, RolloutDeps } from '@nodekeeper/core';
import { notifierFromSettings, notifyPortFrom } from './notify.ts';
import type { Settings } from './settings.ts';

export interface AwsDepsOptions {
  /** Region of the ledger table and the pause parameter (the function's own region). */
  homeRegion: string;
  /** Overrides every endpoint (tests, sandbox); else the SDK honours AWS_ENDPOINT_URL. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Clients per region, built once and reused (one HTTP handler and rate limiter each). */
export function clientCache(options: AwsDepsOptions): (region: string) => AwsClients {
  const cache = new Map<string, AwsClients>();
  return (region) => {
    let c = cache.get(region);
    if (!c) {
      c = createClients({
        region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
      cache.set(region, c);
    }
    return c;
  };
}

const notPaused: PausePort = { read: async () => ({ paused: false, reason: null }) };

/**
 * The real adapters for a rollout: EKS/EC2 per node group region, the DynamoDB ledger and the SSM
 * pause flag in the home region, Slack from the settings. Builds clients; makes no call.
 */
export function buildRolloutDeps(settings: Settings, options: AwsDepsOptions): RolloutDeps {
  const clients = clientCache(options);
  const home = clients(options.homeRegion);
  return {
    aws: createRolloutPort((ref: NodegroupRef) => clients(ref.region)),
    ledger: createLedger(home.dynamodb, { tableName: settings.ledgerTable }),
    pause: settings.pauseParameter ? createSsmPauseReader(home.ssm, settings.pauseParameter) : notPaused,
    notify: notifyPortFrom(notifierFromSettings(settings)),
    now: () => new Date(),
  };
}
