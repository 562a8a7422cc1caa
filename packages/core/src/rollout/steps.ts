import { RunItemState } from '../messages/types.ts';
import { markRunItem, runThreadOf } from '../runs.ts';
import { shouldRetryWithForce } from '../safety/force.ts';
import { NodegroupStatus } from '../types/fleet.ts';
import { MAX_ATTEMPT } from './attempt.ts';
import { guardRollout, isOnTarget } from './guard.ts';
import { rolloutKey, targetIdentity } from './key.ts';
import { earlierPost } from './notices.ts';
import {
  type PollResult,
  PollSchedule,
  type PollScheduleConfig,
  pollRollout,
  stillRunningMessage,
} from './poll.ts';
import { findOwnUpdate, refOf, type StartResult, startRollout } from './start.ts';
import {
  type FinalOutcome,
  type NotifyResult,
  type NotStartedReason,
  type RolloutDeps,
  type RolloutEvent,
  type RolloutNotice,
  RolloutOutcome,
  type RolloutRecord,
  type RolloutRequest,
  type UpdateError,
  UpdateStatus,
} from './types.ts';

/**
 * The rollout as a sequence of steps. The durable workflow runs each inside `ctx.step`; the CLI
 * runs them in a plain loop. Each step is idempotent, so running one again after a crash is safe.
 */

export type GuardStepResult =
  | { kind: 'proceed' }
  | { kind: 'not-started'; reason: NotStartedReason; message: string }
  /** The ledger shows this rollout started (by an earlier run): follow its update. */
  | { kind: 'resume'; updateId: string; launchTemplateVersion: string | null }
  /**
   * The ledger knows nothing, but EKS runs (or ran) this rollout's own update: an earlier run died
   * between starting it and recording it. Record it as started and follow it.
   */
  | { kind: 'reclaim'; updateId: string; launchTemplateVersion: string | null }
  /** The ledger shows this rollout finished: nothing to do. */
  | { kind: 'finished'; record: RolloutRecord };

/** Final state of a rollout as the steps report it. */
export interface RolloutSummary {
  key: string;
  cluster: string;
  nodegroup: string;
  region: string;
  outcome: RolloutOutcome;
  reason: string | null;
  message: string;
  updateId: string | null;
  launchTemplateVersion: string | null;
  errors: UpdateError[];
}

/** Builds a ledger record for `request`. Pure. */
export function rolloutRecord(
  request: RolloutRequest,
  fields: Partial<RolloutRecord> & Pick<RolloutRecord, 'outcome' | 'createdAt'>,
): RolloutRecord {
  return {
    key: rolloutKey(request),
    ...(request.kind === 'rollback' ? { kind: request.kind } : {}),
    accountId: request.accountId,
    region: request.region,
    cluster: request.cluster,
    nodegroup: request.nodegroup,
    strategy: request.strategy,
    wave: request.wave,
    from: request.current,
    to: request.target,
    ...(request.targetVersion !== undefined ? { targetVersion: request.targetVersion } : {}),
    attempt: request.attempt,
    updateId: null,
    launchTemplateVersion: null,
    reason: null,
    message: null,
    errors: [],
    startedAt: null,
    finishedAt: null,
    slackThreadTs: null,
    ...fields,
  };
}

/**
 * Ledger first (a finished or running rollout is not started again), then AWS: when the node group
 * is UPDATING or already on target and the ledger knows nothing, the update may be this rollout's
 * own, started by a run that died before recording it; it is reclaimed and followed. Then pause,
 * the active recalls (read now, so a recall after planning still refuses), then the planned-state
 * checks of {@link guardRollout}.
 */
