/**
 * The rollout program and its ports: idempotency keys, guard, start, poll, ledger records, and the runners' contract.
 */
export { isRetryable, recordsByKey } from './src/rollout/attempt.ts';
export {
  DEFAULT_STAGE,
  executionName,
  rolloutKey,
  updateRequestToken,
  versionDescription,
} from './src/rollout/key.ts';
export { rolloutSlackMessage } from './src/rollout/notice.ts';
export {
  NOTICE_EVENT_TYPE,
  type NoticeFinderPort,
  type NoticeLookup,
  type NoticeMetadata,
  noticeMetadata,
} from './src/rollout/notices.ts';
export {
  DEFAULT_MAX_WAIT_HOURS,
  MAX_WAIT_HOURS,
  PollSchedule,
  type PollScheduleConfig,
  pollScheduleFor,
  waitedSeconds,
} from './src/rollout/poll.ts';
export {
  AWS_STEP_RETRY,
  type RolloutObservation,
  type RolloutRunner,
  runRolloutProgram,
} from './src/rollout/program.ts';
export {
  parseRolloutRequest,
  rolloutRequestFromPlanItem,
  rolloutRequestFromRecord,
} from './src/rollout/request.ts';
export { retireLaunchTemplateVersions } from './src/rollout/retire.ts';
export {
  type PlannedRollback,
  planRollback,
  planRollbackFleet,
  previousImagesWanted,
  ROLLBACK_HISTORY_LIMIT,
  RollbackDecision,
  type RollbackInput,
  type RollbackItem,
  type RollbackPipelineOptions,
  type RollbackPlan,
  type RollbackPorts,
  RollbackReason,
  type RollbackSelection,
  rollbackRequests,
  rollbackWaiting,
  rolloutToCurrent,
  selectRollbackGroups,
} from './src/rollout/rollback.ts';
export { type RolloutProgress, runRollout } from './src/rollout/run.ts';
export { type ScanStartResult, startRollouts, type WorkflowStarter } from './src/rollout/scan.ts';
export {
  budgetHeld,
  continuationCovered,
  runScanProgram,
  type ScanCounts,
  type ScanMarkPort,
  type ScanNotifyPort,
  type ScanObservation,
  type ScanOutcome,
  type ScanPorts,
  type ScanTrigger,
  START_VISIBLE_WAIT,
  scanRunId,
} from './src/rollout/scan-program.ts';
export { refOf } from './src/rollout/start.ts';
export { type RolloutSummary, rolloutRecord } from './src/rollout/steps.ts';
export {
  type ClaimResult,
  type ContinuationPort,
  type DeleteLaunchTemplateVersionsResult,
  type DescribeNodegroupResult,
  type FindLaunchTemplateVersionInput,
  type HistoryQuery,
  type LaunchTemplateVersionInfo,
  type LedgerPort,
  type NodegroupState,
  type NotifyPort,
  type PausePort,
  type RecallPort,
  type RecordResult,
  type RolloutDeps,
  RolloutEvent,
  RolloutKind,
  type RolloutNotice,
  type RolloutPort,
  type RolloutRecord,
  type RolloutRequest,
  type UpdateFacts,
  type UpdateNodegroupVersionResult,
  UpdateStatus,
} from './src/rollout/types.ts';
