/**
 * Runs and their Slack thread (bot mode: one parent message per run, edited as it progresses).
 */
export { RunItemState } from './src/messages/types.ts';
export {
  controlRun,
  dropFromRun,
  markRunItem,
  newRun,
  openRunThread,
  type RunControl,
  type RunDeps,
  type RunItem,
  type RunLedgerPort,
  type RunRecord,
  type RunSlackPort,
  type RunThread,
  runItemKey,
} from './src/runs.ts';
