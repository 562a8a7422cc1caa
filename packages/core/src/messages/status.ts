/** The bot-mode parent message of a run, edited with chat.update as the run progresses. Pure. */

import { context, free, header, linesToSections, name, nodegroupLink, section } from './format.ts';
import { fitToSlackLimits } from './limits.ts';
import { escapeMrkdwn } from './mrkdwn.ts';
import type { Block, RunItemState, RunStatus, SlackMessage } from './types.ts';

/** At most this many node groups are listed in the status message; the rest are counted. */
export const MAX_STATUS_LISTED = 40;

const icon: Record<RunItemState, string> = {
  pending: ':white_circle:',
  'in-progress': ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  'still-running': ':hourglass:',
  'not-started': ':no_entry_sign:',
};

/**
 * "3/5 node groups done, 1 failed": done counts every item nodekeeper finished with (succeeded,
 * failed, still running in EKS when it stopped waiting, not started). Pure.
 */
export function summarizeRunStatus(status: RunStatus): string {
  const n = (s: RunItemState): number => status.items.filter((i) => i.state === s).length;
  const done = n('succeeded') + n('failed') + n('still-running') + n('not-started');
  const parts = [`${done}/${status.items.length} node groups done`];
  if (n('failed') > 0) parts.push(`${n('failed')} failed`);
  if (n('still-running') > 0) parts.push(`${n('still-running')} still running in EKS`);
  if (n('not-started') > 0) parts.push(`${n('not-started')} not started`);
  if (n('in-progress') > 0) parts.push(`${n('in-progress')} in progress`);
  return parts.join(', ');
}

/** The parent "status" message for a rollout run or patch request. Pure. */
export function buildRunStatusMessage(status: RunStatus): SlackMessage {
  const summary = summarizeRunStatus(status);
  const what = status.kind === 'rollout' ? 'Rollout' : 'Patch';
  const blocks: Block[] = [header(`${what}: ${summary}`)];
  const shown = status.items.slice(0, MAX_STATUS_LISTED);
  const lines = shown.map(
    (i) =>
      `${icon[i.state]} ${name(i.cluster)} / ${name(i.nodegroup)} ${i.state} · ${nodegroupLink(i, 'console')}`,
  );
  blocks.push(...linesToSections(lines));
  const more = status.items.length - shown.length;
  if (more > 0) blocks.push(section(`…and ${more} more node groups`));
  blocks.push(context(`Started ${free(status.startedAt, 40)}`));
  return fitToSlackLimits({ text: `${what}: ${summary}`, blocks });
}

/** The one Slack notice of a release the breaker halted. Pure. */
export function buildReleaseHaltedMessage(halted: {
  release: string;
  family: string;
  failures: number;
}): SlackMessage {
  const text = `nodekeeper halted release ${halted.release} (${halted.family}): ${halted.failures} failed rollout(s) reached maxFailuresPerRelease. Nothing starts it until an operator runs \`nodekeeper approve ${halted.release}\`.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }] };
}
