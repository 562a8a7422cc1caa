import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
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

/** The SDK clients a client set holds, by the name `AwsClients` gives each. */
export interface ServiceClients {
  eks: EKSClient;
  ec2: EC2Client;
  ssm: SSMClient;
  sts: STSClient;
  dynamodb: DynamoDBClient;
}
export type ServiceName = keyof ServiceClients;

type ClientFactory<K extends ServiceName> = (config: ClientContext['config']) => ServiceClients[K];
const factories: { [K in ServiceName]?: ClientFactory<K> } = {};

/**
 * Makes `AwsClients[name]` constructible. Called once at load by src/services/<name>.ts, which
 * every adapter module sending that service's commands imports: a Lambda bundle holds an SDK
 * client only when it holds code that calls it (issue 20 §1). Idempotent.
 */
export function provideClient<K extends ServiceName>(name: K, make: ClientFactory<K>): void {
  (factories as Record<ServiceName, unknown>)[name] = make;
}

/** The SDK clients for one (account, region), sharing one HTTP handler, rate limiter and counters. */
export interface AwsClients extends Readonly<ServiceClients> {
  readonly region: string;
  readonly context: ClientContext;
  /** Calls, attempts, retries and throttles made through these clients. */
  stats(): CallStats;
  /** Closes pooled sockets. */
  destroy(): void;
}

/**
 * Builds the clients for one (account, region): explicit connect/request timeouts, standard retry
 * with bounded attempts, and client-side rate control on every attempt. Build once and reuse.
 * Each service's SDK client is constructed on first use, so a client set costs nothing for the
 * services a caller never touches.
 */
export function createClients(options: ClientOptions): AwsClients {
  const context = createClientContext(options);
  const built: Partial<ServiceClients> = {};
  const client = <K extends ServiceName>(name: K): ServiceClients[K] => {
    const existing = built[name];
    if (existing !== undefined) return existing;
    const make = factories[name] as ClientFactory<K> | undefined;
    if (make === undefined) {
      // A bug in how the caller was assembled, not an AWS fault.
      throw new Error(
        `no ${name} client in this build: import an adapter of @nodekeeper/aws that calls ${name} (it provides the client)`,
      );
    }
    const made = context.instrument(make(context.config), name);
    built[name] = made;
    return made;
  };
  return {
    region: options.region,
    get eks() {
      return client('eks');
    },
    get ec2() {
      return client('ec2');
    },
    get ssm() {
      return client('ssm');
    },
    get sts() {
      return client('sts');
    },
    get dynamodb() {
      return client('dynamodb');
    },
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
