import { randomUUID } from 'node:crypto';
import { createRetryStrategy, type DurableContext } from '@aws/durable-execution-sdk-js';
import {
  finalOutcome,
  forcedRetryOf,
  guardStep,
  MAX_WAIT_HOURS,
  NotStartedReason,
  notifyStep,
  outcomeMessage,
  PollSchedule,
  type PollScheduleConfig,
  parseConfig,
  parseRolloutRequest,
  pollScheduleFor,
  pollStep,
  type RolloutDeps,
  type RolloutNotice,
  type RolloutRequest,
  type RolloutSummary,
  recordNotStartedStep,
  recordOutcomeStep,
  recordRejectedStep,
  recordStartedStep,
  retireLaunchTemplateVersions,
  rolloutKey,
  rolloutNotice,
  rolloutWaitStrategy,
  startedMessage,
  startStep,
  summaryOf,
  summaryWithoutRecord,
  type UpdateError,
  ValidationError,
} from '@nodekeeper/core';
import { z } from 'zod';
import { logger } from './logger.ts';
import { emitRolloutOutcome, emitSlackFailure, metrics } from './metrics.ts';

/** Input of the rollout workflow: the request, plus an optional (bounded) poll cadence for local runs. */
export interface WorkflowInput {
  request: RolloutRequest;
  poll?: PollScheduleConfig;
}

const pollSchema = z.strictObject({
  initialSeconds: z.number().int().min(1).max(3600),
  maxSeconds: z.number().int().min(1).max(3600),
  backoffRate: z.number().min(1).max(10),
  maxTotalSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAIT_HOURS * 3600),
});

const inputSchema = z.strictObject({ request: z.unknown(), poll: pollSchema.optional() });

/** Validates the workflow's event; throws ValidationError naming each bad field. */
export function parseWorkflowInput(event: unknown): WorkflowInput {
  const parsed = inputSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid rollout workflow input',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const request = parseRolloutRequest(parsed.data.request);
  return parsed.data.poll ? { request, poll: parsed.data.poll } : { request };
}

/** AWS calls inside steps: a few retries with backoff on top of the SDK's own. */
const awsRetry = createRetryStrategy({
  maxAttempts: 4,
  initialDelay: { seconds: 5 },
  maxDelay: { seconds: 60 },
  backoffRate: 2,
});

interface PollState {
  status: string;
  errors: UpdateError[];
  /** Consecutive polls that failed (network, throttling after retries). */
  pollErrors: number;
}

/** After this many consecutive failed polls the workflow stops following and records a failure. */
const MAX_POLL_ERRORS = 10;

function who(request: RolloutRequest) {
  return {
    cluster: request.cluster,
    nodegroup: request.nodegroup,
    region: request.region,
    key: rolloutKey(request),
  };
}

/**
 * The poll schedule of the config in NODEKEEPER_CONFIG: its `rollout.maxWaitHours` is how long a
 * workflow follows an update (the default when unset). Throws ValidationError for a bad config.
 */
export function pollScheduleFromConfig(configJson: string | null): PollScheduleConfig {
  if (configJson === null) return PollSchedule;
  let raw: unknown;
  try {
    raw = JSON.parse(configJson);
  } catch (error) {
    throw new ValidationError('NODEKEEPER_CONFIG is not valid JSON', [], { cause: error });
  }
  return pollScheduleFor(parseConfig(raw).rollout.maxWaitHours);
}

/**
 * The rollout workflow body, written against ports: guard → start (+ record, notify) → wait for
 * the EKS update → record outcome → notify outcome. Every side effect is inside a step; the code
 * between steps is deterministic, so replays after a crash repeat nothing that completed.
 * `getSchedule` gives the poll cadence and wait limit (constant per deployed version, so replays
 * agree); a payload's `poll` (local runs) replaces it.
 */
export function createRolloutWorkflow(
  getDeps: () => RolloutDeps,
  getSchedule: () => PollScheduleConfig = () => PollSchedule,
) {
  return async (event: unknown, ctx: DurableContext): Promise<RolloutSummary> => {
    const { request, poll } = parseWorkflowInput(event);
    const schedule = poll ?? getSchedule();
    const deps = getDeps();
    const first = await runAttempt(ctx, request, schedule, deps, '');
    // The wave opted in and EKS could not drain the nodes: one retry with force, same execution.
    const retry = forcedRetryOf(request, first);
    if (retry === null) return first;
    logger.warn('retrying with force after PodEvictionFailure', { ...who(retry), attempt: retry.attempt });
    return runAttempt(ctx, retry, schedule, deps, 'force:');
  };
}

/**
 * One attempt: guard → start (+ record, notify) → wait → record outcome → notify. Step names carry
 * `prefix` so the forced retry's steps never collide with the first attempt's on replay.
 */
