import { randomUUID } from 'node:crypto';
import { homeRegion } from '@nodekeeper/aws/clients';
import { createPatchLedger } from '@nodekeeper/aws/ledger';
import { createPatchStatusPort } from '@nodekeeper/aws/ssm';
import {
  type PatchAwsPort,
  type PatchLedgerPort,
  type PatchNotify,
  type PatchReportResult,
  parseCommandStatusEvent,
  reportPatchCommand,
} from '@nodekeeper/core/patch';
import type { RunDeps } from '@nodekeeper/core/runs';
import { configOf, runDepsFor, targetClientsFor } from './lib/deps.ts';
import { logger } from './lib/logger.ts';
import { emitPatchResults, emitSlackFailure, metrics } from './lib/metrics.ts';
import { notifierFromSettings } from './lib/notify.ts';
import { readSettings } from './lib/settings.ts';
import { patchNotifyFrom } from './patch.ts';

/**
 * EventBridge `aws.ssm` "EC2 Command Status-change Notification" → patch results. Ignores invalid
 * events, other documents, running statuses and commands the ledger does not know; on a final
 * status records per-instance results and posts ONE Slack summary per node group (a conditional
 * ledger claim makes a duplicate delivery post nothing). Throws only to have EventBridge/Lambda
 * retry (the node group is still being sent, or AWS failed).
 * AWS calls: dynamodb:GetItem/PutItem/UpdateItem (ledger), ssm:ListCommandInvocations.
 */

export type PatchStatusResult =
  | PatchReportResult
  | { kind: 'ignored'; reason: 'invalid-event'; issues: string[] };

export interface PatchStatusDeps {
  /** Only ListCommandInvocations: the function reads what the command did, nothing else. */
  aws: Pick<PatchAwsPort, 'listInvocations'>;
  ledger: PatchLedgerPort;
  notify: PatchNotify | null;
  now: () => Date;
  /** Unique per invocation: two concurrent deliveries never share a claim. */
  owner: string;
  /** Bot mode: the summary goes to the request's thread and edits its parent. */
  runs?: RunDeps;
}

/** The handler's logic with injected adapters (tests). */
export async function handlePatchStatus(event: unknown, deps: PatchStatusDeps): Promise<PatchStatusResult> {
  const parsed = parseCommandStatusEvent(event);
  if (parsed.kind === 'invalid') {
    logger.warn('patch status event ignored: not an SSM command status event', { issues: parsed.issues });
    return { kind: 'ignored', reason: 'invalid-event', issues: parsed.issues };
  }
  const change = parsed.event;
  const result = await reportPatchCommand(change, deps, deps.owner);
  switch (result.kind) {
    case 'ignored':
      logger.info('patch status event ignored', {
        eventId: change.eventId,
        commandId: change.commandId,
        status: change.status,
        reason: result.reason,
      });
      break;
    case 'recorded':
      logger.info('patch results recorded; waiting for the node group’s other commands', {
        commandId: change.commandId,
        waitingFor: result.waitingFor,
      });
      break;
    case 'duplicate':
      logger.info('patch summary already claimed; nothing posted', {
        commandId: change.commandId,
        groupId: result.groupId,
      });
      break;
    case 'summarized':
      logger.info('patch summary', {
        commandId: change.commandId,
        groupId: result.groupId,
        status: result.status,
        counts: result.summary.counts,
        pendingReboot: result.summary.pendingReboot.length,
        delivered: result.delivered,
      });
      emitPatchResults(metrics, { ...result.location, counts: result.summary.counts });
      if (!result.delivered) {
        emitSlackFailure(metrics);
        logger.warn('patch summary undeliverable', { groupId: result.groupId });
      }
      break;
  }
  return result;
}

/** Reads NODEKEEPER_LEDGER_TABLE, the home region (AWS_REGION, else NODEKEEPER_CONFIG's first region) and the Slack secrets. */
export async function handler(event: unknown): Promise<PatchStatusResult> {
  const settings = readSettings();
  const region = homeRegion(process.env, configOf(settings));
  const targets = targetClientsFor(null, { homeRegion: region });
  const clients = (r: string) => targets(null, r);
  const notifier = notifierFromSettings(settings);
  const runs = runDepsFor(settings, clients(region), notifier);
  return handlePatchStatus(event, {
    aws: createPatchStatusPort(clients),
    ledger: createPatchLedger(clients(region).dynamodb, { tableName: settings.ledgerTable }),
    notify: patchNotifyFrom(notifier),
    ...(runs ? { runs } : {}),
    now: () => new Date(),
    owner: `patch-status:${randomUUID()}`,
  });
}
