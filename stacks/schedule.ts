// The rollout schedule: EventBridge Scheduler in the operator's IANA time zone, with retries and
// a dead-letter queue for invocations Scheduler could not deliver.
import type { StackContext } from './context.ts';

/** Delivery attempts Scheduler makes after the first one fails. */
export const SCHEDULE_RETRIES = 3;

/**
 * The schedule's Input (sst.aws.CronV2 `event`, sent as JSON). EventBridge Scheduler replaces each
 * `<aws.scheduler.*>` keyword per delivery attempt and invokes the scan with the result verbatim.
 * The scan keys a fire on schedule ARN + scheduled time, which a retry keeps (parseScanEvent).
 */
export const SCHEDULE_INPUT = {
  source: 'nodekeeper.schedule',
  scheduleArn: '<aws.scheduler.schedule-arn>',
  scheduledTime: '<aws.scheduler.scheduled-time>',
  executionId: '<aws.scheduler.execution-id>',
  attemptNumber: '<aws.scheduler.attempt-number>',
} as const;

/** Creates the DLQ and the schedule targeting the scan function (qualified ARN). */
export function createSchedule(ctx: StackContext, scan: sst.aws.Function) {
  const schedule = ctx.config.schedule;
  if (!schedule) {
    throw new Error(
      'nodekeeper.config.json needs "schedule": {"cron": "cron(...)", "timezone": "Area/City"} to deploy',
    );
  }
  const dlq = new sst.aws.Queue('RolloutScheduleDlq', {
    transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
  });
  const cron = new sst.aws.CronV2('RolloutSchedule', {
    function: scan,
    schedule: schedule.cron as `cron(${string})`,
    timezone: schedule.timezone,
    retries: SCHEDULE_RETRIES,
    dlq: dlq.arn,
    event: SCHEDULE_INPUT,
  });
  return { cron, dlq };
}
