/**
 * Patch orchestration written against ports, shared by the patch function, the status function and
 * the CLI: start a request (validate → facts → plan → ledger → SendCommand → Slack) and report a
 * finished command (results → ledger → exactly one Slack summary per node group).
 */

import {
  buildPatchCompletedMessage,
  buildPatchFailedMessage,
  buildPatchRefusedMessage,
  buildPatchRequestedMessage,
} from '../messages/patch.ts';
import { type PatchOperation, RunItemState, type SlackMessage } from '../messages/types.ts';
import type { ClaimResult } from '../rollout/types.ts';
import { markRunItem, newRun, openRunThread, type RunDeps, runThreadOf } from '../runs.ts';
import { buildPatchCommands, DEFAULT_PATCH_TIMEOUT_SECONDS, PATCH_DOCUMENT } from './command.ts';
import type { CommandStatusChange } from './event.ts';
import type { PatchRequest } from './request.ts';
import {
  combineCommandStatuses,
  isTerminalStatus,
  patchCompletedEvent,
  summarizeInvocations,
} from './summary.ts';
import { planPatch } from './targeting.ts';
import {
  type ExcludedInstance,
  type InstanceResult,
  PatchDecision,
  type PatchFacts,
  type PatchInvocation,
  type PatchPlanItem,
  type PatchResultSummary,
  type SendCommandParams,
  type UnmanagedInstance,
} from './types.ts';

/** The AWS side of patching (implemented in @nodekeeper/aws). */
export interface PatchAwsPort {
  /** Node groups, their running instances and SSM's managed set. Read-only. */
  gatherFacts(target: {
    region: string;
    cluster: string;
    nodegroups: string[] | null;
    instanceIds: string[] | null;
  }): Promise<{ kind: 'found'; facts: PatchFacts } | { kind: 'cluster-not-found' }>;
  sendCommand(region: string, params: SendCommandParams): Promise<{ commandId: string }>;
  listInvocations(region: string, commandId: string): Promise<PatchInvocation[]>;
}

export interface PatchRequestRecord {
  requestId: string;
  /**
   * `accepted`: planned and (being) sent. `failed`: reading AWS failed before anything was sent;
   * the same request ID may be submitted again and then replaces this record.
   */
  status: 'accepted' | 'failed';
  /** Why a `failed` request failed; null otherwise. */
  error: string | null;
  accountId: string | null;
  region: string;
  cluster: string;
  operation: PatchOperation;
  reboot: boolean;
  requestedBy: string | null;
  /** ISO 8601. */
  createdAt: string;
  items: Array<{ nodegroup: string; decision: PatchDecision; reason: string | null; message: string }>;
  unmanaged: UnmanagedInstance[];
}

/** The commands of one node group in one request; `sealed` once every SendCommand was made. */
export interface PatchGroupRecord {
  groupId: string;
  requestId: string;
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  operation: PatchOperation;
  reboot: boolean;
  commandIds: string[];
  sendErrors: string[];
  sealed: boolean;
  createdAt: string;
}

export interface PatchCommandRecord {
  commandId: string;
  groupId: string;
  requestId: string;
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  operation: PatchOperation;
  reboot: boolean;
  instanceIds: string[];
  createdAt: string;
  /** `Sent` until the command ends, then SSM's final status. */
  status: string;
  finishedAt: string | null;
  results: InstanceResult[];
}

