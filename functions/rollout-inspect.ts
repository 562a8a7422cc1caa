import { homeRegion, readConfig, type TargetClientCache } from '@nodekeeper/aws/clients';
import { createReleaseHistoryReader, inspectTarget } from '@nodekeeper/aws/inspect';
import type { EncodedInspection } from '@nodekeeper/aws/lambda';
import type { Config } from '@nodekeeper/core/config';
import { targetClientsFor } from './lib/deps.ts';
import { inspectOneTarget } from './lib/fleet-scan.ts';
import { logger } from './lib/logger.ts';

/**
 * Inspects one (account, region) target for the durable fleet scan, read-only, and returns it
 * compressed. The target's rules (clusters, role, age and follow rules) come from the deployment's
 * NODEKEEPER_CONFIG, never from the event. Environment: NODEKEEPER_CONFIG, AWS_REGION.
 */
let env: { config: Config; clients: TargetClientCache } | undefined;

export async function handler(event: unknown): Promise<EncodedInspection> {
  if (!env) {
    const config = readConfig({ env: process.env });
    // One client set per (account, region) for the life of this environment: credentials and
    // sockets are reused when Lambda runs another target here.
    env = { config, clients: targetClientsFor(config, { homeRegion: homeRegion(process.env, config) }) };
  }
  const { config, clients } = env;
  // Older releases are read fresh for each inspection (a later scan must see newer ones).
  const releaseHistories = createReleaseHistoryReader();
  return inspectOneTarget(event, {
    config,
    inspect: (target) => inspectTarget(clients, target, { logger, releaseHistories }),
  });
}
