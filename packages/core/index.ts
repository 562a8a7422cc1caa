// --- Plan (issue 3): AMI catalog, config, globs, targets, policy, planner ---
export type { CatalogEntry, IdentifiedAmi } from './src/catalog.ts';
export {
  AmiFamily,
  AmiType,
  amiFamily,
  CATALOG_AMI_TYPES,
  catalogEntry,
  catalogForVersion,
  compareReleases,
  identifyAmiByName,
  isK8sVersion,
  ReleaseVersionSource,
} from './src/catalog.ts';
export type { Config, ConfigInput, FleetTarget, TargetConfig, WaveConfig } from './src/config.ts';
export {
  configJsonSchema,
  configSchema,
  cronShapeProblems,
  fleetTargets,
  formatIssues,
  isIanaTimeZone,
  parseConfig,
  parseConfigText,
  SpokeAccess,
} from './src/config.ts';
export { NodekeeperError, ValidationError } from './src/errors.ts';
export { matchesAny, matchesGlob } from './src/glob.ts';
export { plan, WHOLE_CLUSTER } from './src/planner.ts';
export type { PolicyFacts, WaveAssignment, WaveLocation } from './src/policy.ts';
export { assignWave, policyFromConfig, waveSelects } from './src/policy.ts';
// Safety (issue 8): waves, windows (EventBridge cron), budgets, breaker, approvals, force.
export * from './src/safety/index.ts';
export type { TargetLookup, TargetSource } from './src/targets.ts';
export {
  currentCustomImageId,
  isCustom,
  lookupTarget,
  parametersForNodegroup,
  parametersForSource,
  Tag,
  targetSourceFor,
} from './src/targets.ts';
export type {
  CatalogSnapshot,
  Fleet,
  ImageFacts,
  InspectionError,
  LaunchTemplateFacts,
  Location,
  NodegroupFacts,
} from './src/types/fleet.ts';
export { NodegroupStatus } from './src/types/fleet.ts';
export type { AmiRef, Plan, PlanItem, PlanWarning } from './src/types/plan.ts';
export { Decision, PlanWarningCode, SkipReason, Strategy } from './src/types/plan.ts';
export type {
  Approval,
  PauseState,
  Policy,
  RolloutFact,
  WavePolicy,
  WindowPolicy,
} from './src/types/policy.ts';
export { RolloutFactOutcome } from './src/types/policy.ts';

// --- end plan ---

// One Fleet and CatalogSnapshot from per-region inspections (scan, CLI, slash command).
export {
  type Inspection,
  type LaunchTemplateLocation,
  type LaunchTemplateRef,
  launchTemplateLookup,
  launchTemplateUsersLookup,
  mergeInspections,
} from './src/inspection.ts';
// --- Slack messages (Block Kit as data) and the slash-command parser (issue 6) ---
// (biome sorts the rollout re-export below into this group.)
export { fitToSlackLimits, SlackLimits } from './src/messages/limits.ts';
export { clusterConsoleUrl, nodegroupConsoleUrl, ssmCommandConsoleUrl } from './src/messages/links.ts';
export { code, codeBlock, escapeControl, escapeMrkdwn, truncateMrkdwn } from './src/messages/mrkdwn.ts';
export {
  buildPatchCompletedMessage,
  buildPatchFailedMessage,
  buildPatchRefusedMessage,
  buildPatchRequestedMessage,
  LAUNCH_TEMPLATE_NOTE,
} from './src/messages/patch.ts';
export { buildPlanSummaryMessage, countPlan, PLAN_MAX_LISTED } from './src/messages/plan-summary.ts';
export {
  buildRolloutFailedMessage,
  buildRolloutNotStartedMessage,
  buildRolloutStartedMessage,
  buildRolloutStillRunningMessage,
  buildRolloutSucceededMessage,
} from './src/messages/rollout.ts';
export type { SlashCommand } from './src/messages/slash-command.ts';
export { isMutating, parseSlashCommand, slashUsageText } from './src/messages/slash-command.ts';
export { buildRunStatusMessage, summarizeRunStatus } from './src/messages/status.ts';
export type {
  Block,
  PatchCompletedEvent,
  PatchFailedEvent,
  PatchFailedInstance,
  PatchRefusedEvent,
  PatchRequestedEvent,
  PatchTarget,
  RolloutFailedEvent,
  RolloutNotStartedEvent,
  RolloutRef,
  RolloutStartedEvent,
  RolloutSucceededEvent,
  RunStatus,
  SlackMessage,
} from './src/messages/types.ts';
// NodegroupRef and UpdateError: identical shapes are re-exported from ./src/rollout at the end.
export { PatchOperation, PatchRefusalReason, RunItemState } from './src/messages/types.ts';
// Observability (issue 12): metric definitions and the numbers behind them; the fleet report.
export {
  ALARM_MAX_EVALUATION_SECONDS,
  AmiDateSource,
  cronMaxGapSeconds,
  type DatedAmi,
  DimensionSet,
  fleetFreshness,
  METRIC_DEFINITIONS,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricBatch,
  type MetricDefinition,
  MetricDimension,
  MetricName,
  MetricUnitName,
  type MetricValue,
  NO_WAVE,
  type NodegroupFreshness,
  type PatchResultCounts,
  patchMetricBatch,
  releaseStampDate,
  rolloutMetricBatch,
  type ScanAlarmWindow,
  SELF_ACCOUNT,
  scanAlarmWindow,
  scanMetricBatches,
  slackFailureMetricBatch,
  summarizeFreshness,
  wholeDaysBetween,
} from './src/metrics.ts';
// Patch (issue 5): request schema, targeting, SendCommand parameters, summaries, orchestration ports.
export * from './src/patch/index.ts';
// The one plan pipeline (scan, slash command, CLI plan/roll/report): facts through ports → plan.
export {
  type ClusterProgress,
  factsUnreadable,
  PLAN_HISTORY_LIMIT,
  type PlanFactsWarning,
  PlanFactsWarningCode,
  type PlanLedgerState,
  type PlannedFleet,
  type PlanPipelineOptions,
  type PlanPorts,
  type PlanProgress,
  planFleet,
  plannedRolloutRequests,
  TARGET_CONCURRENCY,
} from './src/plan-pipeline.ts';
export * from './src/report/index.ts';
// Rollout orchestration (issue 4): ports, idempotency keys, guard, start/poll, ledger records.
export * from './src/rollout/index.ts';
// Runs and their Slack thread (bot mode: one parent message per run, edited as it progresses).
export {
  dropFromRun,
  type MarkRunItemResult,
  markRunItem,
  newRun,
  type OpenRunResult,
  openRunThread,
  type RunDeps,
  type RunItem,
  type RunLedgerPort,
  type RunRecord,
  type RunSlackPort,
  type RunThread,
  runItemKey,
  runStatusOf,
  runThreadOf,
} from './src/runs.ts';
// Slash command (issue 6): routing/authorization, request and work-payload validation, replies.
export * from './src/slash/index.ts';
export { renderTable } from './src/text.ts';
