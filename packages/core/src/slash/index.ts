// The `/nodekeeper` slash command (issue 6): routing and authorization, request validation, replies.

export type { StatusPause } from './replies.ts';
export {
  buildHistoryMessage,
  buildStatusMessage,
  buildWorkFailedMessage,
  describeCommand,
  misconfiguredText,
  patchAcceptedText,
  patchFailedText,
  pausedText,
  pauseFailedText,
  resumedText,
  SLASH_MAX_LISTED,
  workFailedToStartText,
  workingText,
} from './replies.ts';
export type { SlashParse, SlashWorkParse } from './request.ts';
export {
  isAllowedResponseUrl,
  parseSlashRequest,
  parseSlashWork,
  slashFormSchema,
  slashWorkSchema,
} from './request.ts';
export type { RouteInput } from './route.ts';
export { isAllowedUser, routeSlashCommand } from './route.ts';
export type {
  DeferredCommand,
  SlashAction,
  SlashPatchRequest,
  SlashRequest,
  SlashWorkPayload,
} from './types.ts';
export { RefusalReason } from './types.ts';