export async function guardStep(request: RolloutRequest, deps: RolloutDeps): Promise<GuardStepResult> {
  const existing = await deps.ledger.get(rolloutKey(request));
  if (existing !== null) {
    if (existing.outcome === RolloutOutcome.started && existing.updateId !== null) {
      return {
        kind: 'resume',
        updateId: existing.updateId,
        launchTemplateVersion: existing.launchTemplateVersion,
      };
    }
    if (existing.outcome !== RolloutOutcome.started) return { kind: 'finished', record: existing };
  }
  const pause = await deps.pause.read();
  const recalls = await deps.recalls.list();
  const current = await deps.aws.describeNodegroup(refOf(request));
  if (
    current.kind === 'found' &&
    (current.nodegroup.status === NodegroupStatus.updating || isOnTarget(request, current.nodegroup))
  ) {
    // A version upgrade's update names the minor it moves to, not the one the group still reports.
    const own = await findOwnUpdate(request, deps.aws, {
      version: request.targetVersion ?? current.nodegroup.version,
    });
    if (own !== null) {
      return { kind: 'reclaim', updateId: own.updateId, launchTemplateVersion: own.launchTemplateVersion };
    }
  }
  return guardRollout(request, current, pause, recalls);
}

export async function recordNotStartedStep(
  request: RolloutRequest,
  decision: { reason: NotStartedReason; message: string },
  deps: RolloutDeps,
): Promise<RolloutRecord> {
  const at = deps.now().toISOString();
  const record = rolloutRecord(request, {
    outcome: RolloutOutcome.notStarted,
    createdAt: at,
    finishedAt: at,
    reason: decision.reason,
    message: decision.message,
  });
  const result = await deps.ledger.create(record);
  return result.kind === 'recorded' ? record : result.record;
}

/** Starts (or adopts) the update. See {@link startRollout}. */
export function startStep(request: RolloutRequest, deps: RolloutDeps): Promise<StartResult> {
  return startRollout(request, deps.aws, { now: deps.now() });
}

export async function recordStartedStep(
  request: RolloutRequest,
  start: { updateId: string; launchTemplateVersion: string | null },
  deps: RolloutDeps,
): Promise<RolloutRecord> {
  const at = deps.now().toISOString();
  const record = rolloutRecord(request, {
    outcome: RolloutOutcome.started,
    createdAt: at,
    startedAt: at,
    updateId: start.updateId,
    launchTemplateVersion: start.launchTemplateVersion,
    message: startedMessage(request),
  });
  const result = await deps.ledger.create(record);
  return result.kind === 'recorded' ? record : result.record;
}

/** Records a start that AWS refused as `failed`, naming AWS's error code. */
export async function recordRejectedStep(
  request: RolloutRequest,
  rejected: { errorCode: string; message: string; launchTemplateVersion: string | null },
  deps: RolloutDeps,
): Promise<RolloutRecord> {
  const at = deps.now().toISOString();
  const errors = [{ errorCode: rejected.errorCode, errorMessage: rejected.message, resourceIds: [] }];
  const record = rolloutRecord(request, {
    outcome: RolloutOutcome.failed,
    createdAt: at,
    finishedAt: at,
    launchTemplateVersion: rejected.launchTemplateVersion,
    errors,
    message: outcomeMessage(request, { outcome: 'failed', errors }, null),
  });
  const result = await deps.ledger.create(record);
  return result.kind === 'recorded' ? record : result.record;
}

/**
 * Turns the last poll into the final outcome. An update still InProgress when the wait limit ran
 * out is `still-running` (EKS goes on; nodekeeper does not know how it ends), never `failed`. Pure.
 */
export function finalOutcome(
  _request: RolloutRequest,
  updateId: string,
  last: PollResult,
  _schedule: PollScheduleConfig,
): { outcome: FinalOutcome; errors: UpdateError[] } {
  if (last.status === UpdateStatus.successful) return { outcome: 'succeeded', errors: [] };
  if (last.status === UpdateStatus.inProgress) return { outcome: 'still-running', errors: [] };
  if (last.status === UpdateStatus.cancelled && last.errors.length === 0) {
    return {
      outcome: 'failed',
      errors: [{ errorCode: 'Cancelled', errorMessage: `update ${updateId} was cancelled`, resourceIds: [] }],
    };
  }
  if (last.errors.length === 0) {
    return {
      outcome: 'failed',
      errors: [
        {
          errorCode: 'UpdateFailed',
          errorMessage: `update ${updateId} ended ${last.status}`,
          resourceIds: [],
        },
      ],
    };
  }
  return { outcome: 'failed', errors: last.errors };
}

