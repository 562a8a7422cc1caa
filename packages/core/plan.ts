/**
 * The plan pipeline: AMI catalog, targets, policy, the pure planner, and `planFleet` (facts through ports → plan).
 */
export {
  type AgeSelection,
  type AmiAgeRule,
  effectiveTarget,
  minimumAgeFor,
  RELEASE_CANDIDATES_DESCRIBED,
  releaseHistoriesWanted,
  releaseHistoryWanted,
  releaseImagesToDescribe,
  selectByAge,
} from './src/age-selection.ts';
export {
  AmiFamily,
  type CatalogEntry,
  catalogEntry,
  catalogForVersion,
  eksOptimizedAmiName,
  isK8sVersion,
} from './src/catalog.ts';
export { matchesAny, matchesGlob } from './src/glob.ts';
export {
  type HistoryWindow,
  historyWindow,
  RELEASE_SKEW_DAYS,
  type WindowRelease,
  windowHolds,
} from './src/history-window.ts';
export { launchTemplateLookup, mergeInspections, targetError } from './src/inspection.ts';
export type { FollowRule } from './src/kubernetes-version.ts';
export {
  type AmiAgeRequest,
  type ClusterProgress,
  factsUnreadable,
  type InspectionTarget,
  inspectionTargetKey,
  inspectionTargets,
  PLAN_HISTORY_MAX_RECORDS,
  PlanFactsWarningCode,
  type PlanLedgerState,
  type PlannedFleet,
  type PlanPorts,
  type PlanProgress,
  planFleet,
  plannedRolloutRequests,
  TARGET_CONCURRENCY,
} from './src/plan-pipeline.ts';
export { type CandidateTarget, candidateTargets, plan, WHOLE_CLUSTER } from './src/planner.ts';
export { policyFromConfig } from './src/policy.ts';
export {
  type ParameterEntry,
  type ReleaseHistorySource,
  releaseHistorySource,
  releasesFromImages,
  releasesFromParameterHistory,
  releasesFromPath,
} from './src/release-history.ts';
export { lookupTarget, parametersForNodegroup, targetImageIds } from './src/targets.ts';
export type {
  CatalogSnapshot,
  Fleet,
  ImageFacts,
  InspectionError,
  NodegroupFacts,
  NodegroupRef,
  UpdateConfig,
  UpdateError,
} from './src/types/fleet.ts';
export { type Plan, type PlanItem, SkipReason, Strategy } from './src/types/plan.ts';
export type { Approval, PauseState, Recall, RolloutFact } from './src/types/policy.ts';
export { type PublishedRelease, type ReleaseHistory, ReleaseHistoryKind } from './src/types/releases.ts';
