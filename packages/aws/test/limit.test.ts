import { describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  createSemaphore,
  createTokenBucket,
  defaultRateLimits,
  defaultRateShare,
  type LimiterClock,
  mapLimit,
  publishedEc2ApiLimits,
  publishedRateLimits,
  RateBucket,
  rateBucketOf,
  rateLimitsAtShare,
} from '../src/limit.ts';

/** A clock that never really waits: `sleep` advances time and records the request. */
function fakeClock(): LimiterClock & { sleeps: number[]; advance(ms: number): void } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  describe('when given more items than the limit', () => {
    it('keeps at most `limit` calls in flight and returns results in input order', async () => {
      let inFlight = 0;
      let peak = 0;
      const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        for (let i = 0; i < n; i++) await tick();
        inFlight--;
        return n * 10;
      });
      expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
      expect(peak).toBe(3);
    });
  });

  describe('when a call fails', () => {
    it('rejects with that failure', async () => {
      await expect(
        mapLimit([1, 2], 2, async (n) => {
          if (n === 2) throw new Error('boom');
          return n;
        }),
      ).rejects.toThrow('boom');
    });
  });

  describe('when given no items', () => {
    it('returns an empty array', async () => {
      expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    });
  });
});

describe('createSemaphore', () => {
  describe('when more callers than permits arrive', () => {
    it('queues the rest and serves them in arrival order', async () => {
      const sem = createSemaphore(2);
      const order: number[] = [];
      const gates = [0, 1, 2, 3].map(() => {
        let resolve = () => {};
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        return { promise, resolve };
      });
      const runs = [0, 1, 2, 3].map((i) =>
        sem.run(async () => {
          order.push(i);
          await gates[i]?.promise;
        }),
      );
      await tick();
      expect(order).toEqual([0, 1]);
      expect(sem.active).toBe(2);
      expect(sem.waiting).toBe(2);
      gates[1]?.resolve();
      await tick();
      expect(order).toEqual([0, 1, 2]);
      for (const g of gates) g.resolve();
      await Promise.all(runs);
      expect(order).toEqual([0, 1, 2, 3]);
      expect(sem.active).toBe(0);
    });
  });
});

describe('createTokenBucket', () => {
  describe('when the burst is used up', () => {
    it('makes each further caller wait one refill interval more than the previous', async () => {
      const clock = fakeClock();
      const bucket = createTokenBucket({ burst: 2, ratePerSecond: 4 }, clock);
      await Promise.all([bucket.acquire(), bucket.acquire(), bucket.acquire(), bucket.acquire()]);
      expect(clock.sleeps).toEqual([250, 500]);
    });
  });

  describe('when time passes', () => {
    it('refills up to the burst only', async () => {
      const clock = fakeClock();
      const bucket = createTokenBucket({ burst: 2, ratePerSecond: 1 }, clock);
      await bucket.acquire();
      await bucket.acquire();
      clock.advance(10_000);
      await bucket.acquire();
      await bucket.acquire();
      await bucket.acquire();
      expect(clock.sleeps).toEqual([1000]);
    });
  });

  describe('when penalized after throttling', () => {
    it('drops the remaining burst', async () => {
      const clock = fakeClock();
      const bucket = createTokenBucket({ burst: 10, ratePerSecond: 10 }, clock);
      bucket.penalize();
      await bucket.acquire();
      expect(clock.sleeps).toEqual([100]);
    });
  });

  describe('when the limit is not positive', () => {
    it('throws a RangeError', () => {
      expect(() => createTokenBucket({ burst: 0, ratePerSecond: 1 })).toThrow(RangeError);
    });
  });
});

describe('rateBucketOf', () => {
  describe('when classifying operations', () => {
    it('puts EC2 describes, EKS reads, Parameter Store reads and writes into their own buckets', () => {
      expect(rateBucketOf('ec2', 'DescribeImages')).toBe('ec2:describe');
      expect(rateBucketOf('ec2', 'CreateLaunchTemplateVersion')).toBe('ec2:mutate');
      expect(rateBucketOf('eks', 'ListNodegroups')).toBe('eks:read');
      expect(rateBucketOf('eks', 'UpdateNodegroupVersion')).toBe('eks:mutate');
      expect(rateBucketOf('ssm', 'GetParameters')).toBe('ssm:parameters');
      expect(rateBucketOf('ssm', 'GetParameter')).toBe('ssm:parameters');
      expect(rateBucketOf('ssm', 'GetParametersByPath')).toBe('ssm:parameters');
      expect(rateBucketOf('ssm', 'PutParameter')).toBe('ssm:parameters');
      expect(rateBucketOf('ssm', 'DeleteParameter')).toBe('ssm:mutate');
      expect(rateBucketOf('ssm', 'ListCommandInvocations')).toBe('ssm:read');
      expect(rateBucketOf('ssm', 'SendCommand')).toBe('ssm:mutate');
      expect(rateBucketOf('dynamodb', 'PutItem')).toBeNull();
    });
  });
});

