// Safety (issue 8): waves, maintenance windows, budgets, circuit breaker, pause, approvals, force.
export { approvalCovers, approveCommand, latestApproval } from './approvals.ts';
export { countedFailures, type HaltedRelease, haltedReleases } from './breaker.ts';
export {
  allocateBudget,
  type BudgetCandidate,
  type InFlightUpdate,
  STARTED_FACT_MAX_AGE_HOURS,
  updatesInProgress,
} from './budgets.ts';
export {
  type CronExpression,
  type CronParse,
  fireTimes,
  instantsOfLocalTime,
  nextFireTimes,
  parseCron,
  zoneOffsetMs,
} from './cron.ts';
export { applySafety, pausedMessage, type SafetyCandidate } from './evaluate.ts';
export { rolloutFactsFromRecords } from './facts.ts';
export { type AttemptOutcome, FORCE_NOTE, POD_EVICTION_FAILURE, shouldRetryWithForce } from './force.ts';
export { formatDuration } from './format.ts';
export {
  compareIdentities,
  GOLDEN_LINE_PREFIX,
  normalizeReleaseInput,
  releaseIdentity,
  releaseLineOf,
} from './release.ts';
export {
  describeMoment,
  formatLocalTime,
  isInsideWindow,
  type MaintenanceWindow,
  nextWindows,
  type WindowState,
  windowState,
} from './window.ts';
