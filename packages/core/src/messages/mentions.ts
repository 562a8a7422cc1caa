/** Who is told when it matters: `slack.mentionOnFailure` on failure and halt messages. Pure. */
import { fitToSlackLimits } from './limits.ts';
import type { SlackMessage } from './types.ts';

/** A Slack user ID (`U…`, or `W…` on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
/** A user group as Slack's mention syntax, `<!subteam^S0123ABCD>`. */
export const SLACK_USER_GROUP = /^<!subteam\^S[A-Z0-9]{2,20}>$/;

/** `<@U…>` for a user ID, the user group as written; mentions everyone in one line. Pure. */
export function mentionText(mentions: readonly string[]): string {
  return mentions.map((m) => (SLACK_USER_ID.test(m) ? `<@${m}>` : m)).join(' ');
}

/**
 * A failure message with `mentions` at the front of its fallback text and in a section after its
 * header (Slack notifies the people mentioned); any other message, or no mentions, unchanged. Pure.
 */
export function withFailureMentions(message: SlackMessage, mentions: readonly string[]): SlackMessage {
  const valid = mentions.filter((m) => SLACK_USER_ID.test(m) || SLACK_USER_GROUP.test(m));
  if (message.failure !== true || valid.length === 0) return message;
  const who = mentionText(valid);
  const at = message.blocks[0]?.type === 'header' ? 1 : 0;
  const section = { type: 'section' as const, text: { type: 'mrkdwn' as const, text: who } };
  return fitToSlackLimits({
    ...message,
    text: `${who} ${message.text}`,
    blocks: [...message.blocks.slice(0, at), section, ...message.blocks.slice(at)],
  });
}
