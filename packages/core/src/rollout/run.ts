import { type PollResult, PollSchedule, type PollScheduleConfig, rolloutWaitStrategy } from './poll.ts';
import { type RetireStepResult, retireVersionsStep } from './retire.ts';
import {
  finalOutcome,
  forcedRetryOf,
  guardStep,
  notifyStep,
  outcomeMessage,
  pollStep,
  type RolloutSummary,
  recordNotStartedStep,
  recordOutcomeStep,
  recordRejectedStep,
  recordStartedStep,
  rolloutNotice,
  startedMessage,
  startStep,
  summaryOf,
  summaryWithoutRecord,
} from './steps.ts';
import {
  type FinalOutcome,
  NotStartedReason,
  type RolloutDeps,
  RolloutEvent,
  RolloutOutcome,
  type RolloutRequest,
  UpdateStatus,
} from './types.ts';

/** The notice of each final outcome. */
const OUTCOME_EVENT: Record<FinalOutcome, RolloutEvent> = {
  succeeded: RolloutEvent.succeeded,
  failed: RolloutEvent.failed,
  'still-running': RolloutEvent.stillRunning,
};

/** Progress a caller can show while a rollout runs (the CLI's `--wait` lines). */
export type RolloutProgress =
  | { kind: 'started'; request: RolloutRequest; updateId: string; adopted: boolean }
  | {
      kind: 'polled';
      request: RolloutRequest;
      updateId: string;
      status: string;
      nextPollSeconds: number | null;
    }
  | { kind: 'notify-failed'; request: RolloutRequest; event: RolloutEvent; error: string }
  | { kind: 'versions-retired'; request: RolloutRequest; result: RetireStepResult };

export interface RunRolloutOptions {
  /** Identifies this runner in notification claims (any string unique to this process). */
  owner: string;
  /** Follow the update to its end (else return right after it started). */
  wait: boolean;
  sleep: (seconds: number) => Promise<void>;
  schedule?: PollScheduleConfig;
  onProgress?: (progress: RolloutProgress) => void;
}

/**
 * Runs one rollout in-process, the same steps as the durable workflow in a plain loop: guard,
 * start + record + notify, poll until done, record outcome, notify outcome; then, when the wave
 * opted in and EKS failed the update with PodEvictionFailure, the one forced retry
 * ({@link forcedRetryOf}) the same way. Every step is idempotent, so running it again for the same
 * request changes nothing once it has finished.
 */
export async function runRollout(
  request: RolloutRequest,
  deps: RolloutDeps,
  options: RunRolloutOptions,
): Promise<RolloutSummary> {
  const first = await runAttempt(request, deps, options);
  const retry = options.wait ? forcedRetryOf(request, first) : null;
  return retry === null ? first : runAttempt(retry, deps, options);
}

async function runAttempt(
  request: RolloutRequest,
  deps: RolloutDeps,
  options: RunRolloutOptions,
): Promise<RolloutSummary> {
  const schedule = options.schedule ?? PollSchedule;
  const progress = options.onProgress ?? (() => undefined);
  const notify = async (notice: Parameters<typeof notifyStep>[0]) => {
    const sent = await notifyStep(notice, options.owner, deps);
    if (sent.kind === 'undeliverable')
      progress({ kind: 'notify-failed', request, event: notice.event, error: sent.error });
    return sent;
  };

  const notStarted = async (decision: Parameters<typeof recordNotStartedStep>[1]) => {
    const record = await recordNotStartedStep(request, decision, deps);
    await notify(
      rolloutNotice(request, RolloutEvent.notStarted, {
        updateId: null,
        reason: decision.reason,
        message: decision.message,
      }),
    );
    return summaryOf(record);
  };

  const guard = await guardStep(request, deps);
  if (guard.kind === 'finished') return summaryOf(guard.record);
  if (guard.kind === 'not-started') return notStarted(guard);

  let updateId: string;
  let launchTemplateVersion: string | null;
  let threadTs: string | null = null;
  let startedAt: string | null = null;
  if (guard.kind === 'resume') {
    updateId = guard.updateId;
    launchTemplateVersion = guard.launchTemplateVersion;
    progress({ kind: 'started', request, updateId, adopted: true });
  } else {
    const start =
      guard.kind === 'reclaim'
        ? ({
            kind: 'adopted',
            updateId: guard.updateId,
            launchTemplateVersion: guard.launchTemplateVersion,
          } as const)
        : await startStep(request, deps);
    // Someone else's update runs: "not now", tried again by a later run (never recorded as ours).
    if (start.kind === 'busy') {
      return notStarted({ reason: NotStartedReason.updateInProgress, message: start.message });
    }
    if (start.kind === 'rejected') {
      const record = await recordRejectedStep(request, start, deps);
      await notify(
        rolloutNotice(request, RolloutEvent.failed, {
          updateId: null,
          message: record.message ?? '',
          errors: record.errors,
          status: 'StartFailed',
          finishedAt: record.finishedAt,
        }),
      );
      return summaryOf(record);
    }
    updateId = start.updateId;
    launchTemplateVersion = start.launchTemplateVersion;
    const started = await recordStartedStep(request, start, deps);
    startedAt = started.startedAt;
    progress({ kind: 'started', request, updateId, adopted: start.kind === 'adopted' });
    const sent = await notify(
      rolloutNotice(request, RolloutEvent.started, { updateId, message: startedMessage(request), startedAt }),
    );
    if (sent.kind === 'sent') threadTs = sent.ts;
  }

  if (!options.wait) {
    return summaryWithoutRecord(request, {
      outcome: RolloutOutcome.started,
      message: startedMessage(request),
      updateId,
      launchTemplateVersion,
      errors: [],
    });
  }

  const strategy = rolloutWaitStrategy(schedule);
  let last: PollResult = { status: UpdateStatus.inProgress, errors: [] };
  // Bounded: the strategy stops once the schedule's total wait is used up.
  for (let attempt = 1; ; attempt += 1) {
    last = await pollStep(request, updateId, deps);
    const decision = strategy(last, attempt);
    if (!decision.shouldContinue) break;
    progress({
      kind: 'polled',
      request,
      updateId,
      status: last.status,
      nextPollSeconds: decision.delay.seconds,
    });
    await options.sleep(decision.delay.seconds);
  }
  progress({ kind: 'polled', request, updateId, status: last.status, nextPollSeconds: null });
  const outcome = finalOutcome(request, updateId, last, schedule);
  const record = await recordOutcomeStep(request, updateId, outcome, deps, schedule);
  await notify(
    rolloutNotice(request, OUTCOME_EVENT[outcome.outcome], {
      updateId,
      message: outcomeMessage(request, outcome, updateId, schedule),
      errors: outcome.errors,
      threadTs: threadTs ?? record?.slackThreadTs ?? null,
      startedAt: startedAt ?? record?.startedAt ?? null,
      finishedAt: record?.finishedAt ?? deps.now().toISOString(),
      status: last.status,
    }),
  );
  // After success only: nodekeeper's old launch template versions (never fails the rollout).
  if (outcome.outcome === 'succeeded' && request.versionRetention !== undefined) {
    progress({ kind: 'versions-retired', request, result: await retireVersionsStep(request, deps) });
  }
  return record
    ? summaryOf(record)
    : summaryWithoutRecord(request, {
        outcome: outcome.outcome,
        message: outcomeMessage(request, outcome, updateId, schedule),
        updateId,
        launchTemplateVersion,
        errors: outcome.errors,
      });
}
