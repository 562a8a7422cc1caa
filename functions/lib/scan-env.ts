import type { LambdaClient } from '@aws-sdk/client-lambda';
import { homeRegion, readConfig, type TargetClientCache } from '@nodekeeper/aws/clients';
import { createLambdaClient, createLambdaWorkflowStarter } from '@nodekeeper/aws/lambda';
import {
  createApprovalStore,
  createLedger,
  createRecallStore,
  createScanMarks,
} from '@nodekeeper/aws/ledger';
import { ValidationError } from '@nodekeeper/core';
import type { Config } from '@nodekeeper/core/config';
import { pauseReaderFor, runDepsFor, targetClientsFor } from './deps.ts';
import { notifierFromSettings } from './notify.ts';
import type { ScanDeps } from './scan.ts';
import { readSettings, type Settings } from './settings.ts';

/** What the deployed scan and the durable fleet scan compose from their environment. */
export interface ScanEnvironment {
  settings: Settings;
  config: Config;
  /** Lambda in the home region (workflow starts, the hand-over to the fleet scan). */
  lambda: LambdaClient;
  /** Every scan dependency but `inspect`. */
  deps: Omit<ScanDeps, 'inspect'>;
  /**
   * Client sets per (account, region), spoke read roles for other accounts: the scan inspects with
   * them (`@nodekeeper/aws/inspect`, imported by the scan itself so the fleet scan, which inspects
   * nothing, bundles no EKS, EC2 or STS client).
   */
  clients: TargetClientCache;
}

/**
 * The scan's dependencies from NODEKEEPER_CONFIG (JSON), NODEKEEPER_WORKFLOW_ARN (qualified),
 * NODEKEEPER_LEDGER_TABLE, NODEKEEPER_PAUSE_PARAMETER, AWS_REGION and the Slack secrets (SST links or
 * NODEKEEPER_SLACK_* env). Builds clients; calls nothing.
 */
export function scanEnvironment(vars: NodeJS.ProcessEnv = process.env): ScanEnvironment {
  const settings = readSettings(vars);
  const config = readConfig({ env: vars });
  if (settings.workflowArn === null) throw new ValidationError('NODEKEEPER_WORKFLOW_ARN is not set');
  const region = homeRegion(vars, config);
  const clients = targetClientsFor(config, { homeRegion: region });
  const home = clients(null, region);
  const lambda = createLambdaClient(home.context);
  const notifier = notifierFromSettings(settings);
  const runs = runDepsFor(settings, home, notifier);
  return {
    settings,
    config,
    lambda,
    clients,
    deps: {
      config,
      pause: pauseReaderFor(home, settings.pauseParameter),
      starter: createLambdaWorkflowStarter(lambda, settings.workflowArn),
      notifier,
      ledger: createLedger(home.dynamodb, { tableName: settings.ledgerTable }),
      approvals: createApprovalStore(home.dynamodb, { tableName: settings.ledgerTable }),
      recalls: createRecallStore(home.dynamodb, { tableName: settings.ledgerTable }),
      ...(runs ? { runs } : {}),
      stage: settings.stage,
      // Return only once this scan's starts show in the ledger: the next scan (scans never overlap)
      // counts them in its budgets even before their workflows reach EKS.
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      // A burst of continuations (rollouts ending together) inspects the fleet once.
      marks: createScanMarks(home.dynamodb, { tableName: settings.ledgerTable }),
    },
  };
}