/** Patch records in the ledger. Every create is conditional; claims are exactly-once. */
export interface PatchLedgerPort {
  /** Creates the request unless one exists that is not `failed`. */
  createRequest(record: PatchRequestRecord): Promise<{ kind: 'recorded' } | { kind: 'exists' }>;
  /** Records a request that failed before sending, unless any record of it exists. */
  recordRequestFailure(record: PatchRequestRecord): Promise<{ kind: 'recorded' } | { kind: 'exists' }>;
  openGroup(record: PatchGroupRecord): Promise<void>;
  recordCommand(record: PatchCommandRecord): Promise<void>;
  sealGroup(groupId: string, commandIds: string[], sendErrors: string[]): Promise<void>;
  getGroup(groupId: string): Promise<PatchGroupRecord | null>;
  getCommand(commandId: string): Promise<PatchCommandRecord | null>;
  recordCommandResult(
    commandId: string,
    result: { status: string; finishedAt: string; results: InstanceResult[] },
  ): Promise<void>;
  /** Claims the one summary of a node group's commands; a stale claim (crashed owner) may be taken over. */
  claimSummary(groupId: string, owner: string, now: string): Promise<ClaimResult>;
  markSummarySent(groupId: string, result: { ts: string | null; delivered: boolean }): Promise<void>;
}

/** Posts a message (bot mode: as a reply in `threadTs`'s thread); never throws. */
export type PatchNotify = (
  message: SlackMessage,
  threadTs?: string,
) => Promise<{ ok: true; ts: string | null } | { ok: false; error: string }>;

/** The run of a patch request (bot mode: its Slack thread). Pure. */
export function patchRunId(requestId: string): string {
  return `patch-${requestId}`;
}

/** The ledger group ID of one node group in one request. Pure. */
export function patchGroupId(requestId: string, cluster: string, nodegroup: string): string {
  return `${requestId}#${cluster}#${nodegroup}`;
}

export interface PatchSettings {
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds?: number | undefined;
}

export interface StartPatchDeps {
  aws: PatchAwsPort;
  ledger: PatchLedgerPort | null;
  notify: PatchNotify | null;
  now: () => Date;
  /** Bot mode: one parent message per request, its notices in the thread. */
  runs?: RunDeps;
}

/** One node group in a patch result (`nodekeeper patch --json`, the patch function's answer). */
export interface PatchResultItem {
  cluster: string;
  nodegroup: string;
  region: string;
  decision: PatchDecision;
  reason: string | null;
  message: string;
  platform: string | null;
  commandIds: string[];
  /** null while nothing is known; commands that could not be sent are listed here. */
  error: string | null;
  instances: Array<{ instanceId: string; status: string; statusDetails?: string }>;
}

export type PatchStartResult =
  | { kind: 'invalid'; requestId: string; issues: string[] }
  | { kind: 'duplicate'; requestId: string }
  /** Reading AWS failed before anything was sent; recorded and reported once. */
  | { kind: 'failed'; requestId: string; error: string }
  | {
      kind: 'started';
      requestId: string;
      snapshotId: string;
      region: string;
      cluster: string;
      operation: PatchOperation;
      reboot: boolean;
      items: PatchResultItem[];
      unmanaged: UnmanagedInstance[];
      excluded: ExcludedInstance[];
    };

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Starts a patch request: gathers facts, plans, records the request in the ledger (a request ID
 * already recorded sends nothing), sends one command per node group (per 50 instances), records
 * each command before anything else, and posts requested/refused messages. Invalid input sends
 * nothing. A failed SendCommand is reported in its item, never thrown.
 */
