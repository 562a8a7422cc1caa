export { isRetryable, MAX_ATTEMPT, nextAttempt, recordsByKey } from './attempt.ts';
export { RolloutError } from './errors.ts';
export { type GuardDecision, guardRollout } from './guard.ts';
export {
  DEFAULT_STAGE,
  EXECUTION_NAME_MAX,
  executionName,
  launchTemplateClientToken,
  launchTemplateKey,
  rolloutKey,
  targetIdentity,
  updateRequestToken,
  VERSION_DESCRIPTION_MARKER,
  VERSION_DESCRIPTION_MAX,
  versionDescription,
  versionDescriptionPrefix,
} from './key.ts';
export { createLocalRunner, stepRetryDelaySeconds } from './local-runner.ts';
export { rolloutSlackMessage } from './notice.ts';
export {
  DEFAULT_MAX_WAIT_HOURS,
  MAX_WAIT_HOURS,
  type PollResult,
  PollSchedule,
  type PollScheduleConfig,
  pollDelaySeconds,
  pollRollout,
  pollScheduleFor,
  rolloutWaitStrategy,
  type WaitDecision,
  waitedSeconds,
} from './poll.ts';
export {
  AWS_STEP_RETRY,
  MAX_POLL_ERRORS,
  type RolloutObservation,
  type RolloutProgramOptions,
  type RolloutRunner,
  runRolloutProgram,
} from './program.ts';
export {
  parseRolloutRequest,
  rolloutRequestFromPlanItem,
  rolloutRequestFromRecord,
  rolloutRequestSchema,
} from './request.ts';
export {
  chooseVersionsToRetire,
  DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS,
  DELETE_VERSIONS_BATCH,
  isNodekeeperVersion,
  KeepReason,
  LAUNCH_TEMPLATE_VERSIONS_QUOTA,
  MAX_RETENTION_USERS,
  RETIRE_MIN_AGE_MS,
  type RetirementChoice,
  type RetirementInput,
  type RetireResult,
  type RetireStepResult,
  retireLaunchTemplateVersions,
} from './retire.ts';
export { type RolloutProgress, type RunRolloutOptions, runRollout } from './run.ts';
export {
  type RequestContext,
  requestWithAttempt,
  type ScanStartResult,
  startRollouts,
  type WorkflowStarter,
} from './scan.ts';
export { findOwnUpdate, type OwnUpdate, refOf, type StartResult, startRollout } from './start.ts';
export {
  finalOutcome,
  forcedRetryOf,
  type GuardStepResult,
  guardStep,
  type NotifyStepResult,
  notifyStep,
  outcomeMessage,
  pollStep,
  type RolloutSummary,
  recordNotStartedStep,
  recordOutcomeStep,
  recordRejectedStep,
  recordStartedStep,
  rolloutNotice,
  rolloutRecord,
  startedMessage,
  startStep,
  summaryOf,
  summaryWithoutRecord,
} from './steps.ts';
export type {
  ClaimResult,
  CreateLaunchTemplateVersionInput,
  CreateLaunchTemplateVersionResult,
  DeleteLaunchTemplateVersionsResult,
  DescribeNodegroupResult,
  DescribeUpdateResult,
  FinalOutcome,
  FindLaunchTemplateVersionInput,
  HistoryQuery,
  LaunchTemplateVersionInfo,
  LedgerPort,
  NodegroupRef,
  NodegroupState,
  NotifyPort,
  NotifyResult,
  PausePort,
  RecordResult,
  RolloutDeps,
  RolloutNotice,
  RolloutPort,
  RolloutRecord,
  RolloutRequest,
  UpdateError,
  UpdateFacts,
  UpdateNodegroupVersionInput,
  UpdateNodegroupVersionResult,
  VersionRetention,
} from './types.ts';
export { NotStartedReason, RolloutEvent, RolloutOutcome, UpdateStatus } from './types.ts';