describe('createRateLimiter', () => {
  describe('when two operations share a bucket', () => {
    it('draws both from the same tokens', async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter({ 'eks:read': { burst: 1, ratePerSecond: 2 } }, clock);
      await limiter.acquire('eks', 'DescribeCluster');
      await limiter.acquire('eks', 'ListNodegroups');
      expect(clock.sleeps).toEqual([500]);
    });
  });

  describe('when rate control is off', () => {
    it('never waits', async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter(false, clock);
      for (let i = 0; i < 300; i++) await limiter.acquire('ec2', 'DescribeImages');
      expect(clock.sleeps).toEqual([]);
    });
  });

  describe('when a bucket is overridden with null', () => {
    it('leaves that bucket unlimited and the others at their defaults', async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter({ 'ssm:parameters': null }, clock);
      for (let i = 0; i < 50; i++) await limiter.acquire('ssm', 'GetParameters');
      // DescribeImages at half its published bucket: 50 burst, then one token every 100 ms.
      for (let i = 0; i < 51; i++) await limiter.acquire('ec2', 'DescribeImages');
      expect(clock.sleeps).toEqual([100]);
    });
  });

  describe('when EC2 APIs of one category are called', () => {
    it('gives each API its own bucket, as EC2 meters them', async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter({}, clock);
      for (let i = 0; i < 50; i++) await limiter.acquire('ec2', 'DescribeImages');
      for (let i = 0; i < 50; i++) await limiter.acquire('ec2', 'DescribeLaunchTemplateVersions');
      expect(clock.sleeps).toEqual([]);
      await limiter.acquire('ec2', 'DescribeLaunchTemplateVersions');
      expect(clock.sleeps).toEqual([100]);
    });

    it('applies a category override to each API separately', async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter({ 'ec2:describe': { burst: 1, ratePerSecond: 4 } }, clock);
      await limiter.acquire('ec2', 'DescribeImages');
      await limiter.acquire('ec2', 'DescribeLaunchTemplateVersions');
      await limiter.acquire('ec2', 'DescribeImages');
      expect(clock.sleeps).toEqual([250]);
    });

    it("takes half of an API's own published bucket where EC2 lists one (CreateLaunchTemplateVersion 100 / 5)", async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter({}, clock);
      for (let i = 0; i < 51; i++) await limiter.acquire('ec2', 'CreateLaunchTemplateVersion');
      for (let i = 0; i < 26; i++) await limiter.acquire('ec2', 'DeleteLaunchTemplateVersions');
      // 2.5 tokens a second for both; 50 burst for CreateLaunchTemplateVersion, 25 for a mutating action.
      expect(clock.sleeps).toEqual([400, 400]);
    });

    it("takes another share of an API's own published bucket, not of its category's", async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter(rateLimitsAtShare(0.2), clock);
      // CreateLaunchTemplateVersion: 20 % of 100 / 5 is 20 burst, 1 a second; a mutating action's 10 / 1.
      for (let i = 0; i < 21; i++) await limiter.acquire('ec2', 'CreateLaunchTemplateVersion');
      for (let i = 0; i < 11; i++) await limiter.acquire('ec2', 'DeleteLaunchTemplateVersions');
      expect(clock.sleeps).toEqual([1000, 1000]);
    });

    it('lets an override of one EC2 API win over its category and its published bucket', async () => {
      const clock = fakeClock();
      const limiter = createRateLimiter(
        {
          'ec2:mutate': { burst: 1, ratePerSecond: 1 },
          ec2Apis: { CreateLaunchTemplateVersion: { burst: 2, ratePerSecond: 4 } },
        },
        clock,
      );
      for (let i = 0; i < 3; i++) await limiter.acquire('ec2', 'CreateLaunchTemplateVersion');
      for (let i = 0; i < 2; i++) await limiter.acquire('ec2', 'DeleteLaunchTemplateVersions');
      expect(clock.sleeps).toEqual([250, 1000]);
    });
  });
});

describe('createRateLimiter pacing', () => {
  it('counts the calls waiting for a token and tells its listeners when none waits any more', async () => {
    let release: () => void = () => {};
    const clock: LimiterClock = {
      now: () => 0,
      sleep: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    };
    const limiter = createRateLimiter({ 'eks:read': { burst: 1, ratePerSecond: 1 } }, clock);
    const paced: number[] = [];
    limiter.onPaced(() => paced.push(limiter.pacing));
    await limiter.acquire('eks', 'DescribeNodegroup');
    const second = limiter.acquire('eks', 'DescribeNodegroup');
    expect(limiter.pacing).toBe(1);
    release();
    await second;
    expect(limiter.pacing).toBe(0);
    expect(paced).toEqual([0, 0]);
  });
});

describe('default rate limits', () => {
  it('are half of every published bucket', () => {
    for (const bucket of Object.values(RateBucket)) {
      expect(defaultRateLimits[bucket]).toEqual({
        burst: Math.floor(publishedRateLimits[bucket].burst / 2),
        ratePerSecond: publishedRateLimits[bucket].ratePerSecond / 2,
      });
    }
    expect(defaultRateShare).toBe(0.5);
    expect(defaultRateLimits['ec2:describe']).toEqual({ burst: 50, ratePerSecond: 10 });
    expect(defaultRateLimits['ssm:parameters']).toEqual({ burst: 20, ratePerSecond: 20 });
  });

  it('can be taken at another share, and refuse a share outside (0, 1]', () => {
    expect(rateLimitsAtShare(1)).toEqual({ ...publishedRateLimits, ec2Apis: publishedEc2ApiLimits });
    expect(rateLimitsAtShare(0.2).ec2Apis.CreateLaunchTemplateVersion).toEqual({
      burst: 20,
      ratePerSecond: 1,
    });
    expect(rateLimitsAtShare(0.25)['eks:read']).toEqual({ burst: 25, ratePerSecond: 5 });
    expect(() => rateLimitsAtShare(0)).toThrow(RangeError);
    expect(() => rateLimitsAtShare(1.5)).toThrow('invalid rate share: 1.5');
  });
});