export async function startPatch(
  request: PatchRequest & { requestId: string },
  context: { region: string; snapshotId: string; settings: PatchSettings },
  deps: StartPatchDeps,
): Promise<PatchStartResult> {
  const { requestId } = request;
  let gathered: Awaited<ReturnType<PatchAwsPort['gatherFacts']>>;
  try {
    gathered = await deps.aws.gatherFacts({
      region: context.region,
      cluster: request.cluster,
      nodegroups: request.nodegroups ?? null,
      instanceIds: request.instanceIds ?? null,
    });
  } catch (error) {
    return failBeforeSending(request, context.region, errorText(error), deps);
  }
  if (gathered.kind === 'cluster-not-found') {
    return {
      kind: 'invalid',
      requestId,
      issues: [`cluster: ${request.cluster} does not exist in ${context.region}`],
    };
  }
  const plan = planPatch(request, gathered.facts);
  if (plan.kind === 'invalid') return { kind: 'invalid', requestId, issues: plan.issues };

  const createdAt = deps.now().toISOString();
  const accountId = gathered.facts.accountId;
  if (deps.ledger) {
    const created = await deps.ledger.createRequest({
      requestId,
      status: 'accepted',
      error: null,
      accountId,
      region: context.region,
      cluster: request.cluster,
      operation: request.operation,
      reboot: request.reboot,
      requestedBy: request.requestedBy ?? null,
      createdAt,
      items: plan.items.map((i) => ({
        nodegroup: i.nodegroup,
        decision: i.decision,
        reason: i.reason,
        message: i.message,
      })),
      unmanaged: plan.unmanaged,
    });
    if (created.kind === 'exists') return { kind: 'duplicate', requestId };
  }
  const runId = patchRunId(requestId);
  const opened = deps.runs
    ? await openRunThread(newRun(runId, 'patch', createdAt, plan.items.map(refTarget)), deps.runs)
    : null;
  const threadTs = opened?.kind === 'posted' || opened?.kind === 'exists' ? opened.thread?.ts : undefined;
  const mark = async (item: PatchPlanItem, state: RunItemState) => {
    if (deps.runs && threadTs !== undefined)
      await markRunItem(runId, { ...refTarget(item), state }, deps.runs);
  };

  const options = {
    requestId,
    snapshotId: context.snapshotId,
    operation: request.operation,
    reboot: request.reboot,
    maxConcurrency: context.settings.maxConcurrency,
    maxErrors: context.settings.maxErrors,
    timeoutSeconds: context.settings.timeoutSeconds ?? DEFAULT_PATCH_TIMEOUT_SECONDS,
  };
  const items: PatchResultItem[] = [];
  for (const item of plan.items) {
    const result: PatchResultItem = {
      cluster: item.cluster,
      nodegroup: item.nodegroup,
      region: item.region,
      decision: item.decision,
      reason: item.reason,
      message: item.message,
      platform: item.platform,
      commandIds: [],
      error: null,
      instances: item.instanceIds.map((instanceId) => ({ instanceId, status: 'Pending' })),
    };
    items.push(result);
    if (item.decision !== PatchDecision.patch) {
      await deps.notify?.(
        buildPatchRefusedMessage({
          ...refTarget(item),
          reason: item.reason ?? 'no-managed-instances',
          platform: item.platform,
          message: item.message,
        }),
        threadTs,
      );
      await mark(item, RunItemState.notStarted);
      continue;
    }
    const requestedBy = request.requestedBy ?? null;
    await sendGroup(item, result, { ...options, createdAt, accountId, requestedBy }, deps, threadTs);
    await mark(item, result.commandIds.length > 0 ? RunItemState.inProgress : RunItemState.failed);
  }
  return {
    kind: 'started',
    requestId,
    snapshotId: context.snapshotId,
    region: context.region,
    cluster: request.cluster,
    operation: request.operation,
    reboot: request.reboot,
    items,
    unmanaged: plan.unmanaged,
    excluded: plan.excluded,
  };
}

/**
 * A request whose AWS reads failed: nothing was sent. It is recorded as `failed` (so it never
 * vanishes) and reported once per request ID, however often the caller retries; a later retry
 * that gets through replaces the record. Never throws: a ledger or Slack failure is part of the
 * returned error.
 */
async function failBeforeSending(
  request: PatchRequest & { requestId: string },
  region: string,
  error: string,
  deps: StartPatchDeps,
): Promise<PatchStartResult> {
  const target = { accountId: null, region, cluster: request.cluster, nodegroup: null };
  let first = true;
  let note = '';
  if (deps.ledger) {
    try {
      const recorded = await deps.ledger.recordRequestFailure({
        requestId: request.requestId,
        status: 'failed',
        error,
        accountId: null,
        region,
        cluster: request.cluster,
        operation: request.operation,
        reboot: request.reboot,
        requestedBy: request.requestedBy ?? null,
        createdAt: deps.now().toISOString(),
        items: [],
        unmanaged: [],
      });
      first = recorded.kind === 'recorded';
    } catch (ledgerError) {
      note = `; the ledger could not record it either: ${errorText(ledgerError)}`;
    }
  }
  if (first) {
    await deps.notify?.(
      buildPatchFailedMessage({
        ...target,
        requestId: request.requestId,
        operation: request.operation,
        error,
      }),
    );
  }
  return { kind: 'failed', requestId: request.requestId, error: `${error}${note}` };
}

