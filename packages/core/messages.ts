/**
 * Slack messages as data (Block Kit): plan summary, rollout and patch notices, run status, links and limits.
 */
export { ActionId, actionKindOf, haltActions, runControlBlocks } from './src/messages/actions.ts';
export {
  mentionText,
  SLACK_USER_GROUP,
  SLACK_USER_ID,
  withFailureMentions,
} from './src/messages/mentions.ts';
export { escapeMrkdwn } from './src/messages/mrkdwn.ts';
export {
  buildPatchCompletedMessage,
  buildPatchRefusedMessage,
  buildPatchRequestedMessage,
} from './src/messages/patch.ts';
export { buildPlanSummaryMessage } from './src/messages/plan-summary.ts';
export type { PatchCompletedEvent, SlackMessage } from './src/messages/types.ts';