/** Records the final outcome once; `schedule` words a `still-running` one (its wait limit). */
export async function recordOutcomeStep(
  request: RolloutRequest,
  updateId: string,
  outcome: { outcome: FinalOutcome; errors: UpdateError[] },
  deps: RolloutDeps,
  schedule: Pick<PollScheduleConfig, 'maxTotalSeconds'> = PollSchedule,
): Promise<RolloutRecord | null> {
  const key = rolloutKey(request);
  const result = await deps.ledger.recordOutcome(key, {
    ...outcome,
    finishedAt: deps.now().toISOString(),
    message: outcomeMessage(request, outcome, updateId, schedule),
  });
  if (result.kind === 'exists') return result.record;
  return deps.ledger.get(key);
}

/** Poll once. See {@link pollRollout}. */
export function pollStep(request: RolloutRequest, updateId: string, deps: RolloutDeps): Promise<PollResult> {
  return pollRollout(request, updateId, deps.aws);
}

export type NotifyStepResult =
  /** `recovered`: a replay found the message its crashed predecessor had posted, and posted nothing. */
  | { kind: 'sent'; ts: string | null; recovered?: true }
  | { kind: 'skipped'; why: 'already-sent' | 'claimed-by-other' }
  | { kind: 'undeliverable'; error: string };

/** The run-item state each notice moves its node group to. */
const RUN_STATE: Record<RolloutNotice['event'], RunItemState> = {
  started: RunItemState.inProgress,
  succeeded: RunItemState.succeeded,
  failed: RunItemState.failed,
  'still-running': RunItemState.stillRunning,
  'not-started': RunItemState.notStarted,
};

/**
 * Sends one notice once per (rollout, event) across every process, via the ledger's claim. In bot
 * mode, when the rollout belongs to a run with a parent message, the notice is a reply in the
 * run's thread and the parent is edited to the run's new state. The notice carries its key as
 * Slack metadata: a replay of a claim never marked sent (the process died after posting) finds the
 * message it posted and does not post again. Never throws: a Slack or ledger failure comes back as
 * `undeliverable` for the caller to log.
 */
export async function notifyStep(
  notice: RolloutNotice,
  owner: string,
  deps: RolloutDeps,
): Promise<NotifyStepResult> {
  const key = rolloutKey(notice.request);
  try {
    const claim = await deps.ledger.claimNotification(key, notice.event, owner, deps.now().toISOString());
    if (claim.kind !== 'claimed') return { kind: 'skipped', why: claim.kind };
    const runId = notice.request.runId;
    const thread = deps.runs ? await runThreadOf(runId, deps.runs.runs) : null;
    const noticeKey = `${key}/${notice.event}`;
    const earlier = await earlierPost(claim, deps.notices, noticeKey, {
      threadTs: thread?.ts ?? null,
      channel: thread?.channel ?? null,
    });
    // Found: posted before the crash. Not found or unreadable: post (a duplicate beats a lost notice).
    const posted: NotifyResult =
      earlier?.kind === 'found'
        ? { ok: true, ts: earlier.ts }
        : await deps.notify({ ...notice, noticeKey, ...(thread ? { threadTs: thread.ts } : {}) });
    await deps.ledger.markNotificationSent(key, notice.event, {
      ts: thread?.ts ?? (posted.ok ? posted.ts : null),
      delivered: posted.ok,
    });
    if (thread && deps.runs && runId !== undefined) {
      const r = notice.request;
      await markRunItem(
        runId,
        {
          accountId: r.accountId,
          region: r.region,
          cluster: r.cluster,
          nodegroup: r.nodegroup,
          state: RUN_STATE[notice.event],
        },
        deps.runs,
      );
    }
    if (!posted.ok) return { kind: 'undeliverable', error: posted.error };
    return earlier?.kind === 'found'
      ? { kind: 'sent', ts: posted.ts, recovered: true }
      : { kind: 'sent', ts: posted.ts };
  } catch (error) {
    return { kind: 'undeliverable', error: error instanceof Error ? error.message : String(error) };
  }
}

function describeTarget(request: RolloutRequest): string {
  const from = request.current.releaseVersion ?? request.current.imageId ?? '?';
  return `${from} → ${targetIdentity(request)}`;
}

