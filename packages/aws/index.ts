// The whole package: every adapter, and every SDK client in AwsClients (the CLI, tests). The
// functions import the narrow entries (package.json "exports") so that each bundles only its own clients.
import './src/services/dynamodb.ts';
import './src/services/ec2.ts';
import './src/services/eks.ts';
import './src/services/ssm.ts';
import './src/services/sts.ts';

// --- Safety: the pause flag (SSM), operator approvals and recalls (ledger table) ---
export {
  type ApprovalResult,
  type ApprovalStore,
  type ApprovalStoreOptions,
  createApprovalStore,
} from './src/approvals.ts';
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
  type EksCluster,
  type EksNodegroup,
  listClusters,
  listNodegroups,
  toEksNodegroup,
  toUpdateFacts,
} from './src/eks.ts';
export { AwsAdapterError, callAws, describeAwsError, ParameterAccessDeniedError } from './src/errors.ts';
export {
  createFleetScanStarter,
  DURABLE_EXECUTION_STORAGE_BYTES,
  decodeInspection,
  type EncodedInspection,
  encodeInspection,
  type FleetScanStarter,
  INSPECTION_RESULT_MAX_BYTES,
  InspectionTooLargeError,
  resultBudget,
} from './src/fanout.ts';
export {
  callerIdentity,
  checkTargetAccess,
  homeAccountId,
  type TargetAccess,
} from './src/identity.ts';
export {
  type InspectFleetOptions,
  type InspectFleetResult,
  inspectDefaults,
  inspectFleet,
  inspectTarget,
  inspectTargets,
  TARGET_CONCURRENCY,
  targetError,
} from './src/inspect.ts';
export {
  type AsyncInvoker,
  type ContinuationEvent,
  createAsyncInvoker,
  createContinuationPort,
  createLambdaClient,
  type InvokeOutcome,
} from './src/invoke.ts';
// --- Rollout: RolloutPort over EKS/EC2, the DynamoDB ledger, the workflow starter ---
export {
  createLedger,
  createLedgerTable,
  DEFAULT_LEDGER_TABLE,
  type LedgerOptions,
  LedgerSchema,
  ROLLOUT_ITEM_TYPE,
  rolloutItem,
} from './src/ledger.ts';
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
// --- Patch: SSM Run Command adapters, the patch port, the patch ledger, the patch function invoker ---
export {
  createPatchPort,
  describeManagedInstances,
  describeNodegroupForPatch,
  findClusterRegion,
  findNodegroupInstances,
  getPatchCommandStatus,
  invokePatchFunction,
  listNodekeeperPatchCommands,
  type PatchCommandStatus,
  type PatchInvokeResult,
  type PatchNodegroupDescription,
  sendPatchCommand,
} from './src/patch.ts';
export { createPatchStatusPort, listPatchInvocations } from './src/patch-invocations.ts';
export {
  createPatchLedger,
  type PatchLedger,
  PatchLedgerKeys,
  type PatchLedgerOptions,
} from './src/patch-ledger.ts';
export {
  createPausePort,
  DEFAULT_PAUSE_PARAMETER,
  type PauseChange,
  parsePauseState,
  pauseParameterName,
  readPauseState,
  setPauseState,
} from './src/pause.ts';
export {
  createPlanPorts,
  createRollbackPorts,
  isLedgerMissing,
  type PlanPortsOptions,
} from './src/plan-ports.ts';
export {
  createRecallStore,
  RECALL_EPISODES_KEPT,
  type RecallEpisode,
  type RecallLift,
  type RecallRecord,
  type RecallResult,
  type RecallStore,
  type RecallStoreOptions,
  type RecallTarget,
  type UnrecallResult,
} from './src/recalls.ts';
export {
  createReleaseHistoryReader,
  describeImagesNamed,
  getParametersUnderPath,
  getParameterVersions,
  PARAMETER_HISTORY_MAX_VERSIONS,
  RELEASE_IMAGES_MAX,
  RELEASE_PATH_MAX_PARAMETERS,
  type ReleaseHistoryRead,
  type ReleaseHistoryReader,
} from './src/releases.ts';
export { createRequestClaims } from './src/request-claims.ts';
export {
  createRolloutPort,
  type RolloutClients,
} from './src/rollout.ts';
// --- end safety ---
export { createRunLedger, RunKeys, type RunLedgerOptions } from './src/runs.ts';
export { createScanMarks } from './src/scan-marks.ts';
export { getParameters, getParametersBatch, type ParameterValues, parameterBatchSize } from './src/ssm.ts';
export { type CallStats, callStats, type OperationStats, resetCallStats } from './src/stats.ts';
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
export { createLambdaWorkflowStarter, isQualifiedFunctionArn } from './src/workflow-starter.ts';
