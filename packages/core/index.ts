export { NodekeeperError, ValidationError } from './src/errors.ts';
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
export type { AmiRef, Plan, PlanItem } from './src/types/plan.ts';
export { Decision, SkipReason, Strategy } from './src/types/plan.ts';
