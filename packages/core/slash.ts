/**
 * The `/nodekeeper` slash command: parsing, routing and authorization, request validation, replies.
 */

export {
  type ButtonIntent,
  buttonIntentOf,
  buttonNotUnderstoodText,
  type InteractionOutcome,
  type InteractionParse,
  type InteractionPorts,
  type InteractionSlackPort,
  parseInteractionPayload,
  runSignedInteraction,
  type SlackInteraction,
} from './src/slash/interaction.ts';
export {
  acknowledgeSlashCommand,
  alreadyHandledText,
  claimFailedText,
  REQUEST_CLAIM_TTL_SECONDS,
  type RequestClaim,
  type RequestClaimPort,
  runSignedSlashWork,
  type SignedWorkOutcome,
  type SlashAck,
  WORKER_MAX_REQUEST_AGE_SECONDS,
} from './src/slash/once.ts';
export {
  answerDeferredCommand,
  type PauseWriteOutcome,
  patchPayload,
  type RecordedApproval,
  runSlashAction,
  runSlashCommand,
  type SlashApprovalPort,
  type SlashConfig,
  type SlashContext,
  type SlashInvokeOutcome,
  type SlashOutcome,
  type SlashPausePort,
  type SlashPorts,
  type SlashReply,
} from './src/slash/program.ts';
export {
  buildHistoryMessage,
  buildStatusMessage,
  buildWorkFailedMessage,
  misconfiguredText,
  patchAcceptedText,
  patchFailedText,
  pausedText,
  pauseFailedText,
  resumedText,
  SLASH_MAX_LISTED,
  workFailedToStartText,
  workingText,
} from './src/slash/replies.ts';
export { parseSlashRequest, parseSlashWork } from './src/slash/request.ts';
export { routeSlashCommand } from './src/slash/route.ts';
export type {
  DeferredCommand,
  SlashApproval,
  SlashPatchRequest,
  SlashRequest,
  SlashWorkPayload,
} from './src/slash/types.ts';
