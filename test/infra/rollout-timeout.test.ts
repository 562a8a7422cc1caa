import { parseConfig } from '@nodekeeper/core/config';
import { DEFAULT_MAX_WAIT_HOURS, MAX_WAIT_HOURS } from '@nodekeeper/core/rollout';
import { describe, expect, it } from 'vitest';

// The rendered workflow's durable execution timeout is checked against MAX_WAIT_HOURS in
// test/infra/app.test.ts (when it deploys the rollout workflow).
describe('rollout.maxWaitHours', () => {
  it('defaults to DEFAULT_MAX_WAIT_HOURS and accepts 1 to MAX_WAIT_HOURS', () => {
    expect(parseConfig({ regions: ['us-east-1'] }).rollout.maxWaitHours).toBe(DEFAULT_MAX_WAIT_HOURS);
    expect(
      parseConfig({ regions: ['us-east-1'], rollout: { maxWaitHours: MAX_WAIT_HOURS } }).rollout,
    ).toMatchObject({
      maxWaitHours: MAX_WAIT_HOURS,
    });
    expect(() =>
      parseConfig({ regions: ['us-east-1'], rollout: { maxWaitHours: MAX_WAIT_HOURS + 1 } }),
    ).toThrow();
    expect(() => parseConfig({ regions: ['us-east-1'], rollout: { maxWaitHours: 0 } })).toThrow();
  });
});
