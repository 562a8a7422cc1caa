/**
 * Slack messages as data (Block Kit): plan summary, rollout and patch notices, run status, links and limits.
 */
export { escapeMrkdwn } from './src/messages/mrkdwn.ts';
export {
  buildPatchCompletedMessage,
  buildPatchRefusedMessage,
  buildPatchRequestedMessage,
} from './src/messages/patch.ts';
export { buildPlanSummaryMessage } from './src/messages/plan-summary.ts';
export type { PatchCompletedEvent, SlackMessage } from './src/messages/types.ts';
