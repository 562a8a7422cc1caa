/**
 * In-place patching with SSM Patch Manager: request schema, targeting, SendCommand parameters, summaries, ports.
 */
export { PATCH_DOCUMENT, parsePatchComment } from './src/patch/command.ts';
export { parseCommandStatusEvent } from './src/patch/event.ts';
export { type PatchRequest, parsePatchRequest } from './src/patch/request.ts';
export {
  type PatchAwsPort,
  type PatchCommandRecord,
  type PatchGroupRecord,
  type PatchLedgerPort,
  type PatchNotify,
  type PatchReportResult,
  type PatchRequestRecord,
  type PatchResultItem,
  reportPatchCommand,
  startPatch,
} from './src/patch/run.ts';
export { patchScope } from './src/patch/scope.ts';
export {
  combineCommandStatuses,
  isTerminalStatus,
  patchCompletedEvent,
  summarizeInvocations,
} from './src/patch/summary.ts';
export { isNodegroupMember, planPatch } from './src/patch/targeting.ts';
export {
  type ExcludedInstance,
  InstanceTag,
  type ManagedInstanceFacts,
  type PatchFacts,
  type PatchInstanceFacts,
  type PatchInvocation,
  type PatchNodegroupFacts,
  type PatchResultSummary,
  type SendCommandParams,
  type UnmanagedInstance,
} from './src/patch/types.ts';
