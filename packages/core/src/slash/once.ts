/**
 * A signed request is accepted once: the acknowledgement (no AWS) and the worker's once-only
 * claim. Slash commands use it today; interactions (buttons) share the same claim, keyed by the
 * hash of their signature and timestamp. Pure: the claim is a port.
 */
import { code } from '../messages/mrkdwn.ts';
import type { SlackMessage } from '../messages/types.ts';
import {
  answerDeferredCommand,
  runSlashCommand,
  type SlashConfig,
  type SlashContext,
  type SlashOutcome,
  type SlashPorts,
  slashErrorCode,
} from './program.ts';
import { workFailedToStartText, workingText } from './replies.ts';
import { routeSlashCommand } from './route.ts';
import type { RefusalReason, SlashRequest } from './types.ts';

/** How long a claim is kept past the request's timestamp: the signature window plus an hour. */
export const REQUEST_CLAIM_TTL_SECONDS = 300 + 3600;
/** How old a signed request the worker still accepts (async invoke queue delay); below the claim's TTL. */
export const WORKER_MAX_REQUEST_AGE_SECONDS = 900;

/** Outcome of claiming a signed request; a failure to reach the store throws. */
export type RequestClaim = { kind: 'claimed' } | { kind: 'already-handled' };

/** The once-only store (a conditional write in the ledger table). */
export interface RequestClaimPort {
  /** Claims `key` until `expiresAt` (epoch seconds) unless already claimed. */
  claim(key: string, expiresAt: number, at: string): Promise<RequestClaim>;
}

/** What the acknowledgement does with a verified, parsed request. Pure; touches no AWS. */
export type SlashAck =
  | { kind: 'answer'; text: string; command: string | null; refused: RefusalReason | null }
  | { kind: 'hand-off'; command: string; text: string; failedText: string };

/** Routes for the acknowledgement: usage and refusals answer now; everything else goes to the worker. */
export function acknowledgeSlashCommand(
  request: Pick<SlashRequest, 'text' | 'userId'>,
  config: SlashConfig,
): SlashAck {
  const action = routeSlashCommand({
    text: request.text,
    userId: request.userId,
    allowedUserIds: config.slack.allowedUserIds,
    clusterPatterns: config.clusters,
    waveNames: (config.waves ?? []).map((w) => w.name),
  });
  switch (action.kind) {
    case 'reply':
      return { kind: 'answer', text: action.text, command: null, refused: null };
    case 'refuse':
      return { kind: 'answer', text: action.text, command: action.command, refused: action.reason };
    case 'defer':
      return {
        kind: 'hand-off',
        command: action.command.kind,
        text: workingText(action.command),
        failedText: workFailedToStartText(action.command),
      };
    default: {
      const shown = code(`/nodekeeper ${action.kind}`);
      return {
        kind: 'hand-off',
        command: action.kind,
        text: `Accepted ${shown}; the outcome will appear here in a few seconds.`,
        failedText: `Sorry, ${shown} could not be started. Nothing was changed; please try again in a minute.`,
      };
    }
  }
}

/** The answer to a replayed signed request: nothing was done again. */
export function alreadyHandledText(): string {
  return 'This request was already handled; nothing was done again.';
}

/** The answer when the once-only claim could not be checked: nothing was done. */
export function claimFailedText(code: string): string {
  return `Sorry, this request could not be checked against earlier ones (${code}); nothing was done. Please try again.`;
}

/** What the worker did with a signed request, for the shell's one log line. */
export type SignedWorkOutcome =
  | { kind: 'replayed' }
  | { kind: 'claim-failed'; error: string }
  | { kind: 'answered'; command: string; error: string | null }
  | { kind: 'ran'; outcome: SlashOutcome };

/**
 * The worker's half of a signed request (already verified and parsed): claims it once, then does
 * the work and returns the message for response_url. A replay (or a failed claim) does nothing.
 */
export async function runSignedSlashWork(
  request: SlashRequest,
  claim: { key: string; timestampSeconds: number },
  config: SlashConfig,
  ports: SlashPorts & { claims: RequestClaimPort },
  context: SlashContext,
): Promise<{ message: SlackMessage; outcome: SignedWorkOutcome }> {
  const say = (text: string): SlackMessage => ({ text, blocks: [] });
  let claimed: RequestClaim;
  try {
    claimed = await ports.claims.claim(
      claim.key,
      claim.timestampSeconds + REQUEST_CLAIM_TTL_SECONDS,
      context.now.toISOString(),
    );
  } catch (error) {
    const code = slashErrorCode(error);
    return { message: say(claimFailedText(code)), outcome: { kind: 'claim-failed', error: code } };
  }
  if (claimed.kind === 'already-handled')
    return { message: say(alreadyHandledText()), outcome: { kind: 'replayed' } };

  const action = routeSlashCommand({
    text: request.text,
    userId: request.userId,
    allowedUserIds: config.slack.allowedUserIds,
    clusterPatterns: config.clusters,
    waveNames: (config.waves ?? []).map((w) => w.name),
  });
  if (action.kind === 'defer') {
    const answer = await answerDeferredCommand(action.command, ports, context.now);
    return {
      message: answer.message,
      outcome: { kind: 'answered', command: action.command.kind, error: answer.error },
    };
  }
  // Mutations (and refusals, re-checked here) run as on the old request path, never deferring again.
  const done = await runSlashCommand(request, config, ports, { ...context, selfFunctionName: null });
  // The answer keeps the reply's visibility: a pause, resume or accepted patch is shown to the channel.
  return {
    message: { ...say(done.reply.text), responseType: done.reply.responseType },
    outcome: { kind: 'ran', outcome: done.outcome },
  };
}
