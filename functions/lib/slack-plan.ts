// The slack-command worker's plan (`/nodekeeper plan`), loaded with import() only when a worker
// plans: it brings the inspector, the planner and the EKS, EC2 and STS clients.
import type { AwsClients } from '@nodekeeper/aws/clients';
import { createPlanPorts } from '@nodekeeper/aws/inspect';
import { type Config, SpokeAccess } from '@nodekeeper/core/config';
import { type Plan, planFleet } from '@nodekeeper/core/plan';
import { type AwsDepsOptions, targetClientsFor } from './deps.ts';

export interface SlackPlanOptions extends Pick<AwsDepsOptions, 'homeRegion' | 'endpoint' | 'credentials'> {
  /** The home region's clients (ledger, pause flag), shared with the request path. */
  home: AwsClients;
  ledgerTable: string;
  pauseParameter: string;
  now: Date;
}

/** The plan a scan would make now, read through the scan's pipeline. Makes reads only. */
export async function planForSlack(config: Config, options: SlackPlanOptions): Promise<Plan> {
  // Least privilege: the internet-facing slash command reaches other accounts through their
  // read-only spoke roles only (its IAM cannot assume the mutating ones).
  const { homeRegion, endpoint, credentials } = options;
  const targets = targetClientsFor(
    config,
    { homeRegion, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) },
    SpokeAccess.read,
  );
  const ports = createPlanPorts({
    targets,
    home: options.home,
    ledgerTable: options.ledgerTable,
    pauseParameter: options.pauseParameter,
  });
  // The scan's pipeline: an unreadable pause flag or ledger holds every rollout (docs/rollouts.md).
  return (await planFleet(ports, { config, now: options.now })).plan;
}
