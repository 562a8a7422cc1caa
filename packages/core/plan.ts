/**
 * The plan pipeline: AMI catalog, targets, policy, the pure planner, and `planFleet` (facts through ports → plan).
 */
export {
  AmiFamily,
  type CatalogEntry,
  catalogEntry,
  catalogForVersion,
  isK8sVersion,
} from './src/catalog.ts';
export { matchesAny, matchesGlob } from './src/glob.ts';
export { launchTemplateLookup, mergeInspections } from './src/inspection.ts';
export {
  type ClusterProgress,
  factsUnreadable,
  PLAN_HISTORY_LIMIT,
  PlanFactsWarningCode,
  type PlanLedgerState,
  type PlannedFleet,
  type PlanPorts,
  type PlanProgress,
  planFleet,
  plannedRolloutRequests,
  TARGET_CONCURRENCY,
} from './src/plan-pipeline.ts';
export { plan, WHOLE_CLUSTER } from './src/planner.ts';
export { policyFromConfig } from './src/policy.ts';
export { lookupTarget, parametersForNodegroup } from './src/targets.ts';
export type {
  CatalogSnapshot,
  Fleet,
  ImageFacts,
  InspectionError,
  NodegroupFacts,
  NodegroupRef,
  UpdateError,
} from './src/types/fleet.ts';
export { type Plan, type PlanItem, SkipReason, Strategy } from './src/types/plan.ts';
export type { Approval, PauseState, RolloutFact } from './src/types/policy.ts';