/** One line for the started notice and ledger. Pure. */
export function startedMessage(request: RolloutRequest): string {
  const how = request.strategy === 'launch-template' ? 'new launch template version' : 'release version';
  const forced =
    request.force === true
      ? '; retried with force after PodEvictionFailure: PodDisruptionBudgets are not respected'
      : '';
  const verb = request.kind === 'rollback' ? 'rolling back' : 'rolling';
  const kubernetes = request.targetVersion ? ` to kubernetes ${request.targetVersion}` : '';
  return `${request.cluster}/${request.nodegroup}: ${verb} ${describeTarget(request)}${kubernetes} (${how}${forced})`;
}

/**
 * The forced retry a failed attempt calls for, or null: the wave opted in
 * (`forceOnPodEvictionFailure`), the attempt was not forced, and EKS failed it with
 * PodEvictionFailure. The retry is the next attempt (its own key and tokens; the launch template
 * version is reused) with `force: true`. Pure.
 */
export function forcedRetryOf(
  request: RolloutRequest,
  result: { outcome: string; errors: ReadonlyArray<{ errorCode: string }> },
): RolloutRequest | null {
  const retry = shouldRetryWithForce(
    { forceOnPodEvictionFailure: request.forceOnPodEvictionFailure === true },
    {
      outcome: result.outcome,
      errors: result.errors,
      attempt: request.attempt,
      forced: request.force === true,
    },
  );
  if (!retry || request.attempt >= MAX_ATTEMPT) return null;
  return { ...request, attempt: request.attempt + 1, force: true };
}

/**
 * One line for the outcome notice. Failures name every EKS error code and resource; a
 * `still-running` one names the wait limit (`schedule`) and says EKS goes on. Pure.
 */
export function outcomeMessage(
  request: RolloutRequest,
  outcome: { outcome: FinalOutcome; errors: UpdateError[] },
  updateId: string | null,
  schedule: Pick<PollScheduleConfig, 'maxTotalSeconds'> = PollSchedule,
): string {
  const name = `${request.cluster}/${request.nodegroup}`;
  if (outcome.outcome === 'succeeded')
    return `${name}: now on ${targetIdentity(request)} (update ${updateId})`;
  if (outcome.outcome === 'still-running') return stillRunningMessage(request, updateId ?? 'none', schedule);
  const detail = outcome.errors
    .map(
      (e) =>
        `${e.errorCode}: ${e.errorMessage}${e.resourceIds.length > 0 ? ` [${e.resourceIds.join(', ')}]` : ''}`,
    )
    .join('; ');
  return `${name}: rollout to ${targetIdentity(request)} failed (update ${updateId ?? 'none'}): ${detail}`;
}

/** The notice for an event. Pure. */
export function rolloutNotice(
  request: RolloutRequest,
  event: RolloutEvent,
  fields: {
    updateId: string | null;
    reason?: string | null;
    message: string;
    errors?: UpdateError[];
    threadTs?: string | null;
    startedAt?: string | null;
    finishedAt?: string | null;
    status?: string | null;
  },
): RolloutNotice {
  return {
    event,
    request,
    updateId: fields.updateId,
    reason: fields.reason ?? null,
    message: fields.message,
    errors: fields.errors ?? [],
    threadTs: fields.threadTs ?? null,
    startedAt: fields.startedAt ?? null,
    finishedAt: fields.finishedAt ?? null,
    status: fields.status ?? null,
  };
}

/** The summary of a rollout whose ledger record is not at hand (not waited for, or not written). Pure. */
export function summaryWithoutRecord(
  request: RolloutRequest,
  fields: Pick<RolloutSummary, 'outcome' | 'message' | 'updateId' | 'launchTemplateVersion' | 'errors'>,
): RolloutSummary {
  return {
    key: rolloutKey(request),
    cluster: request.cluster,
    nodegroup: request.nodegroup,
    region: request.region,
    reason: null,
    ...fields,
  };
}

/** Summary of a record. Pure. */
export function summaryOf(record: RolloutRecord): RolloutSummary {
  return {
    key: record.key,
    cluster: record.cluster,
    nodegroup: record.nodegroup,
    region: record.region,
    outcome: record.outcome,
    reason: record.reason,
    message: record.message ?? '',
    updateId: record.updateId,
    launchTemplateVersion: record.launchTemplateVersion,
    errors: record.errors,
  };
}
