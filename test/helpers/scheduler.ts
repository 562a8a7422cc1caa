/**
 * What EventBridge Scheduler does to a templated target's Input before it invokes the target: it
 * replaces each context attribute keyword with its value and delivers the result verbatim (no
 * envelope). "Adding context attributes in EventBridge Scheduler",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */

/** The values of one delivery attempt. `executionId` and `attemptNumber` change on every retry. */
export interface SchedulerContext {
  scheduleArn: string;
  /** The time the schedule was due, e.g. `2022-03-22T18:59:43Z` (the same on every retry). */
  scheduledTime: string;
  executionId: string;
  attemptNumber: number;
}

const KEYWORDS: Record<string, (c: SchedulerContext) => string> = {
  'schedule-arn': (c) => c.scheduleArn,
  'scheduled-time': (c) => c.scheduledTime,
  'execution-id': (c) => c.executionId,
  'attempt-number': (c) => String(c.attemptNumber),
};

/**
 * Substitutes the documented `<aws.scheduler.*>` keywords in `input` as Scheduler does. Throws on a
 * keyword the guide does not document, so a test cannot pass on an invented one.
 */
export function substituteSchedulerContext(input: string, context: SchedulerContext): string {
  return input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (token, name: string) => {
    const value = KEYWORDS[name];
    if (value === undefined) throw new Error(`EventBridge Scheduler documents no context attribute ${token}`);
    return value(context);
  });
}

/** A schedule's ARN as Scheduler forms it: `arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>`. */
export function scheduleArn(region: string, account: string, name: string, group = 'default'): string {
  return `arn:aws:scheduler:${region}:${account}:schedule/${group}/${name}`;
}
