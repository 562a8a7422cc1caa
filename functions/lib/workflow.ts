import { randomUUID } from 'node:crypto';
import { createRetryStrategy, type DurableContext } from '@aws/durable-execution-sdk-js';
import { ValidationError } from '@nodekeeper/core';
import { parseConfigText } from '@nodekeeper/core/config';
import {
  AWS_STEP_RETRY,
  MAX_WAIT_HOURS,
  PollSchedule,
  type PollScheduleConfig,
  parseRolloutRequest,
  pollScheduleFor,
  type RolloutDeps,
  type RolloutObservation,
  type RolloutRequest,
  type RolloutRunner,
  type RolloutSummary,
  rolloutKey,
  runRolloutProgram,
} from '@nodekeeper/core/rollout';
import * as z from 'zod';
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

/** AWS calls inside steps: the program's retries ({@link AWS_STEP_RETRY}) on top of the SDK's own. */
const awsRetry = createRetryStrategy({
  maxAttempts: AWS_STEP_RETRY.maxAttempts,
  initialDelay: { seconds: AWS_STEP_RETRY.initialDelaySeconds },
  maxDelay: { seconds: AWS_STEP_RETRY.maxDelaySeconds },
  backoffRate: AWS_STEP_RETRY.backoffRate,
});

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
  return pollScheduleFor(parseConfigText(configJson, 'NODEKEEPER_CONFIG').rollout.maxWaitHours);
}

/**
 * The durable runner: the rollout program's steps and wait as `ctx.step` / `ctx.waitForCondition`,
 * so each completed step is replayed from its checkpoint and waiting costs no compute.
 */
export function durableRunner(ctx: DurableContext): RolloutRunner {
  return {
    step: (name, fn, options) =>
      options?.retry ? ctx.step(name, () => fn(), { retryStrategy: awsRetry }) : ctx.step(name, () => fn()),
    waitForCondition: (name, check, { initialState, waitStrategy }) =>
      ctx.waitForCondition(name, (state) => check(state), { initialState, waitStrategy }),
  };
}

/**
 * The rollout workflow: core's rollout program ({@link runRolloutProgram}) on the durable runner,
 * logged and counted here. `getSchedule` gives the poll cadence and wait limit (constant per
 * deployed version, so replays agree); a payload's `poll` (local runs) replaces it.
 */
export function createRolloutWorkflow(
  getDeps: () => RolloutDeps,
  getSchedule: () => PollScheduleConfig = () => PollSchedule,
) {
  return async (event: unknown, ctx: DurableContext): Promise<RolloutSummary> => {
    const { request, poll } = parseWorkflowInput(event);
    return runRolloutProgram(durableRunner(ctx), request, getDeps(), {
      schedule: poll ?? getSchedule(),
      newOwner: () => `workflow:${randomUUID()}`,
      observe: logObservation,
    });
  };
}

/** One log line (and metric) per decision or action of the program. */
function logObservation(o: RolloutObservation): void {
  const id = who(o.request);
  switch (o.kind) {
    case 'guard':
      logger.info('guard decision', {
        ...id,
        decision: o.decision.kind,
        ...('reason' in o.decision ? { reason: o.decision.reason } : {}),
      });
      return;
    case 'guard-failed':
      logger.error('guard failed after retries', { ...id, error: o.error });
      return;
    case 'start':
      logger.info('rollout start', {
        ...id,
        result: o.result.kind,
        ...('updateId' in o.result ? { updateId: o.result.updateId } : {}),
      });
      return;
    case 'busy':
      logger.info('node group busy with another update', { ...id, runningUpdateId: o.runningUpdateId });
      return;
    case 'recorded':
      // Told inside the step that wrote the record, so a replay does not count it again.
      emitRolloutOutcome(metrics, o.record);
      return;
    case 'started':
      return;
    case 'notified':
      if (o.result.kind === 'undeliverable') {
        emitSlackFailure(metrics);
        logger.warn('slack notification undeliverable', { ...id, event: o.event, error: o.result.error });
      } else {
        logger.info('slack notification', { ...id, event: o.event, result: o.result.kind });
      }
      return;
    case 'polled':
      logger.info('update polled', { ...id, updateId: o.updateId, status: o.status });
      return;
    case 'poll-failed':
      logger.warn('update poll failed', { ...id, updateId: o.updateId, error: o.error });
      return;
    case 'outcome':
      logger.info('rollout outcome', {
        ...id,
        updateId: o.updateId,
        outcome: o.outcome.outcome,
        errorCodes: o.outcome.errors.map((e) => e.errorCode),
      });
      return;
    case 'not-recorded':
      if (o.what === 'failure') {
        logger.error('rollout failure not recorded', { ...id, errorCode: o.detail, error: o.error });
      } else {
        logger.error('rollout outcome not recorded', {
          ...id,
          updateId: o.updateId,
          outcome: o.detail,
          error: o.error,
        });
      }
      return;
    case 'versions-retired': {
      const r = o.result;
      if (r.kind === 'retired') {
        const log = r.failed.length > 0 ? logger.warn.bind(logger) : logger.info.bind(logger);
        log('launch template versions retired', {
          ...id,
          launchTemplateId: r.launchTemplateId,
          retired: r.retired,
          failed: r.failed,
          kept: r.kept.length,
        });
      } else if (r.kind === 'skipped') {
        logger.info('launch template versions not retired', { ...id, reason: r.reason, detail: r.message });
      } else {
        logger.warn('launch template versions not retired', { ...id, error: r.message });
      }
      return;
    }
    case 'forced-retry':
      logger.warn('retrying with force after PodEvictionFailure', { ...id, attempt: o.request.attempt });
      return;
    case 'continuation':
      if (o.result.kind === 'failed') {
        logger.warn('continuation scan not requested; the next scheduled scan plans the rest', {
          ...id,
          error: o.result.error,
        });
      } else {
        logger.info('continuation scan requested', id);
      }
      return;
  }
}
