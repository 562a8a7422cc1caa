import { DEFAULT_MAX_WAIT_HOURS, MAX_WAIT_HOURS, parseConfig } from '@nodekeeper/core';
import { describe, expect, it } from 'vitest';
import { ROLLOUT_EXECUTION_TIMEOUT } from '../../stacks/rollout.ts';

const HOUR = 3600;
/** Lambda durable executions last at most a year. */
const DURABLE_EXECUTION_MAX_SECONDS = 366 * 24 * HOUR;

/** SST duration strings as stacks/rollout.ts writes them ("14 days", "5 minutes"). */
function seconds(duration: string): number {
  const m = /^(\d+) (second|minute|hour|day)s?$/.exec(duration);
  if (m === null) throw new Error(`unexpected duration ${duration}`);
  const unit = { second: 1, minute: 60, hour: HOUR, day: 24 * HOUR }[m[2] as 'second'];
  return Number(m[1]) * unit;
}

describe('the rollout workflow execution timeout', () => {
  it('holds the longest wait the config allows, twice (an attempt and its forced retry), with a day to spare', () => {
    const timeout = seconds(ROLLOUT_EXECUTION_TIMEOUT);
    expect(timeout).toBeGreaterThanOrEqual(2 * MAX_WAIT_HOURS * HOUR + 24 * HOUR);
    expect(timeout).toBeLessThanOrEqual(DURABLE_EXECUTION_MAX_SECONDS);
  });

  it('is never shorter than the wait the config asks for (rollout.maxWaitHours)', () => {
    expect(parseConfig({ regions: ['us-east-1'] }).rollout.maxWaitHours).toBe(DEFAULT_MAX_WAIT_HOURS);
    expect(
      parseConfig({ regions: ['us-east-1'], rollout: { maxWaitHours: MAX_WAIT_HOURS } }).rollout,
    ).toEqual({
      maxWaitHours: MAX_WAIT_HOURS,
    });
    expect(() =>
      parseConfig({ regions: ['us-east-1'], rollout: { maxWaitHours: MAX_WAIT_HOURS + 1 } }),
    ).toThrow();
    expect(() => parseConfig({ regions: ['us-east-1'], rollout: { maxWaitHours: 0 } })).toThrow();
  });
});
