/**
 * Bounded concurrency and client-side rate control. Nothing here knows about AWS; the middleware
 * in clients.ts applies a `RateLimiter` to every SDK attempt.
 */

/** Runs `fn` over `items` with at most `limit` calls in flight; resolves in input order. Rejects on the first failure (catch inside `fn` to keep going). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/**
 * A counting semaphore. Waiters are served highest `priority` first, in arrival order within a
 * priority. `run` holds one permit for the duration of `fn`.
 */
export interface Semaphore {
  /** Runs `fn` with a permit; `priority` (default 0) orders the queue: later stages of a pipeline go first. */
  run<R>(fn: () => Promise<R>, priority?: number): Promise<R>;
  /** Permits in use now. */
  readonly active: number;
  /** Callers waiting for a permit now. */
  readonly waiting: number;
  /** True when no call holds a permit or waits for one. */
  readonly idle: boolean;
  /** Its permits. */
  readonly permits: number;
  /**
   * Calls `listener` each time the semaphore becomes idle (its last call ended) and each time a
   * waiter gets its permit with at most `permits` callers left waiting (the backlog is down to one
   * round of calls or less). Returns an unsubscribe.
   */
  onIdle(listener: () => void): () => void;
}

/** Creates a semaphore with `permits` permits (at least 1). */
export function createSemaphore(permits: number): Semaphore {
  const max = Math.max(1, Math.floor(permits) || 1);
  let active = 0;
  let waiting = 0;
  // One FIFO per priority; `levels` is kept sorted, highest first.
  const queues = new Map<number, Array<() => void>>();
  const levels: number[] = [];
  const listeners = new Set<() => void>();
  const next = (): (() => void) | undefined => {
    for (const level of levels) {
      const q = queues.get(level);
      if (q && q.length > 0) return q.shift();
    }
    return undefined;
  };
  const release = (): void => {
    const wake = next();
    if (wake) {
      waiting--;
      wake();
      if (waiting <= max) for (const listener of [...listeners]) listener();
      return;
    }
    active--;
    if (active === 0) for (const listener of [...listeners]) listener();
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return waiting;
    },
    get idle() {
      return waiting === 0 && active === 0;
    },
    permits: max,
    onIdle(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async run<R>(fn: () => Promise<R>, priority = 0): Promise<R> {
      if (active < max && waiting === 0) active++;
      else {
        let q = queues.get(priority);
        if (q === undefined) {
          q = [];
          queues.set(priority, q);
          levels.push(priority);
          levels.sort((a, b) => b - a);
        }
        const queue = q;
        waiting++;
        await new Promise<void>((resolve) => queue.push(resolve));
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

/** A token bucket: `burst` tokens, refilled at `ratePerSecond`. */
export interface RateLimit {
  burst: number;
  ratePerSecond: number;
}

/** Time source for the limiter; injectable so tests need no real waiting. */
export interface LimiterClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket that never rejects: `acquire` reserves a token (the balance may go negative) and
 * waits until the reservation is covered, so waiters are served in arrival order at `ratePerSecond`.
 */
export interface TokenBucket {
  acquire(): Promise<void>;
  /** Called after a throttling answer: drops any remaining burst so the next calls pace at the refill rate. */
  penalize(): void;
  readonly limit: RateLimit;
}

export function createTokenBucket(limit: RateLimit, clock: LimiterClock = realClock): TokenBucket {
  if (!(limit.burst >= 1) || !(limit.ratePerSecond > 0)) {
    throw new RangeError(`invalid rate limit: burst ${limit.burst}, ${limit.ratePerSecond}/s`);
  }
  let tokens = limit.burst;
  let last = clock.now();
  const refill = (): void => {
    const now = clock.now();
    tokens = Math.min(limit.burst, tokens + ((now - last) / 1000) * limit.ratePerSecond);
    last = now;
  };
  return {
    limit,
    async acquire() {
      refill();
      tokens -= 1;
      if (tokens >= 0) return;
      await clock.sleep((-tokens / limit.ratePerSecond) * 1000);
    },
    penalize() {
      refill();
      tokens = Math.min(tokens, 0);
    },
  };
}

/** AWS services nodekeeper calls. */
export const AwsService = { eks: 'eks', ec2: 'ec2', ssm: 'ssm', sts: 'sts', dynamodb: 'dynamodb' } as const;
export type AwsService = (typeof AwsService)[keyof typeof AwsService];

/**
 * Rate buckets. AWS meters these per account and region, so each client set (one per account and
 * region) owns one bucket of each; EC2's two are categories, metered per API (one bucket per API).
 */
export const RateBucket = {
  ec2Describe: 'ec2:describe',
  ec2Mutate: 'ec2:mutate',
  eksRead: 'eks:read',
  eksMutate: 'eks:mutate',
  ssmParameters: 'ssm:parameters',
  ssmRead: 'ssm:read',
  ssmMutate: 'ssm:mutate',
  sts: 'sts',
} as const;
export type RateBucket = (typeof RateBucket)[keyof typeof RateBucket];

/**
 * AWS's request buckets per account and region, as published (docs/aws-contracts.md cites each).
 * EC2 meters every API in its own bucket: non-mutating actions 100 burst / 20 per s each, mutating
 * actions 50 / 5 each, with per-API exceptions ({@link publishedEc2ApiLimits}). Parameter Store's
 * default throughput is 40 TPS shared by GetParameter, GetParameters and GetParametersByPath (the
 * API Reference names GetParameter, GetParameters and PutParameter); a burst of 40 is our reading
 * of a TPS figure. EKS, SSM's other APIs and STS publish no request rates: EC2's non-mutating bucket stands in for
 * their reads and 100 / 5 for their writes (assumed, not published).
 */
export const publishedRateLimits: Readonly<Record<RateBucket, RateLimit>> = {
  'ec2:describe': { burst: 100, ratePerSecond: 20 },
  'ec2:mutate': { burst: 50, ratePerSecond: 5 },
  'eks:read': { burst: 100, ratePerSecond: 20 },
  'eks:mutate': { burst: 100, ratePerSecond: 5 },
  'ssm:parameters': { burst: 40, ratePerSecond: 40 },
  'ssm:read': { burst: 100, ratePerSecond: 20 },
  'ssm:mutate': { burst: 100, ratePerSecond: 5 },
  sts: { burst: 100, ratePerSecond: 20 },
};

/**
 * EC2 APIs whose published bucket differs from their category's ("uncategorized actions"): the
 * launch-template ones. nodekeeper calls CreateLaunchTemplateVersion; ModifyLaunchTemplate is listed
 * because EC2 publishes it with the same bucket, though nodekeeper never calls it (nor is granted it).
 */
export const publishedEc2ApiLimits: Readonly<Record<string, RateLimit>> = {
  CreateLaunchTemplateVersion: { burst: 100, ratePerSecond: 5 },
  ModifyLaunchTemplate: { burst: 100, ratePerSecond: 5 },
};

/**
 * The share of each published bucket nodekeeper takes by default: the account's other tools
 * (Karpenter, the console, autoscalers, CI) draw from the same buckets.
 */
export const defaultRateShare = 0.5;

/** `share` (0 < share ≤ 1) of a limit; at least 1 token of burst. Pure. */
export function shareOf(limit: RateLimit, share: number): RateLimit {
  if (!(share > 0 && share <= 1))
    throw new RangeError(`invalid rate share: ${share} (expected 0 < share ≤ 1)`);
  return { burst: Math.max(1, Math.floor(limit.burst * share)), ratePerSecond: limit.ratePerSecond * share };
}

/** Limits at one share of every published bucket: per category, and per EC2 API where EC2 lists its own. */
export type SharedRateLimits = Record<RateBucket, RateLimit> & { ec2Apis: Record<string, RateLimit> };

/**
 * Client-side limits at `share` of every published bucket, for `createClients({ rateLimits })`.
 * EC2 buckets stay per API (each EC2 API gets `share` of its own bucket: `ec2Apis` where EC2 lists
 * one, else its category's). Pure.
 */
export function rateLimitsAtShare(share: number): SharedRateLimits {
  const out = { ec2Apis: {} } as SharedRateLimits;
  for (const [bucket, limit] of Object.entries(publishedRateLimits) as Array<[RateBucket, RateLimit]>)
    out[bucket] = shareOf(limit, share);
  for (const [operation, limit] of Object.entries(publishedEc2ApiLimits))
    out.ec2Apis[operation] = shareOf(limit, share);
  return out;
}

/** Default client-side rates: {@link defaultRateShare} of {@link publishedRateLimits}. */
export const defaultRateLimits: Readonly<SharedRateLimits> = rateLimitsAtShare(defaultRateShare);

const readPrefixes = /^(Describe|List|Get|Search)/;

/** The bucket an operation draws from, or null when it is not rate-limited client-side. Pure. */
export function rateBucketOf(service: string, operation: string): RateBucket | null {
  const read = readPrefixes.test(operation);
  switch (service) {
    case 'ec2':
      return read ? RateBucket.ec2Describe : RateBucket.ec2Mutate;
    case 'eks':
      return read ? RateBucket.eksRead : RateBucket.eksMutate;
    case 'ssm':
      // Parameter Store's throughput: GetParameter, GetParameters and GetParametersByPath per the
      // General Reference; GetParameter, GetParameters and PutParameter per the API Reference.
      // nodekeeper paces all of them, and GetParameterHistory, in one bucket.
      if (/^(GetParameters?|GetParametersByPath|GetParameterHistory|PutParameter)$/.test(operation))
        return RateBucket.ssmParameters;
      return read ? RateBucket.ssmRead : RateBucket.ssmMutate;
    case 'sts':
      return RateBucket.sts;
    default:
      return null;
  }
}

/**
 * Rate limits to override, by bucket, and by EC2 API in `ec2Apis`; `null` turns a bucket off.
 * `false` turns client-side rate control off.
 */
export type RateLimitOverrides =
  | (Partial<Record<RateBucket, RateLimit | null>> & { ec2Apis?: Readonly<Record<string, RateLimit | null>> })
  | false;

/**
 * One token bucket per rate bucket (for EC2, per bucket and API), created lazily. Shared by every
 * client of one client set. An EC2 API's limit is, first found: its `ec2Apis` override, its
 * category's override (which applies to each EC2 API in it), its own published bucket at the
 * default share, its category's default.
 */
export interface RateLimiter {
  /** Waits for a token of the operation's bucket (returns at once for unlimited operations). */
  acquire(service: string, operation: string): Promise<void>;
  /** Records a throttling answer for the operation's bucket. */
  penalize(service: string, operation: string): void;
  /** Calls waiting for a token now (sent to AWS only when they get it). */
  readonly pacing: number;
  /** Calls `listener` each time no call waits for a token any more. Returns an unsubscribe. */
  onPaced(listener: () => void): () => void;
}

export function createRateLimiter(
  overrides: RateLimitOverrides = {},
  clock: LimiterClock = realClock,
): RateLimiter {
  const buckets = new Map<string, TokenBucket | null>();
  const bucketFor = (service: string, operation: string): TokenBucket | null => {
    if (overrides === false) return null;
    const category = rateBucketOf(service, operation);
    if (category === null) return null;
    // EC2 meters each API in its own bucket; the category's limit applies to each of them.
    const perApi = service === AwsService.ec2;
    const key = perApi ? `${category}/${operation}` : category;
    let b = buckets.get(key);
    if (b === undefined) {
      const apiOverrides = perApi ? overrides.ec2Apis : undefined;
      const exception = perApi ? defaultRateLimits.ec2Apis[operation] : undefined;
      const limit =
        apiOverrides !== undefined && Object.hasOwn(apiOverrides, operation)
          ? apiOverrides[operation]
          : category in overrides
            ? overrides[category]
            : (exception ?? defaultRateLimits[category]);
      b = limit ? createTokenBucket(limit, clock) : null;
      buckets.set(key, b);
    }
    return b;
  };
  let pacing = 0;
  const listeners = new Set<() => void>();
  return {
    async acquire(service, operation) {
      const bucket = bucketFor(service, operation);
      if (bucket === null) return;
      pacing += 1;
      try {
        await bucket.acquire();
      } finally {
        pacing -= 1;
        if (pacing === 0) for (const listener of [...listeners]) listener();
      }
    },
    penalize(service, operation) {
      bucketFor(service, operation)?.penalize();
    },
    get pacing() {
      return pacing;
    },
    onPaced(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
