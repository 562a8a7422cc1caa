// @nodekeeper/aws/clients: client sets per (account, region), the composition root (home region,
// config), rate limits, call statistics and AWS errors. Constructs no SDK client by itself: each
// entry below provides the clients of the services its adapters call.
export {
  type AwsClients,
  type ClientCache,
  type ClientContext,
  type ClientOptions,
  type Credentials,
  clientDefaults,
  createClientCache,
  createClientContext,
  createClients,
  isThrottlingError,
  provideClient,
  type ServiceClients,
  type ServiceName,
} from './src/clients.ts';
export {
  type BuildClientsOptions,
  buildClients,
  CONFIG_ENV,
  DEFAULT_CONFIG_FILE,
  homeRegion,
  quietLogger,
  type ReadConfigOptions,
  readConfig,
  readConfigIfAny,
} from './src/compose.ts';
export {
  AwsAdapterError,
  callAws,
  describeAwsError,
} from './src/errors.ts';
export {
  AwsService,
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
  type RateLimit,
  type RateLimiter,
  type RateLimitOverrides,
  rateBucketOf,
  rateLimitsAtShare,
  type Semaphore,
  type TokenBucket,
} from './src/limit.ts';
export {
  type CallStats,
  callStats,
  type OperationStats,
  resetCallStats,
} from './src/stats.ts';
export {
  CREDENTIAL_REFRESH_SECONDS,
  type CredentialProvider,
  cachedCredentials,
  createTargetClientCache,
  HUB_SESSION_NAME,
  rolesOf,
  type TargetClientCache,
  type TargetClientOptions,
  type TargetRole,
} from './src/targets.ts';