function refTarget(item: PatchPlanItem) {
  return { accountId: item.accountId, region: item.region, cluster: item.cluster, nodegroup: item.nodegroup };
}

async function sendGroup(
  item: PatchPlanItem,
  result: PatchResultItem,
  options: Parameters<typeof buildPatchCommands>[1] & {
    createdAt: string;
    accountId: string | null;
    requestedBy: string | null;
  },
  deps: StartPatchDeps,
  threadTs: string | undefined,
): Promise<void> {
  const { commands } = buildPatchCommands(item, options);
  const groupId = patchGroupId(options.requestId, item.cluster, item.nodegroup);
  const errors: string[] = [];
  const base = {
    groupId,
    requestId: options.requestId,
    accountId: options.accountId,
    region: item.region,
    cluster: item.cluster,
    nodegroup: item.nodegroup,
    operation: options.operation,
    reboot: options.reboot,
    createdAt: options.createdAt,
  };
  await deps.ledger?.openGroup({ ...base, commandIds: [], sendErrors: [], sealed: false });
  for (const params of commands) {
    let commandId: string;
    try {
      ({ commandId } = await deps.aws.sendCommand(item.region, params));
    } catch (error) {
      errors.push(`SendCommand failed for ${params.InstanceIds.length} instances: ${errorText(error)}`);
      for (const i of result.instances) {
        if (params.InstanceIds.includes(i.instanceId)) i.status = 'NotSent';
      }
      continue;
    }
    result.commandIds.push(commandId);
    await deps.ledger?.recordCommand({
      ...base,
      commandId,
      instanceIds: params.InstanceIds,
      status: 'Sent',
      finishedAt: null,
      results: [],
    });
  }
  await deps.ledger?.sealGroup(groupId, result.commandIds, errors);
  if (errors.length > 0) result.error = errors.join('; ');
  if (result.commandIds[0] !== undefined) {
    await deps.notify?.(
      buildPatchRequestedMessage({
        ...refTarget(item),
        commandId: result.commandIds[0],
        operation: options.operation,
        reboot: options.reboot,
        instanceCount: item.instanceIds.length,
        maxConcurrency: options.maxConcurrency,
        maxErrors: options.maxErrors,
        requestedBy: options.requestedBy,
      }),
      threadTs,
    );
  }
}

/** Thrown when a status event arrives while its node group's commands are still being sent: retry later. */
export class PatchGroupNotSealedError extends Error {
  constructor(groupId: string, options?: { cause?: unknown }) {
    super(`patch group ${groupId} is still sending commands; retry the event`, options);
    this.name = 'PatchGroupNotSealedError';
  }
}

export type PatchReportResult =
  | {
      kind: 'ignored';
      reason: 'other-document' | 'not-terminal' | 'not-nodekeeper';
      commandId: string;
    }
  | { kind: 'recorded'; commandId: string; waitingFor: string[] }
  | { kind: 'duplicate'; commandId: string; groupId: string }
  | {
      kind: 'summarized';
      commandId: string;
      groupId: string;
      /** Where the node group lives (for metrics and logs). */
      location: { accountId: string | null; region: string; cluster: string; nodegroup: string };
      status: string;
      summary: PatchResultSummary;
      delivered: boolean;
    };

export interface ReportPatchDeps {
  /** Reporting reads what the command did, nothing else. */
  aws: Pick<PatchAwsPort, 'listInvocations'>;
  ledger: PatchLedgerPort;
  notify: PatchNotify | null;
  now: () => Date;
  /** Bot mode: the summary goes to the request's thread and edits its parent. */
  runs?: RunDeps;
}

