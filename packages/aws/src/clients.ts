import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  createRateLimiter,
  type LimiterClock,
  type RateLimiter,
  type RateLimitOverrides,
  realClock,
} from './limit.ts';
import { type CallCounter, type CallStats, createCallCounter, processCallCounter } from './stats.ts';

/** SDK credentials: static keys or a provider (e.g. `fromTemporaryCredentials` for an assumed role). */
export type Credentials = NonNullable<ConstructorParameters<typeof EKSClient>[0]>['credentials'];

export interface ClientOptions {
  region: string;
  /** Default: the SDK's default provider chain. */
  credentials?: Credentials;
  /** Overrides every service's endpoint (tests). Without it the SDK honours `AWS_ENDPOINT_URL[_<SERVICE>]`. */
  endpoint?: string;
  /** SDK attempts per call, first one included (standard retry mode). Default 3. */
  maxAttempts?: number;
  /** TCP connect timeout. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Whole-request timeout (and socket idle timeout). Default 10000 ms. */
  requestTimeoutMs?: number;
  /** Client-side rate limits; see `defaultRateLimits`. `false` turns them off. */
  rateLimits?: RateLimitOverrides;
  /** Sockets per client set. Default 64. */
  maxSockets?: number;
  /** Clock for the rate limiter (tests). */
  clock?: LimiterClock;
}

export const clientDefaults = {
  maxAttempts: 3,
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  maxSockets: 64,
} as const;

/** What every SDK client of one (account, region) shares: HTTP handler, retry policy, rate limiter, counters. */
export interface ClientContext {
  readonly region: string;
  /** Pass to any SDK client constructor: `new LambdaClient(ctx.config)`, then `ctx.instrument(client, 'lambda')`. */
  readonly config: {
    region: string;
    credentials?: Credentials;
    endpoint?: string;
    maxAttempts: number;
    retryMode: 'standard';
    requestHandler: NodeHttpHandler;
  };
  readonly limiter: RateLimiter;
  readonly counter: CallCounter;
  /** Adds rate control and call counting to a client built from `config`. Returns the same client. */
  instrument<C extends InstrumentableClient>(client: C, service: string): C;
  destroy(): void;
}

/** The part of an SDK client `instrument` needs. */
export interface InstrumentableClient {
  middlewareStack: {
    add(middleware: never, options: never): void;
  };
}

const throttlingCodes = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/** Whether an SDK error is a throttling answer. Pure. */
export function isThrottlingError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as {
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: { throttling?: unknown };
  };
  return (
    (typeof e.name === 'string' && throttlingCodes.has(e.name)) ||
    e.$metadata?.httpStatusCode === 429 ||
    e.$retryable?.throttling === true
  );
}

type Next = (args: unknown) => Promise<unknown>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;

function operationName(context: { commandName?: string }): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}

/** Builds the shared pieces for one (account, region). Creates no connection until a call is made. */
export function createClientContext(options: ClientOptions): ClientContext {
  const maxSockets = options.maxSockets ?? clientDefaults.maxSockets;
  const requestTimeout = options.requestTimeoutMs ?? clientDefaults.requestTimeoutMs;
  const requestHandler = new NodeHttpHandler({
    connectionTimeout: options.connectTimeoutMs ?? clientDefaults.connectTimeoutMs,
    requestTimeout,
    throwOnRequestTimeout: true,
    socketTimeout: requestTimeout,
    httpAgent: { keepAlive: true, maxSockets },
    httpsAgent: { keepAlive: true, maxSockets },
  });
  const limiter = createRateLimiter(options.rateLimits ?? {}, options.clock ?? realClock);
  const counter = createCallCounter(processCallCounter());
  const config: ClientContext['config'] = {
    region: options.region,
    maxAttempts: Math.max(1, options.maxAttempts ?? clientDefaults.maxAttempts),
    retryMode: 'standard',
    requestHandler,
  };
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;

  return {
    region: options.region,
    config,
    limiter,
    counter,
    instrument(client, service) {
      // Once per logical call (outside the SDK's retry loop).
      const countCalls: Middleware = (next, context) => async (args) => {
        const operation = operationName(context);
        counter.record(service, operation, 'calls');
        try {
          return await next(args);
        } catch (err) {
          counter.record(service, operation, 'failed');
          throw err;
        }
      };
      // Once per attempt (inside the retry loop): every attempt, retries included, waits for a token.
      const limitAttempts: Middleware = (next, context) => async (args) => {
        const operation = operationName(context);
        await limiter.acquire(service, operation);
        counter.record(service, operation, 'attempts');
        try {
          return await next(args);
        } catch (err) {
          if (isThrottlingError(err)) {
            counter.record(service, operation, 'throttled');
            limiter.penalize(service, operation);
          }
          throw err;
        }
      };
      // Each SDK client types its stack by its own command unions; these middlewares are generic, hence the casts.
      client.middlewareStack.add(
        countCalls as never,
        { step: 'initialize', priority: 'high', name: 'nodekeeperCallCount' } as never,
      );
      client.middlewareStack.add(
        limitAttempts as never,
        { step: 'finalizeRequest', priority: 'low', name: 'nodekeeperRateLimit' } as never,
      );
      return client;
    },
    destroy() {
      requestHandler.destroy();
    },
  };
}

/** The SDK clients for one (account, region), sharing one HTTP handler, rate limiter and counters. */
export interface AwsClients {
  readonly region: string;
  readonly eks: EKSClient;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  readonly dynamodb: DynamoDBClient;
  readonly context: ClientContext;
  /** Calls, attempts, retries and throttles made through these clients. */
  stats(): CallStats;
  /** Closes pooled sockets. */
  destroy(): void;
}

/**
 * Builds the clients for one (account, region): explicit connect/request timeouts, standard retry
 * with bounded attempts, and client-side rate control on every attempt. Build once and reuse.
 */
export function createClients(options: ClientOptions): AwsClients {
  const context = createClientContext(options);
  const { config } = context;
  return {
    region: options.region,
    eks: context.instrument(new EKSClient(config), 'eks'),
    ec2: context.instrument(new EC2Client(config), 'ec2'),
    ssm: context.instrument(new SSMClient(config), 'ssm'),
    sts: context.instrument(new STSClient(config), 'sts'),
    dynamodb: context.instrument(new DynamoDBClient(config), 'dynamodb'),
    context,
    stats: () => context.counter.snapshot(),
    destroy: () => context.destroy(),
  };
}

/** Client sets by region, built on first use and then reused; `destroy` closes every one. */
export interface ClientCache {
  (region: string): AwsClients;
  /** Closes the pooled sockets of every client set built so far. */
  destroy(): void;
}

/**
 * One `createClients` set per region, sharing `options` (credentials, endpoint, timeouts). Builds
 * lazily; never makes a call. The same region always gets the same set (one rate limiter each).
 */
export function createClientCache(options: Omit<ClientOptions, 'region'> = {}): ClientCache {
  const cache = new Map<string, AwsClients>();
  const get = (region: string): AwsClients => {
    let clients = cache.get(region);
    if (!clients) {
      clients = createClients({ ...options, region });
      cache.set(region, clients);
    }
    return clients;
  };
  return Object.assign(get, {
    destroy() {
      for (const clients of cache.values()) clients.destroy();
      cache.clear();
    },
  });
}
