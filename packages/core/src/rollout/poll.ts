import { refOf } from './start.ts';
import { type RolloutPort, type RolloutRequest, type UpdateError, UpdateStatus } from './types.ts';

/** One look at a running update. `missing`: EKS does not know the update ID (never expected). */
export type PollResult =
  | { status: UpdateStatus; errors: UpdateError[] }
  | { status: 'missing'; errors: UpdateError[] };

/** Reads the update's status and errors once. Side effects: one DescribeUpdate. */
export async function pollRollout(
  request: RolloutRequest,
  updateId: string,
  port: RolloutPort,
): Promise<PollResult> {
  const found = await port.describeUpdate(refOf(request), updateId);
  if (found.kind === 'not-found') {
    return {
      status: 'missing',
      errors: [
        {
          errorCode: 'UpdateNotFound',
          errorMessage: `EKS does not know update ${updateId} of ${request.cluster}/${request.nodegroup}`,
          resourceIds: [],
        },
      ],
    };
  }
  return { status: found.update.status, errors: found.update.errors };
}

/** How long nodekeeper follows an update by default (`rollout.maxWaitHours`). */
export const DEFAULT_MAX_WAIT_HOURS = 24;
/**
 * The largest `rollout.maxWaitHours`: one execution may wait twice (an attempt and its forced
 * retry), and both must fit the workflow's durable execution timeout (stacks/rollout.ts, 14 days).
 */
export const MAX_WAIT_HOURS = 144;

/** Poll cadence: first poll after 60 s, doubling to at most 5 min, for at most 24 h in total. */
export const PollSchedule = {
  initialSeconds: 60,
  maxSeconds: 300,
  backoffRate: 2,
  maxTotalSeconds: DEFAULT_MAX_WAIT_HOURS * 60 * 60,
} as const;

export interface PollScheduleConfig {
  initialSeconds: number;
  maxSeconds: number;
  backoffRate: number;
  maxTotalSeconds: number;
}

/** `base` with a total wait of `maxWaitHours` (the config's `rollout.maxWaitHours`). Pure. */
export function pollScheduleFor(
  maxWaitHours: number,
  base: PollScheduleConfig = PollSchedule,
): PollScheduleConfig {
  return { ...base, maxTotalSeconds: Math.max(1, Math.round(maxWaitHours * 3600)) };
}

/** Delay before poll number `attempt + 1` (attempt starts at 1). Pure. */
export function pollDelaySeconds(attempt: number, schedule: PollScheduleConfig = PollSchedule): number {
  const raw = schedule.initialSeconds * schedule.backoffRate ** Math.max(0, attempt - 1);
  return Math.max(1, Math.round(Math.min(raw, schedule.maxSeconds)));
}

/** Seconds waited before poll number `attempt + 1`, summed over all earlier delays. Pure. */
export function waitedSeconds(attempt: number, schedule: PollScheduleConfig = PollSchedule): number {
  let total = 0;
  for (let i = 1; i < attempt; i += 1) total += pollDelaySeconds(i, schedule);
  return total;
}

export type WaitDecision = { shouldContinue: true; delay: { seconds: number } } | { shouldContinue: false };

/**
 * The durable `waitStrategy`: keep polling while the update is InProgress, until the schedule's
 * total wait is used up. Pure and deterministic (it counts delays, never reads a clock).
 */
export function rolloutWaitStrategy(schedule: PollScheduleConfig = PollSchedule) {
  return (state: { status: string }, attempt: number): WaitDecision => {
    if (state.status !== UpdateStatus.inProgress) return { shouldContinue: false };
    const delay = pollDelaySeconds(attempt, schedule);
    if (waitedSeconds(attempt, schedule) + delay > schedule.maxTotalSeconds) return { shouldContinue: false };
    return { shouldContinue: true, delay: { seconds: delay } };
  };
}

/** "45 s", "90 min", "1.5 h": the wait limit as people read it. Pure. */
export function waitLimitLabel(schedule: Pick<PollScheduleConfig, 'maxTotalSeconds'>): string {
  const seconds = schedule.maxTotalSeconds;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 120 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round((seconds / 3600) * 10) / 10} h`;
}

/**
 * The line recorded and reported when nodekeeper stopped waiting while EKS still ran the update:
 * not a failure, and EKS goes on. Pure.
 */
export function stillRunningMessage(
  request: RolloutRequest,
  updateId: string,
  schedule: Pick<PollScheduleConfig, 'maxTotalSeconds'>,
): string {
  return `${request.cluster}/${request.nodegroup}: update ${updateId} is still running in EKS after ${waitLimitLabel(schedule)} (rollout.maxWaitHours); nodekeeper stopped following it and records no result. EKS continues: check the node group; the next scan plans it again once EKS is done.`;
}