/**
 * Handles the end of one command: ignores other documents, running statuses and commands the
 * ledger does not know (nodekeeper did not send them); records per-instance results; once every
 * command of the node group has ended, claims and posts the ONE summary of the node group.
 * Safe to run twice for the same event: the second run records the same results and posts nothing.
 */
export async function reportPatchCommand(
  change: Pick<CommandStatusChange, 'commandId' | 'documentName' | 'status' | 'time'>,
  deps: ReportPatchDeps,
  owner: string,
): Promise<PatchReportResult> {
  const { commandId } = change;
  if (change.documentName !== PATCH_DOCUMENT) return { kind: 'ignored', reason: 'other-document', commandId };
  if (!isTerminalStatus(change.status)) return { kind: 'ignored', reason: 'not-terminal', commandId };
  const command = await deps.ledger.getCommand(commandId);
  if (command === null) return { kind: 'ignored', reason: 'not-nodekeeper', commandId };

  const invocations = await deps.aws.listInvocations(command.region, commandId);
  const own = summarizeInvocations(invocations, command);
  await deps.ledger.recordCommandResult(commandId, {
    status: change.status,
    finishedAt: change.time,
    results: own.instances,
  });

  const group = await deps.ledger.getGroup(command.groupId);
  if (group !== null && !group.sealed) throw new PatchGroupNotSealedError(command.groupId);
  const commandIds = group?.commandIds.length ? group.commandIds : [commandId];
  const results: InstanceResult[] = [];
  const statuses: string[] = [];
  const waitingFor: string[] = [];
  for (const id of commandIds) {
    if (id === commandId) {
      results.push(...own.instances);
      statuses.push(change.status);
      continue;
    }
    const other = await deps.ledger.getCommand(id);
    if (other === null || !isTerminalStatus(other.status)) {
      waitingFor.push(id);
      continue;
    }
    results.push(...other.results);
    statuses.push(other.status);
  }
  if (waitingFor.length > 0) return { kind: 'recorded', commandId, waitingFor };

  const summary = summarizeInvocations(
    results.map((r) => ({
      instanceId: r.instanceId,
      status: r.status,
      statusDetails: r.statusDetails,
      output: r.pendingReboot ? 'InstalledPendingReboot: 1' : '',
    })),
    command,
  );
  const claim = await deps.ledger.claimSummary(command.groupId, owner, deps.now().toISOString());
  if (claim.kind !== 'claimed') return { kind: 'duplicate', commandId, groupId: command.groupId };

  const status = combineCommandStatuses(statuses);
  const message = buildPatchCompletedMessage(
    patchCompletedEvent(
      {
        accountId: command.accountId,
        region: command.region,
        cluster: command.cluster,
        nodegroup: command.nodegroup,
      },
      { commandId: commandIds[0] ?? commandId, status, operation: command.operation, reboot: command.reboot },
      summary,
    ),
  );
  const runId = patchRunId(command.requestId);
  const thread = deps.runs ? await runThreadOf(runId, deps.runs.runs) : null;
  const posted = deps.notify
    ? await deps.notify(message, thread?.ts)
    : { ok: false as const, error: 'slack-not-configured' };
  await deps.ledger.markSummarySent(command.groupId, {
    ts: posted.ok ? posted.ts : null,
    delivered: posted.ok,
  });
  if (deps.runs && thread !== null) {
    const ok = status === 'Success' && summary.counts.failed === 0;
    await markRunItem(
      runId,
      {
        accountId: command.accountId,
        region: command.region,
        cluster: command.cluster,
        nodegroup: command.nodegroup,
        state: ok ? RunItemState.succeeded : RunItemState.failed,
      },
      deps.runs,
    );
  }
  return {
    kind: 'summarized',
    commandId,
    groupId: command.groupId,
    location: {
      accountId: command.accountId,
      region: command.region,
      cluster: command.cluster,
      nodegroup: command.nodegroup,
    },
    status,
    summary,
    delivered: posted.ok,
  };
}
