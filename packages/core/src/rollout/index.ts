export { isRetryable, MAX_ATTEMPT, nextAttempt, recordsByKey } from './attempt.ts';
export { RolloutError } from './errors.ts';
export { type GuardDecision, guardRollout } from './guard.ts';
export {
  CLIENT_TOKEN_MAX,
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
export { rolloutSlackMessage } from './notice.ts';
export {
  type PollResult,
  PollSchedule,
  type PollScheduleConfig,
  pollDelaySeconds,
  pollRollout,
  rolloutWaitStrategy,
  type WaitDecision,
  waitedSeconds,
} from './poll.ts';
export { parseRolloutRequest, rolloutRequestFromPlanItem, rolloutRequestSchema } from './request.ts';
export { type RolloutProgress, type RunRolloutOptions, runRollout } from './run.ts';
export {
  plannedRequests,
  type RequestContext,
  requestWithAttempt,
  type ScanStartResult,
  startPlannedRollouts,
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
  DescribeNodegroupResult,
  DescribeUpdateResult,
  FindLaunchTemplateVersionInput,
  HistoryQuery,
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
} from './types.ts';
export { NotStartedReason, RolloutEvent, RolloutOutcome, UpdateStatus } from './types.ts';
