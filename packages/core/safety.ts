/**
 * Safety rules: waves, maintenance windows (EventBridge cron), budgets, circuit breaker, approvals, force.
 */
export { type HaltedRelease, haltedReleases } from './src/safety/breaker.ts';
export { parseCron } from './src/safety/cron.ts';
export {
  findRecall,
  isImageRecall,
  recallLabel,
  unrecallCommand,
} from './src/safety/recall.ts';
export { normalizeReleaseInput, releaseName } from './src/safety/release.ts';
export { describeMoment, formatLocalTime, nextWindows } from './src/safety/window.ts';