async function runAttempt(
  ctx: DurableContext,
  request: RolloutRequest,
  schedule: PollScheduleConfig,
  deps: RolloutDeps,
  prefix: string,
): Promise<RolloutSummary> {
  const id = who(request);
  const step = (name: string) => `${prefix}${name}`;

  const notify = (name: string, notice: RolloutNotice, owner: string) =>
    ctx.step(step(name), async () => {
      const sent = await notifyStep(notice, owner, deps);
      if (sent.kind === 'undeliverable') {
        emitSlackFailure(metrics);
        logger.warn('slack notification undeliverable', { ...id, event: notice.event, error: sent.error });
      } else {
        logger.info('slack notification', { ...id, event: notice.event, result: sent.kind });
      }
      return sent;
    });

  /** Records a rollout that failed before any update ran, and reports it (even when the record fails). */
  const failBeforeStart = async (
    rejected: {
      kind: 'rejected';
      errorCode: string;
      message: string;
      launchTemplateVersion: string | null;
    },
    owner: string,
  ): Promise<RolloutSummary> => {
    let record: Awaited<ReturnType<typeof recordRejectedStep>> | null = null;
    let recordError: unknown = null;
    try {
      record = await ctx.step(
        step('record-rejected'),
        async () => {
          const r = await recordRejectedStep(request, rejected, deps);
          emitRolloutOutcome(metrics, r);
          return r;
        },
        { retryStrategy: awsRetry },
      );
    } catch (error) {
      recordError = error;
      logger.error('rollout failure not recorded', {
        ...id,
        errorCode: rejected.errorCode,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    const errors = record?.errors ?? [
      { errorCode: rejected.errorCode, errorMessage: rejected.message, resourceIds: [] },
    ];
    await notify(
      'notify-failed',
      rolloutNotice(request, 'failed', {
        updateId: null,
        message: record?.message ?? rejected.message,
        errors,
        status: rejected.errorCode === 'GuardFailed' ? 'GuardFailed' : 'StartFailed',
        finishedAt: record?.finishedAt ?? null,
      }),
      owner,
    );
    // The execution fails visibly when even the ledger could not take the record.
    if (record === null) throw recordError;
    return summaryOf(record);
  };

  let guard: { decision: Awaited<ReturnType<typeof guardStep>>; owner: string };
  try {
    guard = await ctx.step(
      step('guard'),
      async () => {
        const decision = await guardStep(request, deps);
        logger.info('guard decision', {
          ...id,
          decision: decision.kind,
          ...('reason' in decision ? { reason: decision.reason } : {}),
        });
        // The claim owner is drawn inside the step so replays see the same value.
        return { decision, owner: `workflow:${randomUUID()}` };
      },
      { retryStrategy: awsRetry },
    );
  } catch (error) {
    // Retries exhausted before anything started (EKS, SSM or the ledger unreachable): record and
    // report the failure rather than let the rollout vanish with the execution.
    const message = error instanceof Error ? error.message : String(error);
    logger.error('guard failed after retries', { ...id, error: message });
    const owner = await ctx.step(step('guard-failed-owner'), async () => `workflow:${randomUUID()}`);
    return failBeforeStart(
      { kind: 'rejected', errorCode: 'GuardFailed', message, launchTemplateVersion: null },
      owner,
    );
  }
  const { decision, owner } = guard;

  /** Records and reports a "not now" (the guard refused, or EKS runs someone else's update). */
  const notStarted = async (why: { reason: NotStartedReason; message: string }) => {
    const record = await ctx.step(
      step('record-not-started'),
      () => recordNotStartedStep(request, why, deps),
      {
        retryStrategy: awsRetry,
      },
    );
    await notify(
      'notify-not-started',
      rolloutNotice(request, 'not-started', { updateId: null, reason: why.reason, message: why.message }),
      owner,
    );
    return summaryOf(record);
  };

  if (decision.kind === 'finished') return summaryOf(decision.record);

  if (decision.kind === 'not-started') return notStarted(decision);

  let updateId: string;
  let startedAt: string | null = null;
  let threadTs: string | null = null;
  if (decision.kind === 'resume') {
    updateId = decision.updateId;
  } else {
    let start: Awaited<ReturnType<typeof startStep>>;
    if (decision.kind === 'reclaim') {
      // An earlier run started this update and died before recording it: follow it.
      start = {
        kind: 'adopted',
        updateId: decision.updateId,
        launchTemplateVersion: decision.launchTemplateVersion,
      };
    } else {
      try {
        start = await ctx.step(
          step('start'),
          async () => {
            const result = await startStep(request, deps);
            logger.info('rollout start', {
              ...id,
              result: result.kind,
              ...('updateId' in result ? { updateId: result.updateId } : {}),
            });
            return result;
          },
          { retryStrategy: awsRetry },
        );
      } catch (error) {
        // Retries exhausted (AWS unreachable, throttled throughout): record the failure, never vanish.
        const message = error instanceof Error ? error.message : String(error);
        start = { kind: 'rejected', errorCode: 'StartFailed', message, launchTemplateVersion: null };
      }
    }
    if (start.kind === 'rejected') return failBeforeStart(start, owner);
    // Someone else's update runs: never recorded as ours; the next scan tries again (decision 007).
    if (start.kind === 'busy') {
      logger.info('node group busy with another update', { ...id, runningUpdateId: start.runningUpdateId });
      return notStarted({ reason: NotStartedReason.updateInProgress, message: start.message });
    }
    const begun = start;
    updateId = begun.updateId;
    const record = await ctx.step(
      step('record-started'),
      async () => {
        const r = await recordStartedStep(request, begun, deps);
        emitRolloutOutcome(metrics, r);
        return r;
      },
      { retryStrategy: awsRetry },
    );
    startedAt = record.startedAt;
    const sent = await notify(
      'notify-started',
      rolloutNotice(request, 'started', { updateId, message: startedMessage(request), startedAt }),
      owner,
    );
    if (sent.kind === 'sent') threadTs = sent.ts;
  }

  const followed = updateId;
  const strategy = rolloutWaitStrategy(schedule);
  const last = await ctx.waitForCondition<PollState>(
    step('await-update'),
    async (state) => {
      try {
        const polled = await pollStep(request, followed, deps);
        logger.info('update polled', { ...id, updateId: followed, status: polled.status });
        return { status: polled.status, errors: polled.errors, pollErrors: 0 };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.warn('update poll failed', { ...id, updateId: followed, error: message });
        const pollErrors = state.pollErrors + 1;
        if (pollErrors < MAX_POLL_ERRORS) return { ...state, pollErrors };
        return {
          status: 'missing',
          errors: [{ errorCode: 'PollFailed', errorMessage: message, resourceIds: [] }],
          pollErrors,
        };
      }
    },
    {
      initialState: { status: 'InProgress', errors: [], pollErrors: 0 },
      waitStrategy: (state, attempt) => strategy(state, attempt),
    },
  );

  const outcome = finalOutcome(
    request,
    followed,
    { status: last.status as 'InProgress', errors: last.errors },
    schedule,
  );
  let record: Awaited<ReturnType<typeof recordOutcomeStep>> = null;
  let recordError: unknown = null;
  try {
    record = await ctx.step(
      step('record-outcome'),
      async () => {
        const r = await recordOutcomeStep(request, followed, outcome, deps, schedule);
        if (r) emitRolloutOutcome(metrics, r);
        logger.info('rollout outcome', {
          ...id,
          updateId: followed,
          outcome: outcome.outcome,
          errorCodes: outcome.errors.map((e) => e.errorCode),
        });
        return r;
      },
      { retryStrategy: awsRetry },
    );
  } catch (error) {
    // The ledger keeps `started` with the update ID, so a re-run resumes and records it; the
    // outcome is still reported now.
    recordError = error;
    logger.error('rollout outcome not recorded', {
      ...id,
      updateId: followed,
      outcome: outcome.outcome,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  await notify(
    `notify-${outcome.outcome}`,
    rolloutNotice(request, outcome.outcome, {
      updateId: followed,
      message: outcomeMessage(request, outcome, followed, schedule),
      errors: outcome.errors,
      threadTs: threadTs ?? record?.slackThreadTs ?? null,
      startedAt: startedAt ?? record?.startedAt ?? null,
      finishedAt: record?.finishedAt ?? null,
      status: last.status,
    }),
    owner,
  );
  if (outcome.outcome === 'succeeded' && recordError === null && request.versionRetention !== undefined) {
    await retireVersions(ctx, step('retire-versions'), request, deps);
  }
  if (recordError !== null) throw recordError;
  return record
    ? summaryOf(record)
    : summaryWithoutRecord(request, {
        outcome: outcome.outcome,
        message: outcomeMessage(request, outcome, followed, schedule),
        updateId: followed,
        launchTemplateVersion: null,
        errors: outcome.errors,
      });
}

/**
 * After a recorded success, nodekeeper's old versions of the node group's launch template, as a
 * step of its own: retried like every AWS step, a replay deletes nothing twice (a version already
 * gone counts as retired), and a failure is logged, never failing the rollout.
 */
async function retireVersions(
  ctx: DurableContext,
  name: string,
  request: RolloutRequest,
  deps: RolloutDeps,
): Promise<void> {
  const id = who(request);
  try {
    const result = await ctx.step(name, () => retireLaunchTemplateVersions(request, deps), {
      retryStrategy: awsRetry,
    });
    if (result.kind === 'skipped') {
      logger.info('launch template versions not retired', {
        ...id,
        reason: result.reason,
        message: result.message,
      });
      return;
    }
    const log = result.failed.length > 0 ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('launch template versions retired', {
      ...id,
      launchTemplateId: result.launchTemplateId,
      retired: result.retired,
      failed: result.failed,
      kept: result.kept.length,
    });
  } catch (error) {
    logger.warn('launch template versions not retired', {
      ...id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
