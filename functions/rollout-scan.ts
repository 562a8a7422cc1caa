import { homeRegion, readConfig } from '@nodekeeper/aws/clients';
import { createReleaseHistoryReader, inspectTarget } from '@nodekeeper/aws/inspect';
import { createLambdaClient, createLambdaWorkflowStarter } from '@nodekeeper/aws/lambda';
import {
  createApprovalStore,
  createLedger,
  createRecallStore,
  createScanMarks,
} from '@nodekeeper/aws/ledger';
import { ValidationError } from '@nodekeeper/core';
import { pauseReaderFor, runDepsFor, targetClientsFor } from './lib/deps.ts';
import { logger } from './lib/logger.ts';
import { notifierFromSettings } from './lib/notify.ts';
import { parseScanEvent, runScan, type ScanResult } from './lib/scan.ts';
import { readSettings } from './lib/settings.ts';

/**
 * Scheduled scan: EventBridge Scheduler (the schedule's Input, see stacks/schedule.ts), a
 * Parameter Store Change or a continuation asked for by a rollout that ended → inspect → plan →
 * Slack plan summary → one durable rollout execution per `roll` item. Reads NODEKEEPER_CONFIG (JSON),
 * NODEKEEPER_WORKFLOW_ARN (qualified), NODEKEEPER_LEDGER_TABLE, NODEKEEPER_PAUSE_PARAMETER,
 * AWS_REGION and the Slack secrets (SST links or NODEKEEPER_SLACK_* env).
 */
export async function handler(event: unknown): Promise<ScanResult> {
  const scan = parseScanEvent(event);
  const settings = readSettings();
  const config = readConfig({ env: process.env });
  if (settings.workflowArn === null) throw new ValidationError('NODEKEEPER_WORKFLOW_ARN is not set');
  const region = homeRegion(process.env, config);
  const clients = targetClientsFor(config, { homeRegion: region });
  const home = clients(null, region);
  const lambda = createLambdaClient(home.context);
  const notifier = notifierFromSettings(settings);
  const runs = runDepsFor(settings, home, notifier);
  // This scan reads AWS's older releases (age selection) once per region, for every account.
  const releaseHistories = createReleaseHistoryReader();
  logger.info('scan started', {
    eventId: scan.id,
    source: scan.source,
    // Scheduler's delivery attempt (a retry has the same eventId and a new execution ID).
    ...('attempt' in scan ? { attempt: scan.attempt } : {}),
    targets: config.targets.length,
    regions: config.regions,
  });
  return runScan(scan, {
    config,
    inspect: (target) => inspectTarget(clients, target, { logger, releaseHistories }),
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
  });
}
