// @nodekeeper/aws/inspect: fleet inspection and the planner's ports (EKS, EC2, SSM, STS).
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
  createPlanPorts,
  createRollbackPorts,
  isLedgerMissing,
  type PlanPortsOptions,
} from './src/plan-ports.ts';
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
export {
  getParameters,
  getParametersBatch,
  type ParameterValues,
  parameterBatchSize,
} from './src/ssm.ts';
