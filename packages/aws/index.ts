export {
  type AwsClients,
  type ClientContext,
  type ClientOptions,
  type Credentials,
  clientDefaults,
  createClientContext,
  createClients,
  isThrottlingError,
} from './src/clients.ts';
export {
  describeImagesBatch,
  describeLaunchTemplateVersions,
  imageBatchSize,
  type LaunchTemplateVersionFacts,
  toImageFacts,
} from './src/ec2.ts';
export {
  type DescribeNodegroupOutcome,
  describeCluster,
  describeNodegroup,
  describeUpdate,
  type EksCluster,
  type EksNodegroup,
  listClusters,
  listNodegroups,
  listUpdates,
  toEksNodegroup,
  toUpdateFacts,
} from './src/eks.ts';
export { AwsAdapterError, callAws, describeAwsError } from './src/errors.ts';
export {
  type InspectFleetOptions,
  type InspectFleetResult,
  inspectDefaults,
  inspectFleet,
} from './src/inspect.ts';
// --- Rollout (issue 4): RolloutPort over EKS/EC2, the DynamoDB ledger, the workflow starter ---
export {
  createLedger,
  createLedgerTable,
  DEFAULT_LEDGER_TABLE,
  type LedgerOptions,
  LedgerSchema,
} from './src/ledger.ts';
export {
  AwsService,
  createRateLimiter,
  createSemaphore,
  createTokenBucket,
  defaultRateLimits,
  type LimiterClock,
  mapLimit,
  RateBucket,
  type RateLimit,
  type RateLimiter,
  type RateLimitOverrides,
  rateBucketOf,
  type Semaphore,
  type TokenBucket,
} from './src/limit.ts';
export {
  createRolloutPort,
  createSsmPauseReader,
  parsePauseValue,
  type RolloutClients,
} from './src/rollout.ts';
export { getParameters, getParametersBatch, type ParameterValues, parameterBatchSize } from './src/ssm.ts';
export { type CallStats, callStats, type OperationStats, resetCallStats } from './src/stats.ts';
export { createLambdaWorkflowStarter, isQualifiedFunctionArn } from './src/workflow-starter.ts';
// --- end rollout ---
