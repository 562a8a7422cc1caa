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

/** Poll cadence: first poll after 60 s, doubling to at most 5 min, for at most 6 h in total. */
export const PollSchedule = {
  initialSeconds: 60,
  maxSeconds: 300,
  backoffRate: 2,
  maxTotalSeconds: 6 * 60 * 60,
} as const;

export interface PollScheduleConfig {
  initialSeconds: number;
  maxSeconds: number;
  backoffRate: number;
  maxTotalSeconds: number;
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

/** The error recorded when an update was still InProgress when nodekeeper stopped waiting. */
export function waitTimeoutError(
  request: RolloutRequest,
  updateId: string,
  schedule: PollScheduleConfig,
): UpdateError {
  return {
    errorCode: 'NodekeeperWaitTimeout',
    errorMessage: `update ${updateId} of ${request.cluster}/${request.nodegroup} was still InProgress after ${Math.round(schedule.maxTotalSeconds / 60)} min; nodekeeper stopped following it`,
    resourceIds: [],
  };
}
