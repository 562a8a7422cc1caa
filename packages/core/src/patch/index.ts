// Patch (issue 5): request model, targeting, SendCommand parameters, result summaries, orchestration.
export {
  buildPatchCommands,
  COMMENT_PREFIX,
  DEFAULT_PATCH_TIMEOUT_SECONDS,
  MAX_COMMENT_LENGTH,
  MAX_INSTANCES_PER_COMMAND,
  PATCH_DOCUMENT,
  parsePatchComment,
  patchComment,
} from './command.ts';
export {
  COMMAND_STATUS_DETAIL_TYPE,
  type CommandStatusChange,
  commandStatusEventSchema,
  parseCommandStatusEvent,
} from './event.ts';
export {
  EKS_NAME,
  INSTANCE_ID,
  MAX_REQUEST_INSTANCE_IDS,
  type PatchRequest,
  type PatchRequestInput,
  parsePatchRequest,
  patchRequestJsonSchema,
  patchRequestSchema,
  REQUEST_ID,
} from './request.ts';
export {
  type PatchAwsPort,
  type PatchCommandRecord,
  PatchGroupNotSealedError,
  type PatchGroupRecord,
  type PatchLedgerPort,
  type PatchNotify,
  type PatchReportResult,
  type PatchRequestRecord,
  type PatchResultItem,
  type PatchSettings,
  type PatchStartResult,
  patchGroupId,
  patchRunId,
  type ReportPatchDeps,
  reportPatchCommand,
  type StartPatchDeps,
  startPatch,
} from './run.ts';
export { type PatchScope, patchScope } from './scope.ts';
export {
  combineCommandStatuses,
  isTerminalStatus,
  patchCompletedEvent,
  pendingRebootCount,
  summarizeInvocations,
  TERMINAL_COMMAND_STATUSES,
} from './summary.ts';
export {
  BOTTLEROCKET_MESSAGE,
  isNodegroupMember,
  nodegroupPlatform,
  PatchPlatform,
  planPatch,
} from './targeting.ts';
export {
  type ExcludedInstance,
  InstanceOutcome,
  type InstanceResult,
  InstanceTag,
  type ManagedInstanceFacts,
  type PatchCommandGroup,
  type PatchCommandOptions,
  PatchDecision,
  type PatchFacts,
  type PatchInstanceFacts,
  type PatchInvocation,
  type PatchNodegroupFacts,
  type PatchPlan,
  type PatchPlanItem,
  type PatchResultSummary,
  type SendCommandParams,
  type UnmanagedInstance,
  UnmanagedReason,
} from './types.ts';
