import { randomUUID } from 'node:crypto';
import { homeRegion, readConfig } from '@nodekeeper/aws/clients';
import { createPatchLedger } from '@nodekeeper/aws/ledger';
import { createPatchPort, findClusterRegion } from '@nodekeeper/aws/patch';
import { ValidationError } from '@nodekeeper/core';
import type { Config } from '@nodekeeper/core/config';
import {
  type ExcludedInstance,
  type PatchAwsPort,
  type PatchLedgerPort,
  type PatchNotify,
  type PatchResultItem,
  parsePatchRequest,
  patchScope,
  startPatch,
  type UnmanagedInstance,
} from '@nodekeeper/core/patch';
import type { RunDeps } from '@nodekeeper/core/runs';
import { patchNotifyFrom } from '@nodekeeper/slack';
import { runDepsFor, targetClientsFor } from './lib/deps.ts';
import { logger } from './lib/logger.ts';
import { notifierFromSettings } from './lib/notify.ts';
import { readSettings } from './lib/settings.ts';

/**
 * The on-demand patch function (Lambda invoke; payload: docs/patch-payload.schema.json). Validates
 * the payload and the config scope BEFORE any AWS call; bad input gets `{ok:false}` and changes
 * nothing. Otherwise sends AWS-RunPatchBaseline per node group to verified managed instances and
 * answers with the request ID, command IDs, refusals and unmanaged instances.
 * AWS calls: eks:DescribeCluster (only when the config has several regions and the payload names
 * none), eks:ListNodegroups, eks:DescribeNodegroup, ec2:DescribeInstances,
 * ssm:DescribeInstanceInformation, ssm:SendCommand, ssm:ListCommands (is an unanswered command
 * already sent?), dynamodb:PutItem/UpdateItem (ledger).
 */

export type PatchFunctionResult =
  | {
      ok: false;
      /** `aws-error`: reading the cluster failed; nothing was sent; the request may be retried. */
      error: 'invalid-request' | 'not-configured' | 'aws-error';
      requestId: string | null;
      issues: string[];
    }
  | { ok: true; kind: 'duplicate'; requestId: string }
  | {
      ok: true;
      kind: 'started';
      requestId: string;
      snapshotId: string;
      cluster: string;
      region: string;
      operation: 'Scan' | 'Install';
      reboot: boolean;
      commandIds: string[];
      items: PatchResultItem[];
      refusals: Array<{ nodegroup: string; reason: string; message: string }>;
      unmanaged: UnmanagedInstance[];
      excluded: ExcludedInstance[];
    };

export interface PatchFunctionDeps {
  config: Config;
  aws: PatchAwsPort;
  ledger: PatchLedgerPort;
  notify: PatchNotify | null;
  findRegion(cluster: string, regions: string[]): Promise<string | null>;
  now: () => Date;
  newId: () => string;
  /** Bot mode: one Slack thread per request. */
  runs?: RunDeps;
}

function invalid(requestId: string | null, issues: string[]): PatchFunctionResult {
  return { ok: false, error: 'invalid-request', requestId, issues };
}

/** The handler's logic with injected adapters (tests). Never throws for bad input. */
export async function handlePatch(event: unknown, deps: PatchFunctionDeps): Promise<PatchFunctionResult> {
  let request: ReturnType<typeof parsePatchRequest>;
  try {
    request = parsePatchRequest(event);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    logger.warn('patch request rejected', { issues: error.issues });
    return invalid(null, error.issues);
  }
  const requestId = request.requestId ?? `req-${deps.newId()}`;
  const scope = patchScope(request, deps.config);
  if (scope.kind === 'invalid') {
    logger.warn('patch request outside the config', { requestId, issues: scope.issues });
    return invalid(requestId, scope.issues);
  }
  const region =
    scope.kind === 'region' ? scope.region : await deps.findRegion(request.cluster, scope.regions);
  if (region === null) {
    return invalid(requestId, [
      `cluster: ${request.cluster} exists in none of ${deps.config.regions.join(', ')}`,
    ]);
  }
  const result = await startPatch(
    { ...request, requestId },
    { region, snapshotId: deps.newId(), settings: deps.config.patch },
    {
      aws: deps.aws,
      ledger: deps.ledger,
      notify: deps.notify,
      now: deps.now,
      ...(deps.runs ? { runs: deps.runs } : {}),
    },
  );
  if (result.kind === 'invalid') {
    logger.warn('patch request rejected', { requestId, issues: result.issues });
    return invalid(requestId, result.issues);
  }
  if (result.kind === 'duplicate') {
    logger.info('patch request already recorded; nothing sent', { requestId });
    return { ok: true, kind: 'duplicate', requestId };
  }
  if (result.kind === 'failed') {
    logger.error('patch request failed before sending', { requestId, error: result.error });
    return { ok: false, error: 'aws-error', requestId, issues: [result.error] };
  }
  for (const item of result.items) {
    logger.info('patch decision', {
      requestId,
      cluster: item.cluster,
      nodegroup: item.nodegroup,
      decision: item.decision,
      reason: item.reason,
      commandIds: item.commandIds,
      error: item.error,
    });
  }
  return {
    ok: true,
    kind: 'started',
    requestId,
    snapshotId: result.snapshotId,
    cluster: result.cluster,
    region: result.region,
    operation: result.operation,
    reboot: result.reboot,
    commandIds: result.items.flatMap((i) => i.commandIds),
    items: result.items,
    refusals: result.items
      .filter((i) => i.decision === 'refuse')
      .map((i) => ({ nodegroup: i.nodegroup, reason: i.reason ?? '', message: i.message })),
    unmanaged: result.unmanaged,
    excluded: result.excluded,
  };
}

// One adapter of the notifier to core's ports for every shell (re-exported for patch-status).
export { patchNotifyFrom } from '@nodekeeper/slack';

/** Reads NODEKEEPER_CONFIG, NODEKEEPER_LEDGER_TABLE, AWS_REGION and the Slack secrets. */
export async function handler(event: unknown): Promise<PatchFunctionResult> {
  const settings = readSettings();
  let config: Config;
  try {
    config = readConfig({ env: process.env });
  } catch (error) {
    logger.error('patch function not configured', {
      error: error instanceof Error ? error.message : String(error),
    });
    return {
      ok: false,
      error: 'not-configured',
      requestId: null,
      issues: ['NODEKEEPER_CONFIG is missing or invalid'],
    };
  }
  const region = homeRegion(process.env, config);
  // Patching reaches the deployment's own account only (decision 008).
  const targets = targetClientsFor(null, { homeRegion: region });
  const clients = (r: string) => targets(null, r);
  const notifier = notifierFromSettings(settings);
  const runs = runDepsFor(settings, clients(region), notifier);
  return handlePatch(event, {
    config,
    aws: createPatchPort(clients),
    ledger: createPatchLedger(clients(region).dynamodb, { tableName: settings.ledgerTable }),
    notify: patchNotifyFrom(notifier),
    ...(runs ? { runs } : {}),
    findRegion: (cluster, regions) => findClusterRegion(clients, cluster, regions),
    now: () => new Date(),
    newId: randomUUID,
  });
}
